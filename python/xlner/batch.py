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


_BATCH_ARRAYS = ("src_len", "tgt_len", "ent_offsets", "ent_start", "ent_end", "ent_label", "aln_offsets", "aln_src",
                 "aln_tgt")
_CAND_ARRAYS = ("cand_offsets", "cand_start", "cand_end")


@dataclass(frozen=True, eq=False)
class ProjectionBatch:
    """Sentence pairs with source entities, word alignments and optional external candidates.

    Build it with :meth:`from_lists` (or the file readers); the arrays (see ``docs/architecture.md``):
    ``src_len[N]``, ``tgt_len[N]``; entities in CSR ``ent_offsets[N+1]``, ``ent_start``, ``ent_end``
    (exclusive), ``ent_label``; alignments ``aln_offsets[N+1]``, ``aln_src``, ``aln_tgt``; optional
    candidates ``cand_offsets[N+1]``, ``cand_start``, ``cand_end``.

    Sealed: the batch is validated once, in C++, and keeps its own copy of the arrays; the attributes are
    read-only views of that copy (``writeable=False``) and the object is frozen, so nothing can change
    what was validated. Derive a changed batch by building a new one.
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
    core: "_core.Batch" = field(init=False, repr=False)

    def __post_init__(self) -> None:
        core = _core.Batch(
            self.src_len, self.tgt_len, self.ent_offsets, self.ent_start, self.ent_end, self.ent_label,
            self.aln_offsets, self.aln_src, self.aln_tgt,
            cand_offsets=self.cand_offsets, cand_start=self.cand_start, cand_end=self.cand_end,
        )
        self._adopt(core)

    def _adopt(self, core: "_core.Batch") -> None:
        """Point every array attribute at the validated core's read-only copy."""
        object.__setattr__(self, "core", core)
        for name in _BATCH_ARRAYS + _CAND_ARRAYS:
            object.__setattr__(self, name, getattr(core, name))

    @classmethod
    def from_core(cls, core: "_core.Batch", labels: Optional[LabelVocab] = None) -> "ProjectionBatch":
        """Wrap an already validated core batch (no copy, no second validation)."""
        self = cls.__new__(cls)
        object.__setattr__(self, "labels", labels if labels is not None else LabelVocab())
        self._adopt(core)
        return self

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
        """Build a batch from per-sentence Python lists (entities as (start, end, label_id)).

        The lists are read and validated in C++ (no Python loop); errors name the sentence and field.
        """
        core = _core.Batch.from_lists(src_lens, tgt_lens, entities, alignments, candidates)
        return cls.from_core(core, labels)

    def entities(self, i: int) -> List[EntityTuple]:
        """Entities of sentence ``i`` as (start, end, label id)."""
        a, b = int(self.ent_offsets[i]), int(self.ent_offsets[i + 1])
        return [(int(s), int(e), int(l)) for s, e, l in zip(self.ent_start[a:b], self.ent_end[a:b], self.ent_label[a:b])]

    def links(self, i: int) -> List[LinkTuple]:
        """Alignment links of sentence ``i`` as (source, target)."""
        a, b = int(self.aln_offsets[i]), int(self.aln_offsets[i + 1])
        return [(int(s), int(t)) for s, t in zip(self.aln_src[a:b], self.aln_tgt[a:b])]


def _sealed(a: np.ndarray) -> np.ndarray:
    """``a`` as a read-only array (a read-only view when ``a`` is writable and shared)."""
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class ProjectionResult:
    """Projected spans as flat CSR arrays (``offsets[N+1]``, ``start``, ``end``, ``label``, ``entity``,
    ``score``) plus per-sentence ``objective`` and ``status`` (:class:`xlner._core.Status`: 0 solved,
    1 infeasible and left unprojected, 2 stopped by the time limit, 3 solved after relaxing the lower
    bound (``infeasible='relax'``)). Frozen, with read-only arrays."""

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
        return cls(_sealed(d["offsets"]), _sealed(d["start"]), _sealed(d["end"]), _sealed(d["label"]),
                   _sealed(d["entity"]), _sealed(d["score"]), _sealed(d["objective"]), _sealed(d["status"]), labels)

    def __len__(self) -> int:
        return int(self.offsets.shape[0]) - 1

    def spans(self, i: int) -> List[Tuple[int, int, int, int, float]]:
        """Spans of sentence ``i`` as (start, end, label id, source entity index, score)."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return [(int(self.start[k]), int(self.end[k]), int(self.label[k]), int(self.entity[k]), float(self.score[k]))
                for k in range(a, b)]


__all__ = ["LabelVocab", "ProjectionBatch", "ProjectionResult", "EntityTuple", "LinkTuple"]


@dataclass(frozen=True, eq=False)
class ScoreMatrix:
    """Sparse entity × candidate score matrices of a batch, CSR over sentences.

    Entry k of sentence i (``offsets[i] <= k < offsets[i+1]``) scores source entity ``ent[k]``
    (index within the sentence) against target span ``[start[k], end[k])``. Absent pairs score 0.
    Frozen; the arrays are checked against the batch by every function that uses them.
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
