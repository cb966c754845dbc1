"""ProjectionBatch: a corpus of sentence pairs as the flat CSR arrays the C++ core consumes.

A batch crosses the Python/C++ boundary once; validation happens once, in C++, and names the
sentence and field that is wrong (``ValueError`` / ``IndexError``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from xlner import _core

EntityTuple = Tuple[int, int, int]  # (start, end exclusive, label id)
LinkTuple = Tuple[int, int]  # (source index, target index)


def _csr(lists: Sequence[Sequence[Tuple[int, ...]]], width: int, name: str) -> Tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    for i, items in enumerate(lists):
        offsets[i + 1] = offsets[i] + len(items)
    flat = np.zeros((int(offsets[-1]), width), dtype=np.int64)
    k = 0
    for i, items in enumerate(lists):
        for item in items:
            if len(item) != width:
                raise ValueError(f"sentence {i}, field {name}: expected {width} values per item, got {tuple(item)!r}")
            flat[k] = item
            k += 1
    if flat.size and (flat.max() > np.iinfo(np.int32).max or flat.min() < np.iinfo(np.int32).min):
        raise ValueError(f"field {name}: value out of int32 range")
    return offsets, flat.astype(np.int32)


@dataclass
class LabelVocab:
    """Label names (``PER``, ``LOC`` …) ⇄ integer ids, kept in Python; the core sees ids only."""

    names: List[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index: Dict[str, int] = {n: i for i, n in enumerate(self.names)}
        if len(self._index) != len(self.names):
            raise ValueError(f"duplicate label names in {self.names!r}")

    def id(self, name: str, *, add: bool = True) -> int:
        """Id of ``name``; new names are appended when ``add`` is true, else ``KeyError``."""
        i = self._index.get(name)
        if i is None:
            if not add:
                raise KeyError(f"unknown label {name!r}; known: {self.names}")
            i = len(self.names)
            self.names.append(name)
            self._index[name] = i
        return i

    def name(self, i: int) -> str:
        """Name of label id ``i``."""
        return self.names[i]

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class ProjectionBatch:
    """Sentence pairs with source entities, word alignments and optional external candidates.

    Build it with :meth:`from_lists` (or the file readers); the arrays follow docs/architecture.md:
    ``src_len[N]``, ``tgt_len[N]``; entities in CSR ``ent_offsets[N+1]``, ``ent_start``, ``ent_end``
    (exclusive), ``ent_label``; alignments ``aln_offsets[N+1]``, ``aln_src``, ``aln_tgt``; optional
    candidates ``cand_offsets[N+1]``, ``cand_start``, ``cand_end``.
    """

    src_len: np.ndarray
    tgt_len: np.ndarray
    ent_offsets: np.ndarray
    ent_start: np.ndarray
    ent_end: np.ndarray
    ent_label: np.ndarray
    aln_offsets: np.ndarray
    aln_src: np.ndarray
    aln_tgt: np.ndarray
    labels: LabelVocab = field(default_factory=LabelVocab)
    cand_offsets: Optional[np.ndarray] = None
    cand_start: Optional[np.ndarray] = None
    cand_end: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.core = _core.Batch(
            self.src_len, self.tgt_len, self.ent_offsets, self.ent_start, self.ent_end, self.ent_label,
            self.aln_offsets, self.aln_src, self.aln_tgt,
            cand_offsets=self.cand_offsets, cand_start=self.cand_start, cand_end=self.cand_end,
        )

    def __len__(self) -> int:
        return int(self.src_len.shape[0])

    @classmethod
    def from_lists(
        cls,
        src_lens: Sequence[int],
        tgt_lens: Sequence[int],
        entities: Sequence[Sequence[EntityTuple]],
        alignments: Sequence[Sequence[LinkTuple]],
        *,
        labels: Optional[LabelVocab] = None,
        candidates: Optional[Sequence[Sequence[Tuple[int, int]]]] = None,
    ) -> "ProjectionBatch":
        """Build a batch from per-sentence Python lists (entities as (start, end, label_id))."""
        n = len(src_lens)
        for name, seq in (("tgt_len", tgt_lens), ("entities", entities), ("alignments", alignments)):
            if len(seq) != n:
                raise ValueError(f"field {name}: {len(seq)} sentences, but src_len has {n}")
        eo, ef = _csr(entities, 3, "entities")
        ao, af = _csr(alignments, 2, "alignments")
        kw = {}
        if candidates is not None:
            if len(candidates) != n:
                raise ValueError(f"field candidates: {len(candidates)} sentences, but src_len has {n}")
            co, cf = _csr(candidates, 2, "candidates")
            kw = dict(cand_offsets=co, cand_start=np.ascontiguousarray(cf[:, 0]), cand_end=np.ascontiguousarray(cf[:, 1]))
        return cls(
            np.asarray(src_lens, dtype=np.int32), np.asarray(tgt_lens, dtype=np.int32),
            eo, np.ascontiguousarray(ef[:, 0]), np.ascontiguousarray(ef[:, 1]), np.ascontiguousarray(ef[:, 2]),
            ao, np.ascontiguousarray(af[:, 0]), np.ascontiguousarray(af[:, 1]),
            labels=labels if labels is not None else LabelVocab(), **kw,
        )

    def entities(self, i: int) -> List[EntityTuple]:
        """Entities of sentence ``i`` as (start, end, label id)."""
        a, b = int(self.ent_offsets[i]), int(self.ent_offsets[i + 1])
        return [(int(s), int(e), int(l)) for s, e, l in zip(self.ent_start[a:b], self.ent_end[a:b], self.ent_label[a:b])]

    def links(self, i: int) -> List[LinkTuple]:
        """Alignment links of sentence ``i`` as (source, target)."""
        a, b = int(self.aln_offsets[i]), int(self.aln_offsets[i + 1])
        return [(int(s), int(t)) for s, t in zip(self.aln_src[a:b], self.aln_tgt[a:b])]


@dataclass
class ProjectionResult:
    """Projected spans as flat CSR arrays (``offsets[N+1]``, ``start``, ``end``, ``label``, ``entity``,
    ``score``) plus per-sentence ``objective`` and ``status`` (0 solved, 1 infeasible and left
    unprojected, 2 stopped by the time limit, 3 solved after relaxing the lower bound
    (``infeasible='relax'``))."""

    offsets: np.ndarray
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray
    entity: np.ndarray
    score: np.ndarray
    objective: np.ndarray
    status: np.ndarray
    labels: LabelVocab = field(default_factory=LabelVocab)

    @classmethod
    def from_core(cls, d: Dict[str, np.ndarray], labels: LabelVocab) -> "ProjectionResult":
        """Wrap the dict of arrays returned by the C++ core."""
        return cls(d["offsets"], d["start"], d["end"], d["label"], d["entity"], d["score"], d["objective"],
                   d["status"], labels)

    def __len__(self) -> int:
        return int(self.offsets.shape[0]) - 1

    def spans(self, i: int) -> List[Tuple[int, int, int, int, float]]:
        """Spans of sentence ``i`` as (start, end, label id, source entity index, score)."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return [(int(self.start[k]), int(self.end[k]), int(self.label[k]), int(self.entity[k]), float(self.score[k]))
                for k in range(a, b)]


__all__ = ["LabelVocab", "ProjectionBatch", "ProjectionResult", "EntityTuple", "LinkTuple"]


@dataclass
class ScoreMatrix:
    """Sparse entity × candidate score matrices of a batch, CSR over sentences.

    Entry k of sentence i (``offsets[i] <= k < offsets[i+1]``) scores source entity ``ent[k]``
    (index within the sentence) against target span ``[start[k], end[k])``. Absent pairs score 0.
    """

    offsets: np.ndarray
    ent: np.ndarray
    start: np.ndarray
    end: np.ndarray
    score: np.ndarray

    @classmethod
    def from_core(cls, d: Dict[str, np.ndarray]) -> "ScoreMatrix":
        """Wrap the dict of arrays returned by the C++ core."""
        return cls(d["offsets"], d["ent"], d["start"], d["end"], d["score"])

    def __len__(self) -> int:
        return int(self.offsets.shape[0]) - 1

    def entries(self, i: int) -> List[Tuple[int, int, int, float]]:
        """Entries of sentence ``i`` as (entity, start, end, score)."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return [(int(self.ent[k]), int(self.start[k]), int(self.end[k]), float(self.score[k])) for k in range(a, b)]


__all__ += ["ScoreMatrix"]
