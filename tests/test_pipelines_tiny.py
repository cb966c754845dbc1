"""Every pipeline end to end with tiny transformers models (random weights, tokenizers trained on the fly,
from ``tests/tinymodels.py``): the real Translator (NLLB architecture), TokenTagger (XLM-R architecture) and
EmbeddingAligner, on a few real sentences. The models' outputs are meaningless, so the tests check
structure and invariants: one label per token, files consistent, a second run over the same folder reuses
every stage without calling a model and writes identical output, starting from the intermediate files
gives the same result as computing them, the config/CLI path builds the same models.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
tinymodels = pytest.importorskip("tinymodels")

from xlner.io.conll import Sentence, read_conll  # noqa: E402
from xlner.pipelines import (config_from_dict, model_transfer, translate_test,  # noqa: E402
                             translate_train)

N = 6


@pytest.fixture(scope="module")
def dirs():
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    return str(tinymodels.tiny_nllb_dir()), str(tinymodels.tiny_tagger_dir())


def make_models(dirs, device: str = "cpu", cache=None):
    from xlner.align.embedding import EmbeddingAligner, EmbeddingAlignerConfig
    from xlner.models.token_tagger import TokenTagger
    from xlner.models.translator import GenerationOptions, Translator

    nllb, tagger = dirs
    tr = Translator(nllb, device=device, options=GenerationOptions(num_beams=1, max_new_tokens=8), batch_size=4,
                    cache=cache)
    tg = TokenTagger(tagger, device=device, batch_size=4)
    al = EmbeddingAligner(EmbeddingAlignerConfig(model=tagger, layer=1, device=device, max_length=60, batch_size=4))
    return tr, tg, al


@pytest.fixture(scope="module")
def bambara(shared_data) -> List[Sentence]:
    return [s for s in read_conll(shared_data / "masakhaner2" / "bam" / "test.txt") if 4 <= len(s.tokens) <= 14][:N]


@pytest.fixture(scope="module")
def english(shared_data) -> List[Sentence]:
    sents = read_conll(shared_data / "europarl-ner" / "en.conll")
    with_ent = [s for s in sents if 4 <= len(s.tokens) <= 14 and any(t != "O" for t in s.tags)]
    without = [s for s in sents if 4 <= len(s.tokens) <= 14 and all(t == "O" for t in s.tags)]
    return with_ent[:N - 2] + without[:2]


def cfg(kind, **kw):
    base = {"kind": kind, "progress": False, "chunk_size": 4}
    base.update(kw)
    return config_from_dict(base)


def lines(p: Path) -> List[str]:
    return p.read_text(encoding="utf-8").splitlines()


def assert_aligned(sentences, inputs=None):
    for k, s in enumerate(sentences):
        assert len(s.tags) == len(s.tokens)
        assert all(t == "O" or t[:2] in ("B-", "I-") for t in s.tags)
        if inputs is not None:
            assert s.tokens == inputs[k].tokens


def test_translate_test_tiny_models(tmp_path, dirs, bambara):
    tr, tg, al = make_models(dirs, cache=tmp_path / "cache.sqlite")
    c = cfg("translate-test", src_lang="bam", tgt_lang="en", eval_labels=["PER", "ORG", "LOC"])
    out = translate_test(bambara, c, translator=tr, tagger=tg, aligner=al, output_dir=tmp_path / "a", collect=True)
    assert_aligned(out.sentences, bambara)
    assert out.summary.sentences == N and tr.stats.translated > 0
    assert out.summary.evaluation is not None and 0.0 <= out.summary.evaluation["f1"] <= 1.0
    trans = [json.loads(x) for x in lines(tmp_path / "a" / "translations.jsonl")]
    assert [r["id"] for r in trans] == list(range(N))
    assert all(isinstance(r["translation"], str) for r in trans)
    preds = [json.loads(x) for x in lines(tmp_path / "a" / "source_predictions.jsonl")]
    assert [p["tokens"] for p in preds] == [r["tokens"] for r in trans]
    for r, p in zip([json.loads(x) for x in lines(tmp_path / "a" / "alignments.jsonl")], preds):
        assert all(0 <= a < len(p["tokens"]) for a, _ in r["links"])
    files = {f: (tmp_path / "a" / f).read_bytes() for f in ("predictions.conll", "spans.jsonl")}
    # resume: same folder, fresh models: nothing is recomputed, output identical
    tr2, tg2, al2 = make_models(dirs)
    again = translate_test(bambara, c, translator=tr2, tagger=tg2, aligner=al2, output_dir=tmp_path / "a",
                           collect=True)
    assert tr2.stats.requested == 0
    assert again.sentences == out.sentences
    assert {f: (tmp_path / "a" / f).read_bytes() for f in files} == files
    # the translation cache alone (new folder) serves every translation
    tr3, _, _ = make_models(dirs, cache=tmp_path / "cache.sqlite")
    third = translate_test(bambara, c, translator=tr3, tagger=tg, aligner=al, output_dir=tmp_path / "c",
                           collect=True)
    assert tr3.stats.translated == 0 and tr3.stats.cache_hits == N
    assert third.sentences == out.sentences
    # precomputed intermediate files, no models
    pre = translate_test(bambara, c, translations=tmp_path / "a" / "translations.jsonl",
                         alignments=tmp_path / "a" / "alignments.jsonl",
                         source_labels=tmp_path / "a" / "source_predictions.jsonl", output_dir=tmp_path / "b",
                         collect=True)
    assert pre.sentences == out.sentences
    assert {f: (tmp_path / "b" / f).read_bytes() for f in files} == files


def test_translate_train_and_model_transfer_tiny_models(tmp_path, dirs, english, bambara):
    tr, tg, al = make_models(dirs)
    c = cfg("translate-train", src_lang="en", tgt_lang="de", projection={"method": "greedy"})
    out = translate_train(english, c, translator=tr, aligner=al, output_dir=tmp_path / "tt", collect=True)
    assert out.summary.sentences == N == out.summary.kept_sentences
    assert_aligned(out.sentences)
    back = read_conll(tmp_path / "tt" / "train.conll")
    assert [(b.tokens, b.tags) for b in back] == [(s.tokens, s.tags) for s in out.sentences]
    recs = [json.loads(x) for x in lines(tmp_path / "tt" / "train.jsonl")]
    assert [r["source_tokens"] for r in recs] == [s.tokens for s in english]
    assert sum(len(r["entities"]) for r in recs) == out.summary.projected_entities
    assert out.summary.source_entities == sum(
        1 for s in english for t in s.tags if t.startswith("B-"))
    pre = translate_train(english, c, translations=tmp_path / "tt" / "translations.jsonl",
                          alignments=tmp_path / "tt" / "alignments.jsonl", output_dir=tmp_path / "tt2", collect=True)
    assert pre.sentences == out.sentences
    mt = model_transfer(bambara, cfg("model-transfer"), tagger=tg, output_dir=tmp_path / "mt", collect=True)
    assert_aligned(mt.sentences, bambara)
    assert mt.sentences == [Sentence(s.tokens, t) for s, t in zip(bambara, tg.predict([s.tokens for s in bambara]))]


def test_marker_tiny_model(tmp_path, dirs, english):
    from xlner.pipelines import marker_projection

    tr, _, _ = make_models(dirs)
    out = marker_projection(english, cfg("marker", src_lang="en", tgt_lang="de"), translator=tr,
                            output_dir=tmp_path, collect=True)
    assert out.summary.sentences == N
    assert_aligned(out.sentences)
    recs = [json.loads(x) for x in lines(tmp_path / "marker_translations.jsonl")]
    assert all("[" in r["marked_source"] for r, s in zip(recs, english) if any(t != "O" for t in s.tags))


def test_config_file_builds_models_and_runs(tmp_path, dirs, bambara, capsys):
    from xlner.cli import main
    from xlner.io import write_conll

    nllb, tagger = dirs
    write_conll(tmp_path / "bam.conll", bambara)
    (tmp_path / "run.toml").write_text(f"""
kind = "translate-test"
input = "bam.conll"
output_dir = "out"
src_lang = "bam"
tgt_lang = "eng_Latn"
chunk_size = 4
progress = false
[translator]
model = "{nllb}"
beam_size = 1
max_length = 8
device = "cpu"
[tagger]
kind = "transformers"
path = "{tagger}"
device = "cpu"
[aligner]
kind = "embedding"
model = "{tagger}"
options = {{ layer = 1, device = "cpu", max_length = 60 }}
[projection]
method = "heuristic"
""", encoding="utf-8")
    assert main(["pipeline", "translate-test", "--config", str(tmp_path / "run.toml"), "--quiet"]) == 0
    assert f"translate-test: {N} sentences" in capsys.readouterr().out
    assert (tmp_path / "out" / "translation_cache.sqlite").exists()
    # the same run through the Python API with the models built by hand gives the same labels
    from xlner.align.embedding import EmbeddingAligner, EmbeddingAlignerConfig
    from xlner.models.token_tagger import TokenTagger
    from xlner.models.translator import GenerationOptions, Translator

    tr = Translator(nllb, device="cpu", options=GenerationOptions(num_beams=1, max_new_tokens=8),
                    cache=tmp_path / "out" / "translation_cache.sqlite")
    tg = TokenTagger(tagger, device="cpu")
    al = EmbeddingAligner(EmbeddingAlignerConfig(model=tagger, layer=1, device="cpu", max_length=60))
    c = cfg("translate-test", src_lang="bam", tgt_lang="eng_Latn", projection={"method": "heuristic"})
    out = translate_test(bambara, c, translator=tr, tagger=tg, aligner=al, output_dir=tmp_path / "api", collect=True)
    assert tr.stats.translated == 0 and tr.stats.cache_hits == N  # the CLI run's translation cache
    got = read_conll(tmp_path / "out" / "predictions.conll", with_tags=False)
    rows = [l.split("\t") for l in lines(tmp_path / "out" / "predictions.conll") if l]
    assert [r[1] for r in rows] == [t for s in out.sentences for t in s.tags]
    assert [g.tokens for g in got] == [s.tokens for s in bambara]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_translate_test_tiny_models_on_gpu(tmp_path, dirs, bambara):
    tr, tg, al = make_models(dirs, device="cuda")
    c = cfg("translate-test", src_lang="bam", tgt_lang="en")
    out = translate_test(bambara, c, translator=tr, tagger=tg, aligner=al, output_dir=tmp_path / "gpu", collect=True)
    assert_aligned(out.sentences, bambara)
    pre = translate_test(bambara, c, translations=tmp_path / "gpu" / "translations.jsonl",
                         alignments=tmp_path / "gpu" / "alignments.jsonl",
                         source_labels=tmp_path / "gpu" / "source_predictions.jsonl", output_dir=tmp_path / "pre",
                         collect=True)
    assert pre.sentences == out.sentences
