"""xlner train on tiny models: full and LoRA runs learn a separable toy task, save → load → tag round trips
(merged and --no-merge), LoRA / (IA)³ train only what they should (parameter counts from the config),
determinism with a seed, the subword label encoding, and the data readers' errors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

import tinymodels  # noqa: E402
from tinymodels import one_torch_thread  # noqa: E402,F401

from xlner.cli import main  # noqa: E402
from xlner.evaluate import evaluate  # noqa: E402
from xlner.io.conll import Sentence, read_conll, write_conll  # noqa: E402
from xlner.training.data import encode_sentences, label_list, read_labelled  # noqa: E402

toy_corpus = tinymodels.toy_corpus


TRAIN, DEV, TEST = toy_corpus(160, 1), toy_corpus(40, 2), toy_corpus(40, 3)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A tiny random XLM-R tagger whose tokenizer was trained on the toy text (most toy words are one piece,
    some split) and the inline sentences."""
    text = [" ".join(s.tokens) for s in TRAIN] + list(tinymodels.INLINE_SENTENCES)
    return tinymodels.build_tiny_tagger(tmp_path_factory.mktemp("base"), sentences=text, vocab_size=150,
                                        hidden=64)


def _train(base: Path, out: Path, mode: str, **kw):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # module fixtures run before the one-thread fixture; tiny models are fastest so
    try:
        return _train_unthreaded(base, out, mode, **kw)
    finally:
        torch.set_num_threads(threads)


def _train_unthreaded(base: Path, out: Path, mode: str, **kw):
    from xlner.training.trainer import TrainConfig, train_token_classifier

    defaults = dict(mode=mode, epochs=6, batch_size=16, seed=0, lr={"full": 1e-2, "lora": 5e-2, "adapter": 1e-1}[mode])
    defaults.update(kw)
    return train_token_classifier(TRAIN, str(base), out, TrainConfig(**defaults), dev=DEV)


def _test_f1(model_dir: Path) -> float:
    from xlner.models.token_tagger import TokenTagger

    tagger = TokenTagger(str(model_dir), device="cpu")
    return evaluate([s.tags for s in TEST], tagger.predict([s.tokens for s in TEST])).micro.f1


@pytest.fixture(scope="module")
def full_run(base, tmp_path_factory):
    out = tmp_path_factory.mktemp("full")
    return out, _train(base, out, "full")


@pytest.fixture(scope="module")
def lora_run(base, tmp_path_factory):
    out = tmp_path_factory.mktemp("lora")
    return out, _train(base, out, "lora", merge=False, epochs=10)


def test_full_learns_toy_and_round_trips(full_run):
    out, res = full_run
    assert res.labels == ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    assert res.trainable_params == res.total_params
    assert len(res.dev_f1) == 6 and res.best_f1 == max(res.dev_f1) >= 0.9
    assert (out / "config.json").is_file() and not (out / "adapter_config.json").exists()
    assert not (out / "checkpoints").exists()
    meta = json.loads((out / "xlner_training.json").read_text())
    assert meta["labels"] == res.labels and meta["dev_f1"] == res.dev_f1 and meta["best_epoch"] == res.best_epoch
    # the kept model is the best epoch's: re-tagging dev reproduces the recorded best F1
    from xlner.models.token_tagger import TokenTagger

    tagger = TokenTagger(str(out), device="cpu")
    dev_f1 = evaluate([s.tags for s in DEV], tagger.predict([s.tokens for s in DEV])).micro.f1
    assert dev_f1 == pytest.approx(res.best_f1, abs=1e-9)
    assert _test_f1(out) >= 0.9


def _lora_expected_params(base: Path, r: int, n_labels: int) -> int:
    cfg = json.loads((base / "config.json").read_text())
    h, layers = cfg["hidden_size"], cfg["num_hidden_layers"]
    per_linear = r * (h + h)  # A: r x h, B: h x r; query and value are h -> h
    return layers * 2 * per_linear + (h * n_labels + n_labels)  # + the classification head, trained in full


def test_lora_learns_trains_only_adapter_and_head(base, lora_run):
    out, res = lora_run
    assert res.best_f1 is not None and res.best_f1 >= 0.9
    assert res.trainable_params == _lora_expected_params(base, 8, len(res.labels))
    assert res.trainable_params < res.total_params / 10
    assert (out / "adapter_config.json").is_file() and not (out / "config.json").exists()
    assert json.loads((out / "adapter_config.json").read_text())["base_model_name_or_path"] == str(base.resolve())
    # the frozen base weights did not move: the adapter directory loads on the untouched base
    import torch
    from peft import PeftModel
    from transformers import AutoModelForTokenClassification

    from xlner.models.token_tagger import TokenTagger, load_adapter_directory

    model, _ = load_adapter_directory(out)
    base_model = AutoModelForTokenClassification.from_pretrained(str(base))
    base_sd = base_model.state_dict()
    for name, p in model.base_model.model.named_parameters():
        if "lora_" in name or "classifier" in name:
            continue
        key = name.replace(".base_layer", "")
        assert torch.equal(p, base_sd[key]), name
    # loaded on the base (no merge) and merged give the same probabilities
    assert isinstance(model, PeftModel)
    unmerged = TokenTagger(str(out), device="cpu")
    merged_model = model.merge_and_unload()
    from transformers import AutoTokenizer

    merged = TokenTagger(merged_model, AutoTokenizer.from_pretrained(str(out)), device="cpu")
    pa = unmerged.predict_proba([s.tokens for s in TEST])
    pb = merged.predict_proba([s.tokens for s in TEST])
    assert unmerged.tags == merged.tags
    for a, b in zip(pa, pb):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert _test_f1(out) >= 0.9


def test_adapter_mode_is_ia3_and_merges(base, tmp_path):
    out = tmp_path / "ia3"
    res = _train(base, out, "adapter", epochs=1)
    cfg = json.loads((base / "config.json").read_text())
    h, inter, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    # (IA)3 vectors per layer: key and value outputs (h each), and the inputs of the modules named
    # "output.dense" (peft's RoBERTa targets): the attention output (h) and the feed-forward output (intermediate)
    assert res.trainable_params == layers * (3 * h + inter) + (h * len(res.labels) + len(res.labels))
    assert (out / "config.json").is_file() and not (out / "adapter_config.json").exists()
    meta = json.loads((out / "xlner_training.json").read_text())
    assert meta["mode"] == "adapter" and meta["merged"] is True


def test_seeded_runs_are_deterministic(base, tmp_path):
    import os

    import torch
    from safetensors.numpy import load_file

    before = (torch.are_deterministic_algorithms_enabled(), os.environ.get("CUBLAS_WORKSPACE_CONFIG"))
    runs = [_train(base, tmp_path / f"r{i}", "full", epochs=1, seed=s) for i, s in enumerate((5, 5, 6))]
    w = [load_file(str(tmp_path / f"r{i}" / "model.safetensors")) for i in range(3)]
    assert runs[0].dev_f1 == runs[1].dev_f1
    assert all(np.array_equal(w[0][k], w[1][k]) for k in w[0])
    assert any(not np.array_equal(w[0][k], w[2][k]) for k in w[0])
    # the process-wide switches deterministic training turns on are restored afterwards
    assert (torch.are_deterministic_algorithms_enabled(), os.environ.get("CUBLAS_WORKSPACE_CONFIG")) == before


class _Tok:
    """A stand-in with the tokenizer API encode_sentences uses: each word is split into pieces of 3
    characters (id = 10 + running piece index of the vocabulary), ``<s>``=0 before and ``</s>``=2 after."""

    unk_token_id = 3

    def __init__(self) -> None:
        self.vocab: dict = {}

    def __call__(self, batch, is_split_into_words=True, add_special_tokens=True, verbose=False):
        words = batch[0]
        ids, wids = [], []
        for w, word in enumerate(words):
            for k in range(0, len(word), 3):
                ids.append(self.vocab.setdefault(word[k:k + 3], 10 + len(self.vocab)))
                wids.append(w)
        if add_special_tokens:
            ids, wids = [0] + ids + [2], [None] + wids + [None]

        class Enc(dict):
            def word_ids(self, i):
                return wids

        return Enc(input_ids=[ids])


def test_encode_sentences_schemes_and_windows():
    tok = _Tok()
    labels = label_list([Sentence(["x"], ["B-PER"]), Sentence(["y"], ["B-LOC"])])
    assert labels == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    l2i = {t: i for i, t in enumerate(labels)}
    s = Sentence(["Merkelx", "in", "Berlin"], ["B-PER", "O", "B-LOC"])  # pieces: 3, 1, 2
    first = encode_sentences([s], tok, l2i, max_length=20, scheme="first-subword")
    assert len(first) == 1 and len(first[0].input_ids) == 8
    assert first[0].labels == [-100, 3, -100, -100, 0, 1, -100, -100]
    every = encode_sentences([s], tok, l2i, max_length=20, scheme="all-subwords")
    assert every[0].input_ids == first[0].input_ids
    assert every[0].labels == [-100, 3, 4, 4, 0, 1, 2, -100]
    # a budget of 4 subwords (6 with <s>, </s>) cuts at word boundaries: [Merkelx in] [Berlin]
    cut = encode_sentences([s], tok, l2i, max_length=6, scheme="first-subword")
    assert [w.labels for w in cut] == [[-100, 3, -100, -100, 0, -100], [-100, 1, -100, -100]]
    assert cut[0].input_ids[1:-1] + cut[1].input_ids[1:-1] == first[0].input_ids[1:-1]
    with pytest.raises(ValueError, match="sentence 0, field tags: tag 'B-ORG'"):
        encode_sentences([Sentence(["a"], ["B-ORG"])], tok, l2i, max_length=8)
    with pytest.raises(ValueError, match="label scheme"):
        encode_sentences([s], tok, l2i, max_length=8, scheme="last")


def test_read_labelled_formats_and_errors(tmp_path):
    conll = tmp_path / "a.conll"
    write_conll(conll, [Sentence(["-DOCSTART-"], ["O"])] + TRAIN[:3])
    jl = tmp_path / "b.jsonl"
    jl.write_text("".join(json.dumps({"id": i, "tokens": s.tokens, "tags": s.tags}) + "\n"
                          for i, s in enumerate(DEV[:2])))
    got = read_labelled([conll, jl])
    assert [(s.tokens, s.tags) for s in got] == [(s.tokens, s.tags) for s in TRAIN[:3] + DEV[:2]]
    assert len(read_labelled([conll, jl], limit=4)) == 4
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"tokens": ["a", "b"], "tags": ["O", "X-PER"]}) + "\n")
    with pytest.raises(ValueError, match=r"bad.jsonl: sentence 0, field tags: token 1 has tag 'X-PER'"):
        read_labelled(bad)
    untagged = tmp_path / "t.jsonl"
    untagged.write_text(json.dumps({"tokens": ["a", "b"]}) + "\n")
    with pytest.raises(ValueError, match=r"t.jsonl: sentence 0, field tags: 2 tokens but 0 tags"):
        read_labelled(untagged)


def test_cli_train_then_tag(base, tmp_path, capsys):
    train, dev, test = tmp_path / "train.conll", tmp_path / "dev.jsonl", tmp_path / "test.conll"
    write_conll(train, TRAIN)
    dev.write_text("".join(json.dumps({"tokens": s.tokens, "tags": s.tags}) + "\n" for s in DEV))
    write_conll(test, TEST)
    out = tmp_path / "model"
    assert main(["train", "--train", str(train), "--dev", str(dev), "--model", str(base), "--mode", "lora",
                 "--out", str(out), "--epochs", "2", "--lr", "1e-2", "--early-stopping", "1", "--seed", "1",
                 "--grad-accum", "2", "--batch-size", "8", "--label-scheme", "all-subwords"]) == 0
    printed = capsys.readouterr().out
    assert "epoch 1: dev F1" in printed and "kept epoch" in printed
    assert "'loss'" not in printed  # the Trainer's log dicts go to the logger (stderr), not stdout
    meta = json.loads((out / "xlner_training.json").read_text())
    assert meta["config"]["grad_accum"] == 2 and meta["config"]["label_scheme"] == "all-subwords"
    pred = tmp_path / "pred.conll"
    assert main(["tag", "--model", str(out), "--input", str(test), "-o", str(pred), "--device", "cpu"]) == 0
    got = read_conll(pred)
    assert [s.tokens for s in got] == [s.tokens for s in TEST]
    from xlner.models.token_tagger import TokenTagger

    assert [s.tags for s in got] == TokenTagger(str(out), device="cpu").predict([s.tokens for s in TEST])
    assert main(["train", "--train", str(train), "--model", str(base), "--out", str(tmp_path / "x"),
                 "--early-stopping", "2"]) == 1
    assert "early stopping needs dev data" in capsys.readouterr().err

