"""Device and dtype choice for the transformers wrappers (CUDA when present, bf16/fp16 there)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Union

if TYPE_CHECKING:  # torch is imported when a device or dtype is resolved, not at import time
    import torch

DeviceLike = Union[str, "torch.device", None]
DtypeLike = Union[str, "torch.dtype", None]

_DTYPES = {
    "float32": "float32", "fp32": "float32", "float": "float32",
    "float16": "float16", "fp16": "float16", "half": "float16",
    "bfloat16": "bfloat16", "bf16": "bfloat16",
}


def resolve_device(device: DeviceLike = None) -> "torch.device":
    """``None``/``"auto"`` → ``cuda`` when available, else ``cpu``; anything else is passed to ``torch.device``.

    Raises ``ValueError`` when CUDA is asked for but not available.
    """
    import torch

    if device is None or (isinstance(device, str) and device == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return dev


def resolve_dtype(dtype: DtypeLike, device: "torch.device") -> "torch.dtype":
    """``None``/``"auto"`` → bf16 on a GPU that supports it, fp16 on other GPUs, fp32 on CPU.

    Explicit names: ``float32``/``fp32``, ``float16``/``fp16``, ``bfloat16``/``bf16``, or a ``torch.dtype``.
    Half precision on CPU is refused (slow and inaccurate there): ``ValueError``.
    """
    import torch

    if isinstance(dtype, torch.dtype):
        out = dtype
    elif dtype is None or dtype == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    else:
        key = str(dtype).lower()
        if key not in _DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}; use one of {sorted(_DTYPES)} or 'auto'")
        out = getattr(torch, _DTYPES[key])
    if device.type == "cpu" and out is torch.float16:
        raise ValueError("dtype float16 on CPU is not supported; use float32 or bfloat16")
    return out


def dtype_name(dtype: Optional[Any]) -> str:
    """Short name of a torch dtype (``float32``, ``bfloat16`` …)."""
    return str(dtype).replace("torch.", "") if dtype is not None else "none"
