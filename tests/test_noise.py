from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.studies.noise import KINDS, corrupt_alignments, corrupt_links


@st.composite
def sentence(draw):
    sl = draw(st.integers(1, 8))
    tl = draw(st.integers(1, 8))
    links = draw(st.lists(st.tuples(st.integers(0, sl - 1), st.integers(0, tl - 1)), max_size=20, unique=True))
    return sl, tl, links


@given(sentence(), st.sampled_from(KINDS), st.floats(0, 1), st.integers(0, 10))
@settings(max_examples=300, deadline=None)
def test_corruption_properties(sent, kind, rate, seed):
    sl, tl, links = sent
    out = corrupt_links(links, sl, tl, kind, rate, np.random.default_rng(seed))
    again = corrupt_links(links, sl, tl, kind, rate, np.random.default_rng(seed))
    assert out == again  # deterministic under a seed
    assert len(set(out)) == len(out)
    assert all(0 <= i < sl and 0 <= j < tl for i, j in out)
    k = int(round(rate * len(links)))
    if kind == "drop":
        assert set(out) <= set(links) and len(out) == len(links) - k
    elif kind == "add":
        assert set(links) <= set(out)
        assert len(out) == len(links) + min(k, sl * tl - len(links))
    else:
        assert len(out) == len(links)
        moved = sorted(set(out) - set(links))
        assert len(moved) <= k
        for i, j in moved:  # every new link is an old one moved by exactly one target word
            assert (i, j - 1) in links or (i, j + 1) in links


@given(sentence(), st.sampled_from(KINDS))
@settings(max_examples=50, deadline=None)
def test_rate_zero_is_identity(sent, kind):
    sl, tl, links = sent
    assert corrupt_links(links, sl, tl, kind, 0.0, np.random.default_rng(0)) == sorted(links)


def test_per_sentence_seeding_is_order_independent():
    alns = [[(0, 0), (1, 1), (2, 2)], [(0, 1), (1, 0)], [(0, 0)]]
    full = corrupt_alignments(alns, [3, 2, 1], [3, 2, 1], "drop", 0.5, seed=7)
    tail = corrupt_alignments(alns[:2], [3, 2], [3, 2], "drop", 0.5, seed=7)
    assert full[:2] == tail


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        corrupt_links([(0, 0)], 1, 1, "flip", 0.1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rate"):
        corrupt_links([(0, 0)], 1, 1, "drop", 1.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="one entry per sentence"):
        corrupt_alignments([[]], [1, 2], [1], "drop", 0.1)
