"""``xlner report``: run a named study (or all) on the real data and write tables and plots."""
from __future__ import annotations

import argparse
import logging
import sys

from xlner.commands._stdio import out_option

log = logging.getLogger(__name__)


def add_parser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register ``report``."""
    p = subparsers.add_parser(
        "report", help="run studies on ../shared/data and write Markdown tables + PNG plots",
        description="Run the evaluation studies (europarl, four-aligners, noise, or all) and write a report folder "
                    "(README.md with tables, PNG plots, results.json, the command line and versions). The Europarl-NER "
                    "benchmark chooses every parameter it sweeps on the sentences with an even index and reports "
                    "the others; word alignments are computed in the run.")
    p.add_argument("studies", nargs="*", default=["all"], help="study names (default: all)")
    out_option(p, "--out", directory=True, help="report folder", metavar="DIR")
    p.add_argument("--data", default=None, help="data folder (default: $XLNER_SHARED_DATA or ../shared/data)")
    p.add_argument("--cache", default=None,
                   help="reuse / write word alignments and trained CRFs in this folder; file names carry a digest of "
                        "their data, options and engine, so a changed input is computed anew "
                        "(default: none, computed in the run)")
    p.add_argument("--limit", type=int, default=None,
                   help="first N sentences only, also for training the aligner (smoke runs)")
    p.add_argument("--threads", type=int, default=-1, help="worker threads (-1: all cores)")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the studies and write the report folder."""
    from pathlib import Path

    from xlner.datasets import shared_data_dir
    from xlner.studies.report import run_report

    opts = {"limit": args.limit, "threads": args.threads}
    names = args.studies or ["all"]
    if args.cache:
        opts["cache_dir"] = Path(args.cache)
    path = run_report(names, shared_data_dir(args.data), Path(args.out), argv=["xlner"] + sys.argv[1:], **opts)
    log.info("report written to %s", path)
    return 0
