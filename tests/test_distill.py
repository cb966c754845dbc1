"""Teacher–student distillation: the soft loss and the teacher combination against hand-worked numbers, a CRF
student distilled from a CRF teacher on a toy task, a tiny transformers student from a tiny teacher."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pytest
import tinymodels

from xlner.distill import SoftLabels, agreement_weights, soft_labels, tag_set, temper
from xlner.evaluate import evaluate
from xlner.io.conll import Sentence


class FakeTeacher:
    """A teacher with fixed distributions (one array per sentence) over its own tag order."""

    def __init__(self, tags: Sequence[str], probs: Sequence[Sequence[Sequence[float]]]):
        self.tags = list(tags)
        self.probs = [np.asarray(p, dtype=np.float64) for p in probs]

    def predict_proba(self, sentences):
        assert len(sentences) == len(self.probs)
        return self.probs


SENT = [["Anna", "sleeps"]]
# A and C list tags as O, B-PER, I-PER; B lists them in another order (aligned by name).
A = FakeTeacher(["O", "B-PER", "I-PER"], [[[0.8, 0.2, 0.0], [0.2, 0.0, 0.8]]])
B = FakeTeacher(["B-PER", "O", "I-PER"], [[[0.4, 0.6, 0.0], [0.0, 0.0, 1.0]]])  # as O,B,I: .6 .4 0 / 0 0 1
C = FakeTeacher(["O", "B-PER", "I-PER"], [[[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]])


def test_uniform_and_given_weights_by_hand():
    u = soft_labels([A, B], "uniform", SENT)
    assert u.tags == ["O", "B-PER", "I-PER"]
    np.testing.assert_allclose(u.probs[0], [[0.7, 0.3, 0.0], [0.1, 0.0, 0.9]])
    w = soft_labels([A, B], [3, 1], SENT)  # 0.75 A + 0.25 B
    np.testing.assert_allclose(w.probs[0], [[0.75, 0.25, 0.0], [0.15, 0.0, 0.85]])
    assert w.weights == pytest.approx([0.75, 0.25])
    assert w.hard() == [["O", "B-PER"]]  # arg-max I-PER after O is repaired to B-PER


def test_agreement_weights_by_hand():
    # mean TV: A-B 0.2 (0.2, 0.2), A-C 0.8 (0.8, 0.8), B-C 0.8 (0.6, 1.0)
    # scores 1 - mean over others: A 0.5, B 0.5, C 0.2 -> weights 5/12, 5/12, 1/6
    s = soft_labels([A, B, C], "agreement", SENT)
    assert s.weights == pytest.approx([5 / 12, 5 / 12, 1 / 6])
    np.testing.assert_allclose(s.probs[0], [[7 / 12, 5 / 12, 0.0], [0.25, 0.0, 0.75]])
    assert soft_labels([A, B, C], "auto", SENT).weights == pytest.approx(s.weights)
    # two teachers always agree equally with each other
    assert list(agreement_weights([[A.probs[0]], [C.probs[0]]])) == pytest.approx([0.5, 0.5])


def test_temperature_is_softmax_of_scaled_log_probs():
    p = np.array([[0.25, 0.75]])
    # p^(1/2) = (0.5, sqrt(.75)); normalised
    r = math.sqrt(0.75)
    np.testing.assert_allclose(temper(p, 2.0), [[0.5 / (0.5 + r), r / (0.5 + r)]])
    np.testing.assert_allclose(temper(p, 1.0), p)
    with pytest.raises(ValueError, match="temperature"):
        temper(p, 0.0)


def test_tag_sets_must_match():
    d = FakeTeacher(["O", "B-LOC", "I-LOC"], [[[1, 0, 0], [1, 0, 0]]])
    with pytest.raises(ValueError, match=r"teacher 0 has no class LOC \(teacher 1 has\)"):
        tag_set([A, d])
    with pytest.raises(ValueError, match="2 teacher weights for 3 teachers"):
        soft_labels([A, B, C], [1, 2], SENT)


def test_soft_cross_entropy_by_hand():
    torch = pytest.importorskip("torch")
    from xlner.distill import soft_cross_entropy

    # logits (0, 0), teacher (.25, .75): -(.25 ln .5 + .75 ln .5) = ln 2
    z1 = torch.tensor([[0.0, 0.0]])
    q1 = torch.tensor([[0.25, 0.75]])
    assert float(soft_cross_entropy(z1, q1, 1.0)) == pytest.approx(math.log(2))
    # logits (0, 2 ln 3) at T = 2: softmax(0, ln 3) = (1/4, 3/4); teacher (1, 0): ln 4, times T^2 = 4
    z2 = torch.tensor([[0.0, 2 * math.log(3)]])
    assert float(soft_cross_entropy(z2, torch.tensor([[1.0, 0.0]]), 2.0)) == pytest.approx(4 * math.log(4))
    # two positions (mean), and a mask that keeps only the first
    z = torch.tensor([[[0.0, 0.0], [0.0, math.log(3)]]])
    q = torch.tensor([[[0.25, 0.75], [1.0, 0.0]]])
    assert float(soft_cross_entropy(z, q, 1.0)) == pytest.approx((math.log(2) + math.log(4)) / 2)
    assert float(soft_cross_entropy(z, q, 1.0, torch.tensor([[True, False]]))) == pytest.approx(math.log(2))
    # the gradient is softmax(z) - q (T = 1)
    zg = z1.clone().requires_grad_(True)
    soft_cross_entropy(zg, q1, 1.0).backward()
    np.testing.assert_allclose(zg.grad.numpy(), [[0.25, -0.25]], atol=1e-6)


# ------------------------------------------------------------------------------------- toy students
toy_corpus = tinymodels.toy_corpus


def _f1(tagger, test: Sequence[Sentence]) -> float:
    return evaluate([s.tags for s in test], tagger.predict([s.tokens for s in test])).micro.f1


def test_crf_student_matches_crf_teacher(tmp_path):
    pytest.importorskip("pycrfsuite")
    from xlner.distill import distill
    from xlner.models.crf import CRFConfig, CRFTagger

    train, unlabeled, test = toy_corpus(30, 11), toy_corpus(150, 12), toy_corpus(80, 13)
    teacher = CRFTagger.train([s.tokens for s in train], [s.tags for s in train], CRFConfig(max_iterations=40))
    res = distill([teacher], [s.tokens for s in unlabeled], "crf", tmp_path / "student.crf",
                  crf_config=CRFConfig(max_iterations=40))
    student = CRFTagger.load(tmp_path / "student.crf")
    t_f1, s_f1 = _f1(teacher, test), _f1(student, test)
    assert t_f1 > 0.5  # the teacher learned something
    assert abs(s_f1 - t_f1) <= 0.05
    assert res.unlabeled == 150 and res.weights == [1.0]


def test_cli_crf_student_from_two_teachers(tmp_path, capsys):
    pytest.importorskip("pycrfsuite")
    import json

    from xlner.cli import main
    from xlner.io.conll import write_conll
    from xlner.models.crf import CRFConfig, CRFTagger

    train, unlabeled = toy_corpus(30, 21), toy_corpus(40, 22)
    t1 = CRFTagger.train([s.tokens for s in train], [s.tags for s in train], CRFConfig(max_iterations=30))
    t1.save(tmp_path / "t1.crf")
    text = tmp_path / "unlabeled.txt"
    text.write_text("".join(" ".join(s.tokens) + "\n" for s in unlabeled), encoding="utf-8")
    hard = tmp_path / "hard.conll"
    write_conll(hard, train[:5])
    out = tmp_path / "student.crf"
    rc = main(["distill", "--teacher", str(tmp_path / "t1.crf"), "--teacher", str(tmp_path / "t1.crf"),
               "--teacher-weights", "auto", "--unlabeled", str(text), "--student", "crf", "-o", str(out),
               "--hard", str(hard)])
    assert rc == 0
    report = json.loads(capsys.readouterr().out)
    assert report["weights"] == pytest.approx([0.5, 0.5]) and report["unlabeled"] == 40 and report["hard"] == 5
    student = CRFTagger.load(out)
    # trained on the teacher's own labels of these sentences: it reproduces them
    assert student.predict([s.tokens for s in unlabeled]) == t1.predict([s.tokens for s in unlabeled])
    assert main(["distill", "--teacher", str(tmp_path / "t1.crf"), "--teacher-weights", "1,2", "--unlabeled",
                 str(text), "--student", "crf", "-o", str(tmp_path / "x.crf")]) == 1
    assert "2 teacher weights for 1 teachers" in capsys.readouterr().err
    # sampled pseudo-labels of the confident sentences only: 3 sequences for each sentence the teacher is sure of
    conf = soft_labels([t1], "uniform", [s.tokens for s in unlabeled]).confidence()
    n_conf = int((conf >= 0.6).sum())
    assert 0 < n_conf < 40  # the threshold leaves some sentences out, so the count checks the filter
    assert main(["distill", "--teacher", str(tmp_path / "t1.crf"), "--unlabeled", str(text), "--student", "crf",
                 "-o", str(tmp_path / "s.crf"), "--crf-labels", "sample", "--samples", "3",
                 "--min-confidence", "0.6"]) == 0
    assert json.loads(capsys.readouterr().out)["unlabeled"] == 3 * n_conf


@pytest.fixture()
def _one_thread():
    torch = pytest.importorskip("torch")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def tiny_teacher(tmp_path_factory):
    """A tiny random XLM-R base (tokenizer trained on the toy text) and a teacher fine-tuned from it."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")

    from xlner.training.trainer import TrainConfig, train_token_classifier

    tmp = tmp_path_factory.mktemp("distill")
    train = toy_corpus(160, 1)
    text = [" ".join(s.tokens) for s in train] + list(tinymodels.INLINE_SENTENCES)
    base = tinymodels.build_tiny_tagger(tmp / "base", sentences=text, vocab_size=150, hidden=64)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_token_classifier(train, str(base), tmp / "teacher", TrainConfig(epochs=6, lr=1e-2, seed=0))
    finally:
        torch.set_num_threads(n)
    return base, tmp / "teacher", train


def test_transformers_student_matches_transformers_teacher(tmp_path, tiny_teacher, _one_thread):
    from xlner.distill import distill
    from xlner.models.token_tagger import TokenTagger

    base, teacher_dir, train = tiny_teacher
    unlabeled, test = toy_corpus(160, 4), toy_corpus(60, 3)
    teacher = TokenTagger(str(teacher_dir), device="cpu")
    res = distill([teacher], [s.tokens for s in unlabeled], str(base), tmp_path / "student", temperature=2.0,
                  hard=train[:20], mix=0.2, epochs=6, lr=1e-2, seed=0)
    student = TokenTagger(str(tmp_path / "student"), device="cpu")
    t_f1, s_f1 = _f1(teacher, test), _f1(student, test)
    assert t_f1 > 0.5
    assert abs(s_f1 - t_f1) <= 0.05
    assert res.hard == 20 and res.tags == ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]


def test_cli_lora_student(tmp_path, tiny_teacher, _one_thread, capsys):
    import json

    from xlner.cli import main
    from xlner.io.conll import write_conll
    from xlner.models.token_tagger import TokenTagger

    base, teacher_dir, train = tiny_teacher
    unlabeled, test = toy_corpus(120, 5), toy_corpus(60, 3)
    text = tmp_path / "unlabeled.txt"
    text.write_text("".join(" ".join(s.tokens) + "\n" for s in unlabeled), encoding="utf-8")
    hard = tmp_path / "hard.conll"
    write_conll(hard, train[:20])
    out = tmp_path / "student"
    rc = main(["distill", "--teacher", str(teacher_dir), "--unlabeled", str(text), "--student", str(base),
               "--mode", "lora", "-o", str(out), "--temperature", "2", "--hard", str(hard), "--mix", "0.3",
               "--epochs", "8", "--lr", "5e-2", "--device", "cpu"])
    assert rc == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["unlabeled"] == 120
    meta = json.loads((out / "xlner_training.json").read_text(encoding="utf-8"))
    assert meta["mode"] == "lora" and meta["merged"] and meta["trainable_params"] < meta["total_params"]
    teacher = TokenTagger(str(teacher_dir), device="cpu")
    student = TokenTagger(str(out), device="cpu")
    assert abs(_f1(student, test) - _f1(teacher, test)) <= 0.05


# ------------------------------------------------------------------------- CRF student pseudo-labels
def _labels() -> SoftLabels:
    # sentence 0: sure of both words; sentence 1: word 1 is 0.7 B-PER / 0.3 O; sentence 2: empty
    return SoftLabels(["O", "B-PER", "I-PER"], [np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
                                                np.array([[0.95, 0.05, 0.0], [0.3, 0.7, 0.0]]),
                                                np.zeros((0, 3))])


def test_confidence_and_confident_argmax():
    from xlner.distill import crf_pseudo_labels

    sents = [["a", "Bo"], ["the", "Al"], []]
    assert _labels().confidence().tolist() == pytest.approx([1.0, 0.7, 1.0])
    toks, tags = crf_pseudo_labels(sents, _labels(), min_confidence=0.9)
    assert toks == [["a", "Bo"], []] and tags == [["O", "B-PER"], []]
    toks, tags = crf_pseudo_labels(sents, _labels())
    assert tags == [["O", "B-PER"], ["O", "B-PER"], []]
    with pytest.raises(ValueError, match="argmax"):
        crf_pseudo_labels(sents, _labels(), mode="soft")
    with pytest.raises(ValueError, match="2 distributions|3 distributions"):
        crf_pseudo_labels(sents[:2], _labels())


def test_samples_follow_the_distributions():
    from xlner.distill import crf_pseudo_labels

    lab = _labels()
    draws = lab.sample(2000, seed=5)
    assert all(d == ["O", "B-PER"] for d in draws[0])  # one-hot rows are always drawn as they are
    share = sum(d[1] == "B-PER" for d in draws[1]) / 2000  # 0.7 in expectation (sd ~0.01)
    assert 0.66 < share < 0.74
    assert sum(d[0] == "O" for d in draws[1]) / 2000 > 0.92
    assert lab.sample(3, seed=5) == lab.sample(3, seed=5) and lab.sample(50, seed=5) != lab.sample(50, seed=6)
    toks, tags = crf_pseudo_labels([["a", "Bo"], ["the", "Al"], []], lab, mode="sample", samples=3, seed=5)
    assert toks == [["a", "Bo"]] * 3 + [["the", "Al"]] * 3 + [[]] * 3
    assert tags[3:6] == lab.sample(3, seed=5)[1]
    with pytest.raises(ValueError, match="k must be"):
        lab.sample(0)


def test_train_students_choose_on_the_selection_half(tmp_path):
    pytest.importorskip("pycrfsuite")
    from xlner.models.crf import CRFConfig, CRFTagger
    from xlner.studies import teacher_student as ts

    train, unlabeled, sel = toy_corpus(30, 21), toy_corpus(40, 22), toy_corpus(30, 23)
    cfg = CRFConfig(max_iterations=20)
    teachers = {k: CRFTagger.train([s.tokens for s in train[i::2]], [s.tags for s in train[i::2]], cfg)
                for i, k in enumerate(("greedy", "exact"))}
    teachers["en"] = CRFTagger.train([s.tokens for s in train], [s.tags for s in train], cfg)
    runs = ts.train_students(teachers, [s.tokens for s in unlabeled], sel, tmp_path, "toy", max_iterations=20,
                             hard=train)
    assert [r.name for r in runs] == list(ts.TEACHER_SETS)
    for r, (keys, _, variants) in zip(runs, ts.TEACHER_SETS.values()):
        assert list(r.selection_f1) == [v.name for v in variants]
        # the chosen student is the best on the selection sentences, and scores what the table says
        ok = {k: v for k, v in r.selection_f1.items() if not math.isnan(v)}
        assert r.selection_f1[r.chosen.name] == max(ok.values())
        assert _f1(r.student, sel) == pytest.approx(r.selection_f1[r.chosen.name])
        assert len(r.weights) == len(keys) and sum(r.weights) == pytest.approx(1.0)
    expected = {"argmax": 40, "2 samples": 80, "argmax + projected train": 40}
    assert ts.SELF_TRAINING.name in runs[0].selection_f1  # the translate-train teacher's self-training variant
    for r in runs:
        assert r.sequences == expected[r.chosen.name] if r.chosen.name in expected else 0 < r.sequences <= 40
    # a second call reads the cached students back: the same choices and scores
    again = ts.train_students(teachers, [s.tokens for s in unlabeled], sel, tmp_path, "toy", max_iterations=20,
                              hard=train)
    assert [(r.chosen, r.selection_f1) for r in again] == [(r.chosen, r.selection_f1) for r in runs]
