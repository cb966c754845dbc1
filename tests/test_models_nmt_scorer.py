"""Seq2seq scorer and direct NMTScore against a slow one-pair-at-a-time computation from model logits."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import tinymodels  # noqa: E402
from tinymodels import one_torch_thread  # noqa: E402,F401
from xlner.models import nmt_scorer as ns  # noqa: E402
from xlner.models.nmt_scorer import NMTScoreConfig, NMTScorer, Seq2SeqScorer  # noqa: E402

ENTS = ["Angela Merkel", "European Parliament", "Berlin", "Emmanuel Macron", "the Council"]
CANDS = ["Angela Merkel", "Europäische Parlament", "Berlin .", "Merkel", "dem Rat", "in Berlin", "Rat"]


@pytest.fixture(scope="session")
def nllb_dir():
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return tinymodels.tiny_nllb_dir()


@pytest.fixture(scope="session")
def loaded(nllb_dir):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(nllb_dir))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(nllb_dir)).eval()
    return model, tok


def slow_mean_log_prob(model, tok, src: str, tgt: str, src_lang: str, tgt_lang: str) -> float:
    """From the definition: teacher forcing on the tokenizer's own target sequence, one pair, full logits."""
    tok.src_lang = src_lang
    tok.tgt_lang = tgt_lang
    enc = tok(src, text_target=tgt, return_tensors="pt")
    labels = enc["labels"][0]
    dec_in = torch.cat([torch.tensor([model.config.decoder_start_token_id]), labels[:-1]]).unsqueeze(0)
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                       decoder_input_ids=dec_in).logits[0]
    logp = torch.log_softmax(logits.double(), dim=-1)
    # position 0 predicts the forced target-language token: not scored (NMTScore's offset 1)
    vals = [logp[t, labels[t]].item() for t in range(1, len(labels))]
    return sum(vals) / len(vals)


def slow_nmtscore(model, tok, a: str, b: str, a_lang: str, b_lang: str, threshold: float = 0.1) -> float:
    p = lambda src, tgt, sl, tl: 2.0 ** slow_mean_log_prob(model, tok, src, tgt, sl, tl)  # noqa: E731
    fwd = p(a, b, a_lang, b_lang) / p(b, b, b_lang, b_lang)
    bwd = p(b, a, b_lang, a_lang) / p(a, a, a_lang, a_lang)
    s = (fwd + bwd) / 2
    return 0.0 if s < threshold else s


def test_mean_log_probs_equal_slow_reference(loaded):
    model, tok = loaded
    sc = Seq2SeqScorer(model, tok, device="cpu", batch_size=3, max_tokens=64)
    srcs = ENTS + ENTS[:2]
    tgts = CANDS[:5] + CANDS[5:]
    got = sc.mean_log_probs(srcs, tgts, src_lang="en", tgt_lang="de")
    want = [slow_mean_log_prob(model, tok, s, t, "eng_Latn", "deu_Latn") for s, t in zip(srcs, tgts)]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert sc.stats.batches >= 3  # several padded batches were really used


def test_score_pairs_equal_slow_nmtscore(loaded):
    model, tok = loaded
    scorer = NMTScorer(Seq2SeqScorer(model, tok, device="cpu", batch_size=8), NMTScoreConfig(threshold=0.0))
    a = [e for e in ENTS for _ in CANDS]
    b = [c for _ in ENTS for c in CANDS]
    got = scorer.score_pairs(a, b, a_lang="en", b_lang="de")
    assert got.dtype == np.float64 and got.shape == (len(a),)
    want = [slow_nmtscore(model, tok, x, y, "eng_Latn", "deu_Latn", threshold=0.0) for x, y in zip(a, b)]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    # the model is random, so the scores must actually vary
    assert np.ptp(got) > 0.05


def test_threshold_zeroes_low_scores(loaded):
    model, tok = loaded
    raw = NMTScorer(Seq2SeqScorer(model, tok, device="cpu"), NMTScoreConfig(threshold=0.0))
    a = [e for e in ENTS for _ in CANDS]
    b = [c for _ in ENTS for c in CANDS]
    s0 = raw.score_pairs(a, b, a_lang="en", b_lang="de")
    thr = float(np.median(s0))
    cut = NMTScorer(raw.scorer, NMTScoreConfig(threshold=thr)).score_pairs(a, b, a_lang="en", b_lang="de")
    np.testing.assert_array_equal(cut, np.where(s0 < thr, 0.0, s0))
    assert 0 < np.count_nonzero(cut) < len(cut)


def test_single_direction_and_unnormalised_options(loaded):
    model, tok = loaded
    sc = Seq2SeqScorer(model, tok, device="cpu")
    a, b = ENTS[:3], CANDS[:3]
    one = NMTScorer(sc, NMTScoreConfig(threshold=0.0, both_directions=False)).score_pairs(a, b, a_lang="en",
                                                                                          b_lang="de")
    raw = NMTScorer(sc, NMTScoreConfig(threshold=0.0, both_directions=False, normalize=False, base=math.e)).score_pairs(
        a, b, a_lang="en", b_lang="de")
    for i, (x, y) in enumerate(zip(a, b)):
        lp_xy = slow_mean_log_prob(model, tok, x, y, "eng_Latn", "deu_Latn")
        lp_yy = slow_mean_log_prob(model, tok, y, y, "deu_Latn", "deu_Latn")
        assert one[i] == pytest.approx(2.0 ** (lp_xy - lp_yy), rel=1e-5)
        assert raw[i] == pytest.approx(math.exp(lp_xy), rel=1e-5)


def test_dedup_and_cache_give_identical_outputs(loaded):
    model, tok = loaded
    a = [e for e in ENTS for _ in CANDS] * 2
    b = [c for _ in ENTS for c in CANDS] * 2
    sc = Seq2SeqScorer(model, tok, device="cpu", batch_size=16)
    scorer = NMTScorer(sc)
    first = scorer.score_pairs(a, b, a_lang="en", b_lang="de")
    # 4 directed scores per pair, but only unique ones are computed: E*C forward, E*C backward, C + E self
    n_e, n_c = len(ENTS), len(CANDS)
    assert sc.stats.requested == 4 * len(a)
    assert sc.stats.computed == 2 * n_e * n_c + n_e + n_c
    again = scorer.score_pairs(a, b, a_lang="en", b_lang="de")
    assert sc.stats.computed == 2 * n_e * n_c + n_e + n_c  # nothing recomputed
    np.testing.assert_array_equal(first, again)
    # a fresh scorer fed the pairs one at a time gives the same numbers
    fresh = NMTScorer(Seq2SeqScorer(model, tok, device="cpu", batch_size=1))
    single = np.array([fresh.score_pairs([x], [y], a_lang="en", b_lang="de")[0] for x, y in zip(a[:12], b[:12])])
    np.testing.assert_allclose(first[:12], single, rtol=1e-5)


def test_generic_forward_path_equals_head_only_path(loaded, monkeypatch):
    model, tok = loaded
    a = ENTS[:4]
    b = CANDS[:4]
    fast = Seq2SeqScorer(model, tok, device="cpu").mean_log_probs(a, b, src_lang="en", tgt_lang="de")
    monkeypatch.setattr(ns, "_HEAD_ONLY_TYPES", frozenset())
    slow = Seq2SeqScorer(model, tok, device="cpu").mean_log_probs(a, b, src_lang="en", tgt_lang="de")
    np.testing.assert_allclose(fast, slow, rtol=1e-6)


def test_bad_input_names_sentence_and_field(loaded):
    model, tok = loaded
    scorer = NMTScorer(Seq2SeqScorer(model, tok, device="cpu"))
    with pytest.raises(ValueError, match="differ in length"):
        scorer.score_pairs(["a"], ["b", "c"], a_lang="en", b_lang="de")
    with pytest.raises(ValueError, match="no language token"):
        scorer.score_pairs(["a"], ["b"], a_lang="en", b_lang="zu")
    with pytest.raises(ValueError, match="max_length"):
        Seq2SeqScorer(model, tok, device="cpu", max_length=4).mean_log_probs(
            ["Angela Merkel met Macron"], ["x"], src_lang="en", tgt_lang="de")
    assert scorer.score_pairs([], [], a_lang="en", b_lang="de").shape == (0,)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_half_precision_close_to_cpu(nllb_dir):
    a = [e for e in ENTS for _ in CANDS]
    b = [c for _ in ENTS for c in CANDS]
    cfg = NMTScoreConfig(threshold=0.0)
    cpu = NMTScorer.from_pretrained(str(nllb_dir), cfg, device="cpu").score_pairs(a, b, a_lang="en", b_lang="de")
    gpu32 = NMTScorer.from_pretrained(str(nllb_dir), cfg, device="cuda", dtype="float32")
    np.testing.assert_allclose(gpu32.score_pairs(a, b, a_lang="en", b_lang="de"), cpu, rtol=1e-4)
    gpu = NMTScorer.from_pretrained(str(nllb_dir), cfg, device="cuda")
    assert gpu.scorer.dtype in (torch.bfloat16, torch.float16)
    np.testing.assert_allclose(gpu.score_pairs(a, b, a_lang="en", b_lang="de"), cpu, rtol=0.1, atol=0.05)


def test_m2m100_tokenizer_language_codes(nllb_dir):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    d = tinymodels.tiny_m2m100_dir()
    model = AutoModelForSeq2SeqLM.from_pretrained(str(d)).eval()
    tok = AutoTokenizer.from_pretrained(str(d))
    scorer = NMTScorer(Seq2SeqScorer(model, tok, device="cpu", batch_size=4), NMTScoreConfig(threshold=0.0))
    a, b = ENTS[:3], CANDS[:3]
    # FLORES and ISO 639-3 codes are mapped to the tokenizer's ISO 639-1 codes (``__en__`` tokens)
    got = scorer.score_pairs(a, b, a_lang="eng_Latn", b_lang="deu")
    want = [slow_nmtscore(model, tok, x, y, "en", "de", threshold=0.0) for x, y in zip(a, b)]
    np.testing.assert_allclose(got, want, rtol=1e-5)
