"""``xlner evaluate``: entity-level precision, recall and F1 of a prediction against gold (seqeval's numbers)."""
from __future__ import annotations

import argparse
import json
from typing import Any

from xlner.commands._stdio import file_args


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``evaluate``."""
    p = subparsers.add_parser(
        "evaluate", help="entity-level precision/recall/F1 against gold",
        description="Micro and per-class entity precision, recall and F1 of PRED against GOLD (both CoNLL with IOB2 "
                    "tags, sentence for sentence), equal to seqeval's; optional bootstrap confidence intervals and "
                    "a paired bootstrap comparison with a second prediction.")
    p.add_argument("--gold", required=True, metavar="GOLD",
                   help="CoNLL file with the gold IOB2 tags (sample:NAME: a file of the bundled sample)")
    p.add_argument("--pred", required=True, metavar="PRED",
                   help="CoNLL file with the predicted IOB2 tags (or a Parquet file / datasets folder, also for GOLD)")
    p.add_argument("--map", nargs="+", action="extend", default=[], metavar="TYPE=NEW",
                   help="map an entity type on both sides first, e.g. MISC=O (drop) or PERSON=PER")
    p.add_argument("--json", action="store_true",
                   help='print {"micro": {"precision", "recall", "f1", ...}, "per_class": {...}} as JSON')
    p.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="bootstrap confidence intervals with N resamples of the sentences (default: off)")
    p.add_argument("--confidence", type=float, default=0.95, help="confidence level of the intervals (default 0.95)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--compare", default=None, metavar="PRED_B",
                   help="paired bootstrap: compare PRED with PRED_B on the same gold (N from --bootstrap, else 1000)")
    p.add_argument("--source", default=None, metavar="SRC",
                   help="source CoNLL the prediction was projected from: also report the projection ratio "
                        "(projected / source entities, corpus-wide, per sentence and per class)")
    p.add_argument("--digits", type=int, default=4, help="digits in the table (default 4)")
    file_args(p, inputs=("gold", "pred", "compare", "source"))
    p.add_argument("--tokens-field", default="tokens", help="Parquet / datasets inputs: tokens column (default tokens)")
    p.add_argument("--tags-field", default="tags", help="Parquet / datasets inputs: tags column (default tags)")
    return p


def run(args: argparse.Namespace) -> int:
    """Read the files, score, print."""
    from xlner.datasets import resolve_path
    from xlner.evaluate import bootstrap, evaluate, paired_bootstrap, parse_mapping, projection_ratio
    from xlner.io.tables import load_labelled

    def load_conll(path: str, keep_tokens: bool = False) -> Any:  # CoNLL or a Parquet / datasets table
        return load_labelled(path, tokens_field=args.tokens_field, tags_field=args.tags_field, keep_tokens=keep_tokens)

    mapping = parse_mapping(args.map)
    gold = load_conll(resolve_path(args.gold), keep_tokens=False)
    pred = load_conll(resolve_path(args.pred), keep_tokens=False)
    report = evaluate(gold, pred, mapping=mapping)
    out = report.to_dict()
    boot = comp = ratio = None
    if args.source:
        ratio = projection_ratio(load_conll(resolve_path(args.source), keep_tokens=False), pred, mapping=mapping)
        out["projection_ratio"] = ratio.to_dict()
    if args.bootstrap:
        boot = bootstrap(gold, pred, n_samples=args.bootstrap, confidence=args.confidence, seed=args.seed,
                         mapping=mapping)
        out["bootstrap"] = boot.to_dict()
    if args.compare:
        other = load_conll(resolve_path(args.compare), keep_tokens=False)
        comp = paired_bootstrap(gold, pred, other, n_samples=args.bootstrap or 1000, confidence=args.confidence,
                                seed=args.seed, mapping=mapping)
        out["compare"] = dict(comp.to_dict(), pred_b=args.compare, b_report=comp.b.to_dict())
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    d = args.digits
    print(f"gold {args.gold}  pred {args.pred}  sentences {report.n_sentences}"
          + (f"  mapping {' '.join(f'{k}={v}' for k, v in mapping.items())}" if mapping else ""))
    print(report.format_table(d))
    if ratio is not None:
        per = "  ".join(f"{k} {v:.{d}f}" for k, v in ratio.per_class.items())
        print(f"\nprojection ratio vs {args.source}: {ratio.n_projected} / {ratio.n_source} = {ratio.ratio:.{d}f} "
              f"(mean per sentence {ratio.mean_per_sentence:.{d}f}; {per})")
    if boot is not None:
        pct = f"{100 * args.confidence:g}%"
        print(f"\nbootstrap {pct} intervals ({args.bootstrap} resamples, seed {args.seed})")
        rows = list(boot.per_class.items()) + [("micro", boot.micro)]
        w = max(len(k) for k, _ in rows)
        for name, iv in rows:
            print(f"{name:<{w}}  " + "  ".join(f"{m} [{iv[m][0]:.{d}f}, {iv[m][1]:.{d}f}]"
                                               for m in ("precision", "recall", "f1")))
    if comp is not None:
        print(f"\npaired bootstrap vs {args.compare} ({comp.n_samples} resamples, seed {args.seed}): "
              f"micro f1 {comp.a.micro.f1:.{d}f} vs {comp.b.micro.f1:.{d}f}, delta {comp.delta:+.{d}f} "
              f"[{comp.delta_ci[0]:+.{d}f}, {comp.delta_ci[1]:+.{d}f}], p = {comp.p_value:.{d}f}")
    return 0
