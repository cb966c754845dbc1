"""Data options shared by ``xlner train`` and ``xlner train-tagger``."""
from __future__ import annotations

import argparse
from typing import List, Optional, Tuple

from xlner.io.conll import Sentence


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    """``--train F [--train G ...]``, ``--dev D``, ``--limit N``."""
    p.add_argument("--train", required=True, action="append", metavar="FILE",
                   help="training data: CoNLL (token and IOB2 tag per line), JSON lines with tokens and tags "
                        "(e.g. a translate-train train.jsonl), a Parquet file / folder or a datasets folder; repeat "
                        "to concatenate files")
    p.add_argument("--dev", metavar="FILE", help="dev data (same formats), scored with entity F1")
    p.add_argument("--limit", type=int, default=0, help="use only the first N training sentences (0: all)")
    p.add_argument("--tokens-field", default="tokens", help="JSON lines / Parquet / datasets inputs: tokens column")
    p.add_argument("--tags-field", default="tags", help="JSON lines / Parquet / datasets inputs: tags column")


def load_data(args: argparse.Namespace) -> Tuple[List[Sentence], Optional[List[Sentence]]]:
    """The training and (optional) dev sentences named by :func:`add_data_arguments`'s options."""
    from xlner.datasets import resolve_path
    from xlner.training.data import read_labelled

    if args.limit < 0:
        raise ValueError(f"--limit must be >= 0, got {args.limit}")
    fields = {"tokens_field": args.tokens_field, "tags_field": args.tags_field}
    train = read_labelled([resolve_path(f) for f in args.train], limit=args.limit, **fields)
    if not train:
        raise ValueError(f"no labelled training sentences in {', '.join(args.train)}")
    dev = read_labelled(resolve_path(args.dev), **fields) if args.dev else None
    return train, dev
