"""Loading of the transformers models behind the wrappers: a hub id / local directory or an already
loaded module, placed on the resolved device and dtype."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from xlner.models._device import DeviceLike, DtypeLike, resolve_device, resolve_dtype

if TYPE_CHECKING:  # torch is imported when a model is loaded, not at import time
    import torch


@dataclass
class LoadedModel:
    """A model in eval mode on ``device``/``dtype``, its tokenizer and its name (the path or hub id
    given, else the model config's ``_name_or_path``, else the module's class name)."""

    model: Any
    tokenizer: Any
    name: str
    device: "torch.device"
    dtype: "torch.dtype"


def load_model(model: Union[str, Path, "torch.nn.Module"], tokenizer: Optional[object], auto_class: Any, *,
               device: DeviceLike = None, dtype: DtypeLike = None) -> LoadedModel:
    """Resolve ``device``/``dtype`` (:mod:`xlner.models._device`), load ``model`` with
    ``auto_class.from_pretrained`` when it is a path or hub id (the tokenizer with ``AutoTokenizer`` when
    not given), and move the model to the device and dtype in eval mode (a loaded module in place).

    Raises ``ValueError`` when ``model`` is a loaded module and no ``tokenizer`` is given.
    """
    from transformers import AutoTokenizer

    dev = resolve_device(device)
    dt = resolve_dtype(dtype, dev)
    if isinstance(model, (str, Path)):
        name = str(model)
        if tokenizer is None:
            tokenizer = AutoTokenizer.from_pretrained(name)
        model = auto_class.from_pretrained(name, dtype=dt)
    else:
        name = str(getattr(getattr(model, "config", None), "_name_or_path", "") or type(model).__name__)
        if tokenizer is None:
            raise ValueError("tokenizer is required when model is a loaded module")
    assert not isinstance(model, (str, Path))
    return LoadedModel(model.to(device=dev, dtype=dt).eval(), tokenizer, name, dev, dt)
