"""Brute-force optimum of the projection matching, written from the definition (docs/architecture.md), for tests.

Every assignment of pairwise disjoint candidates to entities is enumerated (left to right over the
target words: leave the word, or start a candidate there and give it to an entity); the best one whose
per-entity counts satisfy the constraint wins. Exponential: only for tiny instances.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from xlner.reference.greedy import alignment_score_matrix, ngrams

Span = Tuple[int, int]


def bounds(op: str, n: int) -> Tuple[int, Optional[int]]:
    """(floor, cap) of a constraint; cap None = unbounded."""
    return {"<": (0, n - 1), "<=": (0, n), "=": (n, n), ">=": (n, None), ">": (n + 1, None)}[op]


def brute_force(scores: Dict[Tuple[int, Span], float], n_ent: int, cands: Sequence[Span], tgt_len: int,
                op: str, n: int) -> Optional[float]:
    """Best objective over all feasible assignments (None if the constraint admits none).

    ``scores`` maps (entity, candidate) to its score; absent pairs of ``cands`` score 0.
    """
    floor, cap = bounds(op, n)
    by_start: Dict[int, List[Span]] = {}
    for c in cands:
        by_start.setdefault(c[0], []).append(c)
    best: List[Optional[float]] = [None]
    counts = [0] * n_ent

    def rec(j: int, total: float) -> None:
        if j >= tgt_len:
            if all(c >= floor for c in counts) and (best[0] is None or total > best[0]):
                best[0] = total
            return
        rec(j + 1, total)
        for c in by_start.get(j, []):
            for e in range(n_ent):
                if cap is not None and counts[e] >= cap:
                    continue
                counts[e] += 1
                rec(c[1], total + scores.get((e, c), 0.0))
                counts[e] -= 1

    rec(0, 0.0)
    return best[0]


def brute_force_alignment(tgt_len: int, entities: Sequence[Span], links: Sequence[Tuple[int, int]], max_len: int,
                          op: str, n: int) -> Optional[float]:
    """Brute-force optimum with the alignment score over all n-grams up to ``max_len``."""
    cands = ngrams(tgt_len, max_len)
    mat = alignment_score_matrix(entities, links, cands)
    scores = {(e, c): mat[e][k] for e in range(len(entities)) for k, c in enumerate(cands)}
    return brute_force(scores, len(entities), cands, tgt_len, op, n)
