"""Robustness runner: corpus perturbation, files + manifest, F1-drop table, CLI commands."""
from __future__ import annotations

import argparse
import json
from typing import Dict, List

import pytest

from xlner.io import Sentence, read_conll, write_conll
from xlner.robustness import (
    EntityReplacement,
    Masking,
    NamePool,
    TokenNoise,
    carry_alignment,
    entity_scores,
    entity_spans,
    evaluate_robustness,
    perturb_corpus,
    perturb_sentences,
    standard_suite,
    write_perturbed,
)
from xlner.robustness.runner import RobustnessReport

CORPUS = [
    Sentence(["-DOCSTART-"], ["O"]),
    Sentence(["John", "visited", "Paris", "."], ["B-PER", "O", "B-LOC", "O"]),
    Sentence(["The", "talks", "in", "Berlin", "ended", "."], ["O", "O", "O", "B-LOC", "O", "O"]),
    Sentence(["Acme", "Corp", "hired", "Mary", "Jones", "."], ["B-ORG", "I-ORG", "O", "B-PER", "I-PER", "O"]),
]
POOL = NamePool({"PER": [("Ana",), ("Li", "Wei")], "LOC": [("Lima",), ("Rio", "de", "Janeiro")],
                 "ORG": [("UNESCO",)]})


class Gazetteer:
    """A tagger that knows exactly the names of CORPUS (case-sensitive), for hand-worked F1s."""

    tags = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]

    def __init__(self, sentences: List[Sentence]):
        self.names: Dict[tuple, str] = {}
        for s in sentences:
            for a, b, c in entity_spans(s.tags):
                self.names[tuple(s.tokens[a:b])] = c

    def predict(self, sentences):
        out = []
        for toks in sentences:
            tags = ["O"] * len(toks)
            i = 0
            while i < len(toks):
                for n in (3, 2, 1):
                    c = self.names.get(tuple(toks[i:i + n]))
                    if c and i + n <= len(toks):
                        tags[i:i + n] = [f"B-{c}"] + [f"I-{c}"] * (n - 1)
                        i += n
                        break
                else:
                    i += 1
            out.append(tags)
        return out

    def predict_proba(self, sentences):  # pragma: no cover - not used here
        raise NotImplementedError


def test_entity_scores_hand_worked():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "O"], ["B-ORG", "B-LOC"]]
    row = entity_scores(gold, pred)
    # 2 of 3 gold found, 2 of 3 predictions right
    assert row.precision == pytest.approx(2 / 3) and row.recall == pytest.approx(2 / 3)
    assert row.f1 == pytest.approx(2 / 3)
    assert row.per_class == {"LOC": 0.0, "ORG": 1.0, "PER": 1.0}
    assert row.support == {"LOC": 1, "ORG": 1, "PER": 1}
    with pytest.raises(ValueError, match="sentence 1, field tags"):
        entity_scores(gold, [pred[0], ["O"]])


def test_perturb_corpus_docstart_and_log():
    out, log = perturb_corpus(CORPUS, EntityReplacement(POOL, rate=1.0), seed=5)
    assert out[0].tokens == ["-DOCSTART-"]
    assert [e["sentence"] for e in log] == [1, 2, 3]
    for s in out:
        assert len(s.tokens) == len(s.tags)
    again, _ = perturb_corpus(CORPUS, EntityReplacement(POOL, rate=1.0), seed=5)
    assert [s.tokens for s in again] == [s.tokens for s in out]
    # a sentence's output depends only on its index, not on the rest of the corpus
    alone, _ = perturb_corpus(CORPUS[:2], EntityReplacement(POOL, rate=1.0), seed=5)
    assert alone[1].tokens == out[1].tokens


def test_perturb_sentences_target_side():
    toks = [s.tokens for s in CORPUS[1:]]
    outs = perturb_sentences(toks, TokenNoise(rate=0.5, ops=("delete",)), seed=2)
    for t, o in zip(toks, outs):
        assert o.tags is None
        # origins index the original sentence, in order, and carry the same words
        kept = [i for i in o.origin if i >= 0]
        assert kept == sorted(kept) and [t[i] for i in kept] == o.tokens
    with pytest.raises(ValueError, match="2 sentences but 1 tag"):
        perturb_sentences(toks[:2], TokenNoise(), tags=[["O"]])


def test_carry_alignment_hand_worked():
    pool = NamePool({"LOC": [("Rio", "de", "Janeiro")]})
    # target: "Ich besuchte Paris gestern" ; Paris (2) becomes 3 words, the rest keep their slots
    p = EntityReplacement(pool, rate=1.0)(["Ich", "besuchte", "Paris", "gestern"], ["O", "O", "B-LOC", "O"], seed=0)
    assert p.tokens == ["Ich", "besuchte", "Rio", "de", "Janeiro", "gestern"]
    links = [(0, 0), (1, 1), (3, 2), (2, 3)]
    assert carry_alignment(links, p) == [(0, 0), (1, 1), (2, 5)]
    # a swap moves links with the words
    q = TokenNoise(rate=1.0, ops=("swap",))(["a", "b"], None, seed=0)
    assert q.tokens == ["b", "a"]
    assert carry_alignment([(0, 0), (1, 1)], q) == [(0, 1), (1, 0)]
    assert carry_alignment([(0, 0), (1, 1)], q, side="src") == [(0, 1), (1, 0)]


def test_evaluate_gazetteer_hand_worked():
    suite = {"entity": EntityReplacement(POOL, rate=1.0), "mask": Masking("entity", rate=1.0),
             "noise": TokenNoise(rate=1.0)}
    rep = evaluate_robustness(Gazetteer(CORPUS), CORPUS, suite, seed=0, title="toy")
    assert rep.clean.f1 == 1.0
    by = {r.name: r for r in rep.rows}
    # every name is new to the gazetteer (pool names differ) and masks are unknown: nothing found
    assert by["entity"].f1 == 0.0 and by["mask"].f1 == 0.0
    assert rep.drop(by["entity"]) == pytest.approx(100.0)
    assert rep.drop(by["entity"], "LOC") == pytest.approx(100.0)
    # token noise never touches names: the gazetteer still finds all of them
    assert by["noise"].f1 == 1.0 and by["noise"].sentences_changed == 3
    md = rep.to_markdown()
    assert "| entity | 3 | 0.00 | 100.00 |" in md and "| clean | 0 | 100.00 | – |" in md
    d = rep.to_dict()
    assert d["perturbations"][0]["drop_per_class"]["PER"] == pytest.approx(100.0)
    # a plain callable works like a Tagger (projection pipelines plug in here)
    rep2 = evaluate_robustness(Gazetteer(CORPUS).predict, CORPUS, suite, seed=0)
    assert [r.f1 for r in rep2.rows] == [r.f1 for r in rep.rows]
    with pytest.raises(ValueError, match="predictor returned 1 tags for 4 tokens"):
        evaluate_robustness(lambda ss: [["O"] for _ in ss], CORPUS, {})


def test_write_perturbed_and_manifest(tmp_path):
    suite = standard_suite(pool=POOL, known=NamePool({"PER": [("John",)]}), vocab=["meeting", "house"], rate=0.5)
    man = write_perturbed(tmp_path, CORPUS, suite, seed=3, source="toy")
    assert set(man["perturbations"]) == set(suite)
    on_disk = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["seed"] == 3 and on_disk["sentences"] == 4
    for name, m in on_disk["perturbations"].items():
        sents = read_conll(tmp_path / m["file"])
        assert len(sents) == len(CORPUS)
        if name == "entity+context":
            continue
        # the manifest replays: applying the logged changes to the clean sentence gives the file's sentence
        logged = {e["sentence"]: e["changes"] for e in m["changes"]}
        for i, (clean, pert) in enumerate(zip(CORPUS, sents)):
            toks = list(clean.tokens)
            out, pos = [], 0
            for c in sorted(logged.get(i, []), key=lambda c: (c["start"], c["end"])):
                out += toks[pos:c["start"]] + c["new"]
                pos = c["end"]
            assert out + toks[pos:] == pert.tokens, (name, i)
    # only the known name (John) is replaced, by a name of its class from the pool
    log = on_disk["perturbations"]["unknown_entity"]["changes"]
    assert [e["sentence"] for e in log] == [1] and len(log[0]["changes"]) == 1
    ch = log[0]["changes"][0]
    assert (ch["kind"], ch["start"], ch["end"], ch["old"], ch["label"]) == ("unknown_entity", 0, 1, ["John"], "PER")
    assert ch["new"] in (["Ana"], ["Li", "Wei"])


def test_standard_suite_selection():
    s = standard_suite(pool=POOL, vocab=["x1"], only=["entity", "lowercase"])
    assert list(s) == ["entity", "lowercase"]
    with pytest.raises(ValueError, match="unknown_entity"):
        standard_suite(pool=POOL, only=["unknown_entity"])


def test_report_plot(tmp_path):
    pytest.importorskip("matplotlib")
    rep = evaluate_robustness(Gazetteer(CORPUS), CORPUS, {"mask": Masking("entity", rate=1.0)})
    paths = rep.write(tmp_path)
    assert (tmp_path / "robustness.png").stat().st_size > 1000
    assert json.loads((tmp_path / "robustness.json").read_text())["clean"]["f1"] == 1.0
    assert set(paths) == {"markdown", "json", "plot"}
    assert isinstance(rep, RobustnessReport)


def test_perturb_and_robustness_commands(tmp_path, capsys):
    pytest.importorskip("pycrfsuite")
    from xlner.commands import perturb, robustness, train_tagger

    data = tmp_path / "data.conll"
    write_conll(data, CORPUS * 3)
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers()
    for m in (train_tagger, perturb, robustness):
        m.add_parser(sp)
    model = tmp_path / "m.crf"
    a = ap.parse_args(["train-tagger", "--train", str(data), "--out", str(model), "--max-iterations", "40"])
    assert a.func(a) == 0
    pdir = tmp_path / "pert"
    a = ap.parse_args(["perturb", "--input", str(data), "--out-dir", str(pdir), "--only", "entity", "char_noise",
                       "--seed", "4"])
    assert a.func(a) == 0
    assert sorted(p.name for p in pdir.iterdir()) == ["char_noise.conll", "entity.conll", "manifest.json"]
    out = tmp_path / "rob"
    a = ap.parse_args(["robustness", "--test", str(data), "--model", str(model), "--out-dir", str(out),
                       "--perturbed-dir", str(pdir), "--only", "entity", "char_noise", "--seed", "4", "--no-plot"])
    assert a.func(a) == 0
    d = json.loads((out / "robustness.json").read_text())
    names = [r["name"] for r in d["perturbations"]]
    assert names == ["entity", "char_noise", "file:entity", "file:char_noise"]
    # the files written by `perturb` with the same seed are the sets the runner builds itself
    f1 = {r["name"]: r["f1"] for r in d["perturbations"]}
    assert f1["entity"] == f1["file:entity"] and f1["char_noise"] == f1["file:char_noise"]
    a = ap.parse_args(["robustness", "--test", str(data), "--predictor", "tests.test_robustness_runner:_toy_predictor",
                       "--out-dir", str(out), "--only", "lowercase", "--no-plot"])
    assert a.func(a) == 0
    assert "| lowercase |" in capsys.readouterr().out


def _toy_predictor():
    """Zero-argument factory used by the --predictor test."""
    return Gazetteer(CORPUS)


def test_cli_dispatch_and_errors(tmp_path, capsys):
    from xlner.cli import main

    data = tmp_path / "data.conll"
    write_conll(data, CORPUS)
    assert main(["perturb", "--input", str(data), "--out-dir", str(tmp_path / "p"), "--only", "lowercase"]) == 0
    assert [s.tokens for s in read_conll(tmp_path / "p" / "lowercase.conll")][1] == ["john", "visited", "paris", "."]
    # unknown_entity needs --known: one readable error line, exit status 1
    assert main(["perturb", "--input", str(data), "--out-dir", str(tmp_path / "q"), "--only", "unknown_entity"]) == 1
    assert "unknown_entity" in capsys.readouterr().err
    assert main(["robustness", "--test", str(data), "--model", str(tmp_path / "missing.crf"),
                 "--out-dir", str(tmp_path / "r")]) == 1
