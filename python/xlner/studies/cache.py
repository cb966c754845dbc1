"""Content-keyed caches of the studies (``--cache`` / ``cache_dir``).

A cached artefact (word alignments, a trained CRF, a distilled student) is stored under a file name that
carries a digest of everything it was computed from: the input sentences, the options (dataclasses are
digested field by field, so a changed default changes the key) and, for alignments, the compiled engine and
the package version. A rerun after a change of data, options or code therefore computes the artefact anew
instead of silently reusing a stale one; an unchanged rerun reuses it. Only time is saved, never a result
changed: a study run with a cache and one without give the same tables.
"""
from __future__ import annotations

import dataclasses
import hashlib
import struct
from pathlib import Path
from typing import Any, Mapping, Optional

import numpy as np

#: Hex digits of the digest in a cache file's name.
DIGEST_CHARS = 16


def _feed(h: "hashlib._Hash", obj: Any) -> None:
    """Feed ``obj`` into ``h`` with a type tag and length prefix per item, so that different structures never
    encode to the same bytes (``["ab"]`` vs ``["a", "b"]``)."""
    if obj is None:
        h.update(b"N")
    elif isinstance(obj, bool):
        h.update(b"B1" if obj else b"B0")
    elif isinstance(obj, int):
        s = str(obj).encode()
        h.update(b"I" + struct.pack("<q", len(s)) + s)
    elif isinstance(obj, float):
        h.update(b"F" + struct.pack("<d", obj))
    elif isinstance(obj, str):
        b = obj.encode("utf-8", "surrogatepass")
        h.update(b"S" + struct.pack("<q", len(b)) + b)
    elif isinstance(obj, bytes):
        h.update(b"Y" + struct.pack("<q", len(obj)) + obj)
    elif isinstance(obj, Path):
        _feed(h, str(obj))
    elif isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        _feed(h, str(arr.dtype))
        _feed(h, list(arr.shape))
        h.update(b"A" + arr.tobytes())
    elif isinstance(obj, np.generic):
        _feed(h, obj.item())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(b"D")
        _feed(h, type(obj).__qualname__)
        for f in dataclasses.fields(obj):
            _feed(h, f.name)
            _feed(h, getattr(obj, f.name))
    elif isinstance(obj, Mapping):
        h.update(b"M" + struct.pack("<q", len(obj)))
        for k in sorted(obj, key=repr):
            _feed(h, k)
            _feed(h, obj[k])
    elif isinstance(obj, (list, tuple)):
        h.update(b"L" + struct.pack("<q", len(obj)))
        for x in obj:
            _feed(h, x)
    else:
        raise TypeError(f"cannot digest a {type(obj).__name__} for a cache key")


def content_digest(*parts: Any) -> str:
    """A digest of ``parts`` (None, bool, int, float, str, bytes, paths, numpy arrays, dataclasses, mappings,
    lists and tuples, nested): equal parts give equal digests in every process; any change gives another."""
    h = hashlib.sha256()
    _feed(h, list(parts))
    return h.hexdigest()[:DIGEST_CHARS]


def engine_fingerprint() -> str:
    """A digest of the compiled engine (the ``xlner._core`` extension file) and the package version: artefacts
    the engine computed (alignments) are keyed on it, so a rebuilt engine never reuses them."""
    import xlner
    from xlner import _core

    h = hashlib.sha256(str(getattr(xlner, "__version__", "")).encode())
    path = getattr(_core, "__file__", None)
    if path:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:DIGEST_CHARS]


def aligner_fingerprint() -> str:
    """A digest of what the studies' alignments depend on besides their input sentences: the engine
    (:func:`engine_fingerprint`) and the defaults of the alignment recipe and of the Gibbs aligner."""
    from xlner.align.gibbs import GibbsConfig
    from xlner.align.recipe import AlignRecipe

    return content_digest(engine_fingerprint(), AlignRecipe(), GibbsConfig())


def keyed_path(cache: Optional[Path], name: str, suffix: str, *parts: Any) -> Optional[Path]:
    """``cache / f"{name}.{digest}{suffix}"`` with the :func:`content_digest` of ``parts``; None without a
    cache. ``name`` keeps the file readable, the digest makes it exact."""
    if cache is None:
        return None
    return cache / f"{name}.{content_digest(*parts)}{suffix}"


__all__ = ["DIGEST_CHARS", "aligner_fingerprint", "content_digest", "engine_fingerprint", "keyed_path"]
