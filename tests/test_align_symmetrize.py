"""Symmetrisation: a hand-worked example for every heuristic, and the C++ implementation against a literal
transcription of Koehn's textbook pseudo-code (Statistical Machine Translation, 2010, sec. 4.5.3)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.align import SYMMETRIZATION_METHODS, symmetrize, symmetrize_batch

NEIGHBORING = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def textbook(e2f, f2e, en, fn, method):
    """Koehn's GROW-DIAG-FINAL(-AND), written out as in the book, with sets."""
    e2f, f2e = set(e2f), set(f2e)
    if method == "intersection":
        return sorted(e2f & f2e)
    if method == "union":
        return sorted(e2f | f2e)
    alignment = e2f & f2e
    union = e2f | f2e

    def e_aligned(e):
        return any(a == e for a, _ in alignment)

    def f_aligned(f):
        return any(b == f for _, b in alignment)

    def grow_diag():
        added = True
        while added:  # iterate until no new points added
            added = False
            for e in range(en):
                for f in range(fn):
                    if (e, f) in alignment:
                        for de, df in NEIGHBORING:
                            e_new, f_new = e + de, f + df
                            if not (0 <= e_new < en and 0 <= f_new < fn):
                                continue
                            if (not e_aligned(e_new) or not f_aligned(f_new)) and (e_new, f_new) in union:
                                alignment.add((e_new, f_new))
                                added = True

    def final(a, both):
        for e_new in range(en):
            for f_new in range(fn):
                cond = (not e_aligned(e_new) and not f_aligned(f_new)) if both else \
                    (not e_aligned(e_new) or not f_aligned(f_new))
                if cond and (e_new, f_new) in a:
                    alignment.add((e_new, f_new))

    grow_diag()
    if method in ("grow-diag-final", "grow-diag-final-and"):
        both = method == "grow-diag-final-and"
        final(e2f, both)
        final(f2e, both)
    return sorted(alignment)


# Worked by hand (5 x 5). F = forward, R = reverse, both as (src, tgt).
F = [(0, 0), (1, 1), (2, 1), (3, 3), (4, 4)]
R = [(0, 0), (0, 2), (1, 2), (2, 1), (3, 1)]
# intersection: (0,0) (2,1).
# grow-diag sweep 1: (0,0) adds its diagonal neighbour (1,1) (row 1 unaligned); (1,1) adds (1,2) (column 2
# unaligned) and then rejects (0,2): by now row 0 and column 2 are both aligned; (2,1) adds (3,1) (row 3
# unaligned). Sweep 2 adds nothing: (3,3) and (4,4) touch no alignment point.
# final(F): (3,3) has column 3 unaligned -> added by final, not by final-and (row 3 aligned);
#           (4,4) has row 4 and column 4 unaligned -> added by both.  final(R): nothing new.
HAND = {
    "intersection": [(0, 0), (2, 1)],
    "union": [(0, 0), (0, 2), (1, 1), (1, 2), (2, 1), (3, 1), (3, 3), (4, 4)],
    "grow-diag": [(0, 0), (1, 1), (1, 2), (2, 1), (3, 1)],
    "grow-diag-final": [(0, 0), (1, 1), (1, 2), (2, 1), (3, 1), (3, 3), (4, 4)],
    "grow-diag-final-and": [(0, 0), (1, 1), (1, 2), (2, 1), (3, 1), (4, 4)],
}


@pytest.mark.parametrize("method", SYMMETRIZATION_METHODS)
def test_hand_worked_example(method):
    assert symmetrize(F, R, 5, 5, method) == HAND[method]
    assert textbook(F, R, 5, 5, method) == HAND[method]


def test_final_and_requires_both_unaligned_rectangular():
    # 2 x 4: intersection (0,0); F adds (1,3) (row 1, column 3 free), R's (0,2) has row 0 aligned.
    f = [(0, 0), (1, 3)]
    r = [(0, 0), (0, 2)]
    assert symmetrize(f, r, 2, 4, "grow-diag-final-and") == [(0, 0), (1, 3)]
    assert symmetrize(f, r, 2, 4, "grow-diag-final") == [(0, 0), (0, 2), (1, 3)]
    assert symmetrize(f, r, 2, 4, "grow-diag") == [(0, 0)]


@st.composite
def link_pairs(draw):
    m = draw(st.integers(0, 7))
    n = draw(st.integers(0, 7))
    cells = st.tuples(st.integers(0, max(m - 1, 0)), st.integers(0, max(n - 1, 0)))
    if m == 0 or n == 0:
        return m, n, [], []
    fwd = draw(st.lists(cells, max_size=m * n))
    rev = draw(st.lists(cells, max_size=m * n))
    return m, n, fwd, rev


@settings(max_examples=300, deadline=None)
@given(link_pairs(), st.sampled_from(SYMMETRIZATION_METHODS))
def test_matches_textbook(case, method):
    m, n, fwd, rev = case
    assert symmetrize(fwd, rev, m, n, method) == textbook(fwd, rev, m, n, method)


@settings(max_examples=20, deadline=None)
@given(st.lists(link_pairs(), max_size=10), st.sampled_from([1, 3, -1]))
def test_batch_equals_single(cases, threads):
    fwd = [c[2] for c in cases]
    rev = [c[3] for c in cases]
    ms = [c[0] for c in cases]
    ns = [c[1] for c in cases]
    got = symmetrize_batch(fwd, rev, ms, ns, "grow-diag-final-and", threads=threads)
    assert got == [textbook(f, r, m, n, "grow-diag-final-and") for f, r, m, n in zip(fwd, rev, ms, ns)]


def test_errors_name_sentence_and_field():
    with pytest.raises(IndexError, match="sentence 1, field rev_tgt"):
        symmetrize_batch([[], [(0, 0)]], [[], [(0, 5)]], [1, 2], [1, 2])
    with pytest.raises(ValueError, match="unknown symmetrisation"):
        symmetrize([], [], 1, 1, "grow")
    with pytest.raises(ValueError, match="fwd has 1 sentences"):
        symmetrize_batch([[]], [], [1], [1])
    with pytest.raises(ValueError, match="sentence 0, field fwd"):
        symmetrize_batch([[(1, 2, 3)]], [[]], [3], [3])
