"""``xlner train``: fine-tune a transformers encoder for NER (full, LoRA or (IA)³ adapter) on CoNLL / JSON lines."""
from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from xlner.commands._training_data import add_data_arguments, load_data


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``train``."""
    p = subparsers.add_parser(
        "train", help="fine-tune a transformers token classifier (full, LoRA, adapter) on labelled data",
        description="Fine-tune any transformers encoder (hub id or local directory) for IOB2 token classification "
                    "with the transformers Trainer. --mode full trains every weight; lora trains peft LoRA matrices "
                    "on the attention projections; adapter trains peft (IA)3 rescaling vectors (peft has no "
                    "bottleneck adapter and the 'adapters' library does not install beside transformers 5; (IA)3 "
                    "is the adapter-style method peft offers that merges into the weights). In both peft modes "
                    "the classification head is trained in full. With --dev the entity F1 (xlner's evaluator, "
                    "word level) is computed after every epoch and the best epoch is kept. The output directory "
                    "loads with 'xlner tag --model DIR' and TokenTagger(DIR): LoRA/adapter weights are merged into "
                    "the base by default; --no-merge keeps the peft adapter only (small), loaded onto the base "
                    "model named in its adapter_config.json.")
    add_data_arguments(p)
    p.add_argument("--model", required=True, metavar="BASE", help="base encoder: hub id or local directory")
    p.add_argument("--mode", choices=("full", "lora", "adapter"), default="full", help="what is trained (default full)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--epochs", type=float, default=3.0, help="training epochs (default 3)")
    p.add_argument("--lr", type=float, default=None,
                   help="peak learning rate (default: 5e-5 full, 5e-4 lora, 3e-3 adapter), linear decay with warm-up")
    p.add_argument("--batch-size", type=int, default=16, help="sentences (windows) per step and device (default 16)")
    p.add_argument("--grad-accum", type=int, default=1, help="gradient accumulation steps (default 1)")
    p.add_argument("--max-length", type=int, default=256,
                   help="subwords per window, special tokens included; longer sentences are cut at word "
                        "boundaries (default 256, capped at the model's limit)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0); on CPU a run is fully deterministic")
    p.add_argument("--label-scheme", choices=("first-subword", "all-subwords"), default="first-subword",
                   help="train on the first subword of each word only, or on all (continuations of B-X get I-X)")
    p.add_argument("--early-stopping", type=int, default=0, metavar="N",
                   help="stop after N epochs without a better dev F1 (0: off; needs --dev)")
    p.add_argument("--lora-r", type=int, default=8, help="LoRA rank (default 8)")
    p.add_argument("--lora-alpha", type=int, default=16, help="LoRA alpha (default 16)")
    p.add_argument("--target-modules", nargs="+", default=None, metavar="NAME",
                   help="modules LoRA / (IA)3 wrap (default: peft's choice for the architecture)")
    p.add_argument("--no-merge", action="store_true",
                   help="lora/adapter: save the peft adapter instead of merging it into the base weights")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto",
                   help="auto: bf16 (or fp16) mixed precision on GPU, fp32 on CPU")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="where to train (default auto)")
    p.add_argument("--keep-checkpoints", action="store_true",
                   help="keep the Trainer's checkpoints under DIR/checkpoints")
    p.add_argument("--progress", action="store_true", help="show progress bars")
    return p


def run(args: argparse.Namespace) -> int:
    """Read the data, train, save; print the dev F1 per epoch."""
    from xlner.training.trainer import TrainConfig, train_token_classifier

    train, dev = load_data(args)
    cfg = TrainConfig(mode=args.mode, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                      max_length=args.max_length, seed=args.seed, label_scheme=args.label_scheme,
                      early_stopping=args.early_stopping, grad_accum=args.grad_accum, lora_r=args.lora_r,
                      lora_alpha=args.lora_alpha, target_modules=args.target_modules, merge=not args.no_merge,
                      precision=args.precision, device=None if args.device == "auto" else args.device,
                      keep_checkpoints=args.keep_checkpoints)
    if args.progress:
        logging.getLogger("xlner").setLevel(logging.INFO)
    res = train_token_classifier(train, args.model, args.out, cfg, dev=dev, progress=args.progress)
    print(f"trained {args.mode} on {len(train)} sentences ({res.train_windows} windows); "
          f"{res.trainable_params} of {res.total_params} parameters trainable; labels {' '.join(res.labels)}")
    for epoch, f1 in enumerate(res.dev_f1, start=1):
        print(f"epoch {epoch}: dev F1 {100 * f1:.2f}")
    if res.best_epoch is not None:
        print(f"kept epoch {res.best_epoch} (dev F1 {100 * float(res.best_f1 or 0):.2f})")
    print(json.dumps({"out": res.out_dir, "merged": cfg.mode != "full" and cfg.merge}))
    return 0
