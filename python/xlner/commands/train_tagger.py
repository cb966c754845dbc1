"""``xlner train-tagger``: train the CPU CRF tagger from CoNLL or JSON-lines files (the data options of
``xlner train``)."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any

from xlner.commands._stdio import file_args
from xlner.commands._training_data import add_data_arguments, load_data

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``train-tagger`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "train-tagger",
        help="train a CRF tagger (python-crfsuite) from CoNLL / JSON-lines files",
        description="Train a linear-chain CRF with lexical and shape features on CoNLL files "
        "(token and IOB2 tag per line) or JSON lines (tokens, tags). Prints entity F1 on --dev when given.",
    )
    add_data_arguments(p)
    p.add_argument("-o", "--out", required=True, help="model file to write")
    p.add_argument("--c1", type=float, default=0.1, help="L1 regularisation (default 0.1)")
    p.add_argument("--c2", type=float, default=0.05, help="L2 regularisation (default 0.05)")
    p.add_argument("--max-iterations", type=int, default=100, help="L-BFGS iterations (default 100)")
    p.add_argument("--window", type=int, default=2, help="neighbour words on each side (default 2)")
    p.set_defaults(func=run)
    file_args(p, inputs=("train", "dev"), outputs=("out",))
    return p


def run(args: argparse.Namespace) -> int:
    """Train, save and (with --dev) evaluate; returns the exit status."""
    from xlner.io.atomic import check_outputs
    from xlner.log import progress
    from xlner.models.crf import CRFConfig, CRFTagger
    from xlner.robustness.runner import entity_scores

    check_outputs({"--out": args.out}, {**{f"--train {f}": f for f in args.train}, "--dev": args.dev})
    train, dev = load_data(args)
    cfg = CRFConfig(c1=args.c1, c2=args.c2, max_iterations=args.max_iterations, window=args.window)
    t0 = time.perf_counter()
    with progress(total=cfg.max_iterations, desc="train-tagger (L-BFGS iterations)", unit="it") as bar:
        tagger = CRFTagger.train([s.tokens for s in train], [s.tags for s in train], cfg,
                                 verbose=getattr(args, "verbose", 0) > 0, on_iteration=lambda i: bar.update(1))
    tagger.save(args.out)
    log.info("trained on %d sentences in %.1fs; tags %s; wrote %s", len(train), time.perf_counter() - t0,
             tagger.tags, args.out)
    if dev is not None:
        row = entity_scores([s.tags for s in dev], tagger.predict([s.tokens for s in dev]), "dev")
        per = ", ".join(f"{c} {100 * f:.2f}" for c, f in sorted(row.per_class.items()))
        print(f"dev {args.dev}: F1 {100 * row.f1:.2f} (P {100 * row.precision:.2f}, R {100 * row.recall:.2f}); {per}")
    sys.stdout.flush()
    return 0
