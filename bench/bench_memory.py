"""Peak memory and time of files → output projection: streamed (``xlner project``) against in memory.

Corpora of ``--sentences`` pairs are built by replicating the conll2003-deepl train+dev+test pairs of de, es and
it (as ``bench_end_to_end.py`` does), and single long sentence pairs of ``--long`` tokens (a diagonal alignment,
an entity of two words every ten source words). Every run is a fresh interpreter that reports its own peak RSS
(``ru_maxrss``) and wall time; the streamed and in-memory outputs are compared byte for byte.

    python bench/bench_memory.py                                   # 100 k pairs; 1 k / 10 k / 50 k tokens
    python bench/bench_memory.py --sentences 1000000 4000000 16000000 --threads 1 2
    python bench/bench_memory.py --sentences 1000000 --no-long --modes streaming   # just the 1 M streamed rows
    python bench/bench_memory.py --sentences 16000000 --no-long --tmp /tmp          # just 16 M (~4.9 GB of files)
    python bench/bench_memory.py --sentences 1000000 --no-long --sources 3          # multi-source, 3 sources (vote)

With ``--sources K`` the corpus's (source, alignments) pair is given K times to the multi-source command (streamed)
and to the former in-memory route of that command (every corpus read whole); the sources then all agree, so the
combination keeps every projected span, but reading, projecting and combining cost what K real sources cost.

The in-memory path is skipped above ``--max-in-memory`` pairs (default 4 M: it needs ~650 MB per million). The
output starts with the command, the date and ``uptime`` (the load of the machine during the run: other processes
inflate wall times, so compare the ratios printed below the table, taken within the run); every row is also printed
as a line of JSON while the bench runs.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from bench_end_to_end import build_corpus

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
mode, method, threads, src, tgt, aln, out, k, combine = sys.argv[1:10]
threads, k = int(threads), int(k)
method, _, preset = method.partition(":")
if k > 1 and mode == "streaming":
    from xlner.cli import main
    pairs = [x for _ in range(k) for x in ("--source", src, "--alignments", aln)]
    args = ["project", *pairs, "--target", tgt, "--method", method, "--combine", combine, "--out", out,
            "--threads", str(threads), "--quiet"]
    if preset:
        args += ["--preset", preset]
    assert main(args) == 0
elif k > 1:  # the former in-memory route of the command: every corpus read whole
    from xlner.heuristic import HeuristicConfig
    from xlner.io import build_batch, load_conll, load_talp, load_tokens
    from xlner.io.conll import write_conll_tags_to
    from xlner.io.corpus import result_tag_ids
    from xlner.multisource import project_multi
    target = load_tokens(tgt, keep_tokens=True)
    batches = [build_batch(load_conll(src, with_tags=True, keep_tokens=False), target, load_talp(aln),
                           threads=threads) for _ in range(k)]
    kw = {"heuristic": HeuristicConfig.preset(preset or "thesis"), "tgt_tokens": target} \
        if method == "heuristic" else {}
    res = project_multi(batches, method, combine, threads=threads, **kw).to_result()
    write_conll_tags_to(out, target, result_tag_ids(target, res, threads=threads), res.labels, threads=threads)
elif mode == "streaming":
    from xlner.cli import main
    args = ["project", "--source", src, "--target", tgt, "--alignments", aln, "--method", method, "--out", out,
            "--threads", str(threads), "--quiet"]
    if preset:
        args += ["--preset", preset]
    rc = main(args)
    assert rc == 0
else:
    from xlner.io import load_projection_corpus, write_projection
    from xlner.projection import project
    corpus = load_projection_corpus(src, tgt, aln, threads=threads)
    kw = {}
    if method == "heuristic":
        kw = {"heuristic": preset or "thesis", "tgt_tokens": corpus.target}
    res = project(corpus.batch, method, threads=threads, **kw)
    write_projection(out, corpus.target, res, threads=threads)
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"rss_mb": ru.ru_maxrss / 1024, "seconds": time.perf_counter() - t0,
                  "cpu": ru.ru_utime + ru.ru_stime}))
"""


def run_child(mode: str, method: str, threads: int, src: Path, tgt: Path, aln: Path, out: Path, sources: int = 1,
              combine: str = "vote") -> Dict[str, float]:
    """One projection in a fresh interpreter: its peak RSS (MB), its own time and the wall time with start-up;
    ``sources`` > 1: multi-source projection of that many copies of the (src, aln) pair, combined by ``combine``."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, mode, method, str(threads), str(src), str(tgt), str(aln),
                           str(out), str(sources), combine], capture_output=True, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS="1"))
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} {method} failed: {proc.stderr[-2000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["wall"] = wall
    return res


def long_pair(folder: Path, n: int) -> tuple:
    """A single sentence pair of n tokens per side with a diagonal alignment."""
    src, tgt, aln = folder / f"long{n}.conll", folder / f"long{n}.txt", folder / f"long{n}.talp"
    with open(src, "w", encoding="utf-8") as fh:
        for i in range(n):
            tag = "B-PER" if i % 10 == 0 and i + 1 < n else ("I-PER" if i % 10 == 1 else "O")
            fh.write(f"w{i} {tag}\n")
        fh.write("\n")
    tgt.write_text(" ".join(f"v{i}" for i in range(n)) + "\n", encoding="utf-8")
    aln.write_text(" ".join(f"{i}-{i}" for i in range(n)) + "\n", encoding="utf-8")
    return src, tgt, aln


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, nargs="*", default=[100_000], help="corpus sizes (pairs)")
    ap.add_argument("--long", type=int, nargs="*", default=[1000, 10_000, 50_000], help="long sentence lengths")
    ap.add_argument("--no-long", action="store_true", help="no long-sentence rows (same as --long without values)")
    ap.add_argument("--modes", nargs="+", choices=("streaming", "in-memory"), default=["streaming", "in-memory"],
                    help="which paths to run (the byte-for-byte comparison needs both)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per row; the fastest one is reported")
    ap.add_argument("--methods", nargs="+", default=["greedy"], help="methods (heuristic:elp style for presets)")
    ap.add_argument("--long-methods", nargs="+", default=["greedy", "exact", "heuristic:thesis"])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--max-in-memory", type=int, default=4_000_000)
    ap.add_argument("--sources", type=int, default=1,
                    help="K > 1: multi-source projection (xlner project with K --source/--alignments pairs, "
                         "--combine), the corpus's (source, alignments) pair given K times (default 1)")
    ap.add_argument("--combine", default="vote", choices=("vote", "joint", "priority"), help="with --sources K > 1")
    ap.add_argument("--data", default=os.environ.get("XLNER_SHARED_DATA",
                                                     str(Path(__file__).resolve().parents[2] / "shared" / "data")))
    ap.add_argument("--tmp", default=None, help="folder for the corpora (default: a temporary folder)")
    args = ap.parse_args(argv)
    if args.no_long:
        args.long = []
    print(f"# python bench/bench_memory.py {' '.join(sys.argv[1:] if argv is None else argv)}")
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; uptime before the run: {_uptime()}", flush=True)
    rows = []
    root = Path(tempfile.mkdtemp(prefix="bench_memory_", dir=args.tmp))
    try:
        for n in args.sentences:
            folder = root / f"c{n}"
            folder.mkdir()
            src, tgt, aln, real = build_corpus(Path(args.data), folder, n)
            size_mb = sum(p.stat().st_size for p in (src, tgt, aln)) / 2**20
            for method in args.methods:
                for threads in args.threads:
                    outs = {}
                    for mode in args.modes:
                        if mode == "in-memory" and real > args.max_in_memory:
                            continue
                        outs[mode] = folder / f"{mode}.conll"
                        r = min((run_child(mode, method, threads, src, tgt, aln, outs[mode], args.sources,
                                           args.combine) for _ in range(args.repeat)), key=lambda x: x["seconds"])
                        what = f"{real:,} pairs ({size_mb:.0f} MB)" if args.sources == 1 else \
                            f"{real:,} sentences x {args.sources} sources ({args.combine}, {size_mb:.0f} MB of files)"
                        rows.append(dict(what=what, method=method, threads=threads, mode=mode, **r))
                        print(rows[-1], flush=True)
                    if len(outs) == 2:
                        assert filecmp.cmp(outs["streaming"], outs["in-memory"], shallow=False), "outputs differ"
                    for p in outs.values():
                        p.unlink()
            shutil.rmtree(folder)
        for n in args.long:
            src, tgt, aln = long_pair(root, n)
            for method in args.long_methods:
                outs = {}
                for mode in args.modes:
                    outs[mode] = root / f"long-{mode}.conll"
                    r = run_child(mode, method, 1, src, tgt, aln, outs[mode])
                    rows.append(dict(what=f"1 pair of {n:,} tokens", method=method, threads=1, mode=mode, **r))
                    print(rows[-1], flush=True)
                if len(outs) == 2:
                    assert filecmp.cmp(outs["streaming"], outs["in-memory"], shallow=False), "outputs differ"
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n| input | method | threads | mode | peak RSS (MB) | time in process (s) | CPU, all threads (s) "
          "| wall with start-up (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['what']} | {r['method']} | {r['threads']} | {r['mode']} | {r['rss_mb']:.0f} | {r['seconds']:.2f} "
              f"| {r['cpu']:.2f} | {r['wall']:.2f} |")
    ratios = _ratios(rows)
    if ratios:
        print("\nRatios within this run (time in process):")
        for line in ratios:
            print(f"- {line}")
    print(f"\n# uptime after the run: {_uptime()}")
    return 0


def _uptime() -> str:
    """The machine's load (``uptime``), or what is known without the command."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _ratios(rows: List[Dict]) -> List[str]:
    """The second thread's gain and streamed against in-memory time, per input and method."""
    out = []
    by = {(r["what"], r["method"], r["threads"], r["mode"]): r for r in rows}
    for (what, method, threads, mode), r in by.items():
        one = by.get((what, method, 1, mode))
        if threads > 1 and one is not None:
            gain = one["seconds"] / r["seconds"]
            out.append(f"{what}, {method}, {mode}: {threads} threads {gain:.2f}× faster than 1 "
                       f"({one['seconds']:.2f} s → {r['seconds']:.2f} s)")
        mem = by.get((what, method, threads, "in-memory"))
        if mode == "streaming" and mem is not None:
            out.append(f"{what}, {method}, {threads} thread(s): streamed / in-memory time "
                       f"{r['seconds'] / mem['seconds']:.2f}, peak RSS {r['rss_mb']:.0f} / {mem['rss_mb']:.0f} MB")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
