"""Projection over Parquet shards: the local engine vs the Ray engine with 1 and 2 workers, one run.

Input: the bundled en-de sample (200 sentence pairs with gold English tags and eflomal alignments) replicated
to ``--sentences`` rows in ``--shards`` Parquet shards (source tokens, ClassLabel tags, target tokens,
alignment pairs). Each engine projects every shard (greedy, ``<=1``) into its own output folder; prints
sentences/s (Ray: including starting the local instance, and without it) and checks that the outputs are
identical.

    python bench/bench_shards.py [--sentences 200000] [--shards 20]
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=200000)
    ap.add_argument("--shards", type=int, default=20)
    args = ap.parse_args()

    import pyarrow.parquet as pq
    import ray
    from datasets import concatenate_datasets
    from datasets.utils.logging import disable_progress_bar

    from test_formats_arrow import sample_dataset
    from xlner.engines.shards import ShardColumns, project_shards

    disable_progress_bar()
    base = sample_dataset(class_label=True)
    ds = concatenate_datasets([base] * -(-args.sentences // len(base))).select(range(args.sentences))
    cols = ShardColumns(source_tokens="en_tokens", source_tags="en_tags", target_tokens="de_tokens",
                        alignments="links", output="de_tags")
    with tempfile.TemporaryDirectory(prefix="xlner-bench-shards-") as tmp:
        inp = Path(tmp) / "in"
        inp.mkdir()
        size = -(-len(ds) // args.shards)
        for k in range(args.shards):
            ds.select(range(k * size, min(len(ds), (k + 1) * size))).to_parquet(str(inp / f"part-{k:04d}.parquet"))
        print(f"input: {len(ds)} sentence pairs (the bundled sample x{-(-args.sentences // len(base))}) in "
              f"{args.shards} Parquet shards; greedy projection")
        rates = {}
        t, c = time.perf_counter(), time.process_time()
        s = project_shards(inp, Path(tmp) / "local", cols)
        rates["local"] = s.sentences / (time.perf_counter() - t)
        cpu = time.process_time() - c
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"local engine            {s.sentences / rates['local']:7.2f} s  {rates['local']:9.0f} sentences/s  "
              f"(CPU {cpu:.2f} s: {s.sentences / cpu:.0f} sentences per CPU-second; peak RSS of this process "
              f"{rss:.0f} MiB)")
        for n in (1, 2):
            t = time.perf_counter()
            ray.init(num_cpus=n, include_dashboard=False, log_to_driver=False, configure_logging=False)
            t_up = time.perf_counter()
            s = project_shards(inp, Path(tmp) / f"ray{n}", cols, engine="ray", max_in_flight=n)
            t_end = time.perf_counter()
            ray.shutdown()
            rates[f"ray{n}"] = s.sentences / (t_end - t_up)
            print(f"ray engine, {n} worker(s)  {t_end - t_up:7.2f} s  {rates[f'ray{n}']:9.0f} sentences/s  "
                  f"(+{t_up - t:.1f} s to start the local Ray instance: {s.sentences / (t_end - t):.0f} sentences/s "
                  f"overall)")
        for n in (1, 2):
            print(f"ratio ray {n} worker(s) / local: {rates[f'ray{n}'] / rates['local']:.2f}x")
        same = all(pq.read_table(f).equals(pq.read_table(Path(tmp) / f"ray{n}" / f.name))
                   for n in (1, 2) for f in sorted((Path(tmp) / "local").glob("*.parquet")))
        print(f"outputs identical across engines: {same}")


if __name__ == "__main__":
    main()
