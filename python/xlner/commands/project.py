"""``xlner project``: project source entities onto target sentences through word alignments, files to files."""
from __future__ import annotations

import argparse
import sys
import time

from xlner.commands.project_multi import add_multi_arguments, is_multi, run_multi

METHODS = ("heuristic", "greedy", "exact", "ilp")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``project``."""
    p = subparsers.add_parser(
        "project", help="project source entities onto the target sentences",
        description="Project the source IOB2 entities onto the target sentences through word alignments and write "
                    "the target tokens with the projected labels (sentence for sentence, -DOCSTART- lines kept).")
    p.add_argument("--source", required=True, action="append", metavar="SRC",
                   help="CoNLL file with the source IOB2 labels (sample:NAME: a file of the bundled sample, also for "
                        "TGT and ALN)")
    p.add_argument("--target", required=True, metavar="TGT",
                   help="target sentences: CoNLL (labels ignored) or one sentence of space-separated tokens per line")
    p.add_argument("--alignments", required=True, action="append", metavar="ALN",
                   help="talp alignments, one line per sentence, 0-based, source index first (repeat --source and "
                        "--alignments in pairs to project several sources: see --combine)")
    p.add_argument("--method", required=True, choices=METHODS, help="projection method")
    p.add_argument("--preset", choices=("elp", "thesis"), default=None,
                   help="heuristic preset (only with --method heuristic; default: thesis)")
    p.add_argument("--max-len", type=int, default=10, metavar="M", help="longest candidate span (default 10)")
    p.add_argument("--constraint", default="<=1",
                   help="projections per entity for matching methods: <n, <=n, =n, >=n, >n (default '<=1')")
    p.add_argument("--threads", type=int, default=-1, help="worker threads (-1: all cores)")
    p.add_argument("--out", required=True, metavar="OUT", help="output CoNLL: target tokens with projected labels")
    p.add_argument("--spans-out", default=None, metavar="SPANS.jsonl",
                   help="also write the spans, scores and source entity per sentence as JSON lines")
    p.add_argument("--target-format", choices=("auto", "conll", "lines"), default="auto",
                   help="format of TGT (default: detected)")
    p.add_argument("--quiet", action="store_true", help="no summary line on stderr")
    add_multi_arguments(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Read, build the batch, project, write."""
    from xlner.datasets import resolve_path
    from xlner.io import load_projection_corpus, write_projection
    from xlner.projection import MatchingConfig, project

    if is_multi(args):
        return run_multi(args)
    args.source, args.alignments = args.source[0], args.alignments[0]
    if args.preset is not None and args.method != "heuristic":
        raise ValueError(f"--preset applies to --method heuristic, not {args.method}")
    t0 = time.perf_counter()
    matching = MatchingConfig(max_len=args.max_len, constraint=args.constraint)
    corpus = load_projection_corpus(resolve_path(args.source), resolve_path(args.target),
                                    resolve_path(args.alignments), target_format=args.target_format,
                                    threads=args.threads)
    kwargs = {}
    if args.method == "heuristic":
        from xlner.heuristic import HeuristicConfig

        config = HeuristicConfig.preset(args.preset or "thesis")
        kwargs["heuristic"] = config
        if config.drop_punct:  # the punctuation filter looks at the target words
            kwargs["tgt_tokens"] = corpus.target  # TokenCorpus: punctuation flags computed in C++
    result = project(corpus.batch, args.method, matching=matching, threads=args.threads, **kwargs)
    write_projection(args.out, corpus.target, result, spans_out=args.spans_out, threads=args.threads)
    if not args.quiet:
        n_ent = int(corpus.batch.ent_offsets[-1])
        print(f"xlner project: {len(result)} sentences, {len(result.start)} spans projected from {n_ent} source "
              f"entities ({args.method}) in {time.perf_counter() - t0:.2f} s -> {args.out}", file=sys.stderr)
    return 0
