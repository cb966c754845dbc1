"""CRF tagger: learns a slice, marginals agree with brute force, save/load round trip, CLI."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

pycrfsuite = pytest.importorskip("pycrfsuite")

from xlner.io import Sentence, read_conll, write_conll  # noqa: E402
from xlner.models.base import Tagger  # noqa: E402
from xlner.models.crf import CRFConfig, CRFTagger, sentence_features, short_shape, word_shape  # noqa: E402
from xlner.robustness import entity_scores  # noqa: E402

TOY = [
    (["John", "lives", "in", "Paris", "."], ["B-PER", "O", "O", "B-LOC", "O"]),
    (["Mary", "Smith", "visited", "Berlin", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"]),
    (["Acme", "Corp", "hired", "John", "."], ["B-ORG", "I-ORG", "O", "B-PER", "O"]),
    (["the", "city", "of", "Paris", "is", "big"], ["O", "O", "O", "B-LOC", "O", "O"]),
    (["Mary", "works", "for", "Acme", "Corp"], ["B-PER", "O", "O", "B-ORG", "I-ORG"]),
]


@pytest.fixture(scope="module")
def toy() -> CRFTagger:
    return CRFTagger.train([t for t, _ in TOY], [g for _, g in TOY], CRFConfig(max_iterations=60, c1=0.0, c2=0.01))


@pytest.fixture(scope="module")
def conll_slice(shared_data):
    sents = [s for s in read_conll(shared_data / "conll2003-deepl" / "en" / "train.tsv") if not s.is_docstart]
    return sents[:500]


@pytest.fixture(scope="module")
def sliced(conll_slice) -> CRFTagger:
    return CRFTagger.train([s.tokens for s in conll_slice], [s.tags for s in conll_slice], CRFConfig(max_iterations=60))


def test_shapes_and_features():
    assert word_shape("McDonald's-2") == "XxXxxxxx'x-d"
    assert short_shape("McDonald's-2") == "XxXx'x-d"
    f = sentence_features(["John", "lives"], CRFConfig(window=2, affix=2))
    assert f[0]["BOS"] == 1.0 and "EOS" not in f[0] and f[1]["EOS"] == 1.0
    assert f[0]["w=john"] == 1.0 and f[0]["s2=hn"] == 1.0 and f[0]["p1=j"] == 1.0
    assert f[0]["+1:w=lives"] == 1.0 and f[1]["-1:w=john"] == 1.0
    assert f[0]["-1:pad"] == 1.0 and f[0]["+2:pad"] == 1.0 and "-2:pad" not in f[0] and "-2:pad" in f[1]
    assert f[0]["title"] == 1.0 and f[1]["title"] == 0.0


def test_toy_learns_and_tag_order(toy):
    assert isinstance(toy, Tagger)
    assert toy.tags == ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    assert toy.predict([t for t, _ in TOY]) == [g for _, g in TOY]
    assert toy.predict([[]]) == [[]]


def test_marginals_match_brute_force(toy):
    sent = ["Mary", "lives", "in", "Paris"]
    probs = toy.predict_proba([sent])[0]
    assert probs.shape == (4, len(toy.tags))
    # brute force from the definition: sum the sequence probabilities of every label sequence
    t = pycrfsuite.Tagger()
    t.open_inmemory(toy._model_bytes)
    t.set(sentence_features(sent, toy.config))
    labels = t.labels()
    want = np.zeros_like(probs)
    total = 0.0
    for seq in itertools.product(labels, repeat=len(sent)):
        p = t.probability(list(seq))
        total += p
        for i, lab in enumerate(seq):
            want[i, toy.tags.index(lab)] += p
    assert total == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(probs, want, atol=1e-6)
    # argmax of marginals agrees with Viterbi here (a confident toy model)
    assert [toy.tags[k] for k in probs.argmax(1)] == toy.predict([sent])[0]


def test_save_load_roundtrip(toy, tmp_path):
    path = tmp_path / "toy.crf"
    toy.save(path)
    back = CRFTagger.load(path)
    assert back.tags == toy.tags and back.config == toy.config
    sents = [t for t, _ in TOY] + [["Unknown", "words", "here"]]
    assert back.predict(sents) == toy.predict(sents)
    for a, b in zip(back.predict_proba(sents), toy.predict_proba(sents)):
        np.testing.assert_array_equal(a, b)
    (tmp_path / "bad.crf").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not an xlner CRF model"):
        CRFTagger.load(tmp_path / "bad.crf")


def test_bad_input(toy):
    with pytest.raises(ValueError, match="sentence 1, field tags"):
        CRFTagger.train([["a"], ["b", "c"]], [["O"], ["O"]])
    with pytest.raises(ValueError, match="sentence 0, field tags: tag 0 is not IOB2"):
        CRFTagger.train([["a"]], [["PER"]])
    with pytest.raises(ValueError, match="sentence 1, field tokens"):
        toy.predict([["ok"], ["fine", ""]])
    with pytest.raises(TypeError, match="got a string"):
        toy.predict("John lives")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_iterations"):
        CRFConfig(max_iterations=0)


def test_learns_conll_slice(sliced, conll_slice):
    toks = [s.tokens for s in conll_slice]
    gold = [s.tags for s in conll_slice]
    pred = sliced.predict(toks)
    assert entity_scores(gold, pred).f1 > 0.9  # fits its own training slice
    probs = sliced.predict_proba(toks[:100])
    for p, t in zip(probs, toks[:100]):
        assert p.shape == (len(t), len(sliced.tags))
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)
        assert (p >= 0).all()
    assert sliced.tags[0] == "O" and all(a[2:] == b[2:] and a[0] == "B" and b[0] == "I"
                                         for a, b in zip(sliced.tags[1::2], sliced.tags[2::2]))


def test_learns_beyond_slice(sliced, shared_data):
    test = [s for s in read_conll(shared_data / "conll2003-deepl" / "en" / "test.tsv") if not s.is_docstart][:400]
    f1 = entity_scores([s.tags for s in test], sliced.predict([s.tokens for s in test])).f1
    assert f1 > 0.6  # 500 training sentences generalise well above chance (about 0.73 here)


def test_train_tagger_command(tmp_path, capsys):
    from xlner.cli import main

    train = tmp_path / "train.conll"
    write_conll(train, [Sentence(t, g) for t, g in TOY] + [Sentence(["-DOCSTART-"], ["O"])])
    out = tmp_path / "m.crf"
    assert main(["train-tagger", "--train", str(train), "--dev", str(train), "--out", str(out),
                 "--max-iterations", "60", "--c1", "0"]) == 0
    captured = capsys.readouterr()  # the dev score is the requested output; the status line is a log line
    assert "trained on 5 sentences" in captured.err and "F1 100.00" in captured.out
    assert CRFTagger.load(out).predict([TOY[0][0]]) == [TOY[0][1]]
