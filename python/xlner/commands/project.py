"""``xlner project``: project source entities onto target sentences through word alignments, files to files."""
from __future__ import annotations

import argparse
import sys
import time
from typing import Callable

METHODS = ("heuristic", "greedy", "exact", "ilp")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``project``."""
    p = subparsers.add_parser(
        "project", help="project source entities onto the target sentences",
        description="Project the source IOB2 entities onto the target sentences through word alignments and write "
                    "the target tokens with the projected labels (sentence for sentence, -DOCSTART- lines kept).")
    p.add_argument("--source", required=True, metavar="SRC",
                   help="CoNLL file with the source IOB2 labels (sample:NAME: a file of the bundled sample, also for "
                        "TGT and ALN)")
    p.add_argument("--target", required=True, metavar="TGT",
                   help="target sentences: CoNLL (labels ignored) or one sentence of space-separated tokens per line")
    p.add_argument("--alignments", required=True, metavar="ALN",
                   help="talp alignments, one line per sentence, 0-based, source index first")
    p.add_argument("--method", required=True, choices=METHODS, help="projection method")
    p.add_argument("--preset", choices=("elp", "thesis"), default=None,
                   help="heuristic preset (only with --method heuristic; default: thesis)")
    p.add_argument("--max-len", type=_positive_int32, default=10, metavar="M",
                   help="longest candidate span (default 10)")
    p.add_argument("--constraint", default="<=1",
                   help="projections per entity for matching methods: <n, <=n, =n, >=n, >n (default '<=1')")
    p.add_argument("--time-limit", type=_positive_float, default=None, metavar="SECONDS",
                   help="exact / ilp: seconds for the HiGHS solves of each block of --chunk-sentences sentences "
                        "(default: no limit); sentences not solved in time are reported with status 2")
    p.add_argument("--threads", type=int, default=-1, help="worker threads (-1: all cores)")
    p.add_argument("--chunk-sentences", type=_positive_int32, default=None, metavar="N",
                   help="sentence pairs read, projected and written at a time (default 32768; memory grows with it)")
    p.add_argument("--out", required=True, metavar="OUT",
                   help="output CoNLL: target tokens with projected labels (OUT.gz: gzip-compressed; inputs may be "
                        "gzip too); written to a temporary file and renamed when complete")
    p.add_argument("--spans-out", default=None, metavar="SPANS.jsonl",
                   help="also write the spans, scores and source entity per sentence as JSON lines")
    p.add_argument("--target-format", choices=("auto", "conll", "lines"), default="auto",
                   help="format of TGT (default: detected)")
    p.add_argument("--quiet", action="store_true", help="no summary line on stderr")
    return p


def _positive(kind: Callable[[str], float], upper: float) -> Callable[[str], float]:
    """argparse type: a number of type ``kind`` (int or float) with 0 < value <= upper (NaN refused)."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, got "
                                             f"{text!r}") from None
        if not 0 < value <= upper:
            bound = str(int(upper)) if kind is int else f"{upper:g}"
            raise argparse.ArgumentTypeError(f"must be > 0 and <= {bound}, got {text}")
        return value

    return parse


_positive_int32 = _positive(int, 2**31 - 1)
_positive_float = _positive(float, 1e300)


def run(args: argparse.Namespace) -> int:
    """Read, project and write block by block (bounded memory; outputs renamed into place when complete)."""
    from xlner.datasets import resolve_path
    from xlner.projection import MatchingConfig
    from xlner.streaming import DEFAULT_CHUNK_SENTENCES, project_files

    if args.preset is not None and args.method != "heuristic":
        raise ValueError(f"--preset applies to --method heuristic, not {args.method}")
    t0 = time.perf_counter()
    matching = MatchingConfig(max_len=args.max_len, constraint=args.constraint,
                              time_limit=float("inf") if args.time_limit is None else args.time_limit)
    heuristic = None
    if args.method == "heuristic":
        from xlner.heuristic import HeuristicConfig

        heuristic = HeuristicConfig.preset(args.preset or "thesis")
    stats = project_files(resolve_path(args.source), resolve_path(args.target), resolve_path(args.alignments),
                          args.out, method=args.method, spans_out=args.spans_out, matching=matching,
                          heuristic=heuristic, target_format=args.target_format, threads=args.threads,
                          chunk_sentences=args.chunk_sentences or DEFAULT_CHUNK_SENTENCES,
                          input_names=("--source", "--target", "--alignments"), output_names=("--out", "--spans-out"))
    if not args.quiet:
        print(f"xlner project: {stats.sentences} sentences, {stats.spans} spans projected from {stats.entities} source "
              f"entities ({args.method}) in {time.perf_counter() - t0:.2f} s -> {args.out}", file=sys.stderr)
    return 0
