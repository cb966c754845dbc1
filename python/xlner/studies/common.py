"""Shared pieces of the studies: tables, results, projection + scoring helpers."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from xlner.batch import LabelVocab, ProjectionBatch, ProjectionResult
from xlner.evaluate import evaluate
from xlner.io.conll import Sentence, TokenCorpus
from xlner.io.corpus import build_batch
from xlner.io.talp import Alignments
from xlner.tagging import batch_spans_to_tags


@dataclass
class Table:
    """A result table: a title, column headers, rows of cells, and a note printed under it."""

    title: str
    headers: List[str]
    rows: Sequence[Sequence[object]]
    note: str = ""

    def markdown(self) -> str:
        """The table as GitHub Markdown (floats with 3 decimals)."""
        def cell(x: object) -> str:
            if isinstance(x, float):
                return f"{x:.3f}"
            return str(x)

        lines = [f"### {self.title}", "", "| " + " | ".join(self.headers) + " |",
                 "|" + "|".join("---" for _ in self.headers) + "|"]
        lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in self.rows]
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines)


@dataclass
class StudyResult:
    """What a study produced: tables, plot files (relative to the report folder) and notes."""

    name: str
    tables: List[Table] = field(default_factory=list)
    plots: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)


def gold_batch(src: Sequence[Sentence], tgt: Sequence[Union[Sentence, Sequence[str]]],
               alignments: Sequence[Sequence[Tuple[int, int]]], labels: Optional[LabelVocab] = None
               ) -> ProjectionBatch:
    """The batch of ``xlner project`` whose entities are the gold entities of the source sentences: source and
    target as :class:`~xlner.io.conll.TokenCorpus` (C++ tag encoder), links as :class:`~xlner.io.talp.Alignments`,
    checked and built by :func:`~xlner.io.corpus.build_batch`. ``tgt``: sentences or token lists."""
    source = TokenCorpus.from_lists([x.tokens for x in src], [x.tags for x in src],
                                    labels=labels.names if labels is not None else None)
    target = TokenCorpus.from_lists([t.tokens if isinstance(t, Sentence) else t for t in tgt])
    batch = build_batch(source, target, Alignments.from_lists(alignments))
    if labels is not None:
        for name in batch.labels.names[len(labels):]:
            labels.id(name)
    return batch


def result_tags(result: ProjectionResult, tgt_lens: Sequence[int]) -> List[List[str]]:
    """IOB2 tags of the target sentences from a projection result."""
    import numpy as np

    return batch_spans_to_tags(np.asarray(tgt_lens, dtype=np.int32), result.offsets, result.start, result.end,
                               result.label, result.labels)


def timed(fn: Callable[[], ProjectionResult]) -> Tuple[ProjectionResult, float]:
    """Run ``fn`` and return its result and wall time in seconds."""
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


def f1_pair(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> Tuple[float, float]:
    """Micro F1 with all classes and with MISC mapped to O (on both sides)."""
    return evaluate(gold, pred).micro.f1, evaluate(gold, pred, mapping={"MISC": "O"}).micro.f1


def per_class_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> Dict[str, float]:
    """Per-class F1."""
    rep = evaluate(gold, pred)
    return {k: v.f1 for k, v in rep.per_class.items()}


__all__ = ["Table", "StudyResult", "gold_batch", "result_tags", "timed", "f1_pair", "per_class_f1"]
