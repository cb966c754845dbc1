"""Embedding-similarity score: hand-worked case, C++ batch against a direct numpy computation of the
formula on random similarity matrices (every reduction, n-gram and external candidates), from subword
embeddings through align's subword→word reduction against brute force, thresholds, and bad input."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.batch import ProjectionBatch
from xlner.align.embedding import word_similarity
from xlner.scores import candidate_spans, similarity_scores

REDUCE = {"mean": np.mean, "max": np.max, "min": np.min}


def ref_pair(sim: np.ndarray, e, t, reduction: str) -> float:
    block = sim[e[0]:e[1], t[0]:t[1]]
    r = REDUCE[reduction]
    return max(float(r(block.max(axis=1))), float(r(block.max(axis=0))))


def ref_scores(batch, sims, cands, threshold, reduction):
    out = []
    for i in range(len(batch)):
        rows = []
        for k, (s, e, _) in enumerate(batch.entities(i)):
            for t in cands[i]:
                v = ref_pair(sims[i], (s, e), t, reduction) - threshold
                if v > 0:
                    rows.append((k, t[0], t[1], v))
        out.append(rows)
    return out


@st.composite
def sim_batches(draw, with_cands=False):
    n = draw(st.integers(1, 3))
    src_lens, tgt_lens, ents, cands = [], [], [], []
    for _ in range(n):
        sl = draw(st.integers(1, 6))
        tl = draw(st.integers(0, 7))
        es = []
        for _ in range(draw(st.integers(0, 3))):
            s = draw(st.integers(0, sl - 1))
            es.append((s, draw(st.integers(s + 1, sl)), 0))
        src_lens.append(sl)
        tgt_lens.append(tl)
        ents.append(es)
        cs = []
        if with_cands and tl:
            cs = draw(st.lists(st.tuples(st.integers(0, tl - 1), st.integers(1, tl)).filter(lambda x: x[0] < x[1]),
                               max_size=6, unique=True))
        cands.append(cs)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    # quantised similarities produce ties between maxima (exercises max/min bookkeeping)
    q = draw(st.sampled_from([0, 4]))
    sims = []
    for sl, tl in zip(src_lens, tgt_lens):
        m = rng.uniform(-1, 1, size=(sl, tl))
        sims.append(np.round(m * q) / q if q else m)
    batch = ProjectionBatch.from_lists(src_lens, tgt_lens, ents, [[] for _ in range(n)],
                                       candidates=cands if with_cands else None)
    return batch, sims


def compare(m, ref, threshold, tol=1e-9):
    for i, want in enumerate(ref):
        got = m.entries(i)
        strict = lambda rows: [(e, a, b) for e, a, b, v in rows if v > tol]  # noqa: E731
        assert strict(got) == strict(want), f"sentence {i}"
        wd = {(e, a, b): v for e, a, b, v in want}
        for e, a, b, v in got:
            assert v == pytest.approx(wd.get((e, a, b), 0.0), abs=1e-12)


def test_hand_worked():
    # entity = source words 0..1; S rows: word 0 → [0.9, 0.1, 0.3], word 1 → [0.2, 0.8, 0.0]
    sim = np.array([[0.9, 0.1, 0.3],
                    [0.2, 0.8, 0.0],
                    [0.0, 0.0, 0.95]])
    b = ProjectionBatch.from_lists([3], [3], [[(0, 2, 0)]], [[]])
    got = {(a, e): v for _, a, e, v in similarity_scores(b, [sim], threshold=0.5).entries(0)}
    # [0,2): cs = mean(0.9, 0.8) = 0.85, ct = mean(0.9, 0.8) = 0.85 → 0.35
    assert got[(0, 2)] == pytest.approx(0.35)
    # [0,1): cs = mean(0.9, 0.2) = 0.55, ct = 0.9 → 0.4
    assert got[(0, 1)] == pytest.approx(0.4)
    # [0,3): cs = mean(0.9, 0.8) = 0.85, ct = mean(0.9, 0.8, 0.3) = 0.6667 → 0.35
    assert got[(0, 3)] == pytest.approx(0.35)
    # [2,3): cs = mean(0.3, 0.0) = 0.15, ct = 0.3 → below the threshold
    assert (2, 3) not in got
    got = {(a, e): v for _, a, e, v in similarity_scores(b, [sim], threshold=0.5, reduction="min").entries(0)}
    assert got[(0, 2)] == pytest.approx(0.3)  # min(0.9, 0.8) - 0.5
    assert (0, 1) in got and got[(0, 1)] == pytest.approx(0.4)  # ct = min over the single word = 0.9


@settings(max_examples=60, deadline=None)
@given(data=sim_batches(), reduction=st.sampled_from(["mean", "max", "min"]), max_len=st.integers(1, 7),
       threshold=st.sampled_from([-0.5, 0.0, 0.3, 0.65]))
def test_ngrams_match_reference(data, reduction, max_len, threshold):
    batch, sims = data
    m = similarity_scores(batch, sims, max_len=max_len, threshold=threshold, reduction=reduction, threads=2)
    cands = candidate_spans(batch, max_len=max_len)
    compare(m, ref_scores(batch, sims, cands, threshold, reduction), threshold)
    for i in range(len(batch)):
        assert all(v > 0 for *_, v in m.entries(i))


@settings(max_examples=30, deadline=None)
@given(data=sim_batches(with_cands=True), reduction=st.sampled_from(["mean", "max", "min"]))
def test_external_match_reference(data, reduction):
    batch, sims = data
    m = similarity_scores(batch, sims, candidates="external", threshold=0.1, reduction=reduction)
    compare(m, ref_scores(batch, sims, candidate_spans(batch, candidates="external"), 0.1, reduction), 0.1)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), ns=st.integers(1, 4), nt=st.integers(1, 5), dim=st.integers(1, 6))
def test_from_subword_embeddings_through_align_word_similarity(seed, ns, nt, dim):
    # subword embeddings → align's word matrix (max over subword pairs) → span scores, against the span
    # formula evaluated directly on the subword cosine similarities
    rng = np.random.default_rng(seed)
    sw = [None] + sorted(rng.integers(0, ns, size=ns + 3).tolist() + list(range(ns))) + [None]
    tw = [None] + sorted(rng.integers(0, nt, size=nt + 2).tolist() + list(range(nt))) + [None]
    se = rng.normal(size=(len(sw), dim))
    te = rng.normal(size=(len(tw), dim))
    sim = word_similarity(se, te, sw, tw, ns, nt, pooling="max")
    b = ProjectionBatch.from_lists([ns], [nt], [[(0, ns, 0)]], [[]])
    got = {(a, c): v for _, a, c, v in similarity_scores(b, [sim], max_len=nt, threshold=0.0).entries(0)}

    def cos(i, j):
        return se[i] @ te[j] / (np.linalg.norm(se[i]) * np.linalg.norm(te[j]))

    def word_sim(a, c):  # max over the subword pairs of source word a and target word c
        return max(cos(i, j) for i, wi in enumerate(sw) for j, wj in enumerate(tw) if wi == a and wj == c)

    for a in range(nt):
        for c in range(a + 1, nt + 1):
            cs = np.mean([max(word_sim(x, y) for y in range(a, c)) for x in range(ns)])
            ct = np.mean([max(word_sim(x, y) for x in range(ns)) for y in range(a, c)])
            want = max(cs, ct)
            if want > 1e-5:
                assert got[(a, c)] == pytest.approx(want, abs=1e-5)  # align's matrix is float32
            elif want < -1e-5:
                assert (a, c) not in got


def test_bad_input_names_sentence_and_field():
    b = ProjectionBatch.from_lists([2, 2], [2, 3], [[(0, 1, 0)], [(0, 2, 0)]], [[], []])
    good = [np.zeros((2, 2)), np.zeros((2, 3))]
    assert len(similarity_scores(b, good)) == 2
    bad = [good[0], good[1].copy()]
    bad[1][1, 2] = np.nan
    with pytest.raises(ValueError, match="sentence 1, field sim: similarity of source word 1 and target word 2 is NaN"):
        similarity_scores(b, bad)
    with pytest.raises(ValueError, match=r"sentence 0, field sim: expected a 2 x 2 matrix"):
        similarity_scores(b, [np.zeros((2, 3)), good[1]])
    with pytest.raises(ValueError, match="field sim: 1 matrices"):
        similarity_scores(b, good[:1])
    with pytest.raises(ValueError, match="reduction"):
        similarity_scores(b, good, reduction="median")
    with pytest.raises(ValueError, match="threshold"):
        similarity_scores(b, good, threshold=float("nan"))
