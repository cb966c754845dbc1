"""End-to-end projection from files to written output for about a million sentence pairs.

Builds a corpus by replicating the conll2003-deepl train+dev+test pairs of de, es and it (English source with
gold labels, DeepL translation, awesome-align alignments) into a temporary folder until it holds at least
``--sentences`` pairs, then times each stage of ``xlner project`` as the CLI runs it: read the three files,
build the batch, project, write the CoNLL output (and the JSON-lines spans). Prints a table; the target of
issue 2 is files → output for 1 M sentences in under 10 s on 2 cores.

    python bench/bench_end_to_end.py [--sentences 1000000] [--methods greedy heuristic:thesis heuristic:elp]
                                     [--threads 1 -1] [--data ../shared/data] [--keep DIR] [--cli]

Each stage is timed in wall time and in process CPU time (all threads); ``--cli`` also times the whole
``xlner project`` command in a fresh interpreter.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

from xlner.datasets import shared_data_dir
from xlner.io import build_batch, read_projection_files, write_projection
from xlner.projection import MatchingConfig, project


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    return data


def _conll_block(path: Path) -> bytes:
    data = _read(path)
    return data if data.endswith(b"\n\n") else data + b"\n"


def build_corpus(data: Path, out: Path, min_sentences: int) -> Tuple[Path, Path, Path, int]:
    """Write source.conll, target.conll and alignments.talp with at least ``min_sentences`` pairs."""
    base = data / "conll2003-deepl"
    src_parts: List[bytes] = []
    tgt_parts: List[bytes] = []
    aln_parts: List[bytes] = []
    per_round = 0
    for lang in ("de", "es", "it"):
        for split in ("train", "dev", "test"):
            src_parts.append(_conll_block(base / "en" / f"{split}.tsv"))
            tgt_parts.append(_conll_block(base / lang / f"{split}.awesome.tsv"))
            aln = _read(base / lang / "alignments" / f"{split}.awesome.talp")
            aln_parts.append(aln)
            per_round += aln.count(b"\n")
    reps = -(-min_sentences // per_round)
    paths = out / "source.conll", out / "target.conll", out / "alignments.talp"
    for path, parts in zip(paths, (src_parts, tgt_parts, aln_parts)):
        with open(path, "wb") as fh:
            for _ in range(reps):
                for part in parts:
                    fh.write(part)
    return paths[0], paths[1], paths[2], reps * per_round


class Clock:
    """Wall and process CPU time of consecutive stages."""

    def __init__(self) -> None:
        self.wall: Dict[str, float] = {}
        self.cpu: Dict[str, float] = {}
        self._w, self._c = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        w, c = time.perf_counter(), time.process_time()
        self.wall[name], self.cpu[name] = w - self._w, c - self._c
        self._w, self._c = w, c

    def total(self) -> None:
        self.wall["total"], self.cpu["total"] = sum(self.wall.values()), sum(self.cpu.values())


def run_stages(src: Path, tgt: Path, aln: Path, out: Path, method: str, threads: int) -> Clock:
    """Time the stages of one projection job, as ``xlner project`` runs them."""
    clock = Clock()
    source, target, alignments = read_projection_files(src, tgt, aln, threads=threads)
    clock.lap("read 3 files")
    batch = build_batch(source, target, alignments, threads=threads)
    clock.lap("build batch")
    kwargs = {}
    if method.startswith("heuristic"):
        from xlner.heuristic import HeuristicConfig

        config = HeuristicConfig.preset(method.partition(":")[2] or "thesis")
        kwargs["heuristic"] = config
        if config.drop_punct:
            kwargs["tgt_tokens"] = target  # TokenCorpus: punctuation flags computed in C++ inside project
    result = project(batch, method.partition(":")[0], matching=MatchingConfig(), threads=threads, **kwargs)
    clock.lap("project")
    tag = method.replace(":", "-")
    write_projection(out / f"out.{tag}.conll", target, result, spans_out=out / f"spans.{tag}.jsonl",
                     threads=threads)
    clock.lap("write CoNLL + spans JSONL")
    clock.total()
    return clock


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=1_000_000)
    ap.add_argument("--methods", nargs="+", default=["greedy", "heuristic:thesis", "heuristic:elp"],
                    help="methods to time; heuristic:PRESET picks the heuristic preset")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, -1], help="thread counts to time (-1: all cores)")
    ap.add_argument("--data", default=None, help="data folder (default: $XLNER_SHARED_DATA, else ../shared/data)")
    ap.add_argument("--keep", default=None, help="write the corpus and outputs here instead of a temp folder")
    ap.add_argument("--cli", action="store_true", help="also time the whole `xlner project` command")
    args = ap.parse_args(argv)

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="xlner-e2e-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        src, tgt, aln, n = build_corpus(shared_data_dir(args.data), tmp, args.sentences)
        sizes = {p.name: p.stat().st_size / 1e6 for p in (src, tgt, aln)}
        print(f"corpus: {n:,} sentence pairs in {tmp} (built in {time.perf_counter() - t:.1f} s); "
              + ", ".join(f"{k} {v:.0f} MB" for k, v in sizes.items()))
        print(f"cores: {os.cpu_count()}")
        rows = []
        for method in args.methods:
            for threads in args.threads:
                try:
                    clock = run_stages(src, tgt, aln, tmp, method, threads)
                except (NotImplementedError, ValueError, ImportError) as exc:
                    print(f"{method}: not available ({type(exc).__name__}: {exc})")
                    break
                rows.append((method, threads, clock))
        if rows:
            stages = list(rows[0][2].wall.keys())
            head = f"{'stage (wall s / cpu s)':<32}" + "".join(f"{m + ' t=' + str(th):>26}" for m, th, _ in rows)
            print(head)
            print("-" * len(head))
            for st in stages:
                print(f"{st:<32}" + "".join(f"{r[2].wall[st]:>16.3f} / {r[2].cpu[st]:>6.3f}" for r in rows))
            print(f"{'sentences/s (wall, total)':<32}" + "".join(f"{n / r[2].wall['total']:>26,.0f}" for r in rows))
            print(f"{'sentences/s per CPU second':<32}" + "".join(f"{n / r[2].cpu['total']:>26,.0f}" for r in rows))
            print("(cpu = process CPU time of all threads; on a shared, loaded machine it is the better guide to what "
                  "an idle machine would show)")
        if args.cli:
            for method in args.methods:
                name, _, preset = method.partition(":")
                cmd = [sys.executable, "-m", "xlner.cli", "project", "--source", str(src), "--target", str(tgt),
                       "--alignments", str(aln), "--method", name, "--out", str(tmp / "cli.conll"),
                       "--spans-out", str(tmp / "cli.jsonl"), "--quiet"] + (["--preset", preset] if preset else [])
                t = time.perf_counter()
                proc = subprocess.run(cmd, capture_output=True, text=True)
                dt = time.perf_counter() - t
                status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.strip()}"
                print(f"xlner project --method {method} (whole command incl. interpreter start, all threads): "
                      f"{dt:.2f} s ({status})")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
