"""Device and dtype choice for the model wrappers."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from xlner.models._device import dtype_name, resolve_device, resolve_dtype  # noqa: E402


def test_auto_device_and_dtype():
    dev = resolve_device(None)
    assert dev == resolve_device("auto")
    assert dev.type == ("cuda" if torch.cuda.is_available() else "cpu")
    cpu = torch.device("cpu")
    assert resolve_dtype(None, cpu) is torch.float32
    assert resolve_dtype("auto", cpu) is torch.float32


def test_explicit_dtypes():
    cpu = torch.device("cpu")
    assert resolve_dtype("bf16", cpu) is torch.bfloat16
    assert resolve_dtype("float32", cpu) is torch.float32
    assert resolve_dtype(torch.bfloat16, cpu) is torch.bfloat16
    assert dtype_name(torch.bfloat16) == "bfloat16"
    with pytest.raises(ValueError, match="float16 on CPU"):
        resolve_dtype("fp16", cpu)
    with pytest.raises(ValueError, match="unknown dtype"):
        resolve_dtype("int8", cpu)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without CUDA")
def test_cuda_requested_without_cuda_is_an_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_auto_dtype_is_half():
    dev = resolve_device("cuda")
    assert resolve_dtype(None, dev) in (torch.bfloat16, torch.float16)
    assert resolve_dtype("fp16", dev) is torch.float16
