"""``xlner report``: run named studies and write a folder of Markdown tables and PNG plots, with the
exact command line and the versions used."""
from __future__ import annotations

import inspect
import json
import platform
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from xlner.io.atomic import atomic_open
from xlner.studies.common import StudyResult

StudyFn = Callable[..., StudyResult]


def studies() -> Dict[str, StudyFn]:
    """Name → study runner (``run(root, out_dir, **options)``)."""
    from xlner.studies import europarl, four_aligners, noise_study, training

    return {"europarl": europarl.run, "four-aligners": four_aligners.run, "noise": noise_study.run,
            "training": training.run}


def versions() -> Dict[str, str]:
    """Versions of xlner, Python and the libraries the studies use."""
    import importlib.metadata as md

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("xlner", "numpy", "highspy", "eflomal", "matplotlib"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def write_report(out_dir: Path, results: Sequence[StudyResult], *, argv: Optional[List[str]] = None,
                 seconds: Optional[Dict[str, float]] = None) -> Path:
    """Write ``README.md`` (all tables, plots, command, versions) and ``results.json`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = " ".join(argv if argv is not None else sys.argv)
    lines = ["# xlner report", "", f"Command: `{cmd}`", "", "Versions: " +
             ", ".join(f"{k} {v}" for k, v in versions().items()), ""]
    for r in results:
        took = f" ({seconds[r.name]:.0f} s)" if seconds and r.name in seconds else ""
        lines += [f"## {r.name}{took}", ""]
        for t in r.tables:
            lines += [t.markdown(), ""]
        for p in r.plots:
            lines += [f"![{p}]({p})", ""]
        for n in r.notes:
            lines += [f"> {n}", ""]
    path = out_dir / "README.md"
    with atomic_open(path, "w") as fh:
        fh.write("\n".join(lines))
    data = {"command": cmd, "versions": versions(),
            "studies": [{"name": r.name, "plots": r.plots, "notes": r.notes,
                         "tables": [{"title": t.title, "headers": t.headers, "rows": t.rows, "note": t.note}
                                    for t in r.tables]} for r in results]}
    with atomic_open(out_dir / "results.json", "w") as fh:
        fh.write(json.dumps(data, indent=1, default=str))
    return path


def run_report(names: Sequence[str], root: Path, out_dir: Path, *, argv: Optional[List[str]] = None,
               **options: object) -> Path:
    """Run the named studies (``'all'`` for every one) and write the report folder.

    ``options`` go to every study that takes them (e.g. ``limit``, ``threads``, ``cache_dir``, ``aligner``).
    Without ``cache_dir``, the word alignments are computed in this run and shared between its studies
    through a temporary folder removed at the end (nothing outside the report is read)."""
    import tempfile

    from xlner.log import progress

    table = studies()
    chosen = list(table) if "all" in names else list(names)
    unknown = [n for n in chosen if n not in table]
    if unknown:
        raise ValueError(f"unknown studies {unknown}; choose from {sorted(table)} or 'all'")
    if not root.is_dir():
        raise FileNotFoundError(f"data folder {root} not found (the studies read ../shared/data; see --data)")
    results, secs = [], {}
    with tempfile.TemporaryDirectory(prefix="xlner-report-") as tmp:
        opts = dict(options)
        if opts.get("cache_dir") is None:
            opts["cache_dir"] = Path(tmp)
        for n in progress(chosen, desc="report", unit="study"):
            t = time.perf_counter()
            fn = table[n]
            accepted = inspect.signature(fn).parameters
            results.append(fn(root, out_dir, **{k: v for k, v in opts.items() if k in accepted}))
            secs[results[-1].name] = time.perf_counter() - t
    return write_report(out_dir, results, argv=argv, seconds=secs)


__all__ = ["studies", "versions", "write_report", "run_report"]
