"""Translation throughput: the transformers and CTranslate2 backends of ``xlner.models.translator.Translator``
on CPU, same model, same inputs, same batching, one run.

The model is an NLLB-style M2M100 with random (seeded) weights at roughly Transformer-base size
(``--d-model`` 512, ``--layers`` 6 encoder + 6 decoder, 8 heads, FFN 2048, a ``--vocab`` 32000-entry output
layer) and the tiny SentencePiece tokenizer of the tests; nothing is downloaded. A random model does not stop
by itself in a meaningful place, so every output is exactly ``--out-len`` tokens (``min_new_tokens`` =
``max_new_tokens``), which makes both backends do the same work. Inputs: the first ``--sentences`` English
sentences of the bundled Europarl-NER sample, translated en → de greedily (``--beams`` 1) with no cache.

Prints sentences/s of: transformers float32, CTranslate2 float32 (``compute_type=default``), CTranslate2
int8, and the ratios to transformers, plus sentences per CPU-second of the process (robust to other load on a
shared machine: the figure for sizing); also checks that the float32 outputs of both backends are identical.

    python bench/bench_translate.py [--sentences 200] [--out-len 32] [--threads 1] [--batch-size 16]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def build_model(out: Path, *, d_model: int, layers: int, vocab: int, seed: int) -> Path:
    """The tiny NLLB tokenizer with a Transformer-base-sized M2M100 (output layer padded to ``vocab``)."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    import tinymodels

    spm_dir = out / "_spm"
    spm_dir.mkdir(parents=True)
    tinymodels.train_sentencepiece(spm_dir / "sentencepiece.bpe", tinymodels.training_sentences(), vocab_size=400,
                                   model_type="bpe")
    langs = list(tinymodels.TINY_NLLB_LANGS)
    tok = NllbTokenizer.from_pretrained(str(spm_dir), src_lang=langs[0], tgt_lang=langs[1],
                                        additional_special_tokens=langs)
    torch.manual_seed(seed)
    cfg = M2M100Config(
        vocab_size=max(vocab, len(tok)), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=8, decoder_attention_heads=8, encoder_ffn_dim=4 * d_model,
        decoder_ffn_dim=4 * d_model, max_position_embeddings=1024, dropout=0.0, attention_dropout=0.0,
        activation_dropout=0.0, scale_embedding=True, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.eos_token_id)
    model = M2M100ForConditionalGeneration(cfg).eval()
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    import shutil

    shutil.rmtree(spm_dir)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: M2M100 d_model={d_model}, {layers}+{layers} layers, vocab {cfg.vocab_size}, "
          f"{n_params / 1e6:.1f} M parameters (random, seed {seed})")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=200)
    ap.add_argument("--out-len", type=int, default=32, help="tokens generated per sentence (fixed)")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads of both backends")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--beams", type=int, default=1)
    ap.add_argument("--d-model", type=int, default=512)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import torch
    from transformers.utils import logging as hf_logging

    from xlner.datasets import resolve_path
    from xlner.io import read_conll
    from xlner.models.ct2 import convert_checkpoint
    from xlner.models.translator import GenerationOptions, Translator

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    texts = [" ".join(s.tokens) for s in read_conll(resolve_path("sample:en.conll"))]
    texts = [t for t in dict.fromkeys(texts) if t != "-DOCSTART-"][:args.sentences]
    opts = GenerationOptions(num_beams=args.beams, max_new_tokens=args.out_len, max_length_ratio=None,
                             extra={"min_new_tokens": args.out_len})
    with tempfile.TemporaryDirectory(prefix="xlner-bench-translate-") as tmp:
        model_dir = build_model(Path(tmp) / "hf", d_model=args.d_model, layers=args.layers, vocab=args.vocab,
                                seed=args.seed)
        t = time.perf_counter()
        ct2_dir = convert_checkpoint(model_dir, Path(tmp) / "ct2")
        print(f"conversion (ctranslate2.converters.TransformersConverter): {time.perf_counter() - t:.1f} s")
        print(f"inputs: {len(texts)} sentences of the bundled sample, en->de, beam {args.beams}, {args.out_len} "
              f"output tokens each, batch {args.batch_size}, {args.threads} thread(s), CPU")
        runs = [("transformers float32", dict(model=str(model_dir))),
                ("ctranslate2 float32", dict(model=str(ct2_dir), backend="ctranslate2", ct2_threads=args.threads)),
                ("ctranslate2 int8", dict(model=str(ct2_dir), backend="ctranslate2", compute_type="int8",
                                          ct2_threads=args.threads))]
        rates = {}
        outputs = {}
        for name, kw in runs:
            model = kw.pop("model")
            tr = Translator(model, device="cpu", options=opts, batch_size=args.batch_size, **kw)  # type: ignore[arg-type]
            tr.translate(texts[:args.batch_size], src_lang="en", tgt_lang="de")  # warm-up (not timed)
            tr.stats.translated = 0
            t, c = time.perf_counter(), time.process_time()
            outputs[name] = tr.translate(texts, src_lang="en", tgt_lang="de")
            dt, dc = time.perf_counter() - t, time.process_time() - c
            rates[name] = len(texts) / dt
            print(f"{name:24s} {dt:7.2f} s  {rates[name]:8.1f} sentences/s   CPU {dc:7.2f} s: "
                  f"{len(texts) / dc:8.1f} sentences per CPU-second")
        base = rates["transformers float32"]
        for name in ("ctranslate2 float32", "ctranslate2 int8"):
            print(f"ratio {name} / transformers float32: {rates[name] / base:.2f}x")
        same = outputs["ctranslate2 float32"] == outputs["transformers float32"]
        n_same = sum(a == b for a, b in zip(outputs["ctranslate2 float32"], outputs["transformers float32"]))
        print(f"float32 outputs identical across backends: {same} ({n_same}/{len(texts)} sentences)")


if __name__ == "__main__":
    main()
