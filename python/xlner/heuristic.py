"""Heuristic projection through word alignments (García-Ferrero et al. 2022; Shkalikov's thesis).

For every source entity: take the target words linked to any of its words (optionally dropping
links that land on punctuation), split them into maximal runs of consecutive words, merge runs that
lie close together (merge distance ``d``), drop runs that are short relative to the entity
(length / entity length must exceed ``thr``), keep the ``top_k`` longest, and resolve collisions
between entities. The full definition is in ``cpp/include/xlner/heuristic.hpp``; two presets:

* ``HeuristicConfig.preset("elp")`` reproduces Easy-Label-Projection
  (ikergarcia1996/Easy-Label-Projection) exactly: punctuation links dropped, pieces joined when the
  result spans at most ``d + 2`` words, largest piece kept (leftmost on ties), entities in source
  order, and its collision rules (neighbours in source order "collide" when the first one's last
  word is at or after the next one's first word: same label → united into one word set, else the one
  with strictly more words survives, on ties the later one). Its output spans are what seqeval reads
  off the tags that tool writes (a united, non-contiguous word set gives one span per contiguous
  part). Parity on the 12 shipped conll2003-deepl test files: every sentence (tests/test_elp_parity.py).
* ``HeuristicConfig.preset("thesis")`` is the thesis form of docs/architecture.md: d = 1 (gap of at most one
  word), no top-k, only_i off, thr = 0.8, punctuation kept, shortest entities first, a range
  labelled only if none of its words is labelled yet.

Every projected span carries its label, the index (within the sentence) of the source entity its
first word comes from, and a ``score``: the fraction of the span's words aligned to that entity
(1.0 when no gap was filled; punctuation links count as unaligned when they are dropped). The
per-sentence objective is the sum of the span scores.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Optional, Sequence, Union

import numpy as np

from xlner import _core
from xlner.batch import ProjectionBatch, ProjectionResult
from xlner.io.conll import TokenCorpus

_MERGE_RULES = ("gap", "elp")
_ORDERS = ("source", "shortest")
_COLLISIONS = ("first", "elp")


@dataclass(frozen=True)
class HeuristicConfig:
    """Options of the heuristic projection (defaults: the thesis form).

    Attributes:
        merge_distance: ``d >= 0``; 0 never merges.
        merge_rule: ``'gap'`` (merge when at most ``d`` words lie between two runs) or ``'elp'``
            (Easy-Label-Projection: merge when last word of the next run − first word of the current
            one ≤ ``d + 1``).
        top_k: keep only the ``k`` longest runs per entity (leftmost first on ties); 0 keeps all.
        only_i: never merge a run that starts at a target word linked to the entity's first word.
        thr: keep runs with ``length / entity length > thr``; ``None`` disables the filter.
        drop_punct: drop alignment links that land on punctuation target words
            (see :func:`is_punctuation`); needs the target tokens.
        order: visit entities in ``'source'`` order or ``'shortest'`` first (ties: source order).
        collisions: ``'first'`` (a run is labelled only if all its words are free) or ``'elp'``
            (Easy-Label-Projection's neighbour rules; see the module docstring).
    """

    merge_distance: int = 1
    merge_rule: str = "gap"
    top_k: int = 0
    only_i: bool = False
    thr: Optional[float] = 0.8
    drop_punct: bool = False
    order: str = "shortest"
    collisions: str = "first"

    def __post_init__(self) -> None:
        if isinstance(self.merge_distance, bool) or not isinstance(self.merge_distance, int) or self.merge_distance < 0:
            raise ValueError(f"merge_distance must be an integer >= 0, got {self.merge_distance!r}")
        if isinstance(self.top_k, bool) or not isinstance(self.top_k, int) or self.top_k < 0:
            raise ValueError(f"top_k must be an integer >= 0 (0: keep all), got {self.top_k!r}")
        if self.thr is not None:
            thr = self.thr
            if not isinstance(thr, (int, float)) or isinstance(thr, bool) or math.isnan(thr) or thr < 0:
                raise ValueError(f"thr must be a number >= 0 or None, got {self.thr!r}")
        if self.merge_rule not in _MERGE_RULES:
            raise ValueError(f"merge_rule must be one of {_MERGE_RULES}, got {self.merge_rule!r}")
        if self.order not in _ORDERS:
            raise ValueError(f"order must be one of {_ORDERS}, got {self.order!r}")
        if self.collisions not in _COLLISIONS:
            raise ValueError(f"collisions must be one of {_COLLISIONS}, got {self.collisions!r}")

    @classmethod
    def preset(cls, name: str, **overrides: object) -> "HeuristicConfig":
        """The ``'elp'`` (Easy-Label-Projection) or ``'thesis'`` preset, with optional overrides."""
        if name == "elp":
            base = cls(merge_distance=1, merge_rule="elp", top_k=1, only_i=False, thr=None, drop_punct=True,
                       order="source", collisions="elp")
        elif name == "thesis":
            base = cls()
        else:
            raise ValueError(f"unknown heuristic preset {name!r}; choose 'elp' or 'thesis'")
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown heuristic options {sorted(unknown)}; known: {sorted(known)}")
        return replace(base, **overrides)  # type: ignore[arg-type]

    @classmethod
    def of(cls, value: object = None) -> "HeuristicConfig":
        """``value`` itself when it is a config, the preset it names when it is a string, else (None) the
        ``'thesis'`` preset: what the projection's ``heuristic=`` argument accepts."""
        if isinstance(value, cls):
            return value
        return cls.preset(value if isinstance(value, str) else "thesis")


def is_punctuation(token: str) -> bool:
    """Easy-Label-Projection's test: after ``str.strip()``, every character of the token is in
    ``string.punctuation`` (so an empty token counts as punctuation; ``«`` or ``–`` do not)."""
    return bool(_core.punctuation_mask([[token]])[0][0])


def punctuation_mask(tgt_tokens: Sequence[Sequence[str]]) -> np.ndarray:
    """Flat ``uint8`` mask, one flag per target word (:func:`is_punctuation`), sentence after sentence
    (CSR by ``tgt_len``). Computed in C++ (tens of nanoseconds per token)."""
    return _core.punctuation_mask(tgt_tokens)[0]


def _resolve(config: Union[HeuristicConfig, str, None]) -> HeuristicConfig:
    if config is None:
        return HeuristicConfig()
    if isinstance(config, str):
        return HeuristicConfig.preset(config)
    if not isinstance(config, HeuristicConfig):
        raise TypeError(f"config must be a HeuristicConfig or a preset name, got {type(config).__name__}")
    return config


def project_heuristic(
    batch: ProjectionBatch,
    config: Union[HeuristicConfig, str, None] = None,
    *,
    tgt_tokens: Union[TokenCorpus, Sequence[Sequence[str]], None] = None,
    punct: Optional[np.ndarray] = None,
    threads: int = -1,
) -> ProjectionResult:
    """Project the source entities of ``batch`` with the heuristic.

    Arguments:
        batch: the sentence pairs.
        config: a :class:`HeuristicConfig`, or a preset name (``'elp'``, ``'thesis'``); default thesis.
        tgt_tokens: the target tokens of every sentence (lists of str, or a :class:`xlner.io.TokenCorpus`);
            needed when ``config.drop_punct`` is set (their lengths must equal the batch's ``tgt_len``),
            unless ``punct`` is given. From lists, only the tokens that an entity word links to are
            read (and must be str): no other word's punctuation changes the result.
        punct: instead of ``tgt_tokens``, a ready flat ``uint8`` mask (:func:`punctuation_mask`), one
            flag per target word of the batch, sentence after sentence.
        threads: worker threads; ``-1`` uses all cores.

    Returns:
        A :class:`ProjectionResult`: spans with label, source entity and score (fraction of the
        span's words aligned to its entity); objective = sum of the scores of a sentence.

    Raises:
        ValueError naming the sentence and field when ``tgt_tokens`` does not fit the batch.

    Example:
        >>> res = project_heuristic(batch, "elp", tgt_tokens=[s.tokens for s in target_sentences])
    """
    cfg = _resolve(config)
    if punct is not None and tgt_tokens is not None:
        raise ValueError("fields tgt_tokens and punct: give one of them, not both")
    if not cfg.drop_punct:
        punct = None
    elif punct is not None:
        punct = np.ascontiguousarray(punct, dtype=np.uint8)
    else:
        if tgt_tokens is None:
            raise ValueError("field tgt_tokens: drop_punct is set, so the target tokens (or a punct mask) are needed")
        if len(tgt_tokens) != len(batch):
            raise ValueError(f"field tgt_tokens: {len(tgt_tokens)} sentences, but the batch has {len(batch)}")
        if isinstance(tgt_tokens, TokenCorpus):  # read by the C++ readers: no Python strings
            lengths = np.asarray(tgt_tokens.lengths())
            bad = np.flatnonzero(lengths != batch.tgt_len)
            if bad.size:
                i = int(bad[0])
                raise ValueError(f"sentence {i}, field tgt_tokens: {int(lengths[i])} tokens, but tgt_len is "
                                 f"{int(batch.tgt_len[i])}")
            punct = tgt_tokens.punctuation_mask()
        else:
            # only the words an entity links to are read: the heuristic looks at no other flag, and reading
            # every Python str costs about as much as the projection itself (bench/bench_api.py)
            punct = _core.entity_punctuation_mask(batch.core, tgt_tokens)
    d = _core.project_heuristic(
        batch.core, punct=punct, merge_distance=cfg.merge_distance, merge_rule=cfg.merge_rule, top_k=cfg.top_k,
        only_i=cfg.only_i, thr=None if cfg.thr is None else float(cfg.thr), drop_punct=cfg.drop_punct,
        order=cfg.order, collisions=cfg.collisions, threads=threads,
    )
    return ProjectionResult.from_core(d, batch.labels)


__all__ = ["HeuristicConfig", "is_punctuation", "punctuation_mask", "project_heuristic"]
