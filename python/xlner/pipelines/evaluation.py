"""Entity-level evaluation of a pipeline's predictions, accumulated chunk by chunk."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set

import numpy as np

from xlner.pipelines.stages import Record


@dataclass
class StreamingEvaluation:
    """Entity-level P/R/F1 accumulated chunk by chunk with :func:`xlner.evaluate.entity_counts` (seqeval
    semantics); only per-class totals are kept, so memory does not grow with the corpus.

    ``labels`` restricts the evaluation to these classes: every other class is mapped to ``O`` on both
    sides (gold and prediction) before chunking.
    """

    labels: Optional[List[str]] = None
    correct: Dict[str, int] = field(default_factory=dict)
    predicted: Dict[str, int] = field(default_factory=dict)
    gold: Dict[str, int] = field(default_factory=dict)
    sentences: int = 0
    mapped: Set[str] = field(default_factory=set)

    def add(self, gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], start: int = 0) -> None:
        """Count one chunk of sentences (gold and predicted IOB2 tags, sentence for sentence)."""
        from xlner.evaluate import entity_counts

        if len(gold) != len(pred):
            raise ValueError(f"chunk at sentence {start}: {len(gold)} gold sentences but {len(pred)} predicted")
        mapping: Dict[str, str] = {}
        if self.labels is not None:
            keep = set(self.labels)
            names = {t[2:] for side in (gold, pred) for ts in side for t in ts if t != "O"}
            mapping = {n: "O" for n in sorted(names - keep)}
            self.mapped |= set(mapping)
        try:
            c = entity_counts([list(g) for g in gold], [list(p) for p in pred], mapping=mapping or None)
        except ValueError as exc:
            raise ValueError(f"chunk at sentence {start}: {exc}") from None
        for k, name in enumerate(c.classes):
            self.correct[name] = self.correct.get(name, 0) + int(c.correct[:, k].sum())
            self.predicted[name] = self.predicted.get(name, 0) + int(c.predicted[:, k].sum())
            self.gold[name] = self.gold.get(name, 0) + int(c.gold[:, k].sum())
        self.sentences += len(gold)

    def report(self) -> Record:
        """``precision``, ``recall``, ``f1`` (micro), ``per_class`` (dicts with counts), ``labels`` and the
        classes mapped to ``O`` (``mapped_to_O``), computed by :class:`xlner.evaluate.EvaluationReport`."""
        from xlner.evaluate import EntityCounts, EvaluationReport

        classes = sorted(set(self.gold) | set(self.predicted))
        row = lambda d: np.array([[d.get(n, 0) for n in classes]], dtype=np.int64)  # noqa: E731
        rep = EvaluationReport.from_counts(EntityCounts(classes, row(self.correct), row(self.predicted),
                                                        row(self.gold)))
        out: Record = dict(rep.micro.to_dict())
        out["per_class"] = {k: v.to_dict() for k, v in rep.per_class.items()}
        out["labels"] = list(self.labels) if self.labels is not None else None
        out["mapped_to_O"] = sorted(self.mapped)
        out["sentences"] = self.sentences
        return out


__all__ = ["StreamingEvaluation"]
