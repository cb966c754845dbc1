"""``xlner project`` with several ``--source``/``--alignments`` pairs: multi-source projection
(:mod:`xlner.multisource`). The single-source path stays in :mod:`xlner.commands.project`."""
from __future__ import annotations

import argparse
import logging
import os
import time
from typing import Dict, List, Optional, Sequence, Union, cast


log = logging.getLogger(__name__)

def add_multi_arguments(p: argparse.ArgumentParser) -> None:
    """The options that only apply with more than one source."""
    g = p.add_argument_group("several sources (repeat --source SRC --alignments ALN, pairs in order)")
    g.add_argument("--combine", choices=("vote", "joint", "priority"), default=None,
                   help="vote: project each source, keep a span when --min-votes sources project the label onto "
                        "overlapping tokens; joint: one matching of all sources' entities rewarding agreement "
                        "(--method greedy|exact); priority: the spans of the --primary source that --corroboration "
                        "other sources support, plus where it has none the spans --min-votes of the others agree "
                        "on. Default: vote")
    g.add_argument("--min-votes", default=None, metavar="K",
                   help="vote: summed source weights a span needs (default: a strict majority); or per label, "
                        "LABEL=K,... (labels left out: a strict majority); priority: summed weights of the other "
                        "sources a back-off span needs (default: a strict majority of theirs)")
    g.add_argument("--boundary", choices=("mode", "median"), default="mode",
                   help="vote: boundaries of a kept span: mode (the span proposed by the most weight, default) or "
                        "median (weighted medians of the starts and of the ends)")
    g.add_argument("--weights", default=None, metavar="W1,W2,...",
                   help="one weight per source, in --source order (default 1 each); vote: or per label, "
                        "'LABEL=W1,W2,...;LABEL=...' (labels left out: 1 each), e.g. the reliability weights of "
                        "xlner.multisource.fit_reliability")
    g.add_argument("--primary", type=int, default=1, metavar="N",
                   help="priority: the N-th --source is the primary one (1-based, default 1)")
    g.add_argument("--corroboration", type=float, default=0.0, metavar="W",
                   help="priority: summed weights of other sources with an overlapping span of the same label that "
                        "a span of the primary source needs (default 0: every one is kept)")
    g.add_argument("--span-cost", type=float, default=1.0, metavar="LAMBDA",
                   help="joint: cost of each chosen span (default 1.0: one source alone never suffices)")


def is_multi(args: argparse.Namespace) -> bool:
    """Whether the parsed ``project`` arguments ask for multi-source projection."""
    return (len(args.source) > 1 or len(args.alignments) > 1 or args.combine is not None
            or args.min_votes is not None or args.weights is not None or args.primary != 1
            or args.corroboration != 0.0)


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


def _weights(text: Optional[str], n: int) -> Union[None, List[float], Dict[str, List[float]]]:
    """``--weights``: ``W1,W2,...`` (one per source) or ``LABEL=W1,W2,...;LABEL=...`` (per label)."""
    if text is None:
        return None
    if "=" in text:
        out: Dict[str, List[float]] = {}
        for item in text.split(";"):
            name, _, ws = item.partition("=")
            if not name.strip() or name.strip() in out:
                raise ValueError(f"--weights: expected LABEL=W1,W2,...;LABEL=... with distinct labels, got {text!r}")
            w = _weights(ws, n)
            assert isinstance(w, list)
            out[name.strip()] = w
        return out
    try:
        w = [float(x) for x in text.split(",")]
    except ValueError:
        raise ValueError(f"--weights: expected {n} comma-separated numbers, got {text!r}") from None
    if len(w) != n:
        raise ValueError(f"--weights: {len(w)} weights for {n} sources ({text!r})")
    return w


def run_multi(args: argparse.Namespace) -> int:
    """Project every source onto the one target and combine: with ``--alignments``, block by block in bounded
    memory (:func:`xlner.streaming.project_multi_files`); without, each pair is aligned here and the corpora are
    held in memory."""
    from xlner.datasets import resolve_path
    from xlner.io import load_tokens
    from xlner.io.atomic import atomic_outputs
    from xlner.io.conll import write_conll_tags_to
    from xlner.io.corpus import result_tag_ids
    from xlner.multisource import project_multi
    from xlner.projection import MatchingConfig

    if args.alignments and len(args.source) != len(args.alignments):
        raise ValueError(f"--source given {len(args.source)} times but --alignments {len(args.alignments)} times: "
                         f"give one --alignments per --source, in the same order")
    if len(args.source) < 2:
        raise ValueError("--combine, --min-votes, --weights, --primary and --corroboration need more than one --source")
    if not 1 <= args.primary <= len(args.source):
        raise ValueError(f"--primary: {args.primary} is not a --source number (1..{len(args.source)})")
    combine = args.combine or "vote"
    from xlner.io.atomic import check_outputs

    named = {"--target": resolve_path(args.target)}
    for k, src in enumerate(args.source, start=1):
        named[f"--source #{k}"] = resolve_path(src)
        if args.alignments:
            named[f"--alignments #{k}"] = resolve_path(args.alignments[k - 1])
    check_outputs({"--out": args.out, "--spans-out": args.spans_out}, named)
    if args.preset is not None and args.method != "heuristic":
        raise ValueError(f"--preset applies to --method heuristic, not {args.method}")
    from xlner.io.tables import table_format

    tables = [f"{flag} {path}" for flag, paths in (("--source", args.source), ("--target", [args.target]))
              for path in paths if table_format(path)]
    if tables or args.out_format not in ("auto", "conll") or table_format(args.out):
        what = ", ".join(tables) if tables else f"--out {args.out} (--out-format {args.out_format})"
        raise ValueError(f"several sources read and write CoNLL (the target may be one sentence per line), not "
                         f"Parquet or datasets folders: {what}")
    if args.input is not None:
        raise ValueError("--input SHARDS projects one source: with several --source, give the files")
    weights = _weights(args.weights, len(args.source))
    if isinstance(weights, dict) and combine != "vote":
        raise ValueError(f"--weights per label applies to --combine vote, not {combine}")
    t0 = time.perf_counter()
    matching = MatchingConfig(max_len=args.max_len, constraint=args.constraint,
                              time_limit=float("inf") if args.time_limit is None else args.time_limit)
    if args.alignments:  # every pair aligned already: read, project and write block by block
        from xlner.commands.project import _keep_freed_blocks
        from xlner.streaming import DEFAULT_CHUNK_SENTENCES, project_multi_files

        _keep_freed_blocks()
        stats = project_multi_files(
            resolve_path(args.target), [resolve_path(x) for x in args.source],
            [resolve_path(x) for x in args.alignments], args.out, method=args.method, combine=combine,
            spans_out=args.spans_out, min_votes=_min_votes(args.min_votes), boundary=args.boundary,
            weights=None if isinstance(weights, dict) else weights,
            label_weights=weights if isinstance(weights, dict) else None, primary=args.primary - 1,
            corroboration=args.corroboration, span_cost=args.span_cost, matching=matching,
            heuristic=args.preset or "thesis", target_format=args.target_format, threads=args.threads,
            chunk_sentences=args.chunk_sentences or DEFAULT_CHUNK_SENTENCES, source_names=list(args.source),
            input_names=named, output_names=("--out", "--spans-out"))
        log.info("%d sentences, %d spans from %d sources (%s, %s) in %.2f s -> %s", stats.sentences, stats.spans,
                 len(args.source), combine, args.method, time.perf_counter() - t0, args.out)
        return 0
    # each source aligned to the target here, with the default recipe: the aligner trains on whole corpora, so
    # this path holds them in memory
    from xlner.commands.project import _load_corpus

    if args.align_extra:
        raise ValueError("--align-extra trains the aligner of one language pair: with several --source, align "
                         "each pair with 'xlner align' (its own --align-extra) and pass --alignments")
    target = load_tokens(resolve_path(args.target), format=args.target_format, keep_tokens=True)
    batches = [_load_corpus(argparse.Namespace(**{**vars(args), "source": src_path, "alignments": None})).batch
               for src_path in args.source]
    heuristic = None
    tgt_tokens: Optional[Sequence[Sequence[str]]] = None
    if args.method == "heuristic":
        from xlner.heuristic import HeuristicConfig

        heuristic = HeuristicConfig.preset(args.preset or "thesis")
        if heuristic.drop_punct:  # the punctuation filter looks at the target words
            tgt_tokens = cast(Sequence[Sequence[str]], target)  # a TokenCorpus: flags computed in C++
    res = project_multi(batches, args.method, combine, min_votes=_min_votes(args.min_votes), boundary=args.boundary,
                        weights=None if isinstance(weights, dict) else weights,
                        label_weights=weights if isinstance(weights, dict) else None,
                        primary=args.primary - 1, corroboration=args.corroboration, span_cost=args.span_cost,
                        matching=matching,
                        heuristic=heuristic, tgt_tokens=tgt_tokens, threads=args.threads)
    result = res.to_result()
    tags = result_tag_ids(target, result, threads=args.threads)
    # both outputs appear together, only when both were written completely
    with atomic_outputs([args.out, args.spans_out], inputs=named,
                        names=["--out", "--spans-out"]) as (tmp_out, tmp_spans):
        assert tmp_out is not None
        write_conll_tags_to(tmp_out, target, tags, result.labels, threads=args.threads,
                            gz=os.fspath(args.out).endswith(".gz"))
        if tmp_spans is not None:
            res.write_spans_jsonl_to(tmp_spans, source_names=list(args.source),
                                     gz=os.fspath(args.spans_out).endswith(".gz"))
    log.info("%d sentences, %d spans from %d sources (%s, %s) in %.2f s -> %s", len(res),
             len(result.start), len(batches), combine, args.method, time.perf_counter() - t0, args.out)
    return 0
