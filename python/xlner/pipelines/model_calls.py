"""Calls of the injected models, in batches, checked for one output per input.

The models are typed by the protocols of :mod:`xlner.models.base` (:class:`~xlner.models.base.Translator`,
:class:`~xlner.models.base.Tagger`, :class:`~xlner.models.base.Aligner`); any object with those methods fits.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence, TypeVar

from xlner.models.base import Aligner, Keyed, Links, Tagger, Translator
from xlner.pipelines.stages import Record

In = TypeVar("In")
Out = TypeVar("Out")


def model_key(obj: object) -> str:
    """A description of a model object, stored with the stage files it produced: its class name and, for a
    :class:`~xlner.models.base.Keyed` model, its ``cache_key``."""
    name = type(obj).__qualname__
    return f"{name}:{obj.cache_key}" if isinstance(obj, Keyed) else name


def stage_key(model: Optional[object], role: str, **extra: object) -> Optional[Record]:
    """The stage-file key of a stage computed by ``model`` (``None`` when no model is given: the stage
    can then only be served from its cache)."""
    if model is None:
        return None
    return {role: model_key(model), **extra}


def in_batches(items: Sequence[In], size: int, fn: Callable[[List[In]], Sequence[Out]]) -> List[Out]:
    """Apply ``fn`` to consecutive slices of ``items`` and concatenate (checks one output per input)."""
    out: List[Out] = []
    step = max(1, size)
    for a in range(0, len(items), step):
        part = list(items[a:a + step])
        res = list(fn(part))
        if len(res) != len(part):
            raise RuntimeError(f"model call returned {len(res)} results for {len(part)} inputs")
        out.extend(res)
    return out


def translate(translator: Optional[Translator], texts: Sequence[str], src_lang: str, tgt_lang: str,
              batch_size: int = 256) -> List[str]:
    """Translate ``texts`` with an injected translator, in slices of ``batch_size`` (the translator sorts
    and batches each slice itself)."""
    if translator is None:
        raise ValueError("this stage needs a translator (or precomputed translations)")
    return in_batches(texts, batch_size, lambda part: translator.translate(part, src_lang=src_lang, tgt_lang=tgt_lang))


def tag(tagger: Optional[Tagger], sentences: Sequence[Sequence[str]], batch_size: int = 256) -> List[List[str]]:
    """IOB2 tags from an injected tagger, checked to have one tag per token."""
    if tagger is None:
        raise ValueError("this stage needs a tagger (or precomputed source labels)")
    full = [k for k, s in enumerate(sentences) if len(s)]  # empty sentences (e.g. empty translations) get []
    res = in_batches([list(sentences[k]) for k in full], batch_size, tagger.predict)
    out: List[List[str]] = [[] for _ in sentences]
    for k, t in zip(full, res):
        if len(sentences[k]) != len(t):
            raise RuntimeError(f"sentence {k}: tagger returned {len(t)} tags for {len(sentences[k])} tokens")
        out[k] = list(t)
    return out


def align(aligner: Optional[Aligner], src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[Links]:
    """Word alignments (src, tgt) from an injected aligner: one :meth:`~xlner.models.base.Aligner.align_batch`
    call with every pair that has words on both sides (pairs with an empty side get no links)."""
    if aligner is None:
        raise ValueError("this stage needs an aligner (or precomputed alignments)")
    full = [k for k, (a, b) in enumerate(zip(src, tgt)) if len(a) and len(b)]
    res = aligner.align_batch([list(src[k]) for k in full], [list(tgt[k]) for k in full]) if full else []
    if len(res) != len(full):
        raise RuntimeError(f"aligner returned {len(res)} link lists for {len(full)} sentence pairs")
    out: List[Links] = [[] for _ in src]
    for k, links in zip(full, res):
        out[k] = [(int(a), int(b)) for a, b in links]
    return out


__all__ = ["align", "in_batches", "model_key", "stage_key", "tag", "translate"]
