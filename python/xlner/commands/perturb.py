"""``xlner perturb``: write perturbed copies of a labelled CoNLL file and a manifest."""
from __future__ import annotations

import argparse
import logging
from typing import Any, Dict, List, Optional

from xlner.commands._stdio import file_args

from xlner.robustness.perturbations import Perturbation

log = logging.getLogger(__name__)

SUITE_HELP = ("entity, unknown_entity, context, entity+context, mask_entity, mask_context, token_noise, "
              "char_noise, char_noise_entity, lowercase, casing_random")


def add_common(p: argparse.ArgumentParser) -> None:
    """Options shared by ``perturb`` and ``robustness``: resources, rates, selection, seed."""
    p.add_argument("--pool", nargs="*", default=[],
                   help="labelled CoNLL files whose entities form the name pool (any languages); "
                        "default: the input file itself")
    p.add_argument("--known", nargs="*", default=[],
                   help="training CoNLL file(s): enables unknown_entity (replace names seen there by unseen ones)")
    p.add_argument("--vocab", nargs="*", default=[],
                   help="CoNLL files whose context words form the replacement vocabulary (default: the input)")
    p.add_argument("--only", nargs="*", help=f"perturbations to run (default all available): {SUITE_HELP}")
    p.add_argument("--rate", type=float, default=0.3, help="per-token rate of context/noise/casing perturbations")
    p.add_argument("--entity-rate", type=float, default=1.0, help="per-entity rate of entity perturbations")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def build_suite(args: argparse.Namespace, inputs: List[str]) -> Dict[str, Perturbation]:
    """The perturbation suite described by the common options."""
    from xlner.io import read_conll
    from xlner.robustness.resources import NamePool, build_vocabulary
    from xlner.robustness.runner import standard_suite

    pool = NamePool.from_files(args.pool or inputs)
    known: Optional[NamePool] = NamePool.from_files(args.known) if args.known else None
    vocab_sents = [s for f in (args.vocab or inputs) for s in read_conll(f)]
    vocab = build_vocabulary(vocab_sents)
    return standard_suite(pool=pool, known=known, vocab=vocab, rate=args.rate, entity_rate=args.entity_rate,
                          only=args.only)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``perturb`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "perturb",
        help="write perturbed copies of a labelled CoNLL file (+ manifest.json)",
        description="Apply seeded, label-preserving perturbations to a CoNLL file; writes "
        "OUT_DIR/<perturbation>.conll and OUT_DIR/manifest.json (seed, parameters, every change).",
    )
    p.add_argument("--input", required=True, help="labelled CoNLL file")
    p.add_argument("--out-dir", required=True, help="output folder")
    add_common(p)
    p.set_defaults(func=run)
    file_args(p, inputs=("input",))
    return p


def run(args: argparse.Namespace) -> int:
    """Write the perturbed files; returns the exit status."""
    from xlner.io import read_conll
    from xlner.robustness.runner import write_perturbed

    sents = read_conll(args.input)
    suite = build_suite(args, [args.input])
    man = write_perturbed(args.out_dir, sents, suite, seed=args.seed, source=args.input)
    perturbations = man["perturbations"]
    assert isinstance(perturbations, dict)
    for name, m in perturbations.items():
        log.info("%-20s %6d sentences changed, %6d edits -> %s", name, m["sentences_changed"], m["edits"], m["file"])
    log.info("wrote %d files and manifest.json to %s", len(suite), args.out_dir)
    return 0
