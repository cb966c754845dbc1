"""``xlner distill``: teacher–student distillation on unlabeled target-language text (:mod:`xlner.distill`)."""
from __future__ import annotations

import argparse
import json
import logging
from typing import Any, List, Sequence, Union

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``distill``."""
    p = subparsers.add_parser(
        "distill", help="train a student tagger on the soft labels of one or more teachers over unlabeled text",
        description="Teacher-student learning (Wu et al., ACL 2020): the teachers (any tagger xlner tag accepts "
                    "that gives probabilities: CRF files give marginals, transformers models softmax) label the "
                    "unlabeled sentences with per-word tag distributions, combined over teachers (uniform, "
                    "'auto': weighted by agreement with the other teachers on the unlabeled text, or given "
                    "weights). --student crf trains a CRF on the arg-max pseudo-labels (written to OUT, a file); "
                    "a transformers base model is trained (full or LoRA) with the soft cross-entropy at "
                    "--temperature, optionally mixed with projected hard labels: loss = mix*CE(hard) + "
                    "(1-mix)*soft (written to OUT, a directory).")
    p.add_argument("--teacher", required=True, action="append", metavar="M",
                   help="teacher tagger: CRF file or transformers directory / hub id; repeat for several")
    p.add_argument("--teacher-weights", default="uniform", metavar="W",
                   help="uniform, auto (agreement between teachers on the unlabeled text) or w1,w2,... "
                        "(one per teacher)")
    p.add_argument("--unlabeled", required=True, metavar="TEXT",
                   help="unlabeled sentences: CoNLL (tags ignored), JSON lines with tokens, or one sentence of "
                        "space-separated tokens per line")
    p.add_argument("--student", required=True, metavar="BASE",
                   help="'crf', or a transformers base model (hub id or local directory)")
    p.add_argument("--mode", choices=("full", "lora"), default="full", help="transformers student: what is trained")
    p.add_argument("-o", "--out", required=True, metavar="OUT", help="output: CRF file or model directory")
    p.add_argument("--temperature", type=float, default=1.0, help="distillation temperature (transformers student)")
    p.add_argument("--crf-labels", choices=("argmax", "sample"), default="argmax",
                   help="CRF student: the arg-max pseudo-labels, or --samples sequences per sentence drawn from "
                        "the combined distributions (tempered at --temperature)")
    p.add_argument("--samples", type=int, default=1, help="CRF student with --crf-labels sample: draws per sentence")
    p.add_argument("--min-confidence", type=float, default=0.0,
                   help="CRF student: keep the unlabeled sentences whose every word's arg-max probability reaches "
                        "this (default 0: all)")
    p.add_argument("--hard", metavar="F", help="projected hard labels (CoNLL / JSON lines) mixed into the loss")
    p.add_argument("--mix", type=float, default=0.5, help="weight of the hard-label loss (with --hard)")
    p.add_argument("--dev", metavar="FILE", help="labelled dev data: F1 per epoch, best epoch kept (transformers)")
    p.add_argument("--epochs", type=float, default=3.0, help="training epochs (transformers student)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: xlner train's for the mode)")
    p.add_argument("--batch-size", type=int, default=16, help="windows per step (transformers student)")
    p.add_argument("--seed", type=int, default=0, help="seed")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="transformers teachers' device")
    return p


def parse_weights(text: str) -> Union[str, List[float]]:
    """``uniform`` / ``auto`` / ``agreement``, or comma-separated numbers."""
    if text in ("uniform", "auto", "agreement"):
        return text
    try:
        return [float(x) for x in text.split(",")]
    except ValueError:
        raise ValueError(f"--teacher-weights: expected uniform, auto or w1,w2,..., got {text!r}") from None


def _sentences(path: str) -> List[Sequence[str]]:
    from xlner.datasets import resolve_path
    from xlner.pipelines.stages import iter_sentences

    return [s.tokens for s in iter_sentences(resolve_path(path)) if s.tokens and not s.is_docstart]


def run(args: argparse.Namespace) -> int:
    """Load the teachers and the data, distill, report."""
    from xlner.datasets import resolve_path
    from xlner.distill import distill
    from xlner.models.load import load_tagger
    from xlner.training.data import read_labelled

    if args.student == "crf" and args.crf_labels == "argmax" and args.temperature != 1.0:
        log.warning("--temperature has no effect on a CRF student learning the arg-max pseudo-labels")
    weights = parse_weights(args.teacher_weights)
    device = None if args.device == "auto" else args.device
    teachers = [load_tagger(t, device=device) for t in args.teacher]
    for t, spec in zip(teachers, args.teacher):
        if not hasattr(t, "predict_proba"):
            raise ValueError(f"teacher {spec}: this tagger gives no probabilities (use a CRF or transformers model)")
    unlabeled = _sentences(args.unlabeled)
    if not unlabeled:
        raise ValueError(f"{args.unlabeled}: no sentences")
    hard = read_labelled(resolve_path(args.hard)) if args.hard else None
    dev = read_labelled(resolve_path(args.dev)) if args.dev else None
    res = distill(teachers, unlabeled, args.student, args.out, weights=weights, temperature=args.temperature,
                  hard=hard, mix=args.mix, mode=args.mode, epochs=args.epochs, lr=args.lr, seed=args.seed,
                  batch_size=args.batch_size, dev=dev, crf_labels=args.crf_labels, samples=args.samples,
                  min_confidence=args.min_confidence)
    log.info("distilled %d unlabeled sentences (%d hard) into %s", res.unlabeled, res.hard, res.out)
    print(json.dumps({"out": res.out, "teachers": list(args.teacher), "weights": res.weights,
                      "unlabeled": res.unlabeled, "hard": res.hard, "tags": res.tags}))
    return 0
