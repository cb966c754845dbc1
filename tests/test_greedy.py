"""Greedy matching: hand-worked cases, the pure-Python reference (from the definition) on random
instances, and on every sentence of the 12 conll2003-deepl test files."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.datasets import conll_deepl_paths
from xlner.batch import LabelVocab, ProjectionBatch
from xlner.io import read_conll, read_talp
from xlner.projection import MatchingConfig, parse_constraint, project
from xlner.reference.greedy import greedy_alignment
from xlner.scores import alignment_scores
from xlner.tagging import batch_tags_to_spans

OPS = ["<", "<=", "=", ">=", ">"]


def spans_of(result, i):
    return [(s, e, ent, sc) for s, e, _, ent, sc in result.spans(i)]


def test_hand_worked_tie_breaking():
    # entity 0 = source [0,2) aligned to target 1, 2 → [1,3) scores 2·2/(2+2) = 1
    # entity 1 = source [2,3) aligned to target 0 and 3 → [0,1) and [3,4) both score 1
    b = ProjectionBatch.from_lists([3], [4], [[(0, 2, 0), (2, 3, 1)]], [[(0, 1), (1, 2), (2, 3), (2, 0)]])
    r = project(b, "greedy", matching=MatchingConfig(constraint="<=1"))
    # ties at 1.0: entity 0 first, then entity 1's earliest candidate [0,1); [3,4) is left (cap reached)
    assert spans_of(r, 0) == [(0, 1, 1, 1.0), (1, 3, 0, 1.0)]
    assert r.objective[0] == pytest.approx(2.0)
    r2 = project(b, "greedy", matching=MatchingConfig(constraint="<=2"))
    assert spans_of(r2, 0) == [(0, 1, 1, 1.0), (1, 3, 0, 1.0), (3, 4, 1, 1.0)]
    r3 = project(b, "greedy", matching=MatchingConfig(constraint="<1"))
    assert spans_of(r3, 0) == []


def test_hand_worked_partial_alignment_and_overlap():
    # entity [0,3) aligned to targets 0, 1, 3 (2 is unaligned):
    # [0,2): 2·2/(3+2) = 0.8 ; [0,4): 2·3/(3+4) = 0.857… (best) ; [3,4): 2·1/4 = 0.5
    b = ProjectionBatch.from_lists([3], [5], [[(0, 3, 0)]], [[(0, 0), (1, 1), (2, 3)]])
    r = project(b, "greedy")
    assert spans_of(r, 0) == [(0, 4, 0, pytest.approx(6 / 7))]
    # with M = 2 the 4-gram is not a candidate: [0,2) wins, then nothing else (cap 1)
    r = project(b, "greedy", matching=MatchingConfig(max_len=2))
    assert spans_of(r, 0) == [(0, 2, 0, pytest.approx(0.8))]
    # uncapped: [0,2) then [3,4) (does not overlap)
    r = project(b, "greedy", matching=MatchingConfig(max_len=2, constraint=">=1"))
    assert spans_of(r, 0) == [(0, 2, 0, pytest.approx(0.8)), (3, 4, 0, pytest.approx(0.5))]


def test_degenerate_inputs():
    b = ProjectionBatch.from_lists([2, 3, 1, 0], [0, 3, 2, 0], [[(0, 1, 0)], [(0, 3, 0)], [], []],
                                   [[], [], [(0, 1)], []])
    r = project(b, "greedy")
    assert len(r) == 4 and r.start.size == 0
    assert list(r.objective) == [0.0, 0.0, 0.0, 0.0]


def test_external_candidates_and_scored_greedy():
    b = ProjectionBatch.from_lists([2], [4], [[(0, 2, 0)]], [[(0, 1), (1, 2)]], candidates=[[(1, 2), (0, 4), (2, 3)]])
    r = project(b, "greedy", matching=MatchingConfig(candidates="external"))
    # [1,2): 2·1/3 ; [0,4): 2·2/6 ; [2,3): 2·1/3 → tie at 2/3; [0,4) is first in candidate order
    assert spans_of(r, 0) == [(0, 4, 0, pytest.approx(2 / 3))]
    m = alignment_scores(b, candidates="external")
    m.score[:] = [0.1, 0.2, 0.9]  # entries come in the given candidate order
    r = project(b, "greedy", scores=m)
    assert spans_of(r, 0) == [(2, 3, 0, pytest.approx(0.9))]


def test_bad_constraint_and_scores():
    with pytest.raises(ValueError, match="constraint"):
        parse_constraint("~1")
    with pytest.raises(ValueError, match="admits no"):
        MatchingConfig(constraint="<0")
    b = ProjectionBatch.from_lists([2], [4], [[(0, 2, 0)]], [[(0, 1)]])
    m = alignment_scores(b)
    m.ent[:] = 5
    with pytest.raises(IndexError, match="sentence 0, field score_ent"):
        project(b, "greedy", scores=m)


@st.composite
def instances(draw):
    tgt_len = draw(st.integers(0, 10))
    src_len = draw(st.integers(1, 8))
    n_ent = draw(st.integers(0, 4))
    ents = []
    for _ in range(n_ent):
        s = draw(st.integers(0, src_len - 1))
        e = draw(st.integers(s + 1, src_len))
        ents.append((s, e))
    links = []
    if tgt_len:
        links = draw(st.lists(st.tuples(st.integers(0, src_len - 1), st.integers(0, tgt_len - 1)), max_size=14))
    op = draw(st.sampled_from(OPS))
    n = draw(st.integers(1, 3))
    max_len = draw(st.integers(1, 6))
    return src_len, tgt_len, ents, links, op, n, max_len


@given(instances())
@settings(max_examples=400, deadline=None)
def test_greedy_equals_reference_on_random_instances(inst):
    src_len, tgt_len, ents, links, op, n, max_len = inst
    b = ProjectionBatch.from_lists([src_len], [tgt_len], [[(s, e, k % 2) for k, (s, e) in enumerate(ents)]], [links])
    r = project(b, "greedy", matching=MatchingConfig(max_len=max_len, constraint=f"{op}{n}"), threads=1)
    expected = greedy_alignment(tgt_len, ents, links, max_len, op, n)
    assert spans_of(r, 0) == expected
    assert r.objective[0] == pytest.approx(sum(x[3] for x in expected))


@given(st.lists(instances(), min_size=1, max_size=12), st.integers(1, 3))
@settings(max_examples=40, deadline=None)
def test_batch_threads_do_not_change_results(insts, threads):
    ents = [[(s, e, 0) for s, e in inst[2]] for inst in insts]
    b = ProjectionBatch.from_lists([i[0] for i in insts], [i[1] for i in insts], ents, [i[3] for i in insts])
    one = project(b, "greedy", threads=1)
    many = project(b, "greedy", threads=threads)
    for f in ("offsets", "start", "end", "entity", "score", "objective"):
        assert np.array_equal(getattr(one, f), getattr(many, f))


LANGS = ["de", "es", "it"]
ALIGNERS = ["awesome", "simalign", "fast_align", "mgiza"]


@pytest.mark.shared_data
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("aligner", ALIGNERS)
def test_greedy_equals_reference_on_conll_deepl(shared_data, lang, aligner):
    src_p, tgt_p, aln_p = conll_deepl_paths(shared_data, lang, "test", aligner)
    src, tgt, aln = read_conll(src_p), read_conll(tgt_p), read_talp(aln_p)
    labels = LabelVocab()
    off, s, e, l = batch_tags_to_spans([x.tags for x in src], labels)
    ents = [[(int(s[k]), int(e[k]), int(l[k])) for k in range(off[i], off[i + 1])] for i in range(len(src))]
    b = ProjectionBatch.from_lists([len(x.tokens) for x in src], [len(x.tokens) for x in tgt], ents, aln, labels=labels)
    r = project(b, "greedy", matching=MatchingConfig(max_len=10, constraint="<=1"))
    mismatches = 0
    for i in range(len(src)):
        if not ents[i]:
            assert not spans_of(r, i)
            continue
        exp = greedy_alignment(len(tgt[i].tokens), [(a, c) for a, c, _ in ents[i]], aln[i], 10, "<=", 1)
        mismatches += spans_of(r, i) != exp
    assert mismatches == 0
