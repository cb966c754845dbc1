"""Evaluation: equal to seqeval (shipped files, label mapping, hypothesis-generated tags), bootstrap intervals
(deterministic under a seed, close to a slow reference), paired bootstrap, projection ratio."""
from __future__ import annotations

import random
import warnings
from typing import Dict, List, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.batch import LabelVocab, ProjectionResult
from xlner.evaluate import (bootstrap, entity_counts, evaluate, evaluate_files, paired_bootstrap, parse_mapping,
                            projection_ratio)
from xlner.io import FormatError, load_conll, read_conll


def seqeval_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> Dict[str, tuple]:
    """seqeval's micro and per-class (precision, recall, f1, support)."""
    from seqeval.metrics.sequence_labeling import precision_recall_fscore_support, get_entities

    g, p = [list(x) for x in gold], [list(x) for x in pred]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {"micro": precision_recall_fscore_support(g, p, average="micro", zero_division=0)}
        per = precision_recall_fscore_support(g, p, average=None, zero_division=0)
        names = sorted({t for t, _, _ in get_entities(g)} | {t for t, _, _ in get_entities(p)})
    for k, name in enumerate(names):
        out[name] = tuple(x[k] for x in per)
    return out


def assert_equal_to_seqeval(report, gold, pred):
    ref = seqeval_scores(gold, pred)
    assert set(report.per_class) == set(ref) - {"micro"}
    for name, r in ref.items():
        ours = report.micro if name == "micro" else report.per_class[name]
        # exact equality: same formulas in the same order of operations
        assert (ours.precision, ours.recall, ours.f1) == (r[0], r[1], r[2]), name
        if name != "micro":
            assert ours.support == r[3]


def map_tags(tags: Sequence[Sequence[str]], mapping: Dict[str, str]) -> List[List[str]]:
    out = []
    for sent in tags:
        row = []
        for t in sent:
            if t == "O" or t[2:] not in mapping:
                row.append(t)
            else:
                new = mapping[t[2:]]
                row.append("O" if new == "O" else t[:2] + new)
        out.append(row)
    return out


def test_hand_worked():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["I-ORG", "O"]]  # I-ORG after sentence start = entity
    r = evaluate(gold, pred)
    assert (r.micro.correct, r.micro.predicted, r.micro.support) == (2, 3, 3)
    assert r.micro.precision == 2 / 3 and r.micro.recall == 2 / 3
    assert r.per_class["LOC"].recall == 0.0 and r.per_class["LOC"].predicted == 0 and r.per_class["LOC"].precision == 0
    assert r.per_class["ORG"].precision == 0.5 and r.per_class["ORG"].recall == 1.0
    assert r.per_class["ORG"].f1 == pytest.approx(2 / 3)
    # MISC mapped away on both sides; PER renamed
    r2 = evaluate([["B-MISC", "B-PER"]], [["B-MISC", "O"]], mapping=["MISC=O", "PER=PERSON"])
    assert list(r2.per_class) == ["PERSON"] and r2.micro.recall == 0.0 and r2.micro.predicted == 0
    assert r2.to_dict()["mapping"] == {"MISC": "O", "PER": "PERSON"}


def test_mapping_at_tag_level_merges_like_rewritten_files():
    # B-LOC I-MISC with MISC=LOC is one LOC entity of two tokens, as if the file said B-LOC I-LOC
    r = evaluate([["B-LOC", "I-LOC"]], [["B-LOC", "I-MISC"]], mapping={"MISC": "LOC"})
    assert r.micro.f1 == 1.0
    assert evaluate([["B-LOC", "I-LOC"]], [["B-LOC", "I-MISC"]]).micro.f1 == 0.0


def test_parse_mapping_errors():
    assert parse_mapping(["MISC=O", " DATE = O "]) == {"MISC": "O", "DATE": "O"}
    for bad in (["MISC"], ["=O"], ["MISC="], ["O=PER"]):
        with pytest.raises(ValueError):
            parse_mapping(bad)


def test_length_mismatch_names_sentence_and_field():
    with pytest.raises(FormatError, match=r"<pred>, sentence 1 \(0-based\), field tokens: 1 tokens, but sentence 1"):
        evaluate([["O"], ["O", "O"]], [["O"], ["O"]])
    with pytest.raises(FormatError, match=r"<pred>, sentence 1 \(0-based\), field sentence count"):
        evaluate([["O"], ["O"]], [["O"]])
    with pytest.raises(ValueError, match=r"sentence 1, field tags: token 0: 'X-PER' is not an IOB2 tag"):
        evaluate([["O"], ["O"]], [["O"], ["X-PER"]])


# Each aligner's silver labels as prediction against another aligner's as gold (the awesome-align files split a
# few tokens differently, see test_awesome_file_has_a_different_tokenisation).
CASES = (("de", "simalign", "mgiza"), ("es", "mgiza", "fast_align"), ("it", "fast_align", "simalign"))


@pytest.mark.parametrize("lang,gold_name,pred_name", CASES)
def test_parity_with_seqeval_on_conll2003_deepl(shared_data, lang, gold_name, pred_name):
    d = shared_data / "conll2003-deepl" / lang
    gold_path, pred_path = d / f"test.{gold_name}.tsv", d / f"test.{pred_name}.tsv"
    gold = [s.tags for s in read_conll(gold_path)]
    pred = [s.tags for s in read_conll(pred_path)]
    report = evaluate_files(gold_path, pred_path)
    assert_equal_to_seqeval(report, gold, pred)
    assert report.n_sentences == len(gold)
    mapped = evaluate(load_conll(gold_path), load_conll(pred_path), mapping={"MISC": "O"})
    assert_equal_to_seqeval(mapped, map_tags(gold, {"MISC": "O"}), map_tags(pred, {"MISC": "O"}))
    assert "MISC" not in mapped.per_class


def test_awesome_file_has_a_different_tokenisation(shared_data):
    d = shared_data / "conll2003-deepl" / "de"
    with pytest.raises(FormatError, match=r"test\.simalign\.tsv, sentence \d+ \(0-based\), field tokens"):
        evaluate_files(d / "test.awesome.tsv", d / "test.simalign.tsv")


def _perturb(tags: List[List[str]], seed: int) -> List[List[str]]:
    rng = random.Random(seed)
    choices = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    return [[rng.choice(choices) if rng.random() < 0.08 else t for t in s] for s in tags]


@pytest.mark.parametrize("lang", ("en", "de", "es", "it"))
def test_parity_with_seqeval_on_europarl(shared_data, lang):
    path = shared_data / "europarl-ner" / f"{lang}.conll"
    gold = [s.tags for s in read_conll(path)]
    pred = _perturb(gold, seed=len(lang) + ord(lang[0]))
    assert_equal_to_seqeval(evaluate(load_conll(path), pred), gold, pred)
    assert_equal_to_seqeval(evaluate(gold, pred, mapping=["MISC=O"]), map_tags(gold, {"MISC": "O"}),
                            map_tags(pred, {"MISC": "O"}))


TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


@st.composite
def tagged_pairs(draw):
    lengths = draw(st.lists(st.integers(0, 8), min_size=1, max_size=6))
    gold = [draw(st.lists(st.sampled_from(TAGS), min_size=n, max_size=n)) for n in lengths]
    pred = [draw(st.lists(st.sampled_from(TAGS), min_size=n, max_size=n)) for n in lengths]
    return gold, pred


@settings(max_examples=150, deadline=None)
@given(tagged_pairs(), st.sampled_from([{}, {"MISC": "O"}, {"MISC": "LOC"}, {"PER": "O", "LOC": "O", "MISC": "O"}]))
def test_parity_with_seqeval_property(pair, mapping):
    gold, pred = pair
    report = evaluate(gold, pred, mapping=mapping)
    assert_equal_to_seqeval(report, map_tags(gold, mapping), map_tags(pred, mapping))


# ----------------------------------------------------------------------------------------------------------
# Bootstrap
# ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def deepl_de(shared_data):
    d = shared_data / "conll2003-deepl" / "de"
    return load_conll(d / "test.simalign.tsv"), load_conll(d / "test.mgiza.tsv"), load_conll(d / "test.fast_align.tsv")


def test_bootstrap_is_deterministic_under_a_seed(deepl_de):
    gold, pred, _ = deepl_de
    a = bootstrap(gold, pred, n_samples=300, seed=7)
    b = bootstrap(gold, pred, n_samples=300, seed=7)
    c = bootstrap(gold, pred, n_samples=300, seed=8)
    assert a.to_dict() == b.to_dict()
    assert a.micro != c.micro
    for m in ("precision", "recall", "f1"):
        lo, hi = a.micro[m]
        assert lo < getattr(a.report.micro, m) < hi
        assert hi - lo < 0.05
    assert set(a.per_class) == {"LOC", "MISC", "ORG", "PER"}


def _reference_bootstrap_f1(gold, pred, n_samples: int, seed: int, confidence: float):
    """Resample sentences with replacement in plain Python; micro F1 per sample (from the definition)."""
    from seqeval.metrics.sequence_labeling import get_entities

    rng = random.Random(seed)
    stats = []
    for g, p in zip(gold, pred):
        ge = {(t, s, e) for t, s, e in get_entities(list(g))}
        pe = {(t, s, e) for t, s, e in get_entities(list(p))}
        stats.append((len(ge & pe), len(pe), len(ge)))
    f1s = []
    for _ in range(n_samples):
        c = pp = gg = 0
        for _ in range(len(stats)):
            a, b, d = stats[rng.randrange(len(stats))]
            c, pp, gg = c + a, pp + b, gg + d
        prec = c / pp if pp else 0.0
        rec = c / gg if gg else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    f1s.sort()
    alpha = (1 - confidence) / 2
    return f1s[int(alpha * n_samples)], f1s[int((1 - alpha) * n_samples) - 1]


def test_bootstrap_agrees_with_slow_reference(deepl_de):
    gold, pred, _ = deepl_de
    g, p = gold.tag_lists()[:800], pred.tag_lists()[:800]
    ours = bootstrap(g, p, n_samples=1500, seed=1, confidence=0.9).micro["f1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = _reference_bootstrap_f1(g, p, 1500, seed=2, confidence=0.9)
    # two independent Monte Carlo estimates of the same interval
    assert ours[0] == pytest.approx(ref[0], abs=0.006) and ours[1] == pytest.approx(ref[1], abs=0.006)


def test_bootstrap_degenerate_cases():
    same = [["B-PER", "O"], ["B-LOC"]]
    b = bootstrap(same, same, n_samples=50, seed=0)
    assert b.micro["f1"] == (1.0, 1.0)
    one = bootstrap([["B-PER", "B-LOC"]], [["B-PER", "O"]], n_samples=20)
    assert one.micro["precision"] == (1.0, 1.0) and one.micro["recall"] == (0.5, 0.5)
    with pytest.raises(ValueError, match="n_samples"):
        bootstrap(same, same, n_samples=0)
    with pytest.raises(ValueError, match="confidence"):
        bootstrap(same, same, confidence=1.5)


def test_paired_bootstrap(deepl_de):
    gold, pred_a, pred_b = deepl_de
    ab = paired_bootstrap(gold, pred_a, pred_b, n_samples=400, seed=3)
    ba = paired_bootstrap(gold, pred_b, pred_a, n_samples=400, seed=3)
    assert ab.delta == pytest.approx(evaluate(gold, pred_a).micro.f1 - evaluate(gold, pred_b).micro.f1)
    assert ab.delta == pytest.approx(-ba.delta)
    assert ab.delta_ci == pytest.approx((-ba.delta_ci[1], -ba.delta_ci[0]))
    assert ab.p_value == ba.p_value
    assert ab.a_wins + ba.a_wins == pytest.approx(1.0, abs=0.01)  # ties (equal F1 on a resample) are rare
    assert ab.delta_ci[0] <= ab.delta <= ab.delta_ci[1]
    same = paired_bootstrap(gold, pred_a, pred_a, n_samples=50)
    assert same.delta == 0.0 and same.p_value == 1.0 and same.delta_ci == (0.0, 0.0) and same.a_wins == 0.0
    # the gold itself beats any prediction with certainty
    sure = paired_bootstrap(gold, gold, pred_b, n_samples=200)
    assert sure.delta > 0 and sure.p_value == 0.0 and sure.a_wins == 1.0
    assert paired_bootstrap(gold, pred_a, pred_b, n_samples=400, seed=3).to_dict() == ab.to_dict()


def test_projection_ratio_hand_worked():
    src = [["B-PER", "I-PER", "O", "B-LOC"], ["O"], ["B-MISC", "B-PER"]]
    tgt = [["B-PER", "O", "O"], ["B-ORG"], ["O", "O", "O", "B-MISC"]]
    r = projection_ratio(src, tgt)
    assert (r.n_source, r.n_projected) == (4, 3)
    assert r.ratio == 0.75
    assert r.mean_per_sentence == pytest.approx((1 / 2 + 1 / 2) / 2)  # sentence 1 has no source entity
    assert r.per_class == {"LOC": 0.0, "MISC": 1.0, "PER": 0.5}
    m = projection_ratio(src, tgt, mapping=["MISC=O"])
    assert (m.n_source, m.n_projected) == (3, 2) and "MISC" not in m.per_class
    labels = LabelVocab(["PER", "MISC"])
    res = ProjectionResult(np.array([0, 1, 1, 2]), np.array([0, 3], dtype=np.int32), np.array([1, 4], dtype=np.int32),
                           np.array([0, 1], dtype=np.int32), np.zeros(2, dtype=np.int32), np.ones(2), np.zeros(3),
                           np.zeros(3, dtype=np.int8), labels)
    assert projection_ratio(src, res).to_dict() == projection_ratio(src, [["B-PER"], ["O"], ["O", "O", "O", "B-MISC"]]
                                                                   ).to_dict()
    with pytest.raises(FormatError, match="sentence count"):
        projection_ratio(src, tgt[:2])


def test_entity_counts_shape():
    c = entity_counts([["B-PER"], ["B-LOC", "I-LOC"]], [["B-PER"], ["B-LOC", "O"]])
    assert c.classes == ["LOC", "PER"]
    assert c.correct.tolist() == [[0, 1], [0, 0]] and c.gold.tolist() == [[0, 1], [1, 0]]
    assert c.predicted.tolist() == [[0, 1], [1, 0]]
