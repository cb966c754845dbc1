"""Slow per-sentence references of the multi-source rules (``vote`` and greedy ``joint``), written from the
rules in the docstring of :mod:`xlner.multisource`; the engine (``xlner._core``) is tested against them.

These were the package's own implementation until the rules moved into the C++ engine; they stay here, in
the tests only, as the independent expectation. Tests import this module as ``import multisource_reference``
(pytest puts ``tests/`` on ``sys.path``).
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from xlner.multisource import JointSentence, SupportedSpan

EPS = 1e-9

Proj = Tuple[int, int, int, int, float, int]  # (source, start, end, label, score, entity)


def _lower_weighted_median(values: Sequence[Tuple[int, float]]) -> int:
    total = sum(w for _, w in values)
    acc = 0.0
    for v, w in values:
        acc += w
        if acc >= total / 2.0 - EPS:
            return v
    return values[-1][0]


def _weighted_medians(cluster: Sequence[Proj], weights: Sequence[float]) -> Tuple[int, int]:
    start = _lower_weighted_median(sorted((p[1], weights[p[0]]) for p in cluster))
    end = -_lower_weighted_median(sorted((-p[2], weights[p[0]]) for p in cluster))
    return start, end


def vote_clusters(projs: Sequence[Proj], weights: Union[Sequence[float], Mapping[int, Sequence[float]]],
                  boundary: str) -> List[Tuple[SupportedSpan, Tuple[int, ...]]]:
    """Every cluster of one sentence with its boundaries, in label then start order, with its sources."""
    by_label: Dict[int, List[Proj]] = {}
    for p in projs:
        by_label.setdefault(p[3], []).append(p)
    out: List[Tuple[SupportedSpan, Tuple[int, ...]]] = []
    for label in sorted(by_label):
        wl = weights[label] if isinstance(weights, Mapping) else weights
        items = sorted(by_label[label], key=lambda p: (p[1], p[2], p[0]))
        clusters: List[List[Proj]] = []
        cur_end = -1
        for p in items:
            if clusters and p[1] < cur_end:
                clusters[-1].append(p)
                cur_end = max(cur_end, p[2])
            else:
                clusters.append([p])
                cur_end = p[2]
        for cl in clusters:
            srcs = tuple(sorted({p[0] for p in cl}))
            votes = float(sum(wl[s] for s in srcs))
            proposals: Dict[Tuple[int, int], List[Proj]] = {}
            for p in cl:
                proposals.setdefault((p[1], p[2]), []).append(p)

            def key(se: Tuple[int, int]) -> Tuple[float, float, int, int, int]:
                ps = proposals[se]
                w = sum(wl[s] for s in sorted({p[0] for p in ps}))
                sc = sum(wl[p[0]] * p[4] for p in ps)
                return (-w, -sc, min(p[0] for p in ps), se[0], se[1] - se[0])

            if boundary == "median":
                start, end = _weighted_medians(cl, wl)
            else:
                start, end = min(proposals, key=key)
            out.append((SupportedSpan(start, end, label, float(sum(wl[p[0]] * p[4] for p in cl)), votes,
                                      tuple(sorted((p[0], p[5]) for p in cl))), srcs))
    return out


def disjoint(spans: Sequence[SupportedSpan]) -> List[SupportedSpan]:
    out: List[SupportedSpan] = []
    for sp in sorted(spans, key=lambda sp: (-sp.votes, -sp.score, sp.start, sp.end, sp.label)):
        if all(sp.end <= o.start or o.end <= sp.start for o in out):
            out.append(sp)
    out.sort(key=lambda sp: (sp.start, sp.end))
    return out


def vote_sentence(projs: Sequence[Proj], weights: Union[Sequence[float], Mapping[int, Sequence[float]]],
                  threshold: Union[float, Mapping[int, float]], strict: bool = False,
                  boundary: str = "mode", blocked: Sequence[Tuple[int, int]] = ()) -> List[SupportedSpan]:
    kept: List[SupportedSpan] = []
    for sp, _ in vote_clusters(projs, weights, boundary):
        need = threshold[sp.label] if isinstance(threshold, Mapping) else threshold
        ok = not ((sp.votes <= need + EPS) if strict else (sp.votes < need - EPS))
        if ok and all(sp.end <= a or b <= sp.start for a, b in blocked):
            kept.append(sp)
    return disjoint(kept)


def joint_greedy_sentence(prob: JointSentence) -> List[SupportedSpan]:
    """Greedy joint matching of one sentence (``votes`` left 0)."""
    used: Dict[Tuple[int, int], int] = {}
    chosen: List[SupportedSpan] = []
    table: Dict[Tuple[int, int, int], Dict[int, List[Tuple[float, int]]]] = {}
    for s, e, a, b, v in prob.entries:
        table.setdefault((a, b, prob.ent_label[(s, e)]), {}).setdefault(s, []).append((v, e))
    for per in table.values():
        for lst in per.values():
            lst.sort(key=lambda x: (-x[0], x[1]))
    open_keys = sorted(table)
    while True:
        best: Optional[Tuple[float, Tuple[int, int, int], List[Tuple[int, int, float]]]] = None
        for key in open_keys:
            total = -prob.span_cost
            picks = []
            for s in sorted(table[key]):
                for v, e in table[key][s]:
                    if used.get((s, e), 0) < prob.cap:
                        total += v
                        picks.append((s, e, v))
                        break
            if total > EPS and (best is None or total > best[0] + EPS):
                best = (total, key, picks)
        if best is None:
            break
        total, (a, b, lab), picks = best
        for s, e, _ in picks:
            used[(s, e)] = used.get((s, e), 0) + 1
        chosen.append(SupportedSpan(a, b, lab, float(sum(v for _, _, v in picks)), 0.0,
                                    tuple(sorted((s, e) for s, e, _ in picks))))
        open_keys = [k for k in open_keys if k[1] <= a or b <= k[0]]
    chosen.sort(key=lambda sp: (sp.start, sp.end))
    return chosen


def priority_sentence(projs: Sequence[Proj], primary: int, corroboration: float, weights: Sequence[float],
                      need: float, boundary: str) -> List[SupportedSpan]:
    """``priority`` of one sentence: the primary's corroborated spans, then the others' vote where no kept
    primary span is (labels are united ids)."""
    others = [s for s in range(len(weights)) if s != primary]
    ow = [float(weights[s]) for s in others]
    kept: List[SupportedSpan] = []
    for p in (q for q in projs if q[0] == primary):
        agree = [q for q in projs if q[0] != primary and q[3] == p[3] and q[1] < p[2] and p[1] < q[2]]
        votes = float(sum(weights[s] for s in sorted({q[0] for q in agree})))
        if votes >= corroboration - EPS:
            kept.append(SupportedSpan(p[1], p[2], p[3], float(sum(weights[q[0]] * q[4] for q in [p] + agree)),
                                      votes + float(weights[primary]),
                                      tuple(sorted((q[0], q[5]) for q in [p] + agree))))
    back = [(others.index(q[0]),) + tuple(q[1:]) for q in projs if q[0] != primary]
    extra = []
    for sp, _ in vote_clusters(back, ow, boundary):  # type: ignore[arg-type]
        if sp.votes >= need - EPS and all(sp.end <= o.start or o.end <= sp.start for o in kept):
            extra.append(SupportedSpan(sp.start, sp.end, sp.label, sp.score, sp.votes,
                                       tuple(sorted((others[s], e) for s, e in sp.support))))
    return sorted(kept + disjoint(extra), key=lambda sp: (sp.start, sp.end))


def aligned_ranges(entries: List[Tuple[int, int, int, int, float]],
                   ent_label: Dict[Tuple[int, int], int]) -> List[Tuple[int, int, int, int, float]]:
    """The entries whose first and last words some one-word entry of their label covers (any source)."""
    aligned: Dict[int, set] = {}
    for s, e, a, b, _ in entries:
        if b == a + 1:
            aligned.setdefault(ent_label[(s, e)], set()).add(a)
    return [(s, e, a, b, v) for s, e, a, b, v in entries
            if a in aligned.get(ent_label[(s, e)], set()) and b - 1 in aligned.get(ent_label[(s, e)], set())]
