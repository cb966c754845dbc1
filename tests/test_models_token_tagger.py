"""TokenTagger: first-subword aggregation, IOB2 label mapping, windowing of long inputs."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import tinymodels  # noqa: E402
from tinymodels import one_torch_thread  # noqa: E402,F401
from xlner.models.base import Tagger  # noqa: E402
from xlner.models.token_tagger import (  # noqa: E402
    TokenTagger,
    choose_windows,
    label_to_iob2,
    make_windows,
    repair_iob2,
)

SENTS = [
    "Angela Merkel visited the European Parliament in Strasbourg on Monday .".split(),
    "Mr President , I would like to thank the rapporteur .".split(),
    ["Kofi"],
    "Die Kommission legte dem Rat ihren Bericht vor .".split(),
]


@pytest.fixture(scope="session")
def loaded():
    from transformers import AutoModelForTokenClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    d = tinymodels.tiny_tagger_dir()
    return AutoModelForTokenClassification.from_pretrained(str(d)).eval(), AutoTokenizer.from_pretrained(str(d))


def direct_word_probs(model, tok, words):
    """Model probabilities at each word's first subword, the whole sentence in one pass (no windows)."""
    enc = tok([words], is_split_into_words=True, return_tensors="pt")
    with torch.no_grad():
        probs = torch.softmax(model(**enc).logits[0].double(), dim=-1).numpy()
    firsts = {}
    for pos, w in enumerate(enc.word_ids(0)):
        if w is not None and w not in firsts:
            firsts[w] = pos
    return np.stack([probs[firsts[j]] for j in range(len(words))])


def to_columns(model_probs, id2label, tags):
    """Sum model-label probabilities into IOB2 columns (by hand for the tiny tagger's BIO labels)."""
    out = np.zeros((model_probs.shape[0], len(tags)))
    for i, lab in id2label.items():
        out[:, tags.index(lab)] += model_probs[:, i]
    return out


def test_is_a_tagger_with_column_order(loaded):
    model, tok = loaded
    tagger = TokenTagger(model, tok, device="cpu")
    assert isinstance(tagger, Tagger)
    # model order is B-PER, I-PER, O, B-ORG ...: columns put O first, then B/I pairs in class order
    assert tagger.tags == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


def test_first_subword_probabilities_equal_direct_computation(loaded):
    model, tok = loaded
    tagger = TokenTagger(model, tok, device="cpu", batch_size=3)
    got = tagger.predict_proba(SENTS)
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    for words, g in zip(SENTS, got):
        assert g.shape == (len(words), len(tagger.tags))
        want = to_columns(direct_word_probs(model, tok, words), id2label, tagger.tags)
        np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(g.sum(axis=1), 1.0, rtol=1e-5)
    tags = tagger.predict(SENTS)
    for words, t, p in zip(SENTS, tags, got):
        assert len(t) == len(words)
        raw = [tagger.tags[i] for i in p.argmax(1)]
        assert t == repair_iob2(raw)
    assert tagger.predict([[]]) == [[]]


def test_windowing_equals_no_windowing_on_short_inputs(loaded):
    model, tok = loaded
    wide = TokenTagger(model, tok, device="cpu")
    narrow = TokenTagger(model, tok, device="cpu", max_length=40, stride=8)
    short = [s for s in SENTS if sum(len(p) for p in narrow._word_pieces(s)) <= narrow.budget]
    assert len(short) >= 2
    for a, b in zip(wide.predict_proba(short), narrow.predict_proba(short)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_long_inputs_are_windowed_and_merged(loaded):
    model, tok = loaded
    tagger = TokenTagger(model, tok, device="cpu", max_length=30, stride=8, batch_size=4)
    long = SENTS[0] + SENTS[1] + SENTS[3] + SENTS[0]
    wins = tagger.windows(long)
    assert len(wins) >= 3
    assert wins[0][0] == 0 and wins[-1][1] == len(long)
    got = tagger.predict_proba([long, SENTS[1]])[0]
    id2label = {int(k): v for k, v in model.config.id2label.items()}
    for j in range(len(long)):
        # the window where word j has most context: largest min(distance to either edge), earliest on ties
        best = max(range(len(wins)), key=lambda w: (min(j - wins[w][0], wins[w][1] - 1 - j)
                                                    if wins[w][0] <= j < wins[w][1] else -1, -w))
        s, e = wins[best]
        want = to_columns(direct_word_probs(model, tok, long[s:e]), id2label, tagger.tags)[j - s]
        np.testing.assert_allclose(got[j], want, rtol=1e-4, atol=1e-6)
    # the direct pass on the whole long input is impossible: it exceeds the model's positions
    assert sum(len(p) for p in tagger._word_pieces(long)) + 2 > 66


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=1, max_size=40), st.integers(1, 20), st.integers(0, 19))
def test_make_windows_properties(sizes, budget, stride):
    stride = min(stride, budget - 1)
    wins = make_windows(sizes, budget, stride)
    capped = [min(s, budget) for s in sizes]
    assert wins[0][0] == 0 and wins[-1][1] == len(sizes)
    for k, (s, e) in enumerate(wins):
        assert s < e
        assert e - s == 1 or sum(capped[s:e]) <= budget
        if k:
            ps, pe = wins[k - 1]
            assert ps < s <= pe < e  # progress, no gap
            assert sum(capped[s:pe]) <= stride  # overlap bounded by the stride
    chosen = choose_windows(len(sizes), wins)
    for j, w in enumerate(chosen):
        assert wins[w][0] <= j < wins[w][1]


def test_label_mapping_schemes():
    assert label_to_iob2("O") == ("O", None)
    assert label_to_iob2("B-PER") == ("B", "PER")
    assert label_to_iob2("I_LOC") == ("I", "LOC")
    assert label_to_iob2("S-ORG") == ("B", "ORG")
    assert label_to_iob2("E-ORG") == ("I", "ORG")
    assert label_to_iob2("U-MISC") == ("B", "MISC")
    assert label_to_iob2("L-MISC") == ("I", "MISC")
    assert label_to_iob2("PER") == ("I", "PER")
    with pytest.raises(ValueError, match="label_map"):
        label_to_iob2("LABEL_3")
    assert repair_iob2(["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]) == [
        "B-PER", "I-PER", "O", "B-LOC", "B-LOC", "B-ORG"]


def test_bioes_model_sums_probabilities_into_iob2_columns(loaded):
    from transformers import AutoModelForTokenClassification

    _, tok = loaded
    labels = ["O", "S-PER", "B-PER", "I-PER", "E-PER", "LOC"]
    torch.manual_seed(1)
    model = AutoModelForTokenClassification.from_pretrained(
        str(tinymodels.tiny_tagger_dir()), num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={l: i for i, l in enumerate(labels)}, ignore_mismatched_sizes=True).eval()
    tagger = TokenTagger(model, tok, device="cpu")
    assert tagger.tags == ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    got = tagger.predict_proba(SENTS[:1])[0]
    raw = direct_word_probs(model, tok, SENTS[0])
    np.testing.assert_allclose(got[:, 0], raw[:, 0], rtol=1e-4)
    np.testing.assert_allclose(got[:, 1], raw[:, 1] + raw[:, 2], rtol=1e-4)
    np.testing.assert_allclose(got[:, 2], raw[:, 3] + raw[:, 4], rtol=1e-4)
    np.testing.assert_allclose(got[:, 3], 0.0)
    np.testing.assert_allclose(got[:, 4], raw[:, 5], rtol=1e-4)
    # label_map overrides the parsed names
    mapped = TokenTagger(model, tok, device="cpu", label_map={"LOC": "B-LOC"})
    np.testing.assert_allclose(mapped.predict_proba(SENTS[:1])[0][:, 3], raw[:, 5], rtol=1e-4)


def test_bad_input_names_sentence(loaded):
    model, tok = loaded
    tagger = TokenTagger(model, tok, device="cpu")
    with pytest.raises(ValueError, match="sentence 1, word 2"):
        tagger.predict([["a"], ["b", "c", " "]])
    with pytest.raises(ValueError, match="sentence 0"):
        tagger.predict(["not a word list"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="stride"):
        TokenTagger(model, tok, device="cpu", max_length=20, stride=18)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_tagger_close_to_cpu():
    d = str(tinymodels.tiny_tagger_dir())
    cpu = TokenTagger(d, device="cpu").predict_proba(SENTS)
    gpu = TokenTagger(d, device="cuda", dtype="float32").predict_proba(SENTS)
    for a, b in zip(cpu, gpu):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    half = TokenTagger(d, device="cuda")
    assert half.dtype in (torch.bfloat16, torch.float16)
    for a, b in zip(cpu, half.predict_proba(SENTS)):
        np.testing.assert_allclose(a, b, atol=0.05)
