"""Pure-Python greedy matching written from the definition in docs/architecture.md (not from the C++ code).

Dense score matrix over all n-grams up to M; repeatedly take the highest positive score (ties: lowest
entity, then candidate order), assign it, zero every candidate overlapping it, and zero the entity's row
once its count reaches the cap. Deliberately simple and slow: a test oracle and the bench baseline.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

Span = Tuple[int, int]


def ngrams(tgt_len: int, max_len: int) -> List[Span]:
    """All n-grams [s, e) with 1 <= e - s <= max_len, start ascending then end ascending."""
    return [(s, e) for s in range(tgt_len) for e in range(s + 1, min(tgt_len, s + max_len) + 1)]


def alignment_score_matrix(entities: Sequence[Span], links: Sequence[Tuple[int, int]],
                           cands: Sequence[Span]) -> List[List[float]]:
    """c(e, t) = 2·|links between e and t| / (|e| + |t|), duplicates counted once."""
    link_set = set(links)
    mat = []
    for es, ee in entities:
        targets = [j for (i, j) in link_set if es <= i < ee]  # one entry per distinct link
        row = []
        for ts, te in cands:
            n = sum(1 for j in targets if ts <= j < te)
            row.append(2.0 * n / ((ee - es) + (te - ts)))
        mat.append(row)
    return mat


def cap_of(op: str, n: int) -> Optional[int]:
    """Largest admissible projection count (None: unbounded)."""
    return {"<": n - 1, "<=": n, "=": n}.get(op)


def greedy(scores: List[List[float]], cands: Sequence[Span], op: str, n: int) -> List[Tuple[int, int, float]]:
    """Greedy assignment: list of (entity, candidate index, score) in the order chosen."""
    mat = [list(r) for r in scores]
    cap = cap_of(op, n)
    counts = [0] * len(mat)
    chosen: List[Tuple[int, int, float]] = []
    while True:
        best = None
        for e, row in enumerate(mat):
            for c, v in enumerate(row):
                if v > 0 and (best is None or v > best[2]):
                    best = (e, c, v)
        if best is None:
            return chosen
        e, c, v = best
        chosen.append(best)
        counts[e] += 1
        s0, e0 = cands[c]
        for k, (s1, e1) in enumerate(cands):
            if s0 < e1 and s1 < e0:
                for row in mat:
                    row[k] = 0.0
        if cap is not None and counts[e] >= cap:
            mat[e] = [0.0] * len(mat[e])
        if cap is not None and cap <= 0:
            mat[e] = [0.0] * len(mat[e])


def greedy_alignment(tgt_len: int, entities: Sequence[Span], links: Sequence[Tuple[int, int]], max_len: int,
                     op: str, n: int) -> List[Tuple[int, int, int, float]]:
    """Greedy projection with the alignment score: (start, end, entity, score) sorted by start."""
    cands = ngrams(tgt_len, max_len)
    mat = alignment_score_matrix(entities, links, cands)
    if cap_of(op, n) == 0:
        return []
    out = [(cands[c][0], cands[c][1], e, v) for e, c, v in greedy(mat, cands, op, n)]
    return sorted(out)
