"""Fusion: the published presets, the C++ weighted sum against a dict-based reference on random sparse
matrices, fused scores driving greedy end to end (against the pure-Python greedy reference), and bad input."""
from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.batch import ProjectionBatch, ScoreMatrix
from xlner.projection import MatchingConfig, project
from xlner.reference.greedy import greedy, ngrams
from xlner.scores import (FUSION_COMPONENTS, alignment_scores, fuse, fusion_presets, ner_scores, preset_weights,
                          similarity_scores)


def matrix_from_lists(rows: List[List[Tuple[int, int, int, float]]]) -> ScoreMatrix:
    off = np.zeros(len(rows) + 1, dtype=np.int64)
    for i, r in enumerate(rows):
        off[i + 1] = off[i] + len(r)
    flat = [x for r in rows for x in r]
    col = lambda j, dt: np.array([x[j] for x in flat], dtype=dt)  # noqa: E731
    return ScoreMatrix(off, col(0, np.int32), col(1, np.int32), col(2, np.int32), col(3, np.float64))


def ref_fuse(mats: Dict[str, ScoreMatrix], weights: Dict[str, float], n: int):
    out = []
    for i in range(n):
        acc: Dict[Tuple[int, int, int], float] = {}
        for name, m in mats.items():
            for e, s, t, v in m.entries(i):
                acc[(e, s, t)] = acc.get((e, s, t), 0.0) + weights[name] * v
        out.append(sorted((k[0], k[1], k[2], v) for k, v in acc.items() if v != 0.0))
    return out


def test_presets_match_the_thesis_table():
    # Shkalikov (2024), Evaluation chapter, table of MasakhaNER2 pipelines: λ for align, ner (per class),
    # ner (spans, max over classes), nmt
    table = {
        "align": (1, 0, 0, 0), "ner": (0, 1, 0, 0), "nmt": (0, 0, 0, 1), "align_ner": (0.5, 0.5, 0, 0),
        "align_ner_spans": (0.5, 0, 0.5, 0), "align_nmt": (0.5, 0, 0, 1), "ner_spans_nmt": (0, 0, 0.5, 1),
        "all_fusion": (0.5, 0, 0.5, 1),
    }
    assert fusion_presets() == list(table)
    for name, w in table.items():
        assert preset_weights(name) == dict(zip(FUSION_COMPONENTS, map(float, w)))
    with pytest.raises(ValueError, match="unknown fusion preset 'best'.*all_fusion"):
        preset_weights("best")


def test_hand_worked_union():
    a = matrix_from_lists([[(0, 0, 1, 1.0), (0, 1, 2, 0.5)], []])
    b = matrix_from_lists([[(0, 1, 2, 0.25), (1, 0, 2, 0.8)], [(0, 0, 1, 2.0)]])
    f = fuse({"align": a, "nmt": b}, {"align": 0.5, "nmt": 1.0})
    assert f.entries(0) == [(0, 0, 1, 0.5), (0, 1, 2, 0.5), (1, 0, 2, 0.8)]
    assert f.entries(1) == [(0, 0, 1, 2.0)]
    # a preset with a zero weight on a given matrix leaves it out entirely
    f = fuse({"align": a, "nmt": b, "ner": b}, "align_nmt")
    assert f.entries(0) == [(0, 0, 1, 0.5), (0, 1, 2, 0.5), (1, 0, 2, 0.8)]
    f = fuse({"align": a}, {"align": 0.0})
    assert f.entries(0) == [] and len(f) == 2


@st.composite
def sparse_matrices(draw):
    n = draw(st.integers(0, 4))
    k = draw(st.integers(1, 4))
    # compact keys (the dense accumulation path) or keys spread over long sentences (the sorting path)
    ents, starts, lens = draw(st.sampled_from([(2, 4, 3), (40, 3000, 800)]))
    names = [f"m{j}" for j in range(k)]
    mats = {}
    for name in names:
        rows = []
        for _ in range(n):
            keys = draw(st.lists(st.tuples(st.integers(0, ents), st.integers(0, starts), st.integers(1, lens)),
                                 max_size=8, unique=True))
            rows.append([(e, s, s + ln, draw(st.floats(-2, 2, allow_nan=False))) for e, s, ln in keys])
        mats[name] = matrix_from_lists(rows)
    weights = {name: draw(st.sampled_from([0.0, 0.5, 1.0, 0.3, 2.0])) for name in names}
    return n, mats, weights


@settings(max_examples=80, deadline=None)
@given(data=sparse_matrices())
def test_fuse_matches_reference(data):
    n, mats, weights = data
    f = fuse(mats, weights, threads=2)
    assert len(f) == n
    want = ref_fuse(mats, weights, n)
    for i in range(n):
        got = f.entries(i)
        assert [x[:3] for x in got] == [x[:3] for x in want[i]]
        assert [x[3] for x in got] == pytest.approx([x[3] for x in want[i]], rel=1e-12, abs=1e-15)


# ---- end to end: fused scores drive greedy ----------------------------------------------------------

@st.composite
def projection_cases(draw):
    n_cls = 2
    n = draw(st.integers(1, 3))
    src_lens, tgt_lens, ents, alns = [], [], [], []
    for _ in range(n):
        sl = draw(st.integers(1, 6))
        tl = draw(st.integers(1, 7))
        es = []
        for _ in range(draw(st.integers(0, 3))):
            s = draw(st.integers(0, sl - 1))
            es.append((s, draw(st.integers(s + 1, min(sl, s + 3))), draw(st.integers(0, n_cls - 1))))
        links = draw(st.lists(st.tuples(st.integers(0, sl - 1), st.integers(0, tl - 1)), max_size=8, unique=True))
        src_lens.append(sl)
        tgt_lens.append(tl)
        ents.append(es)
        alns.append(links)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    probs = [rng.dirichlet(np.full(1 + 2 * n_cls, 0.5), size=tl) for tl in tgt_lens]
    sims = [rng.uniform(-1, 1, size=(sl, tl)) for sl, tl in zip(src_lens, tgt_lens)]
    return ProjectionBatch.from_lists(src_lens, tgt_lens, ents, alns), probs, sims


@settings(max_examples=50, deadline=None)
@given(case=projection_cases(), preset=st.sampled_from(["align", "ner", "align_ner", "align_ner_spans"]),
       constraint=st.sampled_from(["<=1", "<2", "=1", ">=1", "<=2"]), max_len=st.integers(1, 5))
def test_fused_scores_drive_greedy(case, preset, constraint, max_len):
    batch, probs, sims = case
    mats = {
        "align": alignment_scores(batch, max_len=max_len),
        "ner": ner_scores(batch, probs, max_len=max_len),
        "ner_spans": ner_scores(batch, probs, variant="spans", max_len=max_len),
        "nmt": similarity_scores(batch, sims, max_len=max_len, threshold=0.3),  # a stand-in translation score
    }
    fused = fuse(mats, preset, batch=batch)
    r = project(batch, "greedy", scores=fused, matching=MatchingConfig(max_len=max_len, constraint=constraint))
    op, k = constraint.rstrip("0123456789"), int(constraint.lstrip("<>="))
    w = preset_weights(preset)
    for i in range(len(batch)):
        cands = ngrams(int(batch.tgt_len[i]), max_len)
        index = {c: j for j, c in enumerate(cands)}
        n_ent = len(batch.entities(i))
        dense = [[0.0] * len(cands) for _ in range(n_ent)]
        for name, m in mats.items():  # the fused matrix written densely from its definition
            for e, s, t, v in m.entries(i):
                dense[e][index[(s, t)]] += w[name] * v
        want = sorted((cands[c][0], cands[c][1], e, v) for e, c, v in greedy(dense, cands, op, k))
        got = [(s, t, e, sc) for s, t, _, e, sc in r.spans(i)]
        assert [x[:3] for x in got] == [x[:3] for x in want]
        assert [x[3] for x in got] == pytest.approx([x[3] for x in want])
        labels = {e: l for e, (_, _, l) in enumerate(batch.entities(i))}
        assert all(l == labels[e] for _, _, l, e, _ in r.spans(i))


def test_fusion_weights_decide_between_alignment_and_ner():
    # source "New York" (LOC) aligned only to target word 1 of "in New York"; the tagger sees [1, 3) as LOC.
    # align alone projects [1, 2); align_ner (0.5/0.5) prefers the whole predicted entity [1, 3).
    b = ProjectionBatch.from_lists([2], [3], [[(0, 2, 0)]], [[(0, 1), (1, 1)]])
    p = np.array([[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.1, 0.05, 0.85]])  # O, B-LOC, I-LOC
    mats = {"align": alignment_scores(b), "ner": ner_scores(b, [p])}
    r = project(b, "greedy", scores=fuse(mats, "align"))
    assert [(s, e) for s, e, *_ in r.spans(0)] == [(1, 2)]  # 2·2/(2+1) = 1.33 beats 2·2/(2+2) = 1
    r = project(b, "greedy", scores=fuse(mats, "align_ner"))
    # [1,2): 0.5·4/3 + 0.5·0.9 = 1.1167 ; [1,3): 0.5·1 + 0.5·1.15·(0.9+0.85)/2 = 1.0031 → still [1,2)
    assert [(s, e) for s, e, *_ in r.spans(0)] == [(1, 2)]
    r = project(b, "greedy", scores=fuse(mats, {"align": 0.2, "ner": 1.0}))
    # [1,2): 0.2667 + 0.9 = 1.1667 ; [1,3): 0.2 + 1.00625 = 1.20625 → the whole entity
    assert [(s, e) for s, e, *_ in r.spans(0)] == [(1, 3)]


# ---- bad input ---------------------------------------------------------------------------------------

def test_bad_input():
    a = matrix_from_lists([[(0, 0, 1, 1.0)], []])
    dup = matrix_from_lists([[(0, 0, 1, 1.0)], [(1, 0, 2, 0.5), (1, 0, 2, 0.25)]])
    with pytest.raises(ValueError,
                       match=r"sentence 1, field nmt.ent/start/end: entity 1 and span \[0, 2\) are listed twice"):
        fuse({"align": a, "nmt": dup}, "align_nmt")
    far = matrix_from_lists([[(30, 2000, 2900, 1.0), (30, 2000, 2900, 0.5)], []])  # sorting path
    with pytest.raises(ValueError, match=r"sentence 0, field nmt.ent/start/end: entity 30 and span \[2000, 2900\)"):
        fuse({"align": a, "nmt": far}, "align_nmt")
    nan = matrix_from_lists([[(0, 0, 1, float("nan"))], []])
    with pytest.raises(ValueError, match="sentence 0, field ner.score"):
        fuse({"align": a, "ner": nan}, {"align": 1.0, "ner": 0.0})
    with pytest.raises(ValueError, match="weight of 'align' must be finite and >= 0"):
        fuse({"align": a}, {"align": -1.0})
    with pytest.raises(ValueError, match=r"no weight for score matrices \['sim'\]"):
        fuse({"align": a, "sim": a}, "align")
    with pytest.raises(ValueError, match=r"weights \['nmt'\] are nonzero"):
        fuse({"align": a}, "align_nmt")
    short = matrix_from_lists([[]])
    with pytest.raises(ValueError, match="field nmt.offsets"):
        fuse({"align": a, "nmt": short}, "align_nmt")
    bad_off = ScoreMatrix(np.array([0, 2, 1]), a.ent, a.start, a.end, a.score)
    with pytest.raises(ValueError, match="field align.offsets"):
        fuse({"align": bad_off}, "align")
    with pytest.raises(ValueError, match="at least one"):
        fuse({}, {})
    b = ProjectionBatch.from_lists([1, 1], [3, 1], [[(0, 1, 0)], []], [[], []])
    far = matrix_from_lists([[(0, 2, 4, 1.0)], []])
    with pytest.raises(IndexError, match="score matrix 'align': sentence 0, field score_start/score_end"):
        fuse({"align": far}, "align", batch=b)
    assert fuse({"align": a}, "align", batch=b).entries(0) == [(0, 0, 1, 1.0)]


def brute_force_best(entries, cap: int) -> float:
    """Maximum total score over assignments with pairwise non-overlapping spans and at most `cap`
    projections per entity, by recursion over the target positions (positive entries only)."""
    pos = [(e, s, t, v) for e, s, t, v in entries if v > 0]
    if not pos:
        return 0.0
    end = max(t for _, _, t, _ in pos)

    def best(k, counts):
        if k >= end:
            return 0.0
        top = best(k + 1, counts)
        for e, s, t, v in pos:
            if s == k and counts.get(e, 0) < cap:
                c = dict(counts)
                c[e] = c.get(e, 0) + 1
                top = max(top, v + best(t, c))
        return top

    return best(0, {})


@settings(max_examples=25, deadline=None)
@given(case=projection_cases(), preset=st.sampled_from(["align_ner", "align_ner_spans", "all_fusion"]),
       constraint=st.sampled_from(["<=1", "<2", "<=2"]))
def test_fused_scores_drive_exact_and_ilp(case, preset, constraint):
    batch, probs, sims = case
    max_len = 3
    mats = {
        "align": alignment_scores(batch, max_len=max_len),
        "ner": ner_scores(batch, probs, max_len=max_len),
        "ner_spans": ner_scores(batch, probs, variant="spans", max_len=max_len),
        "nmt": similarity_scores(batch, sims, max_len=max_len, threshold=0.3),  # a stand-in translation score
    }
    fused = fuse(mats, preset, batch=batch)
    cap = 1 if constraint in ("<=1", "<2") else 2
    cfg = MatchingConfig(max_len=max_len, constraint=constraint)
    for method in ("exact", "ilp"):
        r = project(batch, method, scores=fused, matching=cfg)
        for i in range(len(batch)):
            got = r.spans(i)
            assert r.objective[i] == pytest.approx(brute_force_best(fused.entries(i), cap), abs=1e-9)
            assert sum(sc for *_, sc in got) == pytest.approx(r.objective[i], abs=1e-9)
            table = {(e, s, t): v for e, s, t, v in fused.entries(i)}
            assert all(table[(ent, s, t)] == pytest.approx(sc) for s, t, _, ent, sc in got)
