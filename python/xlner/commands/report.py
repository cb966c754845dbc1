"""``xlner report``: run a named study (or all) on the real data and write tables and plots."""
from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "report", help="run studies on ../shared/data and write Markdown tables + PNG plots",
        description="Run the evaluation studies (europarl, four-aligners, noise, or all) and write a report folder "
                    "(README.md with tables, PNG plots, results.json, the command line and versions).")
    p.add_argument("studies", nargs="*", default=["all"], help="study names (default: all)")
    p.add_argument("--out", required=True, help="report folder")
    p.add_argument("--data", default=None, help="data folder (default: $XLNER_SHARED_DATA or ../shared/data)")
    p.add_argument("--cache", default=None, help="alignment cache folder (default: OUT/cache)")
    p.add_argument("--limit", type=int, default=None, help="first N sentences only (smoke runs)")
    p.add_argument("--threads", type=int, default=-1)
    return p


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xlner.datasets import shared_data_dir
    from xlner.studies.report import run_report

    opts = {"limit": args.limit, "threads": args.threads}
    names = args.studies or ["all"]
    if args.cache:
        opts["cache_dir"] = Path(args.cache)
    path = run_report(names, shared_data_dir(args.data), Path(args.out), argv=["xlner"] + sys.argv[1:], **opts)
    print(f"report written to {path}")
    return 0
