"""Multi-source projection: vote (k, boundaries, ties, overlaps) and joint (greedy vs exact vs brute force)
on hand-worked cases and random instances, the Python API end to end, and the CLI."""
from __future__ import annotations

import itertools
import json
from typing import Dict, List, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.batch import LabelVocab, ProjectionBatch
from xlner.cli import main
from xlner.io import read_conll
import math

import multisource_reference as ref
from xlner.batch import ScoreMatrix
from xlner.multisource import (JointSentence, MultiSourceResult, Reliability, SupportedSpan, combine_priority,
                               combine_votes, fit_reliability, joint_exact_sentences, project_multi, vote_clusters,
                               vote_sentence)
from xlner.projection import project
from xlner.projection import MatchingConfig

PER, LOC, ORG = 0, 1, 2


def _spans(out: List[SupportedSpan]) -> List[Tuple[int, int, int, Tuple[int, ...]]]:
    return [(s.start, s.end, s.label, s.sources) for s in out]


# ------------------------------------------------------------------------------------------- vote

def test_vote_majority_boundary_and_lone_span():
    # (source, start, end, label, score, entity)
    projs = [(0, 1, 3, PER, 1.0, 0), (1, 1, 3, PER, 0.8, 0), (2, 2, 3, PER, 1.0, 0),  # 3 votes, [1,3) by 2
             (0, 5, 6, LOC, 1.0, 1)]  # one source only
    w = [1.0, 1.0, 1.0]
    assert _spans(vote_sentence(projs, w, 2.0)) == [(1, 3, PER, (0, 1, 2))]
    out = vote_sentence(projs, w, 1.0)
    assert _spans(out) == [(1, 3, PER, (0, 1, 2)), (5, 6, LOC, (0,))]
    assert out[0].votes == 3.0 and out[0].score == pytest.approx(2.8)
    assert out[0].support == ((0, 0), (1, 0), (2, 0))
    assert vote_sentence(projs, w, 3.0)[0].start == 1 and len(vote_sentence(projs, w, 3.0)) == 1
    assert vote_sentence(projs, w, 3.5) == []


def test_vote_boundary_ties_score_then_lowest_source():
    w = [1.0, 1.0]
    # one proposal each: the higher score wins
    assert _spans(vote_sentence([(0, 0, 2, ORG, 0.5, 0), (1, 1, 2, ORG, 0.9, 0)], w, 2.0)) == [(1, 2, ORG, (0, 1))]
    # equal scores: the lowest source index
    assert _spans(vote_sentence([(0, 0, 2, ORG, 0.7, 0), (1, 1, 2, ORG, 0.7, 0)], w, 2.0)) == [(0, 2, ORG, (0, 1))]
    assert _spans(vote_sentence([(1, 0, 2, ORG, 0.7, 0), (0, 1, 2, ORG, 0.7, 0)], w, 2.0)) == [(1, 2, ORG, (0, 1))]


def test_vote_label_disagreement_chains_and_cross_label_overlap():
    w = [1.0, 1.0, 1.0]
    projs = [(0, 3, 5, PER, 1.0, 0), (1, 3, 5, LOC, 1.0, 0), (2, 4, 5, LOC, 1.0, 0)]
    assert _spans(vote_sentence(projs, w, 2.0)) == [(3, 5, LOC, (1, 2))]
    # a chain of overlaps is one cluster; each boundary proposed once, equal scores -> source 0's
    chain = [(0, 0, 2, PER, 1.0, 0), (1, 1, 3, PER, 1.0, 0), (2, 2, 4, PER, 1.0, 0)]
    assert _spans(vote_sentence(chain, w, 3.0)) == [(0, 2, PER, (0, 1, 2))]
    # kept spans of different labels overlapping: more votes first, then higher summed score
    cross = [(0, 0, 2, PER, 1.0, 0), (1, 1, 3, LOC, 0.5, 0)]
    assert _spans(vote_sentence(cross, w, 1.0)) == [(0, 2, PER, (0,))]
    cross2 = cross + [(2, 2, 3, LOC, 0.1, 0)]
    assert _spans(vote_sentence(cross2, w, 1.0)) == [(1, 3, LOC, (1, 2))]


def test_vote_weights_and_strict_majority():
    w = [2.0, 1.0, 1.0]
    alone = [(0, 0, 1, PER, 1.0, 0)]
    assert vote_sentence(alone, w, 2.0, strict=True) == []  # 2 is not more than half of 4
    assert _spans(vote_sentence(alone, w, 2.0)) == [(0, 1, PER, (0,))]
    pair = alone + [(1, 0, 1, PER, 1.0, 0)]
    assert _spans(vote_sentence(pair, w, 2.0, strict=True)) == [(0, 1, PER, (0, 1))]


def test_vote_median_boundary_hand_worked():
    w = [1.0, 1.0, 1.0]
    projs = [(0, 3, 4, PER, 1.0, 0), (1, 3, 7, PER, 1.0, 0), (2, 3, 5, PER, 1.0, 0)]
    # mode: three proposals of weight 1 and equal score -> the lowest source's; median: ends 7, 5, 4 -> 5
    assert _spans(vote_sentence(projs, w, 2.0)) == [(3, 4, PER, (0, 1, 2))]
    assert _spans(vote_sentence(projs, w, 2.0, boundary="median")) == [(3, 5, PER, (0, 1, 2))]
    # an even split widens: starts 5 | 6 -> 5, ends 7 | 8 -> 8
    two = [(0, 5, 7, LOC, 1.0, 0), (1, 6, 8, LOC, 1.0, 0)]
    assert _spans(vote_sentence(two, [1.0, 1.0], 2.0, boundary="median")) == [(5, 8, LOC, (0, 1))]
    # weights count: source 0 (weight 2) says [0,1), sources 1 and 2 say [0,3); total 4, ends 3 reach 2 -> 3,
    # while mode takes source 0's span (weight 2 each, summed weighted score 2 > 1)
    wp = [(0, 0, 1, ORG, 1.0, 0), (1, 0, 3, ORG, 0.5, 0), (2, 0, 3, ORG, 0.5, 0)]
    assert _spans(vote_sentence(wp, [2.0, 1.0, 1.0], 2.0)) == [(0, 1, ORG, (0, 1, 2))]
    assert _spans(vote_sentence(wp, [2.0, 1.0, 1.0], 2.0, boundary="median")) == [(0, 3, ORG, (0, 1, 2))]
    with pytest.raises(ValueError, match="boundary must be one of"):
        vote_sentence(wp, [1.0, 1.0, 1.0], 1.0, boundary="widest")


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 12), st.integers(1, 4), st.integers(1, 3)),
                min_size=1, max_size=10))
@settings(max_examples=150, deadline=None)
def test_vote_median_inside_the_cluster_and_nonempty(raw):
    projs = [(s, a, a + n, PER, 1.0, k) for k, (s, a, n, _) in enumerate(raw)]  # entity k: the k-th span
    w = [float(x) for x in (1, 2, 1, 3)]
    for sp in vote_sentence(projs, w, 1.0, boundary="median"):
        members = [projs[k] for _, k in sp.support]
        assert sp.start < sp.end
        assert sp.start in {p[1] for p in members} and sp.end in {p[2] for p in members}


def test_vote_per_label_min_votes():
    w = [1.0, 1.0, 1.0]
    projs = [(0, 0, 1, PER, 1.0, 0), (0, 3, 4, LOC, 1.0, 1), (1, 3, 4, LOC, 1.0, 0), (0, 6, 7, ORG, 1.0, 2)]
    assert _spans(vote_sentence(projs, w, {PER: 1.0, LOC: 3.0, ORG: 2.0})) == [(0, 1, PER, (0,))]
    assert _spans(vote_sentence(projs, w, {PER: 2.0, LOC: 2.0, ORG: 1.0})) == [(3, 4, LOC, (0, 1)), (6, 7, ORG, (0,))]
    b0 = _identity_batch(8, [(0, 1, "PER"), (3, 4, "LOC"), (6, 7, "ORG")], ["PER", "LOC", "ORG"])
    b1 = _identity_batch(8, [(3, 4, "LOC")], ["LOC"])
    b2 = _identity_batch(8, [], ["PER"])
    names = lambda res: [(s.start, s.end, res.labels.names[s.label]) for s in res.spans[0]]  # noqa: E731
    # labels left out need a strict majority (LOC: 2 of 3)
    assert names(project_multi([b0, b1, b2], "greedy", min_votes={"PER": 1})) == [(0, 1, "PER"), (3, 4, "LOC")]
    assert names(project_multi([b0, b1, b2], "greedy", min_votes={"ORG": 1, "LOC": 3})) == [(6, 7, "ORG")]
    with pytest.raises(ValueError, match=r"labels \['DATE'\] are not labels"):
        project_multi([b0, b1, b2], "greedy", min_votes={"DATE": 1})
    with pytest.raises(ValueError, match="min_votes must be > 0"):
        project_multi([b0, b1, b2], "greedy", min_votes={"PER": 0})


def _identity_batch(tgt_len: int, ents: List[Tuple[int, int, str]], labels: List[str]) -> ProjectionBatch:
    vocab = LabelVocab(list(labels))
    return ProjectionBatch.from_lists([tgt_len], [tgt_len], [[(a, b, vocab.id(l)) for a, b, l in ents]],
                                      [[(j, j) for j in range(tgt_len)]], labels=vocab)


def test_project_multi_vote_end_to_end_unites_labels():
    b0 = _identity_batch(6, [(0, 2, "PER"), (4, 5, "LOC")], ["PER", "LOC"])
    b1 = _identity_batch(6, [(0, 2, "PER"), (4, 6, "ORG")], ["LOC", "ORG", "PER"])  # other id order
    b2 = _identity_batch(6, [(1, 2, "PER"), (4, 5, "LOC")], ["LOC", "PER"])
    res = project_multi([b0, b1, b2], "greedy", "vote")
    names = res.labels.names
    got = [(s.start, s.end, names[s.label], s.sources) for s in res.spans[0]]
    assert got == [(0, 2, "PER", (0, 1, 2)), (4, 5, "LOC", (0, 2))]
    r = res.to_result()
    assert [(a, b, names[l]) for a, b, l, _, _ in r.spans(0)] == [(0, 2, "PER"), (4, 5, "LOC")]
    res3 = project_multi([b0, b1, b2], "exact", "vote", min_votes=3)
    assert [(s.start, s.end) for s in res3.spans[0]] == [(0, 2)]


def test_project_multi_rejects_mismatched_targets_and_weights():
    b0 = _identity_batch(4, [(0, 1, "PER")], ["PER"])
    b1 = _identity_batch(5, [(0, 1, "PER")], ["PER"])
    with pytest.raises(ValueError, match="source 1, sentence 0, field tgt_len"):
        project_multi([b0, b1])
    with pytest.raises(ValueError, match="weights: 3 values for 2 sources"):
        project_multi([b0, b0], weights=[1, 1, 1])
    with pytest.raises(ValueError, match="upper-bound constraint"):
        project_multi([b0, b0], "exact", "joint", matching=MatchingConfig(constraint="=1"))
    with pytest.raises(ValueError, match="combine='joint' solves with"):
        project_multi([b0, b0], "heuristic", "joint")


def test_vote_per_label_weights_hand_worked():
    # PER: sources 0 and 1 agree on [0,2), source 2 says [0,1); LOC: source 2 alone on [4,5)
    projs = [(0, 0, 2, PER, 1.0, 0), (1, 0, 2, PER, 1.0, 0), (2, 0, 1, PER, 1.0, 0), (2, 4, 5, LOC, 1.0, 1)]
    w = {PER: [0.5, 0.5, 3.0], LOC: [1.0, 1.0, 0.5]}
    # PER votes 4: mode boundary is source 2's (weight 3 > 0.5 + 0.5); LOC votes 0.5
    out = vote_sentence(projs, w, 1.0)
    assert [(s.start, s.end, s.label, s.votes) for s in out] == [(0, 1, PER, 4.0)]
    assert [(s.start, s.end, s.label) for s in vote_sentence(projs, w, 0.5)] == [(0, 1, PER), (4, 5, LOC)]
    # through combine_votes: label names, labels left out of label_weights use weights
    b = [_identity_batch(6, [(0, 2, "PER")], ["PER"]), _identity_batch(6, [(0, 2, "PER")], ["PER"]),
         _identity_batch(6, [(0, 1, "PER"), (4, 5, "LOC")], ["PER", "LOC"])]
    res = [project(x, "greedy") for x in b]
    got = combine_votes(res, label_weights={"PER": [0.5, 0.5, 3.0]}, min_votes=1.0)
    assert [(s.start, s.end, got.labels.name(s.label), s.votes) for s in got.spans[0]] == [
        (0, 1, "PER", 4.0), (4, 5, "LOC", 1.0)]
    # default threshold: a strict majority of the label's own total weight (PER 4 > 2; LOC 1 is not > 1.5)
    got = combine_votes(res, label_weights={"PER": [0.5, 0.5, 3.0]})
    assert [(s.start, s.end) for s in got.spans[0]] == [(0, 1)]
    with pytest.raises(ValueError, match=r"label_weights: labels \['ORG'\] are not labels"):
        combine_votes(res, label_weights={"ORG": [1, 1, 1]})
    with pytest.raises(ValueError, match="weights: 2 values for 3 sources"):
        combine_votes(res, label_weights={"PER": [1, 1]})
    # one clustering, many thresholds: select(k) is combine_votes(min_votes=k)
    vc = vote_clusters(res, weights=[1, 2, 1])
    for k in (0.5, 1, 2, 3, 4, {"PER": 4, "LOC": 1}):
        assert vc.select(k).spans == combine_votes(res, weights=[1, 2, 1], min_votes=k).spans


def _fit_case():
    # source 0: PER [0,1), LOC [3,4), PER [6,7); source 1: PER [0,1), LOC [3,5), PER [8,9); gold PER 0, LOC 3, PER 8
    b0 = _identity_batch(10, [(0, 1, "PER"), (3, 4, "LOC"), (6, 7, "PER")], ["PER", "LOC"])
    b1 = _identity_batch(10, [(0, 1, "PER"), (3, 5, "LOC"), (8, 9, "PER")], ["PER", "LOC"])
    gold = [["B-PER", "O", "O", "B-LOC", "O", "O", "O", "O", "B-PER", "O"]]
    return [project(b0, "greedy"), project(b1, "greedy")], gold


def test_fit_reliability_hand_worked():
    # clusters (unit weights, mode): PER [0,1) {0,1} right, PER [6,7) {0} wrong, PER [8,9) {1} right,
    # LOC [3,4) {0,1} (tie of weight and score -> source 0's boundary) right
    res, gold = _fit_case()
    rel = fit_reliability(res, gold)
    assert rel.prior["PER"] == pytest.approx(3 / 5)  # (2 + 1) / (3 + 2)
    assert rel.hit["PER"] == pytest.approx((2 / 4, 3 / 4))  # source 0 in 1 of 2 right ones, source 1 in 2
    assert rel.false["PER"] == pytest.approx((2 / 3, 1 / 3))  # source 0 in the wrong one, source 1 not
    assert rel.prior["LOC"] == pytest.approx(2 / 3) and rel.hit["LOC"] == pytest.approx((2 / 3, 2 / 3))
    assert rel.false["LOC"] == pytest.approx((1 / 2, 1 / 2))
    w = rel.label_weights()
    assert w["PER"] == pytest.approx([0.0, math.log(6)])  # hit <= false: weight 0; log(.75·(2/3) / (1/3·.25))
    assert w["LOC"] == pytest.approx([math.log(2), math.log(2)])
    k = rel.min_votes(0.5)
    assert k["PER"] == pytest.approx(-math.log(1.5) - math.log(0.25 / (2 / 3)))  # only source 1's absence counts
    assert k["LOC"] == pytest.approx(-math.log(2) - 2 * math.log((1 / 3) / (1 / 2)))
    assert rel.posterior("PER", [1]) == pytest.approx(3.375 / 4.375)  # odds 1.5 · 2.25
    assert rel.posterior("PER", [0]) == pytest.approx(0.5625 / 1.5625)  # odds 1.5 · 0.375 (source 0 ignored)
    out = combine_votes(res, label_weights=rel.label_weights(), min_votes=rel.min_votes(0.5))
    assert [(s.start, s.end, out.labels.name(s.label)) for s in out.spans[0]] == [(0, 1, "PER"), (3, 4, "LOC"),
                                                                                   (8, 9, "PER")]
    pooled = fit_reliability(res, gold, per_label=False)
    for L in ("PER", "LOC"):  # 4 clusters, 3 right; source 0 in 3 (2 right), source 1 in 3 (3 right)
        assert pooled.prior[L] == pytest.approx(4 / 6)
        assert pooled.hit[L] == pytest.approx((3 / 5, 4 / 5)) and pooled.false[L] == pytest.approx((2 / 3, 1 / 3))
    assert fit_reliability(res, gold, sentences=[]).prior["PER"] == 0.5
    with pytest.raises(ValueError, match="gold: 2 sentences, the results have 1"):
        fit_reliability(res, gold * 2)
    with pytest.raises(IndexError, match="sentences: 3 is not a sentence index"):
        fit_reliability(res, gold, sentences=[3])
    with pytest.raises(ValueError, match="tau must be in"):
        rel.min_votes(1.0)


@given(st.lists(st.tuples(st.floats(0.05, 0.95), st.floats(0.05, 0.95)), min_size=1, max_size=4),
       st.floats(0.05, 0.95), st.floats(0.05, 0.95), st.data())
@settings(max_examples=200, deadline=None)
def test_reliability_vote_is_the_naive_bayes_posterior(hf, prior, tau, data):
    rel = Reliability(("PER",), len(hf), {"PER": prior}, {"PER": tuple(h for h, _ in hf)},
                      {"PER": tuple(f for _, f in hf)})
    support = data.draw(st.sets(st.integers(0, len(hf) - 1)))
    # the posterior straight from Bayes' rule over the informative sources (hit > false)
    num, den = prior, 1 - prior
    for s, (h, f) in enumerate(hf):
        if h > f:
            num *= h if s in support else 1 - h
            den *= f if s in support else 1 - f
    post = num / (num + den)
    assert rel.posterior("PER", sorted(support)) == pytest.approx(post)
    votes = sum(rel.label_weights()["PER"][s] for s in support)
    if abs(post - tau) > 1e-9:
        assert (votes >= rel.min_votes(tau)["PER"]) == (post >= tau)


def test_combine_priority_hand_worked():
    # primary (source 1): PER [0,2), LOC [4,6), ORG [7,8); source 0: PER [1,2), MISC [4,5), ORG [9,10);
    # source 2: MISC [4,5), LOC [5,6), ORG [9,10)
    b0 = _identity_batch(10, [(1, 2, "PER"), (4, 5, "MISC"), (9, 10, "ORG")], ["PER", "MISC", "ORG"])
    b1 = _identity_batch(10, [(0, 2, "PER"), (4, 6, "LOC"), (7, 8, "ORG")], ["PER", "LOC", "ORG"])
    b2 = _identity_batch(10, [(4, 5, "MISC"), (5, 6, "LOC"), (9, 10, "ORG")], ["MISC", "LOC", "ORG"])
    res = [project(b, "greedy") for b in (b0, b1, b2)]

    def got(**kw):
        out = combine_priority(res, 1, **kw)
        return [(s.start, s.end, out.labels.name(s.label), s.sources) for s in out.spans[0]]

    # every primary span; back-off (both others): ORG [9,10) added, MISC [4,5) blocked by the primary's LOC
    assert got() == [(0, 2, "PER", (0, 1)), (4, 6, "LOC", (1, 2)), (7, 8, "ORG", (1,)), (9, 10, "ORG", (0, 2))]
    # one other source must agree: the primary's ORG [7,8) goes
    assert got(corroboration=1) == [(0, 2, "PER", (0, 1)), (4, 6, "LOC", (1, 2)), (9, 10, "ORG", (0, 2))]
    # both: no primary span is left, MISC [4,5) comes back by the back-off
    assert got(corroboration=2) == [(4, 5, "MISC", (0, 2)), (9, 10, "ORG", (0, 2))]
    # back-off with one vote: source 0's PER [1,2) and source 2's LOC [5,6) too
    assert got(corroboration=2, min_votes=1) == [(1, 2, "PER", (0,)), (4, 5, "MISC", (0, 2)), (5, 6, "LOC", (2,)),
                                                 (9, 10, "ORG", (0, 2))]
    # weights: source 2 weighs 2, so it alone corroborates the LOC (votes 1 + 2); PER [1,2) (1) is not > 1.5
    sp = combine_priority(res, 1, corroboration=2, weights=[1, 1, 2]).spans[0]
    assert [(x.start, x.end, x.votes) for x in sp] == [(4, 6, 3.0), (9, 10, 3.0)]
    with pytest.raises(ValueError, match="primary: source 3 of 3"):
        combine_priority(res, 3)
    with pytest.raises(ValueError, match="corroboration must be finite"):
        combine_priority(res, 0, corroboration=float("nan"))
    names = lambda r: [(s.start, s.end, r.labels.name(s.label)) for s in r.spans[0]]  # noqa: E731
    assert names(project_multi([b0, b1, b2], "greedy", "priority", primary=1, corroboration=1)) == [
        (0, 2, "PER"), (4, 6, "LOC"), (9, 10, "ORG")]
    with pytest.raises(ValueError, match="one min_votes for its back-off"):
        project_multi([b0, b1, b2], "greedy", "priority", min_votes={"PER": 1})


# ------------------------------------------------- the engine's vote and priority against the references

SCORES = [0.25, 0.5, 0.8, 1.0]


@st.composite
def sentence_projs(draw, n_src=None, disjoint=False):
    """(source, start, end, label, score, entity) spans of one sentence of up to 8 tokens, labels 0..2."""
    n_src = n_src or draw(st.integers(1, 4))
    projs = []
    for s in range(n_src):
        pos = 0
        for e in range(draw(st.integers(0, 4))):
            a = draw(st.integers(pos if disjoint else 0, 7))
            if a >= 8:
                break
            b = draw(st.integers(a + 1, min(8, a + 3)))
            projs.append((s, a, b, draw(st.integers(0, 2)), draw(st.sampled_from(SCORES)), e))
            pos = b
            if disjoint and pos >= 8:
                break
    return n_src, projs


@settings(max_examples=300, deadline=None)
@given(sentence_projs(), st.data())
def test_vote_engine_equals_the_reference(sp, data):
    n_src, projs = sp
    w_list = st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=n_src, max_size=n_src)
    if data.draw(st.booleans()):
        weights = {lab: data.draw(w_list) for lab in range(3)}
    else:
        weights = data.draw(w_list)
    ks = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
    threshold = {lab: data.draw(ks) for lab in range(3)} if data.draw(st.booleans()) else data.draw(ks)
    strict = data.draw(st.booleans())
    boundary = data.draw(st.sampled_from(["mode", "median"]))
    got = vote_sentence(projs, weights, threshold, strict=strict, boundary=boundary)
    want = ref.vote_sentence(projs, weights, threshold, strict=strict, boundary=boundary)
    assert got == want  # boundaries, labels, support, and the floats summed in the same order


def _results_of(sentences, n_src, names=("PER", "LOC", "ORG")):
    """One ProjectionResult per source from per-sentence projs (labels: ids into ``names``, each source's own
    vocabulary in reversed order so that uniting by name matters)."""
    from xlner.batch import ProjectionResult

    out = []
    for s in range(n_src):
        vocab = LabelVocab(list(reversed(names)))
        rows = [[p for p in projs if p[0] == s] for projs in sentences]
        flat = [p for r in rows for p in r]
        off = np.zeros(len(rows) + 1, dtype=np.int64)
        off[1:] = np.cumsum([len(r) for r in rows])
        out.append(ProjectionResult(off, np.array([p[1] for p in flat], dtype=np.int32),
                                    np.array([p[2] for p in flat], dtype=np.int32),
                                    np.array([vocab.id(names[p[3]]) for p in flat], dtype=np.int32),
                                    np.array([p[5] for p in flat], dtype=np.int32),
                                    np.array([p[4] for p in flat], dtype=np.float64), np.zeros(len(rows)),
                                    np.zeros(len(rows), dtype=np.int8), vocab))
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 4).flatmap(lambda n: st.tuples(st.just(n), st.lists(
    sentence_projs(n_src=n, disjoint=True).map(lambda x: x[1]), min_size=1, max_size=40))),
       st.sampled_from(["mode", "median"]), st.sampled_from([None, 1.0, 2.0]), st.data())
def test_combine_votes_and_priority_over_a_batch_equal_the_reference_per_sentence(job, boundary, k, data):
    n_src, sentences = job
    results = _results_of(sentences, n_src)
    weights = data.draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n_src, max_size=n_src))
    got = combine_votes(results, weights=weights, min_votes=k, boundary=boundary, threads=2)
    names = sorted({"PER", "LOC", "ORG"} & {nm for r in results for nm in r.labels.names})
    assert got.labels.names == names  # the united vocabulary is sorted by name (each source's is reversed)
    to_united = {i: names.index(nm) for i, nm in enumerate(("PER", "LOC", "ORG"))}
    united = [[(s, a, b, to_united[lab], sc, e) for s, a, b, lab, sc, e in projs] for projs in sentences]
    need = sum(weights) / 2.0 + 1e-6 if k is None else k
    assert got.spans == [ref.vote_sentence(p, weights, need, boundary=boundary) for p in united]
    assert list(got.objective) == [sum(sp.score for sp in x) for x in got.spans]
    primary = data.draw(st.integers(0, n_src - 1))
    corr = data.draw(st.sampled_from([0.0, 1.0]))
    pr = combine_priority(results, primary, corroboration=corr, weights=weights, min_votes=k, boundary=boundary)
    others = sum(w for s, w in enumerate(weights) if s != primary)
    need = others / 2.0 + 1e-6 if k is None else k
    assert pr.spans == [ref.priority_sentence(p, primary, corr, weights, need, boundary) for p in united]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 20), st.integers(1, 4), st.integers(0, 2),
                                   st.floats(allow_nan=True, allow_infinity=True, width=64),
                                   st.floats(0, 1e300), st.lists(st.tuples(st.integers(0, 2), st.integers(0, 9)),
                                                                 max_size=3)),
                         max_size=3), max_size=6),
       st.sampled_from([None, ["en.conll", 'd"e\\x', "é\tü"]]), st.booleans())
def test_spans_jsonl_reads_back_as_the_spans(tmp_path_factory, rows, names, gz):
    import gzip

    spans = [[SupportedSpan(a, a + n, lab, sc, v, tuple(sorted(sup))) for a, n, lab, sc, v, sup in sent]
             for sent in rows]
    res = MultiSourceResult(spans, LabelVocab(["PER", "LOC", 'O"RG']), np.arange(len(rows), dtype=np.float64) / 3)
    path = tmp_path_factory.mktemp("spans") / ("s.jsonl.gz" if gz else "s.jsonl")
    res.write_spans_jsonl(path, names)
    raw = gzip.decompress(path.read_bytes()) if gz else path.read_bytes()
    got = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    want = [{"objective": i / 3, "spans": [
        {"start": sp.start, "end": sp.end, "label": ["PER", "LOC", 'O"RG'][sp.label], "score": sp.score,
         "votes": sp.votes, "sources": [names[s] if names else s for s, _ in sp.support],
         "entities": [e for _, e in sp.support]} for sp in sent]} for i, sent in enumerate(spans)]
    assert len(got) == len(want)
    for g, w in zip(got, want):  # NaN != NaN: compare the JSON texts of both, which read NaN the same way
        assert json.dumps(g, sort_keys=True) == json.dumps(w, sort_keys=True)


# ------------------------------------------------------------------------------------------ joint

def _brute(prob: JointSentence) -> float:
    """Best objective by enumerating every set of disjoint labelled spans and every entity assignment (each entity
    on at most ``cap`` of them, each span at most one entity per source)."""
    keys = sorted({(a, b, prob.ent_label[(s, e)]) for s, e, a, b, _ in prob.entries})
    sc: Dict[Tuple[int, int, int, int], float] = {(s, e, a, b): v for s, e, a, b, v in prob.entries}
    ents = sorted(prob.ent_label)
    best = 0.0
    for r in range(len(keys) + 1):
        for chosen in itertools.combinations(keys, r):
            if any(x[0] < y[1] and y[0] < x[1] for x, y in itertools.combinations(chosen, 2)):
                continue
            # each entity: a set of at most ``cap`` chosen spans of its label; the constraints (one entity per
            # source per span, the cap) only tie entities of one source, so each source is enumerated alone
            total = -prob.span_cost * len(chosen)
            for src in sorted({s for s, _ in ents}):
                mine = [se for se in ents if se[0] == src]
                options = [[ks for r2 in range(prob.cap + 1)
                            for ks in itertools.combinations([k for k in chosen if k[2] == prob.ent_label[se]], r2)]
                           for se in mine]
                best_src = 0.0
                for assign in itertools.product(*options):
                    taken = [k for ks in assign for k in ks]
                    if len(taken) == len(set(taken)):
                        best_src = max(best_src, sum(sc.get((s, e, k[0], k[1]), 0.0)
                                                     for (s, e), ks in zip(mine, assign) for k in ks))
                total += best_src
            best = max(best, total)
    return best


@st.composite
def joint_problems(draw):
    n_src = draw(st.integers(1, 3))
    length = draw(st.integers(1, 4))
    ent_label = {}
    entries = []
    for s in range(n_src):
        for e in range(draw(st.integers(0, 2))):
            ent_label[(s, e)] = draw(st.integers(0, 1))
            for a in range(length):
                for b in range(a + 1, length + 1):
                    if draw(st.booleans()):
                        entries.append((s, e, a, b, draw(st.sampled_from([0.25, 0.5, 0.6, 0.8, 1.0]))))
    cost = draw(st.sampled_from([0.0, 0.3, 1.0]))
    return JointSentence(entries, ent_label, 1, cost)


def engine_joint(prob: JointSentence, method: str = "greedy") -> List[SupportedSpan]:
    """The engine's joint matching (``method``) of one hand-made problem: one single-sentence batch per source
    (entity e of source s labelled ``L{ent_label[(s, e)]}``) with the problem's entries as its score matrix."""
    n_src = 1 + max([s for s, _ in prob.ent_label] + [s for s, *_ in prob.entries] + [0])
    n_lab = 1 + max(list(prob.ent_label.values()) + [0])
    vocab = LabelVocab([f"L{k}" for k in range(n_lab)])
    tgt_len = max([b for *_, b, _ in prob.entries] + [1])
    batches, mats = [], []
    for s in range(n_src):
        n_ent = 1 + max([e for (t, e) in prob.ent_label if t == s] + [-1])
        ents = [(e, e + 1, prob.ent_label[(s, e)]) for e in range(n_ent)]
        batches.append(ProjectionBatch.from_lists([max(n_ent, 1)], [tgt_len], [ents], [[]], labels=vocab))
        mine = [x for x in prob.entries if x[0] == s]
        mats.append(ScoreMatrix(np.array([0, len(mine)], dtype=np.int64),
                                np.array([x[1] for x in mine], dtype=np.int32),
                                np.array([x[2] for x in mine], dtype=np.int32),
                                np.array([x[3] for x in mine], dtype=np.int32),
                                np.array([x[4] for x in mine], dtype=np.float64)))
    res = project_multi(batches, method, "joint", scores=mats, span_cost=prob.span_cost, threads=1,
                        matching=MatchingConfig(max_len=64, constraint=f"<={prob.cap}"))
    return res.spans[0]


@st.composite
def coupled_joint_problems(draw):
    """Joint problems where entities have entries on spans far apart (coupled: the dynamic program's state), caps
    1 or 2, up to 3 sources."""
    n_src = draw(st.integers(1, 3))
    length = draw(st.integers(2, 6))
    ent_label, entries = {}, []
    for s in range(n_src):
        for e in range(draw(st.integers(0, 2))):
            ent_label[(s, e)] = draw(st.integers(0, 1))
            for _ in range(draw(st.integers(0, 3))):
                a = draw(st.integers(0, length - 1))
                b = draw(st.integers(a + 1, min(length, a + 2)))
                if all((x[0], x[1], x[2], x[3]) != (s, e, a, b) for x in entries):
                    entries.append((s, e, a, b, draw(st.sampled_from([0.25, 0.5, 0.6, 0.8, 1.0]))))
    return JointSentence(entries, ent_label, draw(st.sampled_from([1, 2])), draw(st.sampled_from([0.0, 0.3, 1.0])))


@settings(max_examples=200, deadline=None)
@given(st.one_of(joint_problems(), coupled_joint_problems()))
def test_joint_exact_engine_is_optimal(prob):
    """The engine's dynamic program reaches the brute-force optimum (and HiGHS's), with a feasible solution."""
    got = engine_joint(prob, "exact")
    best = _brute(prob)
    assert prob.value(got) == pytest.approx(best, abs=1e-6)
    assert prob.value(joint_exact_sentences([prob])[0]) == pytest.approx(best, abs=1e-6)
    assert all(sp.support for sp in got)
    with pytest.MonkeyPatch.context() as mp:  # one state only: every sentence with a key goes to HiGHS
        mp.setattr("xlner.multisource.JOINT_EXACT_MAX_STATES", 1)
        assert prob.value(engine_joint(prob, "exact")) == pytest.approx(best, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(joint_problems())
def test_joint_greedy_engine_equals_the_reference(prob):
    got = engine_joint(prob)
    want = ref.joint_greedy_sentence(prob)
    assert [(s.start, s.end, s.label, s.support) for s in got] == [(s.start, s.end, s.label, s.support) for s in want]
    assert [s.score for s in got] == pytest.approx([s.score for s in want])
    assert [s.votes for s in got] == [float(len(s.sources)) for s in want]  # unit weights: one vote per source


@settings(max_examples=60, deadline=None)
@given(joint_problems())
def test_joint_exact_matches_brute_force_and_bounds_greedy(prob):
    exact = joint_exact_sentences([prob])[0]
    greedy = engine_joint(prob)
    best = _brute(prob)
    assert prob.value(exact) == pytest.approx(best, abs=1e-6)
    assert prob.value(greedy) <= best + 1e-9
    assert all(sp.support for sp in exact + greedy)  # no empty span is ever opened


def test_joint_greedy_below_exact_hand_worked():
    # one source, two PER entities: A fits [0,2) (1.0) or [0,1) (0.9), B fits [1,2) (0.9)
    prob = JointSentence([(0, 0, 0, 2, 1.0), (0, 0, 0, 1, 0.9), (0, 1, 1, 2, 0.9)], {(0, 0): PER, (0, 1): PER})
    assert _spans(engine_joint(prob)) == [(0, 2, PER, (0,))]
    exact = joint_exact_sentences([prob])[0]
    assert [(s.start, s.end, s.support) for s in exact] == [(0, 1, ((0, 0),)), (1, 2, ((0, 1),))]
    assert prob.value(exact) == pytest.approx(1.8)


def test_joint_rewards_agreement_and_span_cost():
    # source 0 fits [0,2) only; source 1 prefers [0,1) but also fits [0,2)
    prob = JointSentence([(0, 0, 0, 2, 1.0), (1, 0, 0, 2, 0.8), (1, 0, 0, 1, 0.9)], {(0, 0): PER, (1, 0): PER},
                         span_cost=1.0)
    for out in (engine_joint(prob), joint_exact_sentences([prob])[0]):
        assert [(s.start, s.end, s.support, s.score) for s in out] == [(0, 2, ((0, 0), (1, 0)), pytest.approx(1.8))]
    # a lone source at full score does not pay for the span at cost 1
    lone = JointSentence([(0, 0, 3, 4, 1.0)], {(0, 0): LOC}, span_cost=1.0)
    assert joint_exact_sentences([lone])[0] == [] and engine_joint(lone) == []


def test_project_multi_joint_alignment_scores_do_not_split():
    # two-word entity aligned word for word: whole span 1.0 beats two halves (2/3 each) under the cap
    b = _identity_batch(4, [(1, 3, "PER")], ["PER"])
    for method in ("greedy", "exact"):
        res = project_multi([b, b], method, "joint", span_cost=0.0)
        assert [(s.start, s.end, s.sources, s.score) for s in res.spans[0]] == [(1, 3, (0, 1), pytest.approx(2.0))]
        assert res.objective[0] == pytest.approx(2.0)


# -------------------------------------------------------------------------------------------- CLI

TGT = "-DOCSTART-\nJohn Smith besuchte New York\n"
SOURCES = {
    "en": ("-DOCSTART- O\n\nJohn B-PER\nSmith I-PER\nvisited O\nNew B-LOC\nYork I-LOC\n",
           "0-0\n0-0 1-1 2-2 3-3 4-4\n"),
    "es": ("-DOCSTART- O\n\nJohn B-PER\nSmith I-PER\nvisitó O\nNueva B-ORG\nYork I-ORG\n",
           "0-0\n0-0 1-1 2-2 3-3 4-4\n"),
    "it": ("-DOCSTART- O\n\nJohn B-PER\nSmith O\nha O\nvisitato O\nNew B-LOC\nYork I-LOC\n",
           "0-0\n0-0 1-1 3-2 4-3 5-4\n"),
}


@pytest.fixture
def multi_job(tmp_path):
    (tmp_path / "tgt.txt").write_text(TGT, encoding="utf-8")
    args = []
    for name, (conll, talp) in SOURCES.items():
        (tmp_path / f"{name}.conll").write_text(conll, encoding="utf-8")
        (tmp_path / f"{name}.talp").write_text(talp, encoding="utf-8")
        args += ["--source", str(tmp_path / f"{name}.conll"), "--alignments", str(tmp_path / f"{name}.talp")]
    return tmp_path, args


@pytest.mark.parametrize("extra", [["--method", "greedy"], ["--method", "heuristic"],
                                   ["--method", "exact", "--combine", "vote"],
                                   ["--method", "exact", "--combine", "joint", "--span-cost", "1.0"],
                                   ["--method", "greedy", "--combine", "joint", "--span-cost", "1.0"]])
def test_cli_multi_source(multi_job, extra):
    tmp, args = multi_job
    rc = main(["project", *args, "--target", str(tmp / "tgt.txt"), "--out", str(tmp / "o.conll"),
               "--spans-out", str(tmp / "s.jsonl"), "--threads", "1", "--quiet", *extra])
    assert rc == 0
    # PER: 3 sources on [0,2) except it (only "John"); LOC: en + it; ORG: es alone
    assert [s.tags for s in read_conll(tmp / "o.conll")] == [["O"], ["B-PER", "I-PER", "O", "B-LOC", "I-LOC"]]
    rows = [json.loads(line) for line in (tmp / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0]["spans"] == []
    got = [(r["start"], r["end"], r["label"], [p.rsplit("/", 1)[1] for p in r["sources"]])
           for r in rows[1]["spans"]]
    # joint: it's "John" also scores on [0,2) (2·1/3), so all three support it
    assert got == [(0, 2, "PER", ["en.conll", "es.conll", "it.conll"]), (3, 5, "LOC", ["en.conll", "it.conll"])]


def test_cli_multi_source_outputs_appear_together_gzip_and_plain(multi_job):
    import gzip

    tmp, args = multi_job
    common = ["project", *args, "--target", str(tmp / "tgt.txt"), "--method", "greedy", "--threads", "1", "--quiet"]
    assert main([*common, "--out", str(tmp / "o.conll"), "--spans-out", str(tmp / "s.jsonl")]) == 0
    assert main([*common, "--out", str(tmp / "o.conll.gz"), "--spans-out", str(tmp / "s.jsonl.gz")]) == 0
    assert gzip.decompress((tmp / "o.conll.gz").read_bytes()) == (tmp / "o.conll").read_bytes()
    assert gzip.decompress((tmp / "s.jsonl.gz").read_bytes()) == (tmp / "s.jsonl").read_bytes()
    # the spans file cannot be written: no output appears, not even the CoNLL one
    rc = main([*common, "--out", str(tmp / "new.conll"), "--spans-out", str(tmp / "missing" / "s.jsonl")])
    assert rc != 0
    assert not (tmp / "new.conll").exists()
    assert [p.name for p in tmp.iterdir() if p.name.endswith(".tmp")] == []  # no temporary file left


def test_cli_multi_source_weights_select_a_lone_source(multi_job):
    tmp, args = multi_job
    rc = main(["project", *args, "--target", str(tmp / "tgt.txt"), "--out", str(tmp / "o.conll"), "--quiet",
               "--method", "greedy", "--weights", "1,3,1", "--min-votes", "3"])
    assert rc == 0
    assert read_conll(tmp / "o.conll")[1].tags == ["B-PER", "I-PER", "O", "B-ORG", "I-ORG"]


def test_cli_multi_source_per_label_votes_and_median(multi_job, capsys):
    tmp, args = multi_job
    # ORG (es alone) needs 1, LOC (en + it) needs 3: ORG is kept, LOC is not
    rc = main(["project", *args, "--target", str(tmp / "tgt.txt"), "--out", str(tmp / "o.conll"), "--quiet",
               "--method", "greedy", "--min-votes", "ORG=1,LOC=3", "--boundary", "median"])
    assert rc == 0
    assert read_conll(tmp / "o.conll")[1].tags == ["B-PER", "I-PER", "O", "B-ORG", "I-ORG"]
    for bad, msg in (("PER=x", "--min-votes: expected a number or LABEL=K"),
                     ("PER=1,PER=2", "--min-votes: expected a number or LABEL=K"),
                     ("DATE=1", "labels ['DATE'] are not labels")):
        rc = main(["project", *args, "--target", str(tmp / "tgt.txt"), "--out", str(tmp / "o.conll"),
                   "--method", "greedy", "--min-votes", bad])
        assert rc == 1 and msg in capsys.readouterr().err


def test_cli_multi_source_priority_and_per_label_weights(multi_job, capsys):
    tmp, args = multi_job  # sources en, es, it
    run = lambda *extra: main(["project", *args, "--target", str(tmp / "tgt.txt"), "--out",  # noqa: E731
                               str(tmp / "o.conll"), "--spans-out", str(tmp / "s.jsonl"), "--quiet", "--method",
                               "greedy", *extra])
    # es primary: its PER and ORG; the LOC of en + it overlaps its ORG, so no back-off
    assert run("--combine", "priority", "--primary", "2") == 0
    assert read_conll(tmp / "o.conll")[1].tags == ["B-PER", "I-PER", "O", "B-ORG", "I-ORG"]
    spans = json.loads((tmp / "s.jsonl").read_text(encoding="utf-8").splitlines()[1])["spans"]
    assert [p.rsplit("/", 1)[1] for p in spans[0]["sources"]] == ["en.conll", "es.conll", "it.conll"]
    # its ORG has no corroboration: dropped, and the LOC of en + it comes in by the back-off
    assert run("--combine", "priority", "--primary", "2", "--corroboration", "1") == 0
    assert read_conll(tmp / "o.conll")[1].tags == ["B-PER", "I-PER", "O", "B-LOC", "I-LOC"]
    # per-label weights: LOC only counts es (which has none), ORG counts es 3 times; PER 1 each
    assert run("--weights", "LOC=0,1,0;ORG=0,3,0", "--min-votes", "2") == 0
    assert read_conll(tmp / "o.conll")[1].tags == ["B-PER", "I-PER", "O", "B-ORG", "I-ORG"]
    for bad, msg in ((["--combine", "priority", "--primary", "4"], "--primary: 4 is not a --source number"),
                     (["--weights", "LOC=1,1"], "--weights: 2 weights for 3 sources"),
                     (["--weights", "LOC=1,1,1;LOC=1,1,1"], "with distinct labels"),
                     (["--combine", "joint", "--weights", "LOC=1,1,1"],
                      "--weights per label applies to --combine vote")):
        assert run(*bad) == 1 and msg in capsys.readouterr().err


def test_cli_multi_source_aligned_on_the_fly_equals_xlner_align(multi_job, capsys):
    tmp, args = multi_job
    srcs = [a for k, a in enumerate(args) if k % 4 == 1]
    rc = main(["project", *[x for s in srcs for x in ("--source", s)], "--target", str(tmp / "tgt.txt"),
               "--out", str(tmp / "fly.conll"), "--spans-out", str(tmp / "fly.jsonl"), "--quiet", "--method", "greedy",
               "--min-votes", "1"])
    assert rc == 0
    pairs = []
    for k, s in enumerate(srcs):
        assert main(["align", "--source", s, "--target", str(tmp / "tgt.txt"), "-o", str(tmp / f"a{k}.talp"),
                     "--quiet"]) == 0
        pairs += ["--source", s, "--alignments", str(tmp / f"a{k}.talp")]
    rc = main(["project", *pairs, "--target", str(tmp / "tgt.txt"), "--out", str(tmp / "given.conll"),
               "--spans-out", str(tmp / "given.jsonl"), "--quiet", "--method", "greedy", "--min-votes", "1"])
    assert rc == 0
    assert (tmp / "fly.conll").read_bytes() == (tmp / "given.conll").read_bytes()
    assert (tmp / "fly.jsonl").read_bytes() == (tmp / "given.jsonl").read_bytes()
    rc = main(["project", *[x for s in srcs for x in ("--source", s)], "--target", str(tmp / "tgt.txt"),
               "--out", str(tmp / "x.conll"), "--method", "greedy", "--align-extra", srcs[0], str(tmp / "tgt.txt")])
    assert rc == 1 and "--align-extra trains the aligner of one language pair" in capsys.readouterr().err


def test_cli_multi_source_bad_pairing(multi_job, capsys):
    tmp, args = multi_job
    rc = main(["project", *args[:-2], "--target", str(tmp / "tgt.txt"), "--out", str(tmp / "o.conll"),
               "--method", "greedy"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "--source given 3 times but --alignments 2 times" in err
    assert not (tmp / "o.conll").exists()
    rc = main(["project", *args, "--target", str(tmp / "tgt.txt"), "--out", str(tmp / "o.conll"),
               "--method", "greedy", "--weights", "1,2"])
    assert rc == 1 and "--weights: 2 weights for 3 sources" in capsys.readouterr().err


@st.composite
def small_batches(draw):
    tgt_len = draw(st.integers(1, 6))
    out = []
    for _ in range(draw(st.integers(2, 3))):
        src_len = draw(st.integers(1, 5))
        ents, pos = [], 0
        while pos < src_len and len(ents) < 2:
            a = draw(st.integers(pos, src_len - 1))
            b = draw(st.integers(a + 1, min(src_len, a + 2)))
            ents.append((a, b, draw(st.sampled_from(["PER", "LOC"]))))
            pos = b
        links = sorted(draw(st.sets(st.tuples(st.integers(0, src_len - 1), st.integers(0, tgt_len - 1)), max_size=6)))
        vocab = LabelVocab(["PER", "LOC"])
        out.append(ProjectionBatch.from_lists([src_len], [tgt_len], [[(a, b, vocab.id(l)) for a, b, l in ents]],
                                              [links], labels=vocab))
    return out


@settings(max_examples=40, deadline=None)
@given(small_batches(), st.sampled_from([0.0, 0.5, 1.0]))
def test_joint_aligned_range_pruning_keeps_the_optimum(batches, cost):
    from xlner.scores import alignment_scores

    full = [alignment_scores(b, candidates="ngrams", max_len=10, threads=1) for b in batches]  # no pruning
    pruned = project_multi(batches, "exact", "joint", span_cost=cost, threads=1)
    unpruned = project_multi(batches, "exact", "joint", span_cost=cost, scores=full, threads=1)
    assert pruned.objective[0] == pytest.approx(unpruned.objective[0], abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(small_batches(), st.sampled_from([0.0, 0.5, 1.0]), st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=3,
                                                                    max_size=3))
def test_joint_greedy_with_alignment_scores_equals_the_reference(batches, cost, w):
    """The engine's whole joint greedy route (weighted alignment scores, aligned ranges, greedy) against the
    reference built in Python from the same alignment scores."""
    from xlner.scores import alignment_scores

    w = w[:len(batches)]
    res = project_multi(batches, "greedy", "joint", span_cost=cost, weights=w, threads=1)
    got = res.spans[0]
    names = ["LOC", "PER"]  # united by name, sorted (each source's vocabulary is PER, LOC)
    assert res.labels.names == names
    entries, ent_label = [], {}
    for s, b in enumerate(batches):
        for e, (_, _, lab) in enumerate(b.entities(0)):
            ent_label[(s, e)] = names.index(b.labels.name(lab))
        m = alignment_scores(b, candidates="ngrams", max_len=10, threads=1)
        entries += [(s, e, a, z, w[s] * v) for e, a, z, v in m.entries(0) if w[s] * v > 0]
    want = ref.joint_greedy_sentence(JointSentence(ref.aligned_ranges(entries, ent_label), ent_label, 1, cost))
    assert [(x.start, x.end, x.label, x.support) for x in got] == [(x.start, x.end, x.label, x.support) for x in want]
    assert [x.score for x in got] == pytest.approx([x.score for x in want])
    assert [x.votes for x in got] == pytest.approx([sum(w[s] for s in x.sources) for x in want])


# ----------------------------------------------------------------------------------- bench helpers

def _bench():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "run_multisource.py"
    spec = importlib.util.spec_from_file_location("run_multisource", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_error_types_and_pooled_f1_hand_worked():
    import numpy as np

    bench = _bench()
    gold = [{(0, 2, "PER"), (3, 4, "LOC"), (5, 6, "ORG")}, {(0, 1, "MISC"), (2, 3, "PER")}]
    single = [{(0, 2, "PER"), (3, 4, "LOC"), (5, 7, "ORG"), (8, 9, "LOC")}, {(0, 1, "MISC"), (2, 3, "LOC")}]
    combo = [{(0, 2, "PER"), (3, 5, "LOC"), (5, 6, "ORG")}, {(0, 1, "ORG"), (2, 3, "PER"), (6, 7, "PER")}]
    got = bench.error_types(gold, single, combo, [0, 1])
    # sentence 0: LOC [3,4) lost to other boundaries; ORG [5,6) gained by fixing the single's [5,7); the
    # single's wrong LOC [8,9) and ORG [5,7) removed; the combination's LOC [3,5) replaces a span of the single.
    # sentence 1: MISC lost to another label; PER gained by fixing the single's LOC; its LOC removed; PER [6,7) new
    assert got == {"lost: dropped": 0, "lost: boundary": 1, "lost: label": 1, "gained: added": 0,
                   "gained: boundary": 1, "gained: label": 1, "wrong removed": 3, "wrong added: replaces": 2,
                   "wrong added: new": 1}
    assert bench.error_types(gold, single, combo, [1])["lost: boundary"] == 0
    counts = np.array([[2, 3, 3], [1, 3, 2], [0, 0, 0]])
    assert bench._f1c(counts, [0, 1]) == pytest.approx(2 * 0.5 * 0.6 / 1.1)  # P 3/6, R 3/5
    assert bench._f1c(counts, [2]) == 0.0


def test_bench_cross_fit_takes_each_sentence_from_the_run_where_it_was_a_test_sentence():
    bench = _bench()
    gold = [["B-PER"], ["B-LOC"], ["O"], ["B-ORG"], ["B-MISC"]]
    # run 1 chose on even sentences and tested on odd ones; run 2 the other way round: the tags each run predicts
    # for its own dev sentences must not reach the cross-fitted result
    run1 = {"_preds": {"gold": gold, "test": [1, 3], "combination": [["X1"], ["B-LOC"], ["X1"], ["O"], ["X1"]],
                       "single_dev": [["Y1"], ["O"], ["Y1"], ["B-ORG"], ["Y1"]]}}
    run2 = {"_preds": {"gold": gold, "test": [0, 2, 4], "combination": [["B-PER"], ["X2"], ["O"], ["X2"], ["O"]],
                       "single_dev": [["O"], ["Y2"], ["O"], ["Y2"], ["B-MISC"]]}}
    cf = bench.cross_fit([run1, run2])
    assert cf["combination"] == [["B-PER"], ["B-LOC"], ["O"], ["O"], ["O"]]
    assert cf["single_dev"] == [["O"], ["O"], ["O"], ["B-ORG"], ["B-MISC"]]
    with pytest.raises(ValueError, match="exactly one run"):
        bench.cross_fit([run1, run1])
    # pooled over parts: the combination finds PER, LOC (2 of 4 gold entities, nothing wrong): F1 2*1*.5/1.5;
    # the single ORG, MISC: the same F1, so the gain is 0
    res = bench.pooled([{"gold": gold[:2], "combination": cf["combination"][:2], "single_dev": cf["single_dev"][:2]},
                        {"gold": gold[2:], "combination": cf["combination"][2:], "single_dev": cf["single_dev"][2:]}],
                       "combination", "single_dev", 50)
    assert res["sentences"] == 5
    assert res["f1_a"] == pytest.approx(2 / 3) and res["f1_b"] == pytest.approx(2 / 3) and res["delta"] == 0.0


def test_bench_pair_recipe_splits_the_german_side():
    bench = _bench()
    assert bench.pair_recipe("de", "en").split_compounds == "source"
    assert bench.pair_recipe("es", "de").split_compounds == "target"
    assert bench.pair_recipe("en", "it").split_compounds == "none"
    assert bench.pair_recipe("de", "en", split_compounds=False).split_compounds == "none"


def test_bench_source_error_kinds_hand_worked():
    import importlib.util
    from pathlib import Path

    bench_dir = Path(__file__).resolve().parents[1] / "bench"
    path = bench_dir / "multisource_source_errors.py"
    spec = importlib.util.spec_from_file_location("multisource_source_errors", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    gold = [(0, 2, "ORG"), (3, 4, "LOC"), (5, 7, "MISC"), (8, 9, "PER"), (10, 12, "ORG"), (13, 15, "ORG")]
    pred = [(0, 2, "ORG"), (3, 4, "MISC"), (5, 6, "MISC"), (7, 9, "PER"), (12, 13, "LOC"), (13, 14, "ORG")]
    kinds = [(k, s) for k, s, _ in mod.classify(gold, pred)]
    assert kinds == [("correct", (0, 2, "ORG")), ("label", (3, 4, "LOC")), ("boundary: too short", (5, 7, "MISC")),
                     ("boundary: too long", (8, 9, "PER")), ("missed", (10, 12, "ORG")),
                     ("boundary: too short", (13, 15, "ORG")), ("spurious", (12, 13, "LOC"))]
    # a span that starts before and ends inside a gold entity is shifted
    assert mod.classify([(2, 5, "ORG")], [(1, 3, "ORG")])[0][0] == "boundary: shifted"
