"""``xlner robustness``: F1 of a tagger or pipeline on a clean test set and on every perturbation."""
from __future__ import annotations

import argparse
import importlib
import logging
from typing import Any

from xlner.commands._stdio import file_args
from xlner.commands.perturb import add_common, build_suite

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``robustness`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "robustness",
        help="F1-drop table of a tagger or projection pipeline under perturbations",
        description="Score a CRF model (--model) or any predictor (--predictor module:callable, a Tagger "
        "or a function from token lists to IOB2 tag lists, e.g. a projection pipeline) on the clean "
        "test set and each perturbation; writes robustness.md, robustness.json and robustness.png.",
    )
    p.add_argument("--test", required=True, help="labelled CoNLL test file")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="CRF model file written by train-tagger")
    src.add_argument("--predictor", help="module:attr naming a Tagger, a predictor callable, or a "
                     "zero-argument factory returning one (called when it has no predict and takes no argument)")
    p.add_argument("--perturbed-dir", help="also score the *.conll files of an `xlner perturb` output folder")
    p.add_argument("--out-dir", required=True, help="output folder for the table and plot")
    p.add_argument("--title", default="", help="table title")
    p.add_argument("--no-plot", action="store_true", help="skip the matplotlib plot")
    add_common(p)
    p.set_defaults(func=run)
    file_args(p, inputs=("test",))
    return p


def load_predictor(spec: str) -> Any:
    """Resolve ``module:attr``; call it when it is a zero-argument factory."""
    import inspect

    if ":" not in spec:
        raise ValueError(f"--predictor must be module:attr, got {spec!r}")
    mod, attr = spec.split(":", 1)
    obj: Any = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not hasattr(obj, "predict") and callable(obj):
        try:
            params = inspect.signature(obj).parameters
        except (TypeError, ValueError):
            params = {}  # type: ignore[assignment]
        if not params:
            obj = obj()
    return obj


def run(args: argparse.Namespace) -> int:
    """Evaluate and write the report; returns the exit status."""
    import json
    import os

    from xlner.io import read_conll
    from xlner.robustness.runner import evaluate_robustness

    sents = read_conll(args.test)
    if args.model:
        from xlner.models.crf import CRFTagger

        model: Any = CRFTagger.load(args.model)
    else:
        model = load_predictor(args.predictor)
    suite = build_suite(args, [args.test])
    pre = {}
    if args.perturbed_dir:
        man_path = os.path.join(args.perturbed_dir, "manifest.json")
        with open(man_path, encoding="utf-8") as fh:
            man = json.load(fh)
        for name, m in man["perturbations"].items():
            pre[f"file:{name}"] = read_conll(os.path.join(args.perturbed_dir, m["file"]))
    report = evaluate_robustness(model, sents, suite, seed=args.seed, perturbed=pre,
                                 title=args.title or os.path.basename(args.test))
    paths = report.write(args.out_dir, plot=not args.no_plot)
    print(report.to_markdown())
    log.info("wrote %s", ", ".join(paths.values()))
    return 0
