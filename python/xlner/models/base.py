"""The model interfaces the pipelines are typed against: :class:`Tagger`, :class:`ProbabilisticTagger`,
:class:`Aligner`, :class:`Translator` and :class:`Scorer`.

They are structural (``typing.Protocol``): any object with the methods below fits, the package's own models
(:class:`~xlner.models.crf.CRFTagger`, :class:`~xlner.models.token_tagger.TokenTagger`,
:class:`~xlner.align.embedding.EmbeddingAligner`, :class:`~xlner.models.translator.Translator`,
:class:`~xlner.models.nmt_scorer.NMTScorer`, ...), a user's or a test's. Nothing is found by probing for
attribute names: what a model can do is what its protocol says.
"""
from __future__ import annotations

from typing import Callable, List, Protocol, Sequence, Tuple, Union, runtime_checkable

import numpy as np

Links = List[Tuple[int, int]]


@runtime_checkable
class Tagger(Protocol):
    """A word-level IOB2 tagger: ``predict`` gives one tag per word."""

    def predict(self, sentences: Sequence[Sequence[str]]) -> List[List[str]]:
        """IOB2 tags, one list per sentence, one tag per word."""
        ...


@runtime_checkable
class ProbabilisticTagger(Tagger, Protocol):
    """A :class:`Tagger` that also gives per-word tag probabilities (the NER score and NER candidates need them).

    ``tags`` lists the IOB2 tag set in column order of :meth:`predict_proba` (``O`` first, then ``B-X``/``I-X``
    pairs).
    """

    tags: List[str]

    def predict_proba(self, sentences: Sequence[Sequence[str]]) -> List[np.ndarray]:
        """Per-word tag probabilities: one float array [n_words, len(tags)] per sentence."""
        ...


@runtime_checkable
class Aligner(Protocol):
    """A word aligner. A pipeline calls :meth:`align_batch` once per chunk with every sentence pair of the chunk
    that has words on both sides: a statistical aligner learns from the whole chunk, a neural one bounds its own
    memory (e.g. :class:`~xlner.align.embedding.EmbeddingAligner` runs ``batch_size`` pairs at a time)."""

    def align_batch(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[Links]:
        """Links ``(src index, tgt index)`` of every pair, one list per pair."""
        ...


@runtime_checkable
class Translator(Protocol):
    """A sentence translator (:class:`xlner.models.translator.Translator`)."""

    def translate(self, texts: Sequence[str], *, src_lang: str, tgt_lang: str) -> List[str]:
        """One translation per text."""
        ...


@runtime_checkable
class Scorer(Protocol):
    """A translation-probability scorer of phrase pairs (:class:`xlner.models.nmt_scorer.NMTScorer`)."""

    def score_pairs(self, a: Sequence[str], b: Sequence[str], *, a_lang: str, b_lang: str) -> np.ndarray:
        """One score per pair ``(a[k], b[k])``; ``a`` in ``a_lang``, ``b`` in ``b_lang``."""
        ...


@runtime_checkable
class Keyed(Protocol):
    """A model that names itself: ``cache_key`` identifies the weights and options that decide its outputs (the
    pipelines store it with the stage files the model produced, so that a cached stage is never reused with
    another model)."""

    @property
    def cache_key(self) -> str:
        """Identifies the model and the options that change its outputs."""
        ...


#: A plain pair scorer: ``[(source phrase, target phrase), ...] -> scores`` (languages fixed by the caller).
PairScoreFunction = Callable[[Sequence[Tuple[str, str]]], np.ndarray]

#: What the ``nmt`` score component accepts.
AnyScorer = Union[Scorer, PairScoreFunction]


__all__ = ["Aligner", "AnyScorer", "Keyed", "Links", "PairScoreFunction", "ProbabilisticTagger", "Scorer", "Tagger",
           "Translator"]
