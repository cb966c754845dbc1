"""Translator: batching, content-keyed disk cache (resume, repeat), length limits, marker translation."""
from __future__ import annotations

import math
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import tinymodels  # noqa: E402
from tinymodels import one_torch_thread  # noqa: E402,F401
from xlner.models.translator import (  # noqa: E402
    GenerationOptions,
    TranslationCache,
    Translator,
    cache_key,
    insert_markers,
    parse_markers,
)

TEXTS = tinymodels.TRANSLATION_TEXTS
OPTS = GenerationOptions(num_beams=2, max_new_tokens=12)


@pytest.fixture(scope="session")
def loaded():
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    d = tinymodels.tiny_nllb_dir()
    return AutoModelForSeq2SeqLM.from_pretrained(str(d)).eval(), AutoTokenizer.from_pretrained(str(d))


def direct_translate(model, tok, text: str, src: str, tgt: str, opts: GenerationOptions) -> str:
    """One sentence, straight through ``generate`` (the reference for the batched path)."""
    tok.src_lang = src
    enc = tok(text, return_tensors="pt")
    max_new = opts.max_new_tokens
    if opts.max_length_ratio is not None:
        max_new = min(max_new, math.ceil(opts.max_length_ratio * enc["input_ids"].shape[1] + opts.max_length_offset))
    with torch.no_grad():
        out = model.generate(**enc, forced_bos_token_id=tok.convert_tokens_to_ids(tgt), num_beams=opts.num_beams,
                             max_new_tokens=max_new, max_length=None, do_sample=False)
    return " ".join(tok.decode(out[0], skip_special_tokens=True).split())


def test_batched_translation_equals_one_at_a_time(loaded):
    model, tok = loaded
    tr = Translator(model, tok, device="cpu", options=OPTS, batch_size=3)
    out = tr.translate(TEXTS, src_lang="en", tgt_lang="de")
    assert tr.stats.translated == len(set(TEXTS))  # duplicates translated once
    assert tr.stats.batches == 2
    assert out[2] == out[5]
    ref_opts = GenerationOptions(num_beams=2, max_new_tokens=12, max_length_ratio=None)
    tr2 = Translator(model, tok, device="cpu", options=ref_opts, batch_size=4)
    out2 = tr2.translate(TEXTS, src_lang="en", tgt_lang="de")
    for text, got in zip(TEXTS, out2):
        assert got == direct_translate(model, tok, text, "eng_Latn", "deu_Latn", ref_opts)
    # different target languages give different outputs for this random model (the language token matters)
    assert tr.translate(TEXTS[:2], src_lang="en", tgt_lang="fr") != out[:2]


def test_cache_repeat_costs_nothing_and_keys_by_content(loaded, tmp_path):
    model, tok = loaded
    path = tmp_path / "tr.sqlite"
    tr = Translator(model, tok, device="cpu", options=OPTS, cache=path)
    first = tr.translate(TEXTS, src_lang="en", tgt_lang="de")
    n_model = tr.stats.translated
    again = Translator(model, tok, device="cpu", options=OPTS, cache=path)
    assert again.translate(TEXTS, src_lang="en", tgt_lang="de") == first
    assert again.stats.translated == 0 and again.stats.cache_hits == len(TEXTS)
    # other options, languages or model id are other keys
    other = Translator(model, tok, device="cpu", options=GenerationOptions(num_beams=1, max_new_tokens=12), cache=path)
    other.translate(TEXTS[:2], src_lang="en", tgt_lang="de")
    assert other.stats.translated == 2
    renamed = Translator(model, tok, device="cpu", options=OPTS, cache=path, model_id="another-model")
    renamed.translate(TEXTS[:1], src_lang="en", tgt_lang="de")
    assert renamed.stats.translated == 1
    assert len(TranslationCache(path)) == n_model + 3
    keys = {cache_key("m", "eng_Latn", "deu_Latn", OPTS.key(), "x"),
            cache_key("m", "eng_Latn", "fra_Latn", OPTS.key(), "x"),
            cache_key("m", "eng_Latn", "deu_Latn", OPTS.key(), "y"),
            cache_key("n", "eng_Latn", "deu_Latn", OPTS.key(), "x"),
            cache_key("m", "eng_Latn", "deu_Latn", GenerationOptions(num_beams=3).key(), "x")}
    assert len(keys) == 5


def test_interrupted_run_resumes_with_identical_output(loaded, tmp_path):
    model, tok = loaded
    reference = Translator(model, tok, device="cpu", options=OPTS, batch_size=2).translate(
        TEXTS, src_lang="en", tgt_lang="de")

    class Crash(RuntimeError):
        pass

    calls = {"n": 0}
    real_generate = model.generate

    def flaky_generate(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Crash("simulated interruption")
        return real_generate(*args, **kwargs)

    path = tmp_path / "resume.sqlite"
    tr = Translator(model, tok, device="cpu", options=OPTS, batch_size=2, cache=path)
    model.generate = flaky_generate
    try:
        with pytest.raises(Crash):
            tr.translate(TEXTS, src_lang="en", tgt_lang="de")
    finally:
        del model.generate
    assert len(TranslationCache(path)) == 4  # two batches of two were committed before the crash
    resumed = Translator(model, tok, device="cpu", options=OPTS, batch_size=2, cache=path)
    assert resumed.translate(TEXTS, src_lang="en", tgt_lang="de") == reference
    assert resumed.stats.translated == len(set(TEXTS)) - 4


def test_cache_is_readable_while_another_connection_writes(tmp_path):
    path = tmp_path / "c.sqlite"
    writer = TranslationCache(path)
    reader = TranslationCache(path)
    writer.put_many([("k1", "m", "a", "b", "src", "out1")])
    assert reader.get_many(["k1", "k2"]) == {"k1": "out1"}
    conn = sqlite3.connect(str(path))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    writer.close()
    reader.close()


def test_long_inputs_raise_or_truncate(loaded):
    model, tok = loaded
    long_text = " ".join(["Parliament"] * 40)
    strict = Translator(model, tok, device="cpu", options=GenerationOptions(num_beams=1, max_new_tokens=5,
                                                                            max_input_tokens=16))
    with pytest.raises(ValueError, match="sentence 1: .* max_input_tokens=16"):
        strict.translate(["Hello .", long_text], src_lang="en", tgt_lang="de")
    cut = Translator(model, tok, device="cpu", options=GenerationOptions(num_beams=1, max_new_tokens=5,
                                                                         max_input_tokens=16, on_long_input="truncate"))
    out = cut.translate([long_text], src_lang="en", tgt_lang="de")
    assert len(out) == 1 and isinstance(out[0], str)
    with pytest.raises(ValueError, match="sentence 0"):
        strict.translate([None], src_lang="en", tgt_lang="de")  # type: ignore[list-item]


def test_length_limit_caps_generated_tokens(loaded):
    model, tok = loaded
    seen = []
    real_generate = model.generate

    def recording_generate(*args, **kwargs):
        out = real_generate(*args, **kwargs)
        seen.append((kwargs["input_ids"].shape[1], kwargs["max_new_tokens"], out.shape[1]))
        return out

    model.generate = recording_generate
    try:
        Translator(model, tok, device="cpu", options=GenerationOptions(
            num_beams=1, max_new_tokens=50, max_length_ratio=0.5, max_length_offset=1)).translate(
            TEXTS[:3], src_lang="en", tgt_lang="de")
        Translator(model, tok, device="cpu", options=GenerationOptions(
            num_beams=1, max_new_tokens=4, max_length_ratio=0.5, max_length_offset=1)).translate(
            TEXTS[:3], src_lang="en", tgt_lang="de")
    finally:
        del model.generate
    (w1, m1, o1), (w2, m2, o2) = seen
    assert m1 == math.ceil(0.5 * w1 + 1) < 50 and m2 == 4
    assert o1 <= 1 + m1 and o2 <= 1 + m2  # decoder start token + new tokens


def test_insert_markers_hand_cases():
    words = ["Angela", "Merkel", "visited", "Paris", "."]
    assert insert_markers(words, [(0, 2), (3, 4)]) == "[ Angela Merkel ] visited [ Paris ] ."
    assert insert_markers(words, [(4, 5)]) == "Angela Merkel visited Paris [ . ]"
    assert insert_markers(["a", "[b]"], []) == "a (b)"
    with pytest.raises(ValueError, match="sentence 3, field spans"):
        insert_markers(words, [(0, 2), (1, 3)], sentence=3)
    with pytest.raises(ValueError, match="outside"):
        insert_markers(words, [(4, 6)])


def test_parse_markers_hand_cases():
    assert parse_markers("[Angela Merkel] besuchte [Paris].") == (["Angela", "Merkel", "besuchte", "Paris", "."],
                                                                  [(0, 2), (3, 4)])
    # stray closing marker, empty span, unclosed span at the end
    assert parse_markers("a ] b [ ] c [ d") == (["a", "b", "c", "d"], [])
    # nested opening restarts the span
    assert parse_markers("[ x [ y z ] w") == (["x", "y", "z", "w"], [(1, 3)])


WORD = st.text(alphabet="abcXYZ.,[]", min_size=1, max_size=5).filter(lambda w: w.strip() == w and w)


@settings(max_examples=60, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=12), st.data())
def test_markers_round_trip(words, data):
    n = len(words)
    cuts = sorted(data.draw(st.sets(st.integers(0, n), max_size=6)))
    spans = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2) if cuts[i] < cuts[i + 1]]
    text = insert_markers(words, spans)
    got_words, got_spans = parse_markers(text)
    assert got_words == [w.replace("[", "(").replace("]", ")") for w in words]
    assert got_spans == spans


def test_translate_with_markers_parses_model_output(loaded):
    model, tok = loaded
    tr = Translator(model, tok, device="cpu", options=OPTS)
    res = tr.translate_with_markers([["Angela", "Merkel", "visited", "Paris", "."]], [[(0, 2), (3, 4)]],
                                    src_lang="en", tgt_lang="de")
    assert res[0].source_marked == "[ Angela Merkel ] visited [ Paris ] ."
    assert res[0].n_marked == 2
    assert (res[0].words, res[0].spans) == parse_markers(res[0].raw)
    assert res[0].raw == tr.translate([res[0].source_marked], src_lang="en", tgt_lang="de")[0]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_translation_runs_in_half_precision(tmp_path):
    d = tinymodels.tiny_nllb_dir()
    tr = Translator(str(d), device="cuda", options=OPTS, cache=tmp_path / "g.sqlite")
    assert tr.dtype in (torch.bfloat16, torch.float16)
    out = tr.translate(TEXTS, src_lang="en", tgt_lang="de")
    assert len(out) == len(TEXTS) and all(isinstance(o, str) for o in out)
    f32 = Translator(str(d), device="cuda", dtype="float32", options=OPTS).translate(TEXTS, src_lang="en",
                                                                                     tgt_lang="de")
    cpu = Translator(str(d), device="cpu", options=OPTS).translate(TEXTS, src_lang="en", tgt_lang="de")
    assert f32 == cpu


def test_m2m100_translator_equals_direct_generate():
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    d = tinymodels.tiny_m2m100_dir()
    model = AutoModelForSeq2SeqLM.from_pretrained(str(d)).eval()
    tok = AutoTokenizer.from_pretrained(str(d))
    opts = GenerationOptions(num_beams=2, max_new_tokens=10, max_length_ratio=None)
    out = Translator(model, tok, device="cpu", options=opts).translate(TEXTS[:3], src_lang="eng", tgt_lang="fr")
    for text, got in zip(TEXTS[:3], out):
        tok.src_lang = "en"
        enc = tok(text, return_tensors="pt")
        with torch.no_grad():
            ref = model.generate(**enc, forced_bos_token_id=tok.get_lang_id("fr"), num_beams=2, max_new_tokens=10,
                                 max_length=None, do_sample=False)
        ids = [i for i in ref[0].tolist() if i != tok.get_lang_id("fr")]  # the forced language token is not text
        assert got == " ".join(tok.decode(ids, skip_special_tokens=True).split())
        assert not got.startswith("__fr__")


def test_translate_stream_equals_translate(loaded, tmp_path):
    model, tok = loaded
    tr = Translator(model, tok, device="cpu", options=OPTS, cache=tmp_path / "s.sqlite")
    streamed = list(tr.translate_stream(iter(TEXTS), src_lang="en", tgt_lang="de", chunk_size=3))
    assert streamed == Translator(model, tok, device="cpu", options=OPTS).translate(TEXTS, src_lang="en", tgt_lang="de")
    assert len(TranslationCache(tmp_path / "s.sqlite")) == len(set(TEXTS))


def test_pipeline_call_style_and_cache_key(loaded):
    model, tok = loaded
    tr = Translator(model, tok, device="cpu", options=OPTS, model_id="tiny")
    # the pipelines call translate(texts, src_lang, tgt_lang) positionally
    assert tr.translate(TEXTS[:2], "en", "de") == tr.translate(TEXTS[:2], src_lang="en", tgt_lang="de")
    assert tr.cache_key.startswith("tiny|")
    assert tr.cache_key != Translator(model, tok, device="cpu", model_id="tiny",
                                      options=GenerationOptions(num_beams=3)).cache_key
