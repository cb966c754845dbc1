"""Score matrices between source entities and target candidates.

The alignment score c(e, t) = 2·|links(e, t)| / (|e| + |t|) is computed in C++ with prefix sums.
"""
from __future__ import annotations

from xlner import _core
from xlner.batch import ProjectionBatch, ScoreMatrix


def alignment_scores(batch: ProjectionBatch, *, candidates: str = "ngrams", max_len: int = 10,
                     threads: int = -1) -> ScoreMatrix:
    """Positive alignment scores of every (entity, candidate) pair of every sentence.

    Arguments:
        batch: the sentence pairs.
        candidates: ``'ngrams'`` (all n-grams up to ``max_len``), ``'aligned'`` (per entity, the n-grams
            whose first and last words are aligned to it) or ``'external'`` (the batch's candidates).
        max_len: longest candidate M.
        threads: worker threads, -1 = all cores.
    """
    return ScoreMatrix.from_core(_core.alignment_scores(batch.core, candidates=candidates, max_len=max_len,
                                                        threads=threads))


__all__ = ["alignment_scores"]
