"""Translation-score matrix from any pair scorer: one scorer call per batch, every (entity, candidate)
phrase pair, scores scattered back to the right (sentence, entity, span), threshold, bad input."""
from __future__ import annotations

import difflib
from typing import List, Sequence, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.batch import ProjectionBatch
from xlner.projection import project
from xlner.scores import candidate_spans, fuse, nmt_scores, alignment_scores


class RatioScorer:
    """A deterministic stand-in for the NMT scorer: string similarity; records its calls."""

    def __init__(self) -> None:
        self.calls: List[List[Tuple[str, str]]] = []

    def __call__(self, pairs: Sequence[Tuple[str, str]]) -> np.ndarray:
        self.calls.append(list(pairs))
        return np.array([difflib.SequenceMatcher(None, a, b).ratio() for a, b in pairs])


WORDS = ["Anna", "Berlin", "New", "York", "la", "casa", "Ana", "Nueva", "de", "Berlín"]


@st.composite
def token_batches(draw, with_cands=False):
    n = draw(st.integers(1, 3))
    src, tgt, ents, cands = [], [], [], []
    for _ in range(n):
        s = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5))
        t = draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=6))
        es = []
        for _ in range(draw(st.integers(0, 2))):
            a = draw(st.integers(0, len(s) - 1))
            es.append((a, draw(st.integers(a + 1, len(s))), 0))
        cs = []
        if with_cands and t:
            cs = draw(st.lists(st.tuples(st.integers(0, len(t) - 1), st.integers(1, len(t))).filter(
                lambda x: x[0] < x[1]), max_size=5, unique=True))
        src.append(s)
        tgt.append(t)
        ents.append(es)
        cands.append(cs)
    b = ProjectionBatch.from_lists([len(s) for s in src], [len(t) for t in tgt], ents, [[] for _ in range(n)],
                                   candidates=cands if with_cands else None)
    return b, src, tgt


@settings(max_examples=50, deadline=None)
@given(data=token_batches(), max_len=st.integers(1, 4), threshold=st.sampled_from([0.0, 0.1, 0.5]))
def test_matches_direct_loops_and_calls_scorer_once(data, max_len, threshold):
    batch, src, tgt = data
    scorer = RatioScorer()
    m = nmt_scores(batch, scorer, src, tgt, max_len=max_len, threshold=threshold)
    assert len(scorer.calls) == (1 if any(len(batch.entities(i)) and len(tgt[i]) for i in range(len(batch))) else 0)
    for i in range(len(batch)):
        want = []
        for k, (s, e, _) in enumerate(batch.entities(i)):
            for a in range(len(tgt[i])):
                for b in range(a + 1, min(len(tgt[i]), a + max_len) + 1):
                    v = difflib.SequenceMatcher(None, " ".join(src[i][s:e]), " ".join(tgt[i][a:b])).ratio()
                    if v > threshold:
                        want.append((k, a, b, v))
        assert m.entries(i) == want


@settings(max_examples=20, deadline=None)
@given(data=token_batches(with_cands=True))
def test_external_candidates(data):
    batch, src, tgt = data
    m = nmt_scores(batch, RatioScorer(), src, tgt, candidates="external", threshold=0.0, join="_".join)
    for i, cs in enumerate(candidate_spans(batch, candidates="external")):
        want = [(k, a, b, difflib.SequenceMatcher(None, "_".join(src[i][s:e]), "_".join(tgt[i][a:b])).ratio())
                for k, (s, e, _) in enumerate(batch.entities(i)) for a, b in cs]
        assert m.entries(i) == [x for x in want if x[3] > 0.0]


def test_hand_worked_projection():
    src = [["Anna", "visits", "New", "York"]]
    tgt = [["Ana", "visita", "Nueva", "York"]]
    b = ProjectionBatch.from_lists([4], [4], [[(0, 1, 0), (2, 4, 1)]], [[(0, 0), (2, 3)]])
    m = nmt_scores(b, RatioScorer(), src, tgt, max_len=3)
    r = project(b, "greedy", scores=m)
    assert [(s, e, ent) for s, e, _, ent, _ in r.spans(0)] == [(0, 1, 0), (2, 4, 1)]
    # fused with alignments (align_nmt: 0.5 / 1) the answer stays
    r = project(b, "greedy", scores=fuse({"align": alignment_scores(b, max_len=3), "nmt": m}, "align_nmt"))
    assert [(s, e, ent) for s, e, _, ent, _ in r.spans(0)] == [(0, 1, 0), (2, 4, 1)]


class PairObjectScorer:
    """Duck-typed like xlner.models.nmt_scorer.NMTScorer: score_pairs(a, b, *, a_lang, b_lang)."""

    def __init__(self) -> None:
        self.langs: List[Tuple[str, str]] = []

    def score_pairs(self, a, b, *, a_lang, b_lang):
        self.langs.append((a_lang, b_lang))
        return RatioScorer()(list(zip(a, b)))


def test_score_pairs_object():
    src = [["Anna", "visits", "Berlin"]]
    tgt = [["Ana", "visita", "Berlín"]]
    b = ProjectionBatch.from_lists([3], [3], [[(0, 1, 0), (2, 3, 1)]], [[]])
    obj = PairObjectScorer()
    m = nmt_scores(b, obj, src, tgt, src_lang="eng_Latn", tgt_lang="spa_Latn", max_len=2)
    assert obj.langs == [("eng_Latn", "spa_Latn")]
    assert m.entries(0) == nmt_scores(b, RatioScorer(), src, tgt, max_len=2).entries(0)
    with pytest.raises(ValueError, match="src_lang and tgt_lang"):
        nmt_scores(b, obj, src, tgt)
    with pytest.raises(TypeError, match="scorer"):
        nmt_scores(b, 3, src, tgt)


def test_bad_input():
    src = [["a", "b"], ["c"]]
    tgt = [["x", "y"], ["z", "w"]]
    b = ProjectionBatch.from_lists([2, 1], [2, 2], [[(0, 1, 0)], [(0, 1, 0)]], [[], []])

    def nan_in_second(pairs):
        out = np.ones(len(pairs))
        out[-1] = np.nan
        return out

    with pytest.raises(ValueError, match="sentence 1, field nmt_score"):
        nmt_scores(b, nan_in_second, src, tgt)
    with pytest.raises(ValueError, match=r"field nmt_score: the scorer returned shape \(2,\) for 6 pairs"):
        nmt_scores(b, lambda pairs: np.ones(2), src, tgt)
    with pytest.raises(ValueError, match="sentence 1, field tgt_tokens: 1 tokens"):
        nmt_scores(b, RatioScorer(), src, [["x", "y"], ["z"]])
    with pytest.raises(ValueError, match="field src_tokens: 1 sentences"):
        nmt_scores(b, RatioScorer(), src[:1], tgt)
    with pytest.raises(ValueError, match="external candidates"):
        nmt_scores(b, RatioScorer(), src, tgt, candidates="external")
