"""NER-probability score and NER-model candidates: hand-worked cases (the thesis' example), the C++ batch
against a slow direct computation of the formula on random probabilities, the α property of the thesis,
thresholds, tagger column reordering, predicted spans against seqeval, and bad input."""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics.sequence_labeling import get_entities

from xlner.batch import LabelVocab, ProjectionBatch
from xlner.scores import (TagProbabilities, candidate_spans, ner_candidates, ner_scores, predicted_spans,
                          reorder_probabilities, tag_columns, tagger_probabilities)


# ---- slow reference, written from the definition ---------------------------------------------------

def ref_class_score(p: np.ndarray, label: int, a: int, b: int, alpha: float) -> float:
    n = b - a
    total = p[a, 2 * label + 1]
    for k in range(a + 1, b):
        total += p[k, 2 * label + 2]
    return alpha ** (n - 1) * total / n


def ref_predicted_class(p: np.ndarray, a: int, b: int):
    """The class l when the argmax tags of words a..b-1 read B-l I-l ... I-l (thesis code), else None."""
    tags = [int(np.argmax(p[k])) for k in range(a, b)]
    if tags[0] % 2 != 1:
        return None
    lab = (tags[0] - 1) // 2
    return lab if all(t == 2 * lab + 2 for t in tags[1:]) else None


def ref_ner(batch: ProjectionBatch, probs: Sequence[np.ndarray], cands: Sequence[Sequence[Tuple[int, int]]],
            variant: str, alpha: float, threshold: float,
            alpha_scope: str = "all") -> List[List[Tuple[int, int, int, float]]]:
    out = []
    for i in range(len(batch)):
        p = probs[i]
        n_cls = (p.shape[1] - 1) // 2
        rows = []
        for k, (_, _, lab) in enumerate(batch.entities(i)):
            for a, b in cands[i]:
                def score(l: int) -> float:
                    if alpha_scope == "all" or ref_predicted_class(p, a, b) == l:
                        return ref_class_score(p, l, a, b, alpha)
                    return ref_class_score(p, l, a, b, 1.0)

                if variant == "class":
                    v = score(lab)
                else:
                    v = max(score(l) for l in range(n_cls))
                if v > threshold:
                    rows.append((k, a, b, v))
        out.append(rows)
    return out


def assert_matches(matrix, ref, threshold, tol=1e-9):
    """Same entries in the same order (entity, then candidate order) and the same scores; a reference
    entry within `tol` of the threshold may be on either side (rounding of the prefix sums)."""
    for i, want in enumerate(ref):
        got = matrix.entries(i)
        want_keys = [(e, a, b) for e, a, b, _ in want]
        got_keys = [(e, a, b) for e, a, b, _ in got]
        if got_keys != want_keys:
            near = lambda rows: {(e, a, b) for e, a, b, v in rows if abs(v - threshold) > tol}  # noqa: E731
            assert near(got) == near(want), f"sentence {i}: {got} != {want}"
        wd = {(e, a, b): v for e, a, b, v in want}
        for e, a, b, v in got:
            if (e, a, b) in wd:
                assert v == pytest.approx(wd[(e, a, b)], rel=1e-12, abs=1e-12)


@st.composite
def scored_batches(draw, max_sent: int = 3, max_words: int = 7, with_cands: bool = False):
    n_cls = draw(st.integers(1, 3))
    n = draw(st.integers(1, max_sent))
    src_lens, tgt_lens, ents, alns, cands = [], [], [], [], []
    for _ in range(n):
        sl = draw(st.integers(1, max_words))
        tl = draw(st.integers(0, max_words))
        k = draw(st.integers(0, 3))
        es = []
        for _ in range(k):
            s = draw(st.integers(0, sl - 1))
            e = draw(st.integers(s + 1, sl))
            es.append((s, e, draw(st.integers(0, n_cls - 1))))
        src_lens.append(sl)
        tgt_lens.append(tl)
        ents.append(es)
        alns.append([])
        if with_cands and tl > 0:
            cs = draw(st.lists(st.tuples(st.integers(0, tl - 1), st.integers(1, tl)).filter(lambda x: x[0] < x[1]),
                               max_size=6, unique=True))
        else:
            cs = []
        cands.append(cs)
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    # dirichlet with small concentration: peaked rows like a real tagger's, sometimes flat
    conc = draw(st.sampled_from([0.2, 1.0, 5.0]))
    probs = [rng.dirichlet(np.full(1 + 2 * n_cls, conc), size=tl) for tl in tgt_lens]
    batch = ProjectionBatch.from_lists(src_lens, tgt_lens, ents, alns,
                                       candidates=cands if with_cands else None)
    return batch, probs


# ---- hand-worked -------------------------------------------------------------------------------------

def thesis_probs() -> np.ndarray:
    # the thesis' example: classes {PER}; columns here O, B-PER, I-PER
    return np.array([[0.0, 0.9, 0.1],
                     [0.0, 0.2, 0.8],
                     [1.0, 0.0, 0.0]])


def one_entity_batch(tgt_len: int, label: int = 0) -> ProjectionBatch:
    return ProjectionBatch.from_lists([1], [tgt_len], [[(0, 1, label)]], [[]])


def test_thesis_example_alpha_one_prefers_the_prefix_and_alpha_115_the_whole_entity():
    b = one_entity_batch(3)
    m1 = dict(((a, e), v) for _, a, e, v in ner_scores(b, [thesis_probs()], alpha=1.0, threshold=0.0).entries(0))
    assert m1[(0, 1)] == pytest.approx(0.9)
    assert m1[(0, 2)] == pytest.approx(0.85)  # (0.9 + 0.8) / 2
    assert m1[(0, 3)] == pytest.approx(1.7 / 3)  # the third word adds p_I = 0
    m = dict(((a, e), v) for _, a, e, v in ner_scores(b, [thesis_probs()]).entries(0))
    assert m[(0, 2)] == pytest.approx(1.15 * 0.85)
    assert m[(0, 2)] > m[(0, 1)]
    # [1, 2): p_B(word 1) = 0.2 ; [2, 3): 0 (not emitted) ; [1, 3): 1.15 · (0.2 + 0) / 2
    assert m[(1, 2)] == pytest.approx(0.2)
    assert (2, 3) not in m
    assert m[(1, 3)] == pytest.approx(1.15 * (0.2 + 0.0) / 2)


def test_per_class_uses_the_entity_label_and_spans_the_best_class():
    # two classes (PER = 0, LOC = 1): columns O, B-PER, I-PER, B-LOC, I-LOC
    p = np.array([[0.1, 0.6, 0.0, 0.3, 0.0],
                  [0.1, 0.0, 0.2, 0.0, 0.7]])
    b = ProjectionBatch.from_lists([2], [2], [[(0, 1, 0), (1, 2, 1)]], [[]])
    per = {(e, a, c): v for e, a, c, v in ner_scores(b, [p], alpha=1.0, threshold=0.0).entries(0)}
    assert per[(0, 0, 2)] == pytest.approx((0.6 + 0.2) / 2)  # PER entity
    assert per[(1, 0, 2)] == pytest.approx((0.3 + 0.7) / 2)  # LOC entity
    assert (0, 1, 2) not in per  # p[1, B-PER] = 0 is not above the threshold 0
    spans = {(e, a, c): v for e, a, c, v in ner_scores(b, [p], variant="spans", alpha=1.0, threshold=0.0).entries(0)}
    # the spans variant is the same for both entities: max over classes
    for e in (0, 1):
        assert spans[(e, 0, 2)] == pytest.approx(0.5)
        assert spans[(e, 0, 1)] == pytest.approx(0.6)
        assert (e, 1, 2) not in spans  # p_B of word 1 is 0 in every class


def test_alpha_scope_predicted_scales_only_predicted_entity_prefixes():
    # argmax tags: B-PER I-PER I-LOC ; columns O, B-PER, I-PER, B-LOC, I-LOC
    p = np.array([[0.1, 0.6, 0.1, 0.1, 0.1],
                  [0.1, 0.1, 0.5, 0.1, 0.2],
                  [0.1, 0.1, 0.3, 0.1, 0.4]])
    b = ProjectionBatch.from_lists([2], [3], [[(0, 1, 0), (1, 2, 1)]], [[]])
    got = {(e, a, c): v for e, a, c, v in ner_scores(b, [p], alpha_scope="predicted", threshold=0.0).entries(0)}
    assert got[(0, 0, 2)] == pytest.approx(1.15 * (0.6 + 0.5) / 2)  # PER prefix B-PER I-PER: scaled
    assert got[(1, 0, 2)] == pytest.approx((0.1 + 0.2) / 2)  # LOC on the same words: plain average
    assert got[(0, 0, 3)] == pytest.approx((0.6 + 0.5 + 0.3) / 3)  # I-LOC breaks the PER entity: plain
    assert got[(1, 1, 3)] == pytest.approx((0.1 + 0.4) / 2)  # starts with I-PER, no B: plain
    everywhere = {(e, a, c): v for e, a, c, v in ner_scores(b, [p], threshold=0.0).entries(0)}
    assert everywhere[(0, 0, 3)] == pytest.approx(1.15 ** 2 * (0.6 + 0.5 + 0.3) / 3)
    with pytest.raises(ValueError, match="alpha_scope"):
        ner_scores(b, [p], alpha_scope="some")


def test_threshold_is_strict_and_removes_entries():
    p = np.array([[0.5, 0.5, 0.0]])  # c([0,1)) = 0.5 exactly
    b = one_entity_batch(1)
    assert ner_scores(b, [p], threshold=0.5).entries(0) == []
    assert ner_scores(b, [p], threshold=0.49).entries(0) == [(0, 0, 1, 0.5)]
    rng = np.random.default_rng(3)
    probs = [rng.dirichlet(np.ones(5), size=6)]
    b = ProjectionBatch.from_lists([2], [6], [[(0, 1, 0), (1, 2, 1)]], [[]])
    all_ = ner_scores(b, probs, threshold=0.0)
    for thr in (0.05, 0.2, 0.5):
        m = ner_scores(b, probs, threshold=thr)
        assert all(v > thr for *_, v in m.entries(0))
        assert [x for x in all_.entries(0) if x[3] > thr] == m.entries(0)


def test_external_candidates_and_ngram_bound():
    p = thesis_probs()
    b = ProjectionBatch.from_lists([1], [3], [[(0, 1, 0)]], [[]], candidates=[[(1, 3), (0, 2)]])
    m = ner_scores(b, [p], candidates="external", threshold=0.0)
    assert [(a, e) for _, a, e, _ in m.entries(0)] == [(1, 3), (0, 2)]  # given order
    m = ner_scores(b, [p], max_len=1, threshold=0.0)
    assert all(e - a == 1 for _, a, e, _ in m.entries(0))


# ---- random inputs against the slow reference -----------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(data=scored_batches(), variant=st.sampled_from(["class", "spans"]), max_len=st.integers(1, 8),
       alpha=st.sampled_from([1.0, 1.15, 0.8, 2.0]), threshold=st.sampled_from([0.0, 0.05, 0.3]),
       alpha_scope=st.sampled_from(["all", "predicted"]))
def test_ngrams_match_reference(data, variant, max_len, alpha, threshold, alpha_scope):
    batch, probs = data
    m = ner_scores(batch, probs, variant=variant, max_len=max_len, alpha=alpha, threshold=threshold,
                   alpha_scope=alpha_scope, threads=2)
    cands = candidate_spans(batch, candidates="ngrams", max_len=max_len)
    assert_matches(m, ref_ner(batch, probs, cands, variant, alpha, threshold, alpha_scope), threshold)


@settings(max_examples=40, deadline=None)
@given(data=scored_batches(with_cands=True), variant=st.sampled_from(["class", "spans"]))
def test_external_match_reference(data, variant):
    batch, probs = data
    m = ner_scores(batch, TagProbabilities.from_arrays(probs), variant=variant, candidates="external")
    cands = candidate_spans(batch, candidates="external")
    assert_matches(m, ref_ner(batch, probs, cands, variant, 1.15, 0.05), 0.05)


# ---- the α property (thesis theorem) ---------------------------------------------------------------

@st.composite
def predicted_entity(draw):
    """Probabilities whose argmax tags are B-l, I-l, …, I-l on words [s, e) (the theorem's premise)."""
    n_cls = draw(st.integers(1, 4))
    n_tags = 1 + 2 * n_cls
    lab = draw(st.integers(0, n_cls - 1))
    length = draw(st.integers(2, 7))
    before = draw(st.integers(0, 2))
    after = draw(st.integers(0, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    conc = draw(st.sampled_from([0.3, 1.0, 20.0]))  # 20: nearly flat rows, the hard case
    p = rng.dirichlet(np.full(n_tags, conc), size=before + length + after)
    for k in range(before, before + length):
        want = 2 * lab + 1 if k == before else 2 * lab + 2
        top = int(np.argmax(p[k]))
        p[k, [want, top]] = p[k, [top, want]]  # move the row's maximum into the wanted column
        p[k, want] += 1e-9  # strict argmax
        p[k] /= p[k].sum()
    return p, lab, before, before + length, n_cls


@settings(max_examples=80, deadline=None)
@given(case=predicted_entity())
def test_alpha_above_thesis_bound_prefers_whole_predicted_entity(case):
    p, lab, s, e, n_cls = case
    m_bound = 1.0 / (2 * n_cls + 1)
    alpha = 1.0 + (1.0 - m_bound) / (1.0 + m_bound) + 1e-6  # the thesis' sufficient bound
    tags = _tags(p, n_cls)
    assert tags[s] == f"B-C{lab}" and all(t == f"I-C{lab}" for t in tags[s + 1:e])
    b = ProjectionBatch.from_lists([1], [p.shape[0]], [[(0, 1, lab)]], [[]])
    got = {(a, c): v for _, a, c, v in
           ner_scores(b, [p], alpha=alpha, threshold=0.0, max_len=p.shape[0]).entries(0)}
    whole = got[(s, e)]
    for end in range(s + 1, e):  # every proper prefix of the predicted entity
        assert whole > got[(s, end)]


def _tags(p: np.ndarray, n_cls: int) -> List[str]:
    names = ["O"] + [f"{x}-C{l}" for l in range(n_cls) for x in ("B", "I")]
    return [names[int(k)] for k in np.argmax(p, axis=1)]


def test_alpha_115_is_below_the_worst_case_bound():
    # the theorem's bound is sufficient, not necessary: with one class it is 1.5, and a flat continuation
    # row (argmax I-PER by a hair) makes α = 1.15 prefer the one-word prefix
    p = np.array([[0.0, 1.0, 0.0],
                  [0.33, 0.33, 0.34]])
    assert _tags(p, 1) == ["B-C0", "I-C0"]
    got = {(a, c): v for _, a, c, v in ner_scores(one_entity_batch(2), [p], threshold=0.0).entries(0)}
    assert got[(0, 2)] == pytest.approx(1.15 * 1.34 / 2) and got[(0, 2)] < got[(0, 1)]
    got = {(a, c): v for _, a, c, v in ner_scores(one_entity_batch(2), [p], alpha=1.51, threshold=0.0).entries(0)}
    assert got[(0, 2)] > got[(0, 1)]


# ---- tagger columns, predicted spans, NER-model candidates ----------------------------------------

class FakeTagger:
    """A deterministic Tagger: probabilities from word length, columns in a scrambled order."""

    tags = ["B-LOC", "O", "I-PER", "B-PER", "I-LOC"]

    def predict_proba(self, sentences):
        out = []
        for s in sentences:
            rows = []
            for w in s:
                x = np.array([len(w) % 3 + 1.0, 2.0, float(w[0].isupper()) + 0.5, len(w) % 2 + 0.1, 1.0])
                rows.append(x / x.sum())
            out.append(np.array(rows).reshape(len(s), 5))
        return out

    def predict(self, sentences):
        return [[self.tags[int(k)] for k in np.argmax(p, axis=1)] for p in self.predict_proba(sentences)]


def test_tagger_columns_are_reordered_into_tag_ids():
    labels = LabelVocab(["PER"])
    cols = tag_columns(FakeTagger.tags, labels)
    assert labels.names == ["PER", "LOC"]  # LOC appended
    assert cols.tolist() == [3, 0, 2, 1, 4]
    sents = [["Anna", "lives", "in", "Berlin"], ["x"], []]
    tp = tagger_probabilities(FakeTagger(), sents, labels)
    raw = FakeTagger().predict_proba(sents)
    for i, s in enumerate(sents):
        got = tp.sentence(i)
        assert got.shape == (len(s), 5)
        for k in range(len(s)):
            by_name = dict(zip(FakeTagger.tags, raw[i][k]))
            assert got[k].tolist() == pytest.approx([by_name["O"], by_name["B-PER"], by_name["I-PER"],
                                                     by_name["B-LOC"], by_name["I-LOC"]])
    # a class the tagger lacks gets zero columns
    labels2 = LabelVocab(["DATE", "PER", "LOC"])
    tp2 = tagger_probabilities(FakeTagger(), sents, labels2)
    assert np.all(tp2.probs[:, 1:3] == 0.0)
    with pytest.raises(ValueError, match="sentence 0, field probs"):
        reorder_probabilities([np.ones((3, 5)) / 5], FakeTagger.tags, LabelVocab(), lengths=[4])
    with pytest.raises(ValueError, match="not an IOB2 tag"):
        tag_columns(["O", "PER"], LabelVocab())
    with pytest.raises(ValueError, match="same tag"):
        tag_columns(["O", "B-PER", "B-PER"], LabelVocab())


def test_ner_candidates_hand_worked():
    # argmax tags: O B-PER I-PER O B-LOC | I-LOC O
    onehot = lambda ids, w=5: np.eye(w)[ids] * 0.9 + 0.02  # noqa: E731
    probs = [onehot([0, 1, 2, 0, 3]), onehot([4, 0])]
    b = ProjectionBatch.from_lists([2, 1], [5, 2], [[(0, 1, 0)], [(0, 1, 1)]], [[], []],
                                   candidates=[[(0, 1)], []])
    nb = ner_candidates(b, probs)
    assert candidate_spans(nb, candidates="external") == [[(1, 3), (4, 5)], [(0, 1)]]
    assert nb.labels is b.labels and np.array_equal(nb.ent_start, b.ent_start)
    nb = ner_candidates(b, probs, subranges=True)
    assert candidate_spans(nb, candidates="external") == [[(1, 2), (1, 3), (2, 3), (4, 5)], [(0, 1)]]
    nb = ner_candidates(b, probs, subranges=True, max_len=1, keep_existing=True)
    assert candidate_spans(nb, candidates="external") == [[(0, 1), (1, 2), (2, 3), (4, 5)], [(0, 1)]]
    off, st_, en, lab = predicted_spans(probs)
    assert off.tolist() == [0, 2, 3] and lab.tolist() == [0, 1, 1]
    with pytest.raises(ValueError, match="sentence 1, field probs"):
        ner_candidates(b, [probs[0], onehot([4, 0, 0])])


@settings(max_examples=40, deadline=None)
@given(data=scored_batches(max_sent=4, max_words=9), subranges=st.booleans())
def test_ner_candidates_match_seqeval(data, subranges):
    batch, probs = data
    n_cls = (probs[0].shape[1] - 1) // 2
    nb = ner_candidates(batch, probs, subranges=subranges)
    got = candidate_spans(nb, candidates="external")
    for i, p in enumerate(probs):
        ents = get_entities(_tags(p, n_cls)) if p.shape[0] else []
        want = set()
        for _, s, e_incl in ents:
            if subranges:
                want |= {(a, c) for a in range(s, e_incl + 1) for c in range(a + 1, e_incl + 2)}
            else:
                want.add((s, e_incl + 1))
        assert got[i] == sorted(want)
    # NER score over NER-model candidates = the n-gram scores restricted to those candidates
    full = ner_scores(batch, probs, max_len=9, threshold=0.0)
    ext = ner_scores(nb, probs, candidates="external", threshold=0.0)
    for i in range(len(batch)):
        cset = set(got[i])
        got_e = sorted(ext.entries(i))
        want_e = sorted(x for x in full.entries(i) if (x[1], x[2]) in cset)
        assert [x[:3] for x in got_e] == [x[:3] for x in want_e]
        assert [x[3] for x in got_e] == pytest.approx([x[3] for x in want_e])


# ---- bad input ---------------------------------------------------------------------------------------

def test_bad_input_names_sentence_and_field():
    b = ProjectionBatch.from_lists([2, 2], [2, 3], [[(0, 1, 0)], [(0, 2, 1)]], [[], []])
    rng = np.random.default_rng(0)
    good = [rng.dirichlet(np.ones(5), size=2), rng.dirichlet(np.ones(5), size=3)]
    assert len(ner_scores(b, good)) == 2
    bad = [good[0], good[1].copy()]
    bad[1][2, 3] = np.nan
    with pytest.raises(ValueError, match="sentence 1, field probs: word 2, column 3 is NaN"):
        ner_scores(b, bad)
    bad[1][2, 3] = 1.5
    with pytest.raises(ValueError, match="sentence 1, field probs"):
        ner_scores(b, bad)
    with pytest.raises(ValueError, match="sentence 0, field probs: 3 probability rows"):
        ner_scores(b, [good[1], good[1]])
    with pytest.raises(ValueError, match="field probs"):
        ner_scores(b, TagProbabilities(np.array([0, 2, 5]), np.concatenate(good)[:, :4]))  # even width
    with pytest.raises(ValueError, match="field prob_offsets"):
        ner_scores(b, TagProbabilities(np.array([0, 2]), np.concatenate(good)))
    with pytest.raises(ValueError, match="sentence 0, field probs"):
        ner_scores(b, [np.ones(2), good[1]])
    one_class = [np.full((2, 3), 1 / 3), np.full((3, 3), 1 / 3)]
    with pytest.raises(IndexError, match="sentence 1, field ent_label"):
        ner_scores(b, one_class)
    assert len(ner_scores(b, one_class, variant="spans")) == 2  # labels do not matter for spans
    with pytest.raises(ValueError, match="alpha"):
        ner_scores(b, good, alpha=0.0)
    with pytest.raises(ValueError, match="threshold"):
        ner_scores(b, good, threshold=-0.1)
    with pytest.raises(ValueError, match="external candidates"):
        ner_scores(b, good, candidates="external")
    with pytest.raises(ValueError, match="variant"):
        ner_scores(b, good, variant="foo")
