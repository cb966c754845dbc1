"""``xlner robustness``: F1 of a tagger or pipeline on a clean test set and on every perturbation."""
from __future__ import annotations

import argparse
import importlib
import logging
from typing import Any, Dict, Tuple

from xlner.commands._stdio import file_args
from xlner.commands.perturb import add_common, build_suite

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``robustness`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "robustness",
        help="F1-drop table of one or several taggers (routes) or projection pipelines under perturbations",
        description="Score a tagger (--model: a CRF file, transformers directory or spacy:PACKAGE) or any "
        "predictor (--predictor module:callable, a Tagger or a function from token lists to IOB2 tag lists, "
        "e.g. a projection pipeline) on the clean test set and each perturbation; writes robustness.md, "
        "robustness.json and robustness.png. Several --model / --predictor (each NAME=SPEC to name the route) "
        "give one table of F1 drop by perturbation x route, every route tagging the same perturbed sentences.",
    )
    p.add_argument("--test", required=True, help="labelled CoNLL test file")
    p.add_argument("--model", action="append", default=[], metavar="[NAME=]PATH",
                   help="tagger (CRF file, transformers directory, spacy:PACKAGE); repeat for several routes")
    p.add_argument("--predictor", action="append", default=[], metavar="[NAME=]MODULE:ATTR",
                   help="module:attr naming a Tagger, a predictor callable, or a zero-argument factory returning "
                        "one (called when it has no predict and takes no argument); repeatable")
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


def split_route(spec: str, kind: str) -> Tuple[str, str]:
    """``NAME=SPEC`` → (NAME, SPEC); a bare ``SPEC`` is named by itself. A ``--model`` value that is an
    existing path is never split (paths may contain ``=``)."""
    import os

    if "=" in spec and not (kind == "model" and os.path.exists(spec)):
        name, rest = spec.split("=", 1)
        if name and rest and "/" not in name and os.sep not in name:
            return name, rest
    return spec, spec


def load_routes(args: argparse.Namespace) -> Dict[str, Any]:
    """Route name → tagger or predictor, in the order of ``--model`` then ``--predictor``."""
    import os

    from xlner.models.load import SPACY_PREFIX, load_tagger

    routes: Dict[str, Any] = {}
    for kind, specs in (("model", args.model), ("predictor", args.predictor)):
        for spec in specs:
            name, target = split_route(spec, kind)
            if name in routes:
                raise ValueError(f"--{kind} {spec}: route name {name!r} given twice")
            if kind == "model" and not target.startswith(SPACY_PREFIX) and not os.path.exists(target):
                raise FileNotFoundError(f"--model {spec}: no such model file or directory: {target}")
            routes[name] = load_tagger(target) if kind == "model" else load_predictor(target)
    if not routes:
        raise ValueError("give at least one --model or --predictor")
    return routes


def run(args: argparse.Namespace) -> int:
    """Evaluate and write the report; returns the exit status."""
    import json
    import os

    from xlner.io import read_conll
    from xlner.robustness.routes import compare_routes
    from xlner.robustness.runner import evaluate_robustness

    sents = read_conll(args.test)
    routes = load_routes(args)
    suite = build_suite(args, [args.test])
    pre = {}
    if args.perturbed_dir:
        man_path = os.path.join(args.perturbed_dir, "manifest.json")
        with open(man_path, encoding="utf-8") as fh:
            man = json.load(fh)
        for name, m in man["perturbations"].items():
            pre[f"file:{name}"] = read_conll(os.path.join(args.perturbed_dir, m["file"]))
    title = args.title or os.path.basename(args.test)
    report: Any
    if len(routes) == 1:
        report = evaluate_robustness(next(iter(routes.values())), sents, suite, seed=args.seed, perturbed=pre,
                                     title=title)
    else:
        report = compare_routes(routes, sents, suite, seed=args.seed, perturbed=pre, title=title)
    paths = report.write(args.out_dir, plot=not args.no_plot)
    print(report.to_markdown())
    log.info("wrote %s", ", ".join(paths.values()))
    return 0
