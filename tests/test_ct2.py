"""CTranslate2 backend: conversion of the tiny NLLB / M2M100 models, greedy translations identical to the
transformers backend, shared cache and markers, compute types, errors, and teacher-forced scores equal to the
transformers scorer."""
from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("ctranslate2")

import tinymodels  # noqa: E402
from tinymodels import one_torch_thread  # noqa: E402,F401
from xlner.models.ct2 import CT2Seq2SeqScorer, convert_checkpoint, is_ct2_model  # noqa: E402
from xlner.models.nmt_scorer import NMTScorer, Seq2SeqScorer  # noqa: E402
from xlner.models.translator import GenerationOptions, TranslationCache, Translator  # noqa: E402

TEXTS = tinymodels.TRANSLATION_TEXTS
BUILDERS = {"nllb": tinymodels.tiny_nllb_dir, "m2m100": tinymodels.tiny_m2m100_dir}


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def converted(request, tmp_path_factory):
    """(transformers checkpoint folder, CTranslate2 folder converted from it)."""
    src = BUILDERS[request.param]()
    out = convert_checkpoint(src, tmp_path_factory.mktemp("ct2") / request.param)
    return src, out


def test_conversion_keeps_the_tokenizer_vocabulary(converted):
    from transformers import AutoTokenizer

    src, out = converted
    assert is_ct2_model(out) and not is_ct2_model(src)
    tok = AutoTokenizer.from_pretrained(str(src))
    vocab = json.loads((out / "shared_vocabulary.json").read_text(encoding="utf-8"))
    from transformers import AutoConfig

    assert len(vocab) == AutoConfig.from_pretrained(str(src)).vocab_size
    # every real token (language tokens included: M2M100 keeps them outside get_vocab under transformers 5)
    # sits at its tokenizer id; the rest are the converter's madeupword fillers
    real = [(i, t) for i, t in enumerate(vocab) if not t.startswith("madeupword")]
    assert all(tok.convert_tokens_to_ids(t) == i for i, t in real)
    assert tok.convert_tokens_to_ids("__de__" if "__de__" in vocab else "deu_Latn") in {i for i, _ in real}
    # the tokenizer files were copied: the folder loads on its own
    assert AutoTokenizer.from_pretrained(str(out))("Hello .")["input_ids"] == tok("Hello .")["input_ids"]


@pytest.mark.parametrize("max_new", [6, 40])  # 6: every output cut at the limit; 40: most end with </s>
def test_greedy_translations_identical_to_transformers(converted, max_new):
    src, out = converted
    opts = GenerationOptions(num_beams=1, max_new_tokens=max_new)
    hf = Translator(str(src), device="cpu", options=opts, batch_size=3)
    ct = Translator(str(src), device="cpu", options=opts, batch_size=3, backend="ctranslate2", ct2_dir=out)
    for tgt in ("de", "fr"):
        expected = hf.translate(TEXTS, src_lang="en", tgt_lang=tgt)
        assert ct.translate(TEXTS, src_lang="en", tgt_lang=tgt) == expected
    assert ct.stats.translated == 2 * len(set(TEXTS)) and ct.stats.batches == hf.stats.batches
    # a minimum length (both count the forced language token)
    at_least = GenerationOptions(num_beams=1, max_new_tokens=max_new, extra={"min_new_tokens": 5})
    assert (Translator(str(out), device="cpu", options=at_least, backend="ctranslate2").translate(TEXTS, "en", "de")
            == Translator(str(src), device="cpu", options=at_least).translate(TEXTS, "en", "de"))
    # batching by tokens gives the same outputs (padding does not change a greedy translation; the length cap
    # must not depend on the batch's longest source for that, hence no max_length_ratio)
    fixed = GenerationOptions(num_beams=1, max_new_tokens=max_new, max_length_ratio=None)
    expected = Translator(str(src), device="cpu", options=fixed).translate(TEXTS, src_lang="en", tgt_lang="fr")
    by_tokens = Translator(str(out), device="cpu", options=fixed, max_batch_tokens=20, backend="ctranslate2")
    assert by_tokens.translate(TEXTS, src_lang="en", tgt_lang="fr") == expected
    assert by_tokens.stats.batches >= 5  # the five long sentences (> 10 tokens each) go one per batch


def test_shared_cache_and_markers(tmp_path):
    src = tinymodels.tiny_nllb_dir()
    opts = GenerationOptions(num_beams=1, max_new_tokens=16)
    cache = tmp_path / "tr.sqlite"
    ct = Translator(str(src), device="cpu", options=opts, cache=cache, backend="ctranslate2",
                    ct2_dir=tmp_path / "ct2")
    first = ct.translate(TEXTS, src_lang="en", tgt_lang="de")
    assert len(TranslationCache(cache)) == len(set(TEXTS))
    # the transformers backend under the same model id finds every translation in the cache
    hf = Translator(str(src), device="cpu", options=opts, cache=cache)
    assert hf.translate(TEXTS, src_lang="en", tgt_lang="de") == first
    assert hf.stats.translated == 0 and hf.stats.cache_hits == len(TEXTS)
    # markers: same marked sources, same raw outputs, same parsed spans as the transformers backend
    sents = [t.split() for t in TEXTS[:3]]
    spans = [[(0, 2)], [(0, 2), (4, 6)], []]
    fresh = Translator(str(src), device="cpu", options=opts)
    got = ct.translate_with_markers(sents, spans, src_lang="en", tgt_lang="de")
    ref = fresh.translate_with_markers(sents, spans, src_lang="en", tgt_lang="de")
    assert [(g.source_marked, g.raw, g.words, g.spans) for g in got] == [
        (r.source_marked, r.raw, r.words, r.spans) for r in ref]


def test_loaded_module_and_ct2_folder_and_compute_types(tmp_path):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    src = tinymodels.tiny_nllb_dir()
    opts = GenerationOptions(num_beams=1, max_new_tokens=12)
    ref = Translator(str(src), device="cpu", options=opts).translate(TEXTS, src_lang="en", tgt_lang="de")
    model = AutoModelForSeq2SeqLM.from_pretrained(str(src))
    tok = AutoTokenizer.from_pretrained(str(src))
    loaded = Translator(model, tok, device="cpu", options=opts, backend="ctranslate2", ct2_dir=tmp_path / "m")
    assert loaded.translate(TEXTS, src_lang="en", tgt_lang="de") == ref
    assert is_ct2_model(tmp_path / "m")
    folder = Translator(str(tmp_path / "m"), device="cpu", options=opts, backend="ctranslate2")
    assert folder.model_id == str(tmp_path / "m")
    assert folder.translate(TEXTS, src_lang="en", tgt_lang="de") == ref
    # int8 weights: runs and gives one translation per input (numerically different model, no equality)
    q = Translator(str(tmp_path / "m"), device="cpu", options=opts, backend="ctranslate2", compute_type="int8")
    out = q.translate(TEXTS, src_lang="en", tgt_lang="de")
    assert len(out) == len(TEXTS) and out[2] == out[5] and all(isinstance(o, str) for o in out)
    # beam search runs through the same path
    beam = Translator(str(tmp_path / "m"), device="cpu", backend="ctranslate2",
                      options=GenerationOptions(num_beams=3, max_new_tokens=12, extra={"length_penalty": 1.0}))
    assert len(beam.translate(TEXTS[:2], src_lang="en", tgt_lang="de")) == 2


def test_ct2_errors(tmp_path):
    src = tinymodels.tiny_nllb_dir()
    with pytest.raises(ValueError, match="unknown translator backend 'onnx'"):
        Translator(str(src), backend="onnx")
    with pytest.raises(ValueError, match="unknown compute_type 'int4'"):
        Translator(str(src), backend="ctranslate2", compute_type="int4")
    with pytest.raises(ValueError, match="unknown quantization 'int3'"):
        convert_checkpoint(src, tmp_path / "x", quantization="int3")
    with pytest.raises(RuntimeError, match="CTranslate2 conversion of .*nope failed"):
        convert_checkpoint(tmp_path / "nope", tmp_path / "y")
    tr = Translator(str(src), device="cpu", backend="ctranslate2", ct2_dir=tmp_path / "m",
                    options=GenerationOptions(num_beams=1, max_new_tokens=8, extra={"top_k": 5}))
    with pytest.raises(ValueError, match=r"generation options \['top_k'\] have no CTranslate2 equivalent"):
        tr.translate(["Hello ."], src_lang="en", tgt_lang="de")


def test_scores_equal_transformers_scorer(converted):
    src, out = converted
    ref = Seq2SeqScorer(str(src), device="cpu", batch_size=3)
    ct = CT2Seq2SeqScorer(str(out), device="cpu", batch_size=3)
    a = ["Angela Merkel", "Berlin", "the European Parliament", "Kofi Annan", "Berlin"]
    b = ["Angela Merkel", "Berlin", "das Europäische Parlament", "Nairobi", "Strasbourg"]
    np.testing.assert_allclose(ct.mean_log_probs(a, b, src_lang="en", tgt_lang="de"),
                               ref.mean_log_probs(a, b, src_lang="en", tgt_lang="de"), rtol=0, atol=1e-5)
    assert ct.stats.batches >= 2
    np.testing.assert_allclose(NMTScorer(ct).score_pairs(a, b, a_lang="en", b_lang="de"),
                               NMTScorer(ref).score_pairs(a, b, a_lang="en", b_lang="de"), rtol=0, atol=1e-5)


def test_pipeline_config_and_flag_select_the_backend(tmp_path):
    import argparse

    from xlner.commands.pipeline import add_parser, config_from_args
    from xlner.pipelines.config import TranslatorConfig, build_translator

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["pipeline", "translate-test", "--translator-backend", "ctranslate2", "--compute-type",
                              "int8", "--ct2-dir", str(tmp_path / "m")])
    cfg = config_from_args(args).translator
    assert (cfg.backend, cfg.compute_type, cfg.ct2_dir) == ("ctranslate2", "int8", str(tmp_path / "m"))
    tr = build_translator(TranslatorConfig(model=str(tinymodels.tiny_nllb_dir()), device="cpu", backend="ctranslate2",
                                           ct2_dir=str(tmp_path / "m"), beam_size=1, max_length=8))
    assert tr.backend == "ctranslate2" and tr.ct2 is not None and tr.ct2.compute_type == "default"
    with pytest.raises(ValueError, match="backend must be 'transformers' or 'ctranslate2'"):
        TranslatorConfig(backend="vllm")
    # the NMT scorer of the score fusion
    from xlner.pipelines.config import NMTScorerConfig, build_nmt_scorer

    args = parser.parse_args(["pipeline", "translate-test", "--nmt-scorer", "m", "--nmt-scorer-backend", "ctranslate2"])
    assert config_from_args(args).nmt_scorer.backend == "ctranslate2"
    scorer = build_nmt_scorer(NMTScorerConfig(model=str(tmp_path / "m"), device="cpu", backend="ctranslate2"))
    assert isinstance(scorer.scorer, CT2Seq2SeqScorer)
    pairs = (["Berlin", "Angela Merkel"], ["Berlin", "Paris"])
    np.testing.assert_allclose(scorer.score_pairs(*pairs, a_lang="en", b_lang="de"),
                               build_nmt_scorer(NMTScorerConfig(model=str(tinymodels.tiny_nllb_dir()), device="cpu"))
                               .score_pairs(*pairs, a_lang="en", b_lang="de"), rtol=0, atol=1e-5)


def test_pipeline_cli_backends_give_identical_outputs(tmp_path):
    """``xlner pipeline translate-train --translator-backend ctranslate2`` on a Parquet input writes the same
    translations and projected training file as the transformers backend."""
    pytest.importorskip("pyarrow")
    from xlner.cli import main
    from xlner.datasets import resolve_path
    from xlner.io import read_conll
    from xlner.io.tables import write_table

    write_table(tmp_path / "en.parquet", read_conll(resolve_path("sample:en.conll"))[:8], tags_field="ner_tags")
    model = str(tinymodels.tiny_nllb_dir())
    for backend in ("transformers", "ctranslate2"):
        assert main(["pipeline", "translate-train", "--input", str(tmp_path / "en.parquet"), "--tags-field", "ner_tags",
                     "--src-lang", "en", "--tgt-lang", "de", "--translator-model", model, "--beam-size", "1",
                     "--max-length", "12", "--aligner", "lexical", "--method", "greedy", "--device", "cpu",
                     "--output-dir", str(tmp_path / backend), "--quiet", "--translator-backend", backend]) == 0

    def translations(backend):
        rows = (json.loads(x) for x in (tmp_path / backend / "translations.jsonl").read_text().splitlines())
        return [r["tokens"] for r in rows]

    assert translations("ctranslate2") == translations("transformers")
    assert len(translations("transformers")) == 8 and all(translations("transformers"))
    ct2_out = (tmp_path / "ctranslate2" / "train.conll").read_text()
    assert ct2_out == (tmp_path / "transformers" / "train.conll").read_text()
