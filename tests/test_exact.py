"""Exact projection (`exact`: C++ dynamic program with HiGHS fallback; `ilp`: HiGHS): hand-worked cases,
degenerate and infeasible sentences, brute force from the definition on random instances, and the
exact == HiGHS >= greedy checks on every sentence of the conll2003-deepl test files."""
from __future__ import annotations

import threading
import _thread

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xlner.batch import LabelVocab, ProjectionBatch, ScoreMatrix
from xlner.datasets import conll_deepl_paths
from xlner.ilp import SolverOptions, ilp_arrays, project_exact, project_ilp, relaxed_constraint
from xlner.io import read_conll, read_talp
from xlner.projection import METHODS, MatchingConfig, project
from xlner.reference.ilp import bounds, brute_force, brute_force_alignment
from xlner.tagging import batch_tags_to_spans

OPS = ["<", "<=", "=", ">=", ">"]


def spans_of(result, i):
    return [(s, e, ent, sc) for s, e, _, ent, sc in result.spans(i)]


def run(b, method, constraint="<=1", **kw):
    threads = kw.pop("threads", -1)
    scores = kw.pop("scores", None)
    return project(b, method, matching=MatchingConfig(constraint=constraint, **kw), scores=scores, threads=threads)


def test_methods_registered():
    assert "exact" in METHODS and "ilp" in METHODS


def test_hand_worked_greedy_is_suboptimal():
    # entity 0 = source word 0 aligned to targets 0, 1: [0,2) scores 2·2/(1+2) = 4/3, [0,1) and [1,2) score 1
    # entity 1 = source word 1 aligned to target 1: [1,2) scores 1
    b = ProjectionBatch.from_lists([2], [3], [[(0, 1, 0), (1, 2, 1)]], [[(0, 0), (0, 1), (1, 1)]])
    g = run(b, "greedy")
    assert spans_of(g, 0) == [(0, 2, 0, pytest.approx(4 / 3))]
    for method in ("exact", "ilp"):
        r = run(b, method)
        assert spans_of(r, 0) == [(0, 1, 0, 1.0), (1, 2, 1, 1.0)]
        assert r.objective[0] == pytest.approx(2.0)
        assert r.status[0] == 0


def test_hand_worked_lower_bound_needs_zero_score_span():
    # entity 0 aligned to target 0; entity 1 aligned to nothing. `=1` forces entity 1 onto a zero-score word.
    b = ProjectionBatch.from_lists([2], [2], [[(0, 1, 0), (1, 2, 1)]], [[(0, 0)]])
    for method in ("exact", "ilp"):
        assert spans_of(run(b, method, "<=1"), 0) == [(0, 1, 0, 1.0)]
        r = run(b, method, "=1")
        assert spans_of(r, 0) == [(0, 1, 0, 1.0), (1, 2, 1, 0.0)]
        assert r.objective[0] == pytest.approx(1.0) and r.status[0] == 0
        # `>=1`: entity 0 may take [0,1) only (any second span needs word 1, which entity 1 must have)
        r = run(b, method, ">=1")
        assert spans_of(r, 0) == [(0, 1, 0, 1.0), (1, 2, 1, 0.0)]


def test_lower_bound_competes_for_words():
    # a 3-word entity aligned to all 3 target words ([0,3) scores 1) and an unaligned entity: under `=1` the
    # second entity needs a word, so the first settles for a 2-word span (2·2/(3+2) = 0.8)
    b = ProjectionBatch.from_lists([4], [3], [[(0, 3, 0), (3, 4, 1)]], [[(0, 0), (1, 1), (2, 2)]])
    assert brute_force_alignment(3, [(0, 3), (3, 4)], [(0, 0), (1, 1), (2, 2)], 10, "=", 1) == pytest.approx(0.8)
    for method in ("exact", "ilp"):
        assert spans_of(run(b, method, "<=1"), 0) == [(0, 3, 0, 1.0)]
        r = run(b, method, "=1")
        assert r.objective[0] == pytest.approx(0.8)
        sp = spans_of(r, 0)
        assert sorted(x[2] for x in sp) == [0, 1] and [x[3] for x in sp if x[2] == 1] == [0.0]
    # the DP's tie-breaking keeps the earliest span for entity 0
    assert spans_of(run(b, "exact", "=1"), 0) == [(0, 2, 0, pytest.approx(0.8)), (2, 3, 1, 0.0)]


def test_hand_worked_cap_two_and_strict():
    # one entity aligned to targets 0 and 2: unigrams score 1 each, [0,3) scores 2·2/(1+3) = 1
    b = ProjectionBatch.from_lists([1], [3], [[(0, 1, 0)]], [[(0, 0), (0, 2)]])
    for method in ("exact", "ilp"):
        assert run(b, method, "<=2").objective[0] == pytest.approx(2.0)
        assert run(b, method, "<2").objective[0] == pytest.approx(1.0)
        assert run(b, method, "<1").objective[0] == 0.0
        r = run(b, method, "=2")
        assert spans_of(r, 0) == [(0, 1, 0, 1.0), (2, 3, 0, 1.0)]
        # `>2`: three disjoint spans are needed; word 1 (score 0) is the third
        r = run(b, method, ">2")
        assert spans_of(r, 0) == [(0, 1, 0, 1.0), (1, 2, 0, 0.0), (2, 3, 0, 1.0)]


def test_infeasible_equals_is_reported_and_relaxed():
    # two entities, a one-word target: `=1` is infeasible
    b = ProjectionBatch.from_lists([2, 1], [1, 2], [[(0, 1, 0), (1, 2, 0)], [(0, 1, 0)]], [[(1, 0)], [(0, 1)]])
    for method in ("exact", "ilp"):
        r = run(b, method, "=1")
        assert list(r.status) == [1, 0]
        assert spans_of(r, 0) == [] and r.objective[0] == 0.0
        assert spans_of(r, 1) == [(1, 2, 0, 1.0)]
        r = run(b, method, "=1", infeasible="relax")
        assert list(r.status) == [3, 0]
        assert spans_of(r, 0) == [(0, 1, 1, 1.0)]  # as under `<=1`: entity 1 is the aligned one
        r = run(b, method, ">1", infeasible="relax")  # `>1`: needs 2 words per entity
        assert list(r.status) == [3, 0]  # sentence 1: entity takes word 1 (score 1) and word 0 (score 0)
        assert spans_of(r, 1) == [(0, 1, 0, 0.0), (1, 2, 0, 1.0)]
        assert spans_of(r, 0) == [(0, 1, 1, 1.0)]


def test_relaxed_constraint():
    assert relaxed_constraint("=2") == "<=2"
    assert relaxed_constraint(">=1") == ">=0"
    assert relaxed_constraint(">0") == ">=0"
    assert relaxed_constraint("<=3") == "<=3"


def test_degenerate_inputs():
    # no entities; empty target; no alignments (all-zero scores); empty source and target
    b = ProjectionBatch.from_lists([2, 3, 1, 0, 2], [0, 3, 2, 0, 3],
                                   [[], [(0, 3, 0)], [(0, 1, 0)], [], [(0, 1, 0), (1, 2, 1)]],
                                   [[], [], [], [], []])
    for method in ("exact", "ilp"):
        for c in ("<=1", "<1", "<=2", ">=0"):
            r = run(b, method, c)
            assert r.start.size == 0 and list(r.objective) == [0.0] * 5 and list(r.status) == [0] * 5
        r = run(b, method, "=1")
        # all-zero scores still meet `=1`: every entity gets a zero-score word
        assert list(r.status) == [0] * 5 and list(r.objective) == [0.0] * 5
        assert [len(spans_of(r, i)) for i in range(5)] == [0, 1, 1, 0, 2]
        assert all(x[3] == 0.0 for i in range(5) for x in spans_of(r, i))
        assert sorted(x[2] for x in spans_of(r, 4)) == [0, 1]


def test_empty_batch():
    b = ProjectionBatch.from_lists([], [], [], [])
    for method in ("exact", "ilp"):
        r = run(b, method, "=1")
        assert len(r) == 0 and list(r.offsets) == [0]


def test_empty_target_with_entities_is_infeasible_under_lower_bound():
    b = ProjectionBatch.from_lists([3], [0], [[(0, 3, 0)]], [[]])
    for method in ("exact", "ilp"):
        assert run(b, method, "=1").status[0] == 1
        assert run(b, method, ">=1").status[0] == 1
        assert run(b, method, "<=1").status[0] == 0


def test_more_entities_than_candidates():
    # external candidates: one span for two entities
    b = ProjectionBatch.from_lists([2], [3], [[(0, 1, 0), (1, 2, 1)]], [[(0, 0), (1, 1)]], candidates=[[(0, 2)]])
    for method in ("exact", "ilp"):
        r = run(b, method, "<=1", candidates="external")
        assert spans_of(r, 0) == [(0, 2, 0, pytest.approx(2 / 3))]  # tie with entity 1
        assert r.objective[0] == pytest.approx(2 / 3)
        assert run(b, method, "=1", candidates="external").status[0] == 1
        r = run(b, method, "=1", candidates="external", infeasible="relax")
        assert r.status[0] == 3 and r.objective[0] == pytest.approx(2 / 3)


def test_external_scores_with_negative_and_zero_entries():
    b = ProjectionBatch.from_lists([2], [4], [[(0, 1, 0), (1, 2, 0)]], [[]])
    m = ScoreMatrix(np.array([0, 4]), np.array([0, 1, 1, 0], np.int32), np.array([0, 0, 2, 2], np.int32),
                    np.array([2, 2, 4, 4], np.int32), np.array([0.9, 0.8, -0.5, -1.0]))
    for method in ("exact", "ilp"):
        r = run(b, method, "<=1", scores=m)
        assert spans_of(r, 0) == [(0, 2, 0, 0.9)]
        # `=1`: both entities need one of the two listed spans: 0.9 - 0.5 = 0.4 beats 0.8 - 1.0
        r = run(b, method, "=1", scores=m)
        assert spans_of(r, 0) == [(0, 2, 0, 0.9), (2, 4, 1, -0.5)]
        assert r.objective[0] == pytest.approx(0.4)


def test_bad_inputs_raise():
    b = ProjectionBatch.from_lists([2], [4], [[(0, 2, 0)]], [[(0, 1)]])
    with pytest.raises(ValueError, match="infeasible"):
        MatchingConfig(infeasible="ignore")
    with pytest.raises(ValueError, match="time_limit"):
        MatchingConfig(time_limit=0)
    with pytest.raises(ValueError, match="block_size"):
        SolverOptions(block_size=0)
    from xlner.scores import alignment_scores

    m = alignment_scores(b)
    m.ent[:] = 3
    for method in ("exact", "ilp"):
        with pytest.raises(IndexError, match="sentence 0, field score_ent"):
            project(b, method, scores=m)


# ------------------------------------------------------------------------------------ random instances

@st.composite
def small_instances(draw):
    tgt_len = draw(st.integers(0, 6))
    src_len = draw(st.integers(1, 6))
    n_ent = draw(st.integers(0, 3))
    ents = []
    for _ in range(n_ent):
        s = draw(st.integers(0, src_len - 1))
        ents.append((s, draw(st.integers(s + 1, src_len))))
    links = []
    if tgt_len:
        links = draw(st.lists(st.tuples(st.integers(0, src_len - 1), st.integers(0, tgt_len - 1)), max_size=10))
    op = draw(st.sampled_from(OPS))
    n = draw(st.integers(1, 3))
    max_len = draw(st.integers(1, 4))
    return src_len, tgt_len, ents, links, op, n, max_len


def check_against(r, i, expected):
    if expected is None:
        assert r.status[i] == 1 and not spans_of(r, i)
    else:
        assert r.status[i] == 0
        assert r.objective[i] == pytest.approx(expected, abs=1e-9)
        sp = spans_of(r, i)
        assert sum(x[3] for x in sp) == pytest.approx(r.objective[i], abs=1e-12)
        for a, b in zip(sp, sp[1:]):
            assert a[1] <= b[0]  # disjoint, in order


@given(small_instances())
@settings(max_examples=250, deadline=None)
def test_exact_and_ilp_equal_brute_force_alignment(inst):
    src_len, tgt_len, ents, links, op, n, max_len = inst
    b = ProjectionBatch.from_lists([src_len], [tgt_len], [[(s, e, 0) for s, e in ents]], [links])
    expected = brute_force_alignment(tgt_len, ents, links, max_len, op, n)
    for method in ("exact", "ilp"):
        r = run(b, method, f"{op}{n}", max_len=max_len, threads=1)
        check_against(r, 0, expected)
        floor, cap = bounds(op, n)
        counts = np.bincount(r.entity, minlength=len(ents)) if len(ents) else np.zeros(0)
        if r.status[0] == 0:
            assert all(c >= floor and (cap is None or c <= cap) for c in counts)


@given(small_instances(), st.data())
@settings(max_examples=150, deadline=None)
def test_lower_bounds_when_every_word_is_touched(inst, data):
    # every target word aligned to some entity word: the fill words compete with the candidates, so the
    # DP keeps its uncovered-word counter and the ILP its fill counts and capacity row
    src_len, tgt_len, ents, links, _, n, max_len = inst
    if not ents:
        return
    op = data.draw(st.sampled_from(["=", ">=", ">"]))
    links = list(links) + [(data.draw(st.sampled_from(ents))[0], j) for j in range(tgt_len)]
    b = ProjectionBatch.from_lists([src_len], [tgt_len], [[(s, e, 0) for s, e in ents]], [links])
    expected = brute_force_alignment(tgt_len, ents, links, max_len, op, n)
    for method in ("exact", "ilp"):
        check_against(run(b, method, f"{op}{n}", max_len=max_len, threads=1), 0, expected)


@st.composite
def scored_instances(draw):
    """External score matrices: heavy overlap, ties (scores from a small set), zero and negative rows."""
    tgt_len = draw(st.integers(1, 6))
    n_ent = draw(st.integers(1, 3))
    spans = draw(st.lists(st.tuples(st.integers(0, tgt_len - 1), st.integers(1, 3)), min_size=0, max_size=7))
    spans = sorted({(s, min(tgt_len, s + ln)) for s, ln in spans})
    entries = {}
    for e in range(n_ent):
        for sp in spans:
            v = draw(st.sampled_from([None, 0.0, 0.5, 0.5, 1.0, -0.25]))
            if v is not None:
                entries[(e, sp)] = v
    op = draw(st.sampled_from(OPS))
    n = draw(st.integers(1, 3))
    return tgt_len, n_ent, entries, op, n


def scored_batch(tgt_len, n_ent, entries):
    """A one-sentence batch of ``n_ent`` entities and the ScoreMatrix of ``{(entity, (start, end)): score}``."""
    b = ProjectionBatch.from_lists([n_ent], [tgt_len], [[(e, e + 1, 0) for e in range(n_ent)]], [[]])
    keys = sorted(entries)
    m = ScoreMatrix(np.array([0, len(keys)]), np.array([k[0] for k in keys], np.int32),
                    np.array([k[1][0] for k in keys], np.int32), np.array([k[1][1] for k in keys], np.int32),
                    np.array([entries[k] for k in keys], np.float64))
    return b, m


@given(scored_instances())
@settings(max_examples=250, deadline=None)
def test_exact_and_ilp_equal_brute_force_scored(inst):
    tgt_len, n_ent, entries, op, n = inst
    b, m = scored_batch(tgt_len, n_ent, entries)
    keys = sorted(entries)
    cands = sorted({k[1] for k in keys})
    expected = brute_force(entries, n_ent, cands, tgt_len, op, n)
    for method in ("exact", "ilp"):
        check_against(run(b, method, f"{op}{n}", scores=m, threads=1), 0, expected)


@given(scored_instances(), st.booleans(), st.sampled_from(["skip", "relax"]))
@settings(max_examples=150, deadline=None)
def test_exact_and_ilp_return_the_same_spans_on_ties(inst, certificate, infeasible):
    """Tie-heavy instances (scores from {0, 0.5, 1, -0.25}): ``exact`` and ``ilp`` return the very same
    spans, not only the same objective; the canonical choice is optimal by brute force, and HiGHS alone
    (``ilp_arrays``, before the canonical choice) reaches the same optimum."""
    tgt_len, n_ent, entries, op, n = inst
    b, m = scored_batch(tgt_len, n_ent, entries)
    c = f"{op}{n}"
    opts = SolverOptions(certificate=certificate, infeasible=infeasible)
    ex = project_exact(b, c, scores=m, options=opts, threads=1)
    il = project_ilp(b, c, scores=m, options=opts, threads=1)
    assert spans_of(ex, 0) == spans_of(il, 0)
    assert ex.status[0] == il.status[0] and ex.objective[0] == il.objective[0]
    raw = ilp_arrays(b, c, scores=m, options=opts, threads=1)
    assert raw["status"][0] == ex.status[0]
    assert raw["objective"][0] == pytest.approx(ex.objective[0], abs=1e-9)
    expected = brute_force(entries, n_ent, sorted({k[1] for k in entries}), tgt_len, op, n)
    if ex.status[0] == 0:
        assert expected is not None and ex.objective[0] == pytest.approx(expected, abs=1e-9)


@st.composite
def big_instances(draw):
    """Many entities and heavy overlap: the DP (and its HiGHS fallback) against HiGHS."""
    k = draw(st.integers(1, 6))
    out = []
    for _ in range(k):
        tgt_len = draw(st.integers(0, 25))
        src_len = draw(st.integers(1, 25))
        n_ent = draw(st.integers(0, 20))
        ents = []
        for _ in range(n_ent):
            s = draw(st.integers(0, src_len - 1))
            ents.append((s, draw(st.integers(s + 1, min(src_len, s + 3)))))
        links = []
        if tgt_len:
            links = draw(st.lists(st.tuples(st.integers(0, src_len - 1), st.integers(0, tgt_len - 1)), max_size=40))
        out.append((src_len, tgt_len, ents, links))
    return out, draw(st.sampled_from(OPS)), draw(st.integers(1, 3)), draw(st.integers(1, 10))


@given(big_instances(), st.sampled_from([1 << 16, 64, 1]))
@settings(max_examples=60, deadline=None)
def test_exact_equals_ilp_on_many_entities(inst, max_states):
    sents, op, n, max_len = inst
    b = ProjectionBatch.from_lists([s[0] for s in sents], [s[1] for s in sents],
                                   [[(a, c, 0) for a, c in s[2]] for s in sents], [s[3] for s in sents])
    c = f"{op}{n}"
    ex = project_exact(b, c, max_len=max_len, options=SolverOptions(max_states=max_states), threads=2)
    il = project_ilp(b, c, max_len=max_len, threads=2)
    assert np.array_equal(ex.status, il.status)
    np.testing.assert_allclose(ex.objective, il.objective, rtol=0, atol=1e-9)
    g = project(b, "greedy", matching=MatchingConfig(constraint=c, max_len=max_len))
    if op in ("<", "<="):
        assert np.all(g.objective <= ex.objective + 1e-9)


# ------------------------------------------------------------------------ greedy optimality certificate

def test_certificate_returns_greedys_tied_optimum():
    # two entities, two one-word spans, all scores 1, `<=1`: both assignments score 2. Greedy (lowest entity
    # first, then start) gives entity 0 word 0; the DP alone keeps its own tie-breaking (entity 1 on word 0)
    b = ProjectionBatch.from_lists([2], [2], [[(0, 1, 0), (1, 2, 0)]], [[]])
    m = ScoreMatrix(np.array([0, 4]), np.array([0, 0, 1, 1], np.int32), np.array([0, 1, 0, 1], np.int32),
                    np.array([1, 2, 1, 2], np.int32), np.ones(4))
    g = project(b, "greedy", scores=m)
    on = project_exact(b, "<=1", scores=m)
    off = project_exact(b, "<=1", scores=m, options=SolverOptions(certificate=False))
    assert spans_of(g, 0) == spans_of(on, 0) == [(0, 1, 0, 1.0), (1, 2, 1, 1.0)]
    assert spans_of(off, 0) == [(0, 1, 1, 1.0), (1, 2, 0, 1.0)]
    assert on.objective[0] == off.objective[0] == 2.0


def test_certificate_rejects_greedy_below_a_row_maximum():
    # entity 0: words 0 and 1 score 1; entity 1: word 0 scores 1, word 2 scores 0.5. Greedy gives entity 0
    # word 0 and entity 1 word 2 (1.5): every entity has its full count, but entity 1 misses its best
    # score, so the certificate must fail; the optimum is 2 (entity 1 on word 0, entity 0 on word 1)
    b = ProjectionBatch.from_lists([2], [3], [[(0, 1, 0), (1, 2, 0)]], [[]])
    m = ScoreMatrix(np.array([0, 4]), np.array([0, 0, 1, 1], np.int32), np.array([0, 1, 0, 2], np.int32),
                    np.array([1, 2, 1, 3], np.int32), np.array([1.0, 1.0, 1.0, 0.5]))
    assert project(b, "greedy", scores=m).objective[0] == 1.5
    for cert in (True, False):
        r = project_exact(b, "<=1", scores=m, options=SolverOptions(certificate=cert))
        assert spans_of(r, 0) == [(0, 1, 1, 1.0), (1, 2, 0, 1.0)]
    # the same under `=1`: greedy meets the floor, yet is not optimal
    assert project_exact(b, "=1", scores=m).objective[0] == 2.0


def row_bound_attained(entries, n_ent, greedy_spans, op, n):
    """From the definition: greedy's spans meet every floor and, per entity, its scores are the
    min(cap, #positive) largest positive scores of the row (so greedy is optimal)."""
    floor, cap = bounds(op, n)
    for e in range(n_ent):
        row = sorted((v for (ee, _), v in entries.items() if ee == e and v > 0), reverse=True)
        mine = sorted((x[3] for x in greedy_spans if x[2] == e), reverse=True)
        k = len(row) if cap is None else min(cap, len(row))
        if mine != row[:k] or len(mine) < floor:
            return False
    return True


@given(scored_instances())
@example((4, 1, {(0, (0, 1)): 0.5, (0, (1, 4)): 0.5, (0, (2, 3)): 0.5}, "<", 3))  # a tie under cap 2
@settings(max_examples=200, deadline=None)
def test_certificate_and_dp_agree_scored(inst):
    tgt_len, n_ent, entries, op, n = inst
    b, m = scored_batch(tgt_len, n_ent, entries)
    c = f"{op}{n}"
    on = project_exact(b, c, scores=m, threads=1)
    off = project_exact(b, c, scores=m, threads=1, options=SolverOptions(certificate=False))
    assert on.status[0] == off.status[0]
    assert on.objective[0] == pytest.approx(off.objective[0], abs=1e-9)
    g = project(b, "greedy", matching=MatchingConfig(constraint=c), scores=m)
    if row_bound_attained(entries, n_ent, spans_of(g, 0), op, n):
        assert on.status[0] == 0
        assert on.objective[0] == pytest.approx(sum(x[3] for x in spans_of(g, 0)), abs=1e-9)
        # the certificate is tried first only for cap 1 (other caps: where the DP needs count states), so
        # only there must a tied optimum be greedy's own spans (docs/architecture.md, "One tie-break")
        if bounds(op, n)[1] == 1:
            assert spans_of(on, 0) == spans_of(g, 0)


@given(big_instances())
@settings(max_examples=60, deadline=None)
def test_certificate_and_dp_agree_alignment(inst):
    sents, op, n, max_len = inst
    b = ProjectionBatch.from_lists([s[0] for s in sents], [s[1] for s in sents],
                                   [[(a, c, 0) for a, c in s[2]] for s in sents], [s[3] for s in sents])
    floor, cap = bounds(op, n)
    c = f"{op}{n}"
    for relax in ("skip", "relax"):
        on = project_exact(b, c, max_len=max_len, options=SolverOptions(infeasible=relax), threads=1)
        off = project_exact(b, c, max_len=max_len, options=SolverOptions(infeasible=relax, certificate=False),
                            threads=1)
        assert np.array_equal(on.status, off.status)
        np.testing.assert_allclose(on.objective, off.objective, rtol=0, atol=1e-9)
        for i in range(len(b)):
            sp = spans_of(on, i)
            assert sum(x[3] for x in sp) == pytest.approx(on.objective[i], abs=1e-12)
            assert all(a[1] <= b_[0] for a, b_ in zip(sp, sp[1:]))
            if on.status[i] == 0 and sents[i][2]:
                cnt = np.bincount([x[2] for x in sp], minlength=len(sents[i][2]))
                assert np.all(cnt >= floor) and (cap is None or np.all(cnt <= cap))


@given(st.lists(small_instances(), min_size=1, max_size=10), st.integers(1, 3))
@settings(max_examples=30, deadline=None)
def test_threads_and_block_size_do_not_change_results(insts, threads):
    b = ProjectionBatch.from_lists([i[0] for i in insts], [i[1] for i in insts],
                                   [[(s, e, 0) for s, e in i[2]] for i in insts], [i[3] for i in insts])
    for c in ("<=1", "=1", ">=2"):
        one = project_exact(b, c, threads=1)
        many = project_exact(b, c, threads=threads)
        for f in ("offsets", "start", "end", "entity", "score", "objective", "status"):
            assert np.array_equal(getattr(one, f), getattr(many, f))
        a = project_ilp(b, c, options=SolverOptions(block_size=1), threads=1)
        z = project_ilp(b, c, options=SolverOptions(block_size=1000), threads=threads)
        np.testing.assert_allclose(a.objective, z.objective, rtol=0, atol=1e-9)
        np.testing.assert_allclose(a.objective, one.objective, rtol=0, atol=1e-9)


# ------------------------------------------------------------------------------------ real data

LANGS = ["de", "es", "it"]
ALIGNERS = ["awesome", "simalign", "fast_align", "mgiza"]


def load(shared_data, lang, aligner):
    src_p, tgt_p, aln_p = conll_deepl_paths(shared_data, lang, "test", aligner)
    src, tgt, aln = read_conll(src_p), read_conll(tgt_p), read_talp(aln_p)
    labels = LabelVocab()
    off, s, e, l = batch_tags_to_spans([x.tags for x in src], labels)
    ents = [[(int(s[k]), int(e[k]), int(l[k])) for k in range(off[i], off[i + 1])] for i in range(len(src))]
    return ProjectionBatch.from_lists([len(x.tokens) for x in src], [len(x.tokens) for x in tgt], ents, aln,
                                      labels=labels)


def greedy_feasible(g, b, floor):
    """Per sentence: does the greedy assignment meet the lower bound for every entity?"""
    n_ent = np.diff(b.ent_offsets)
    ok = np.ones(len(b), dtype=bool)
    for i in range(len(b)):
        if n_ent[i] == 0:
            continue
        cnt = np.bincount(g.entity[g.offsets[i]:g.offsets[i + 1]], minlength=int(n_ent[i]))
        ok[i] = bool(np.all(cnt >= floor))
    return ok


@pytest.mark.shared_data
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("aligner", ALIGNERS)
def test_exact_equals_highs_on_conll_deepl(shared_data, lang, aligner):
    """Every sentence, alignment score, M=10: exact == HiGHS alone (1e-9) for `<=1`, `=1`, `>=1`, `<=2`;
    `exact` and `ilp` return identical spans (the one tie-break); greedy never above the optimum for `<=`;
    for `=`/`>=` greedy ignores the lower bound, so it is compared only on sentences where its assignment
    happens to meet it."""
    b = load(shared_data, lang, aligner)
    for c, floor in (("<=1", 0), ("<=2", 0), ("=1", 1), (">=1", 1)):
        cfg = MatchingConfig(constraint=c, max_len=10)
        ex = project(b, "exact", matching=cfg)
        il = project(b, "ilp", matching=cfg)
        g = project(b, "greedy", matching=cfg)
        assert np.array_equal(ex.status, il.status)
        for f in ("offsets", "start", "end", "label", "entity", "score", "objective"):
            assert np.array_equal(getattr(ex, f), getattr(il, f)), (c, f)
        raw = ilp_arrays(b, c, max_len=10)  # HiGHS alone, before the canonical choice among ties
        assert np.array_equal(raw["status"], ex.status)
        np.testing.assert_allclose(raw["objective"], ex.objective, rtol=0, atol=1e-9)
        if floor == 0:
            assert np.all(ex.status == 0)
            assert np.all(g.objective <= ex.objective + 1e-9)
        else:
            ok = greedy_feasible(g, b, floor) & (ex.status == 0)
            assert np.all(g.objective[ok] <= ex.objective[ok] + 1e-9)


@pytest.mark.shared_data
def test_ctrl_c_stops_highs_and_propagates(shared_data):
    b = load(shared_data, "de", "awesome")
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            # one model of every sentence under `=1` takes seconds: the interrupt lands mid-solve
            for _ in range(20):
                project_ilp(b, "=1", options=SolverOptions(block_size=len(b)), threads=1)
    finally:
        timer.cancel()
    r = project_ilp(b, "<=1")  # the solver is usable afterwards
    assert np.all(r.status == 0)


@pytest.mark.shared_data
def test_time_limit_reports_status_2(shared_data):
    b = load(shared_data, "de", "awesome")
    opt = project_exact(b, "=1")
    r = project_ilp(b, "=1", options=SolverOptions(block_size=len(b), time_limit=1e-6), threads=1)
    assert set(np.unique(r.status)) <= {0, 2}
    assert 2 in set(np.unique(r.status))
    done = r.status == 0
    np.testing.assert_allclose(r.objective[done], opt.objective[done], atol=1e-9)
    assert np.all(r.objective <= opt.objective + 1e-9)
