"""``xlner aer``: precision, recall and AER of a talp hypothesis against a gold file with sure/possible links."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Optional, Sequence

from xlner.commands._stdio import file_args


def add_parser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register ``aer`` on the CLI's subparsers."""
    p = subparsers.add_parser("aer", help="alignment error rate against gold (sure/possible)", description=__doc__)
    p.add_argument("--hyp", required=True, help="hypothesis talp file (0-based unless --hyp-one-based)")
    p.add_argument("--gold", required=True, help="gold file: 1-based, i-j sure, ipj possible")
    p.add_argument("--hyp-one-based", action="store_true")
    p.add_argument("--pairs", help="'src ||| tgt' file: check that every link lies inside its sentence")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)
    file_args(p, inputs=("hyp", "gold", "pairs"))
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``xlner aer``; prints the scores and returns the exit status."""
    from xlner.align.aer import alignment_error_rate, check_in_range, read_gold, read_hypothesis, read_parallel  # noqa

    hyp = read_hypothesis(args.hyp, one_based=args.hyp_one_based)
    sure, possible = read_gold(args.gold)
    if len(hyp) != len(sure):
        print(f"xlner aer: {args.hyp} has {len(hyp)} lines, {args.gold} has {len(sure)}", file=sys.stderr)
        return 2
    if args.pairs:
        src, tgt = read_parallel(args.pairs)
        check_in_range(hyp, src, tgt, "hyp")
        check_in_range(sure, src, tgt, "sure")
    r = alignment_error_rate(hyp, sure, possible)
    if args.json:
        print(json.dumps(r.as_dict()))
    else:
        print(f"sentences {r.n_sentences}  links {r.n_hyp}  sure {r.n_sure}  possible {r.n_possible}")
        print(f"precision {r.precision:.4f}  recall {r.recall:.4f}  AER {r.aer:.4f}  F1 {r.f1:.4f}")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Stand-alone entry point (``python -m xlner.commands.aer``): ``xlner aer`` with the CLI's options."""
    from xlner.cli import main as cli_main  # noqa: PLC0415

    return cli_main(["aer", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
