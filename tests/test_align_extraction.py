"""Extraction methods against slow references written from their definitions (hypothesis),
including ties (small integer values) and rectangular matrices."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner import _core
from xlner.align import extract, extract_batch


@st.composite
def matrices(draw, max_dim: int = 6, ties: bool | None = None):
    m = draw(st.integers(1, max_dim))
    n = draw(st.integers(1, max_dim))
    tie = draw(st.booleans()) if ties is None else ties
    if tie:  # few distinct values: many ties
        vals = draw(st.lists(st.integers(0, 3), min_size=m * n, max_size=m * n))
        a = np.array(vals, dtype=np.float64).reshape(m, n) / 4.0
    else:
        vals = draw(st.lists(st.floats(-1, 1, allow_nan=False, width=32), min_size=m * n, max_size=m * n))
        a = np.array(vals, dtype=np.float64).reshape(m, n)
    if draw(st.booleans()):
        a = a.astype(np.float32)
    return a


def first_argmax(values):
    best = 0
    for k in range(1, len(values)):
        if values[k] > values[best]:
            best = k
    return best


def ref_argmax(s):
    """Mutual argmax, first index on ties, straight from the definition."""
    m, n = len(s), len(s[0])
    rows = [first_argmax([s[i][j] for j in range(n)]) for i in range(m)]
    cols = [first_argmax([s[i][j] for i in range(m)]) for j in range(n)]
    return sorted((i, j) for i in range(m) for j in range(n) if rows[i] == j and cols[j] == i)


def ref_itermax(s, max_count=2, alpha=0.9):
    """SimAlign itermax from its description, with plain loops."""
    m, n = len(s), len(s[0])
    links = set(ref_argmax(s))
    if min(m, n) <= 2:
        return sorted(links)
    for _ in range(1, max_count):
        row_al = [any((i, j) in links for j in range(n)) for i in range(m)]
        col_al = [any((i, j) in links for i in range(m)) for j in range(n)]
        if all(row_al) or all(col_al):
            break
        w = [[s[i][j] * min(1.0, max(0.0, alpha * (not row_al[i]) + alpha * (not col_al[j]))) for j in range(n)]
             for i in range(m)]
        new = {(i, j) for i, j in ref_argmax(w) if not (row_al[i] and col_al[j])}
        if not new:
            break
        links |= new
    return sorted(links)


def ref_match_value(s):
    """Best total weight over all matchings of size min(m, n) (brute force)."""
    m, n = len(s), len(s[0])
    best = -math.inf
    if m <= n:
        for cols in itertools.permutations(range(n), m):
            best = max(best, sum(s[i][cols[i]] for i in range(m)))
    else:
        for rows in itertools.permutations(range(m), n):
            best = max(best, sum(s[rows[j]][j] for j in range(n)))
    return best


def ref_softmax(s, thr=0.001):
    m, n = len(s), len(s[0])
    pr = []
    for i in range(m):
        mx = max(s[i])
        tot = 0.0
        for j in range(n):
            tot += math.exp(s[i][j] - mx)
        pr.append([math.exp(s[i][j] - mx) / tot for j in range(n)])
    pc = [[0.0] * n for _ in range(m)]
    for j in range(n):
        mx = max(s[i][j] for i in range(m))
        tot = 0.0
        for i in range(m):
            tot += math.exp(s[i][j] - mx)
        for i in range(m):
            pc[i][j] = math.exp(s[i][j] - mx) / tot
    return pr, pc


def as_lists(a):
    return [[float(x) for x in row] for row in np.asarray(a, dtype=np.float64)]


@settings(max_examples=200, deadline=None)
@given(matrices())
def test_argmax_matches_reference(a):
    assert extract(a, "argmax") == ref_argmax(as_lists(a))


@settings(max_examples=200, deadline=None)
@given(matrices(), st.integers(1, 4), st.sampled_from([0.9, 0.5, 0.3, 1.0]))
def test_itermax_matches_reference(a, max_count, alpha):
    assert extract(a, "itermax", max_count=max_count, alpha=alpha) == ref_itermax(as_lists(a), max_count, alpha)


@settings(max_examples=150, deadline=None)
@given(matrices(max_dim=5))
def test_match_is_a_maximum_weight_matching(a):
    s = as_lists(a)
    links = extract(a, "match")
    m, n = a.shape
    assert len(links) == min(m, n)
    assert len({i for i, _ in links}) == len(links) and len({j for _, j in links}) == len(links)
    assert sum(s[i][j] for i, j in links) == pytest.approx(ref_match_value(s), abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(matrices(), st.sampled_from([0.001, 0.05, 0.2]), st.sampled_from([4.0, 3000.0]))
def test_softmax_matches_reference(a, thr, scale):
    # spread values so that some probabilities fall under the threshold; scale 3000 makes whole rows
    # underflow against the global maximum, which exercises the core's per-row/column fallback
    s = as_lists(a.astype(np.float64) * scale)
    pr, pc = ref_softmax(s)
    got = set(extract(np.asarray(s), "softmax", threshold=thr))
    m, n = len(s), len(s[0])
    for i in range(m):
        for j in range(n):
            if abs(pr[i][j] - thr) < 1e-12 or abs(pc[i][j] - thr) < 1e-12:
                continue  # on the threshold: rounding may go either way
            assert ((i, j) in got) == (pr[i][j] > thr and pc[i][j] > thr)


def test_itermax_hand_worked():
    # Round 1 (mutual argmax): rows 0 and 1 both prefer column 0, column 0 prefers row 0 -> (0,0); (2,2).
    s = np.array([[0.9, 0.3, 0.1, 0.0], [0.8, 0.5, 0.1, 0.0], [0.1, 0.2, 0.9, 0.0]])
    assert extract(s, "argmax") == [(0, 0), (2, 2)]
    # Round 2 by hand: weights: rows 0,2 aligned; columns 0,2 aligned.
    # row 1 (unaligned): [0.8*0.9, 0.5*1, 0.1*0.9, 0*1] = [0.72, 0.5, 0.09, 0] -> argmax column 0
    # column 0 (aligned): [0.9*0, 0.8*0.9, 0.1*0] -> row 1; mutual (1, 0) with row 1 unaligned -> added.
    # column 1: [0.3*0.9, 0.5, 0.2*0.9] -> row 1, but row 1's argmax is column 0 -> not added.
    # column 3 (all zero) -> row 0; row 0 weighted [0, 0.27, 0, 0] -> column 1 -> not mutual.
    assert extract(s, "itermax") == [(0, 0), (1, 0), (2, 2)]


def test_softmax_underflow_fallback_by_hand():
    # global max 1; row 1 lies ~2000 below it, so one shared exp underflows: per-row maxima are needed.
    # row 1 softmax = [0.73, 0.27] (both pass), but each column puts ~all its mass on row 0 -> no row-1 links.
    s = np.array([[0.0, 1.0], [-2000.0, -2001.0]])
    assert extract(s, "softmax") == [(0, 0), (0, 1)]
    assert extract(s.T, "softmax") == [(0, 0), (1, 0)]


def test_small_matrices_keep_round_one():
    s = np.array([[0.9, 0.8], [0.7, 0.1]])
    assert extract(s, "itermax") == extract(s, "argmax") == [(0, 0)]


def test_match_rectangular_and_negative():
    s = np.array([[-1.0, -5.0, -2.0], [-1.0, -1.0, -9.0]])
    # options: (0,0)+(1,1) = -2, (0,2)+(1,0) = -3, (0,2)+(1,1) = -3, (0,0)+(1,2)...; best -2
    assert extract(s, "match") == [(0, 0), (1, 1)]
    assert extract(s.T, "match") == [(0, 0), (1, 1)]


def test_max_weight_assignment_transposed():
    w = np.array([[1.0, 2.0], [3.0, 1.0], [0.0, 10.0]])
    assert _core.max_weight_assignment(w).tolist() == [-1, 0, 1]


@settings(max_examples=30, deadline=None)
@given(st.lists(matrices(), min_size=0, max_size=8), st.sampled_from(["argmax", "itermax", "match", "softmax"]),
       st.sampled_from([1, 2, -1]))
def test_batch_equals_single(mats, method, threads):
    mats32 = [m.astype(np.float32) for m in mats]
    expected = [extract(m, method) for m in mats32]
    assert extract_batch(mats32, method, threads=threads) == expected


def test_empty_and_degenerate():
    assert extract(np.zeros((0, 3)), "argmax") == []
    assert extract(np.zeros((3, 0)), "match") == []
    assert extract_batch([], "itermax") == []
    assert extract(np.array([[0.5]]), "softmax") == [(0, 0)]


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="sentence 1, field sim: non-finite"):
        extract_batch([np.ones((2, 2)), np.array([[1.0, np.nan]])], "argmax")
    with pytest.raises(ValueError, match="unknown extraction method"):
        extract(np.ones((2, 2)), "maximum")
    with pytest.raises(ValueError, match="2-D"):
        extract(np.ones(3), "argmax")
    with pytest.raises(ValueError, match="sentence 0, field sim_offsets"):
        _core.extract_alignments(np.ones(5), np.array([0, 5], dtype=np.int64), np.array([2], dtype=np.int32),
                                 np.array([2], dtype=np.int32))
    with pytest.raises(ValueError, match="max_count"):
        extract(np.ones((3, 3)), "itermax", max_count=0)
