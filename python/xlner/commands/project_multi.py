"""``xlner project`` with several ``--source``/``--alignments`` pairs: multi-source projection
(:mod:`xlner.multisource`). The single-source path stays in :mod:`xlner.commands.project`."""
from __future__ import annotations

import argparse
import logging
import time
from typing import Dict, List, Optional, Sequence, Union, cast


log = logging.getLogger(__name__)

def add_multi_arguments(p: argparse.ArgumentParser) -> None:
    """The options that only apply with more than one source."""
    g = p.add_argument_group("several sources (repeat --source SRC --alignments ALN, pairs in order)")
    g.add_argument("--combine", choices=("vote", "joint"), default=None,
                   help="vote: project each source, keep a span when --min-votes sources project the label onto "
                        "overlapping tokens; joint: one matching of all sources' entities rewarding agreement "
                        "(--method greedy|exact). Default: vote")
    g.add_argument("--min-votes", default=None, metavar="K",
                   help="vote: summed source weights a span needs (default: a strict majority); or per label, "
                        "LABEL=K,... (labels left out: a strict majority)")
    g.add_argument("--boundary", choices=("mode", "median"), default="mode",
                   help="vote: boundaries of a kept span: mode (the span proposed by the most weight, default) or "
                        "median (weighted medians of the starts and of the ends)")
    g.add_argument("--weights", default=None, metavar="W1,W2,...",
                   help="one weight per source, in --source order (default 1 each)")
    g.add_argument("--span-cost", type=float, default=1.0, metavar="LAMBDA",
                   help="joint: cost of each chosen span (default 1.0: one source alone never suffices)")


def is_multi(args: argparse.Namespace) -> bool:
    """Whether the parsed ``project`` arguments ask for multi-source projection."""
    return (len(args.source) > 1 or len(args.alignments) > 1 or args.combine is not None
            or args.min_votes is not None or args.weights is not None)


def _min_votes(text: Optional[str]) -> Union[None, float, Dict[str, float]]:
    """``--min-votes``: a number, or ``LABEL=K,...`` per label."""
    if text is None:
        return None
    try:
        if "=" not in text:
            return float(text)
        out: Dict[str, float] = {}
        for item in text.split(","):
            name, _, k = item.partition("=")
            if not name.strip() or name.strip() in out:
                raise ValueError
            out[name.strip()] = float(k)
        return out
    except ValueError:
        raise ValueError(f"--min-votes: expected a number or LABEL=K,... with distinct labels, got {text!r}") from None


def _weights(text: Optional[str], n: int) -> Optional[List[float]]:
    if text is None:
        return None
    try:
        w = [float(x) for x in text.split(",")]
    except ValueError:
        raise ValueError(f"--weights: expected {n} comma-separated numbers, got {text!r}") from None
    if len(w) != n:
        raise ValueError(f"--weights: {len(w)} weights for {n} sources ({text!r})")
    return w


def run_multi(args: argparse.Namespace) -> int:
    """Read every (source, alignments) pair against the one target, project, combine, write."""
    from xlner.datasets import resolve_path
    from xlner.io import build_batch, load_conll, load_talp, load_tokens, write_projection
    from xlner.multisource import project_multi
    from xlner.projection import MatchingConfig

    if args.alignments and len(args.source) != len(args.alignments):
        raise ValueError(f"--source given {len(args.source)} times but --alignments {len(args.alignments)} times: "
                         f"give one --alignments per --source, in the same order")
    if len(args.source) < 2:
        raise ValueError("--combine, --min-votes and --weights need more than one --source")
    combine = args.combine or "vote"
    from xlner.io.atomic import check_outputs

    check_outputs({"--out": args.out, "--spans-out": args.spans_out},
                  [args.target, *args.source, *args.alignments])
    if args.preset is not None and args.method != "heuristic":
        raise ValueError(f"--preset applies to --method heuristic, not {args.method}")
    t0 = time.perf_counter()
    target = load_tokens(resolve_path(args.target), format=args.target_format, keep_tokens=True)
    batches = []
    if not args.alignments:  # each source aligned to the target here, with the default recipe
        from xlner.commands.project import _load_corpus

        if args.align_extra:
            raise ValueError("--align-extra trains the aligner of one language pair: with several --source, align "
                             "each pair with 'xlner align' (its own --align-extra) and pass --alignments")

        for src_path in args.source:
            one = argparse.Namespace(**{**vars(args), "source": src_path, "alignments": None})
            batches.append(_load_corpus(one).batch)
    for src_path, aln_path in zip(args.source, args.alignments):
        src = load_conll(resolve_path(src_path), with_tags=True, keep_tokens=False)
        batches.append(build_batch(src, target, load_talp(resolve_path(aln_path)), threads=args.threads))
    heuristic = None
    tgt_tokens: Optional[Sequence[Sequence[str]]] = None
    if args.method == "heuristic":
        from xlner.heuristic import HeuristicConfig

        heuristic = HeuristicConfig.preset(args.preset or "thesis")
        if heuristic.drop_punct:  # the punctuation filter looks at the target words
            tgt_tokens = cast(Sequence[Sequence[str]], target)  # a TokenCorpus: flags computed in C++
    res = project_multi(batches, args.method, combine, min_votes=_min_votes(args.min_votes), boundary=args.boundary,
                        weights=_weights(args.weights, len(batches)), span_cost=args.span_cost,
                        matching=MatchingConfig(max_len=args.max_len, constraint=args.constraint),
                        heuristic=heuristic, tgt_tokens=tgt_tokens, threads=args.threads)
    write_projection(args.out, target, res.to_result(), threads=args.threads)
    if args.spans_out is not None:
        res.write_spans_jsonl(args.spans_out, source_names=list(args.source))
    log.info("%d sentences, %d spans from %d sources (%s, %s) in %.2f s -> %s", len(res),
             sum(len(s) for s in res.spans), len(batches), combine, args.method, time.perf_counter() - t0, args.out)
    return 0
