"""Training throughput of ``xlner train`` on a GPU: full fine-tuning vs LoRA vs (IA)³ adapter.

An XLM-R-base-sized token classifier (12 layers, hidden 768, 12 heads, FFN 3072, 250,002 embeddings:
~278M parameters) is built from its config with random weights (nothing is downloaded), with a small
SentencePiece tokenizer trained on the fly (tests/tinymodels.py). Synthetic sentences of real Europarl
words (when ../shared/data is present, else the inline sentences) with a toy entity task go through the
real training path (:func:`xlner.training.trainer.train_token_classifier`: Trainer, peft, bf16) for a
fixed number of steps per mode; printed: subword tokens per second of training (train_runtime of the
Trainer), the trainable parameters, and the ratios to full fine-tuning, all from one run.

    python bench/bench_train_gpu.py [--steps 300] [--batch-size 32] [--words 60]

Skips (exit 0 with a message) without CUDA; ``--cpu-smoke`` runs a tiny configuration on CPU to check
the script itself.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def build_base(out: Path, *, hidden: int, layers: int, heads: int, ffn: int, vocab: int, seed: int) -> Path:
    """Random-weight XLM-R token classifier of the given size + a small trained tokenizer, saved in ``out``."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForTokenClassification, XLMRobertaTokenizer

    import tinymodels

    spm_dir = out / "_spm"
    spm_dir.mkdir(parents=True)
    tinymodels.train_sentencepiece(spm_dir / "sentencepiece.bpe", tinymodels.training_sentences(), vocab_size=2000,
                                   model_type="unigram")
    tok = XLMRobertaTokenizer.from_pretrained(str(spm_dir), model_max_length=512)
    torch.manual_seed(seed)
    cfg = XLMRobertaConfig(vocab_size=max(vocab, len(tok)), hidden_size=hidden, num_hidden_layers=layers,
                           num_attention_heads=heads, intermediate_size=ffn, max_position_embeddings=514,
                           pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
                           eos_token_id=tok.eos_token_id, num_labels=3)
    model = XLMRobertaForTokenClassification(cfg)
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    return out


def synthetic(n: int, words: int, seed: int):
    """``n`` sentences of ``words`` real words; capitalised words are entities (B-/I-ENT)."""
    import tinymodels

    from xlner.io.conll import Sentence

    vocab = sorted({w for s in tinymodels.training_sentences() for w in s.split()})
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        toks = [rng.choice(vocab) for _ in range(words)]
        tags, prev = [], False
        for t in toks:
            ent = t[:1].isupper()
            tags.append(("I-ENT" if prev else "B-ENT") if ent else "O")
            prev = ent
        out.append(Sentence(toks, tags))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300, help="optimizer steps per mode (default 300)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--words", type=int, default=60, help="words per synthetic sentence (default 60)")
    ap.add_argument("--modes", nargs="+", default=["full", "lora", "adapter"])
    ap.add_argument("--cpu-smoke", action="store_true", help="tiny model, few steps, on CPU (checks the script)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    args = ap.parse_args()
    import torch

    from xlner.training.trainer import TrainConfig, train_token_classifier

    if not torch.cuda.is_available() and not args.cpu_smoke:
        print("bench_train_gpu: no CUDA device; skipped (use --cpu-smoke to check the script on CPU)")
        return 0
    size = dict(hidden=768, layers=12, heads=12, ffn=3072, vocab=250002)
    if args.cpu_smoke:
        size = dict(hidden=32, layers=2, heads=2, ffn=64, vocab=500)
        args.steps, args.batch_size, args.words = min(args.steps, 4), min(args.batch_size, 4), min(args.words, 12)
    tmp = Path(tempfile.mkdtemp(prefix="xlner-bench-train-"))
    base = build_base(tmp / "base", seed=0, **size)
    data = synthetic(args.steps * args.batch_size, args.words, seed=0)
    dev = synthetic(64, args.words, seed=1)
    dev_name = torch.cuda.get_device_name(0) if torch.cuda.is_available() and not args.cpu_smoke else "cpu"
    print(f"device {dev_name}; model {size}; {args.steps} steps x {args.batch_size} sentences x {args.words} words")
    rows = []
    for mode in args.modes:
        cfg = TrainConfig(mode=mode, epochs=1, batch_size=args.batch_size, max_length=512, seed=0,
                          device="cpu" if args.cpu_smoke else None)
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        res = train_token_classifier(data, str(base), tmp / mode, cfg, dev=dev)
        wall = time.perf_counter() - t0
        runtime = next(h["train_runtime"] for h in res.log_history if "train_runtime" in h)
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(base))
        n_tokens = sum(len(tok([s.tokens], is_split_into_words=True)["input_ids"][0]) for s in data)
        rows.append({"mode": mode, "tokens_per_s": n_tokens / runtime, "train_runtime_s": runtime, "wall_s": wall,
                     "trainable": res.trainable_params, "total": res.total_params, "dev_f1": res.best_f1,
                     "peak_mem_gib": (torch.cuda.max_memory_allocated() / 2 ** 30) if torch.cuda.is_available()
                     and not args.cpu_smoke else None})
        print(json.dumps(rows[-1]))
    full = next((r for r in rows if r["mode"] == "full"), rows[0])
    print("\n| mode | tokens/s | vs full | trainable params | share | peak GPU GiB | dev F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        mem = f"{r['peak_mem_gib']:.1f}" if r["peak_mem_gib"] is not None else "-"
        print(f"| {r['mode']} | {r['tokens_per_s']:,.0f} | {r['tokens_per_s'] / full['tokens_per_s']:.2f}x | "
              f"{r['trainable']:,} | {100 * r['trainable'] / r['total']:.2f}% | {mem} | {r['dev_f1']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps({"device": dev_name, "size": size, "steps": args.steps,
                                         "batch_size": args.batch_size, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
