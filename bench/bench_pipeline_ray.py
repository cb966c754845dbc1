"""The Bambara translate-test pipeline at corpus scale: the local shard engine vs Ray Data with 1 and 2 workers.

Input: MasakhaNER 2.0 Bambara test (``masakhaner2-translate-test/bam-en.nllb.accalign.jsonl``: Bambara tokens and
gold tags, shipped NLLB English translations and AccAlign alignments) replicated to ``--sentences`` rows in
``--shards`` Parquet shards under ``--work`` (not committed). The pipeline reads the shards, takes the
translations and alignments from their columns, tags the English side with the CoNLL-2003 CRF of
``bench/run_translate_test_bam.py`` (trained once and cached), projects greedily (PER/ORG/LOC) and writes
``predictions.conll`` + ``spans.jsonl`` per shard (``xlner.engines.pipeline``).

Runs: ``local`` (one process) and ``ray`` with N = 1 and 2 workers: N CRF tag actors (one logical CPU each) and
at most N read / project tasks at a time, on a local Ray instance of 2N logical CPUs; each into its own folder;
outputs are compared byte for byte. Per run: wall
seconds (Ray: without starting the instance, which is printed apart), sentences/s, peak memory — the driver's
RSS and the sum of the RSS of every process of the run (the driver and, for Ray, the raylet, GCS and workers:
psutil sampling every 0.2 s; shared pages are counted once per process, so the sum overstates) — and the
per-stage busy seconds (summed over workers) and rows per busy second, the figures ``docs/cluster.md`` sizes
with.

    OMP_NUM_THREADS=1 python bench/bench_pipeline_ray.py [--sentences 200000] [--shards 20]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


class PeakMemory:
    """Samples the RSS of this process and of all its descendants every ``interval`` seconds."""

    def __init__(self, interval: float = 0.2):
        import psutil

        self.me = psutil.Process()
        self.interval = interval
        self.driver = 0
        self.total = 0
        self.workers = 0
        self._cpu: Dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.me] + self.me.children(recursive=True)
                rss = {}
                for p in procs:
                    try:
                        rss[p.pid] = (p.memory_info().rss, p.name())
                    except psutil.Error:
                        pass
                cpu = {}
                for p in procs:
                    try:
                        t = p.cpu_times()
                        cpu[p.pid] = t.user + t.system
                    except psutil.Error:
                        pass
                self._cpu.update(cpu)  # last seen CPU time of every process of the run
                self.driver = max(self.driver, rss.get(self.me.pid, (0, ""))[0])
                self.total = max(self.total, sum(r for r, _ in rss.values()))
                self.workers = max(self.workers, sum(r for r, n in rss.values() if n.startswith("ray::")))
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    @property
    def cpu(self) -> float:
        """CPU seconds of every process seen (the last sample of each; this process up to now)."""
        return sum(t for pid, t in self._cpu.items() if pid != self.me.pid) + _cpu()

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def make_shards(src: Path, out: Path, sentences: int, shards: int) -> int:
    """``src`` (JSON lines) replicated to ``sentences`` rows in ``shards`` Parquet files; returns the copies."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from run_translate_test_bam import MASAKHANER_TAGS

    rows = [json.loads(line) for line in open(src, encoding="utf-8") if line.strip()]
    copies = -(-sentences // len(rows))
    if out.is_dir() and len(list(out.glob("*.parquet"))) == shards and \
            sum(pq.ParquetFile(str(f)).metadata.num_rows for f in out.glob("*.parquet")) == sentences:
        return copies
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    strs, ints = pa.list_(pa.string()), pa.list_(pa.list_(pa.int64()))
    size = -(-sentences // shards)
    for k in range(shards):
        part = [rows[i % len(rows)] for i in range(k * size, min(sentences, (k + 1) * size))]
        pq.write_table(pa.table({
            "org_tokens": pa.array([r["org_tokens"] for r in part], strs),
            "org_ner_tags": pa.array([[MASAKHANER_TAGS[t] for t in r["org_ner_tags"]] for r in part], strs),
            "tokens": pa.array([r["tokens"] for r in part], strs),
            "alignment": pa.array([r["alignment"] for r in part], ints)}), out / f"part-{k:04d}.parquet")
    return copies


def run(engine: str, shards: Path, out: Path, crf: Path, actors: int) -> Dict[str, Any]:
    """One run of the pipeline; returns the summary, times and memory peaks."""
    from run_translate_test_bam import EVAL_LABELS

    from xlner.engines.pipeline import EngineOptions, run_sharded
    from xlner.pipelines import config_from_dict

    shutil.rmtree(out, ignore_errors=True)
    cfg = config_from_dict({
        "kind": "translate-test", "input": str(shards), "output_dir": str(out), "src_lang": "bam",
        "tgt_lang": "eng", "chunk_size": 10000, "progress": False,
        "input_format": {"tokens_field": "org_tokens", "tags_field": "org_ner_tags"},
        "tagger": {"kind": "crf", "path": str(crf)},
        "projection": {"method": "greedy", "labels": EVAL_LABELS, "threads": 1}})
    opts = EngineOptions(engine=engine, actors=actors, translations_column="tokens", alignments_column="alignment")
    t_start = 0.0
    cpu0 = _cpu()
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        if engine == "ray":
            import ray

            ray.init(num_cpus=2 * actors, include_dashboard=False, log_to_driver=False, configure_logging=False)
            t_start = time.perf_counter() - t0
        t1 = time.perf_counter()
        summary = run_sharded(cfg, opts)
        wall = time.perf_counter() - t1
        if engine == "ray":
            ray.shutdown()
    return {"summary": summary, "wall": wall, "start": t_start, "driver": mem.driver, "total": mem.total,
            "workers": mem.workers, "cpu": mem.cpu - cpu0 if engine == "ray" else _cpu() - cpu0}


def _cpu() -> float:
    """CPU seconds of this process so far (user + system)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def identical(a: Path, b: Path) -> bool:
    files = sorted(p.relative_to(a) for p in (a / "shards").rglob("*") if p.is_file())
    return bool(files) and all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=200000)
    ap.add_argument("--shards", type=int, default=20)
    ap.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "xlner-bench-pipeline-ray")
    ap.add_argument("--crf", type=Path, default=Path.home() / ".cache" / "xlner" / "crf-conll2003-en.crf")
    args = ap.parse_args(argv)
    from run_translate_test_bam import BAM, CONLL_EN, train_crf

    if not BAM.exists():
        print(f"data not found: {BAM}", file=sys.stderr)
        return 1
    train_crf(CONLL_EN / "train.tsv", cache=args.crf)
    copies = make_shards(BAM, args.work / "shards", args.sentences, args.shards)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"input: {args.sentences} Bambara sentences (MasakhaNER 2.0 test x{copies}) in {args.shards} Parquet "
          f"shards; shipped NLLB translations and AccAlign alignments, English CRF tagger, greedy projection")
    print(f"machine: {os.cpu_count()} cores; load before: {load}")
    runs = {}
    for name, engine, actors in (("local", "local", 1), ("ray, 1 worker", "ray", 1), ("ray, 2 workers", "ray", 2)):
        runs[name] = r = run(engine, args.work / "shards", args.work / name.replace(", ", "-").replace(" ", ""),
                             args.crf, actors)
        print(f"  done: {name} ({r['wall']:.1f} s)", file=sys.stderr)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load after: {load}")
    mib = 1024 * 1024
    print()
    print(f"| {'engine':<15s} | {'wall s':>7s} | {'sentences/s':>11s} | {'Ray start s':>11s} | "
          f"{'driver peak MiB':>15s} | {'ray:: workers MiB':>17s} | {'all processes MiB':>17s} |")
    print(f"|{'-' * 17}|{'-' * 9}|{'-' * 13}|{'-' * 13}|{'-' * 17}|{'-' * 19}|{'-' * 19}|")
    for name, r in runs.items():
        s = r["summary"]
        start = f"{r['start']:.1f}" if r["start"] else "-"
        print(f"| {name:<15s} | {r['wall']:7.1f} | {s.sentences / r['wall']:11.0f} | {start:>11s} | "
              f"{r['driver'] / mib:15.0f} | {r['workers'] / mib:17.0f} | {r['total'] / mib:17.0f} |")
    print()
    print("per stage: busy seconds summed over workers (rows per busy second) / CPU seconds of the stage's "
          "thread (rows per CPU second)")
    for name, r in runs.items():
        print(f"  {name}:")
        for k, v in r["summary"].stages.items():
            print(f"    {k:<10s} {v.seconds:8.1f} s ({v.rows_per_second:9,.0f}/s)  {v.cpu_seconds:8.1f} CPU-s "
                  f"({v.rows_per_cpu_second:9,.0f}/CPU-s)")
        cpu = r["cpu"]
        print(f"    whole run: {cpu:.1f} CPU-s of the driver and its child processes "
              f"({r['summary'].sentences / cpu:,.0f} sentences per CPU-second)")
    base = runs["local"]
    for name in ("ray, 1 worker", "ray, 2 workers"):
        print(f"ratio {name} / local (sentences/s): {base['wall'] / runs[name]['wall']:.2f}x")
    same = all(identical(args.work / "local", args.work / n.replace(", ", "-").replace(" ", ""))
               for n in ("ray, 1 worker", "ray, 2 workers"))
    s = base["summary"]
    print(f"outputs identical across engines: {same}; projected {s.projected_entities}/{s.source_entities} entities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
