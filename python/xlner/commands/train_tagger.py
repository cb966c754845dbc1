"""``xlner train-tagger``: train the CPU CRF tagger from CoNLL files."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any

from xlner.commands._stdio import file_args

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``train-tagger`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "train-tagger",
        help="train a CRF tagger (python-crfsuite) from CoNLL files",
        description="Train a linear-chain CRF with lexical and shape features on a CoNLL file "
        "(token and IOB2 tag per line). Prints entity F1 on --dev when given.",
    )
    p.add_argument("--train", required=True, help="training CoNLL file (or a Parquet file / datasets folder)")
    p.add_argument("--dev", help="optional CoNLL file scored after training")
    p.add_argument("-o", "--out", required=True, help="model file to write")
    p.add_argument("--c1", type=float, default=0.1, help="L1 regularisation (default 0.1)")
    p.add_argument("--c2", type=float, default=0.05, help="L2 regularisation (default 0.05)")
    p.add_argument("--max-iterations", type=int, default=100, help="L-BFGS iterations (default 100)")
    p.add_argument("--window", type=int, default=2, help="neighbour words on each side (default 2)")
    p.add_argument("--limit", type=int, default=0, help="use only the first N training sentences (0: all)")
    p.add_argument("--tokens-field", default="tokens", help="Parquet / datasets inputs: tokens column (default tokens)")
    p.add_argument("--tags-field", default="tags", help="Parquet / datasets inputs: tags column (default tags)")
    p.set_defaults(func=run)
    file_args(p, inputs=("train", "dev"), outputs=("out",))
    return p


def run(args: argparse.Namespace) -> int:
    """Train, save and (with --dev) evaluate; returns the exit status."""
    from xlner.log import progress
    from xlner.io.atomic import check_outputs
    from xlner.io.tables import load_labelled
    from xlner.models.crf import CRFConfig, CRFTagger
    from xlner.robustness.runner import entity_scores

    def read_conll(path: str) -> list:  # CoNLL or a Parquet / datasets table
        return load_labelled(path, tokens_field=args.tokens_field, tags_field=args.tags_field,
                             keep_tokens=True).sentences()

    check_outputs({"--out": args.out}, {"--train": args.train, "--dev": args.dev})
    train = [s for s in read_conll(args.train) if not s.is_docstart]
    if args.limit:
        train = train[: args.limit]
    cfg = CRFConfig(c1=args.c1, c2=args.c2, max_iterations=args.max_iterations, window=args.window)
    t0 = time.perf_counter()
    with progress(total=cfg.max_iterations, desc="train-tagger (L-BFGS iterations)", unit="it") as bar:
        tagger = CRFTagger.train([s.tokens for s in train], [s.tags for s in train], cfg,
                                 verbose=getattr(args, "verbose", 0) > 0, on_iteration=lambda i: bar.update(1))
    tagger.save(args.out)
    log.info("trained on %d sentences in %.1fs; tags %s; wrote %s", len(train), time.perf_counter() - t0,
             tagger.tags, args.out)
    if args.dev:
        dev = [s for s in read_conll(args.dev) if not s.is_docstart]
        row = entity_scores([s.tags for s in dev], tagger.predict([s.tokens for s in dev]), "dev")
        per = ", ".join(f"{c} {100 * f:.2f}" for c, f in sorted(row.per_class.items()))
        print(f"dev {args.dev}: F1 {100 * row.f1:.2f} (P {100 * row.precision:.2f}, R {100 * row.recall:.2f}); {per}")
    sys.stdout.flush()
    return 0
