"""``xlner compare``: how far greedy (and the heuristic) fall short of the optimum on your files, what it does to
entity F1 and what exact projection costs in time (see :func:`xlner.compare`)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, Optional

METHODS = ("heuristic", "greedy", "exact", "ilp")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``compare``."""
    p = subparsers.add_parser(
        "compare", help="compare projection methods: gap to the optimum, agreement, F1, throughput",
        description="Project the same files with several methods and report, per method and constraint: total "
                    "objective, sentences where the method is strictly below the optimum (count, share, mean and "
                    "max gap, examples), agreement between methods, projection ratio, entity P/R/F1 with bootstrap "
                    "intervals when gold target labels exist, and throughput (1 thread and all threads, "
                    "interleaved, best and median of the repeats). Markdown on stdout.")
    p.add_argument("--source", required=True, metavar="SRC",
                   help="CoNLL file with the source IOB2 labels (sample:NAME: a file of the bundled sample, also for "
                        "TGT, ALN and GOLD)")
    p.add_argument("--target", required=True, metavar="TGT",
                   help="target sentences: CoNLL or one sentence of space-separated tokens per line; a CoNLL target's "
                        "own labels serve as gold unless --gold is given")
    p.add_argument("--alignments", required=True, metavar="ALN",
                   help="talp alignments, one line per sentence, 0-based, source index first")
    p.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS), metavar="METHOD",
                   help=f"methods to compare (default: all of {' '.join(METHODS)})")
    p.add_argument("--constraint", action="append", default=None, metavar="C",
                   help="projection-count constraint of the matching methods, repeatable (default '<=1')")
    p.add_argument("--max-len", type=int, default=10, metavar="M", help="longest candidate span (default 10)")
    p.add_argument("--preset", choices=("elp", "thesis"), default="thesis", help="heuristic preset (default thesis)")
    p.add_argument("--scores", nargs="+", default=None, metavar="NAME[=W]",
                   help="score components of the matching methods with weights (align, ner, ner_spans, nmt; weight "
                        "1 when omitted), e.g. --scores align=0.5 ner_spans=0.5 (default: the alignment score)")
    p.add_argument("--fusion", default=None, metavar="PRESET",
                   help="fusion preset instead of --scores (align, ner, nmt, align_ner, align_ner_spans, align_nmt, "
                        "ner_spans_nmt, all_fusion)")
    p.add_argument("--target-tagger", default=None, metavar="MODEL",
                   help="tagger run on the target words for the ner / ner_spans components")
    p.add_argument("--target-tagger-kind", choices=("crf", "transformers"), default="crf",
                   help="kind of --target-tagger (default crf)")
    p.add_argument("--nmt-model", default=None, metavar="MODEL", help="NLLB/M2M100 model for the nmt component")
    p.add_argument("--src-lang", default=None, help="source language code of the nmt component")
    p.add_argument("--tgt-lang", default=None, help="target language code of the nmt component")
    p.add_argument("--gold", default=None, metavar="GOLD", help="CoNLL file with the gold target labels")
    p.add_argument("--no-gold", action="store_true", help="ignore the target file's own labels")
    p.add_argument("--target-format", choices=("auto", "conll", "lines"), default="auto",
                   help="format of TGT (default: detected)")
    p.add_argument("--json", default=None, metavar="OUT", help="write every figure as JSON to OUT ('-': stdout, "
                                                               "instead of the Markdown)")
    p.add_argument("--plot", default=None, metavar="OUT.png",
                   help="histogram of greedy–optimum gaps and time/quality scatter (pip install 'xlner[plot]')")
    p.add_argument("--threads", type=int, default=-1, help="worker threads of the all-threads runs (-1: all cores)")
    p.add_argument("--repeats", type=int, default=3, help="timing rounds, best and median reported (0: no timing)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    p.add_argument("--examples", type=int, default=3, metavar="K", help="example sentences per constraint")
    return p


def _weights(args: argparse.Namespace) -> Optional[Dict[str, float]]:
    """--scores / --fusion → weights by component, or None for the plain alignment score."""
    from xlner.scores import preset_weights

    if args.scores is not None and args.fusion is not None:
        raise ValueError("give --scores or --fusion, not both")
    if args.fusion is not None:
        return {k: v for k, v in preset_weights(args.fusion).items() if v != 0.0}
    if args.scores is None:
        return None
    w: Dict[str, float] = {}
    for item in args.scores:
        name, sep, value = item.partition("=")
        try:
            w[name.strip()] = float(value) if sep else 1.0
        except ValueError:
            raise ValueError(f"--scores {item!r}: weight {value!r} is not a number") from None
    return w


def _gold(args: argparse.Namespace, target: Any) -> Any:
    """The gold target labels: --gold, else the target's own labels when it is a tagged CoNLL file, else None."""
    import numpy as np

    from xlner.datasets import resolve_path
    from xlner.io import FormatError, load_conll

    if args.gold is not None:
        return load_conll(resolve_path(args.gold), keep_tokens=False)
    if args.no_gold or args.target_format == "lines":
        return None
    try:
        own = load_conll(resolve_path(args.target), keep_tokens=False)
    except FormatError:
        return None  # not CoNLL with tags
    if len(own) != len(target) or not np.array_equal(own.lengths(), target.lengths()):
        return None  # read as one sentence per line
    return own


def run(args: argparse.Namespace) -> int:
    """Read, build the batch, compare, print."""
    from xlner._compare import compare
    from xlner.datasets import resolve_path
    from xlner.io import load_conll, load_projection_corpus
    from xlner.projection import MatchingConfig

    constraints = args.constraint or ["<=1"]
    for c in constraints:  # fail on a bad constraint before reading anything
        MatchingConfig(max_len=args.max_len, constraint=c)
    weights = _weights(args)
    corpus = load_projection_corpus(resolve_path(args.source), resolve_path(args.target),
                                    resolve_path(args.alignments), target_format=args.target_format,
                                    threads=args.threads)
    src_tokens = load_conll(resolve_path(args.source)).token_lists()
    tgt_tokens = corpus.target.token_lists()
    gold = _gold(args, corpus.target)
    scores = None
    scores_name = "align"
    if weights is not None and weights != {"align": 1.0}:
        from xlner.pipelines.projecting import _fused_scores
        from xlner.pipelines.config import NMTScorerConfig, TaggerConfig, build_nmt_scorer, build_tagger

        tagger = build_tagger(TaggerConfig(kind=args.target_tagger_kind, path=args.target_tagger)) \
            if args.target_tagger else None
        nmt = build_nmt_scorer(NMTScorerConfig(model=args.nmt_model)) if args.nmt_model else None
        _, scores, _ = _fused_scores(corpus.batch, load_conll(resolve_path(args.source)), corpus.target,
                                     MatchingConfig(max_len=args.max_len), weights, "ngrams", tagger, nmt,
                                     args.src_lang, args.tgt_lang, args.threads)
        scores_name = args.fusion or " + ".join(f"{v:g}·{k}" for k, v in weights.items())
    from xlner.heuristic import HeuristicConfig

    hcfg = HeuristicConfig.preset(args.preset)
    result = compare(corpus.batch, methods=args.methods, constraints=constraints, max_len=args.max_len,
                     scores=scores, scores_name=scores_name, heuristic=hcfg,
                     tgt_tokens=corpus.target if hcfg.drop_punct else tgt_tokens, src_tokens=src_tokens,
                     gold=gold, n_examples=args.examples, repeats=args.repeats, threads=args.threads,
                     seed=args.seed, n_bootstrap=args.bootstrap)
    if args.plot is not None:
        result.plot(args.plot)
    if args.json is not None:
        text = json.dumps(result.to_dict(), indent=1, ensure_ascii=False)
        if args.json == "-":
            sys.stdout.write(text + "\n")
            return 0
        from xlner.io.atomic import atomic_open

        with atomic_open(args.json, "w", encoding="utf-8",
                         inputs={"--source": args.source, "--target": args.target,
                                 "--alignments": args.alignments, "--gold": args.gold}) as f:
            f.write(text + "\n")
    sys.stdout.write(result.to_markdown())
    return 0
