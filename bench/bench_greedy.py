"""Greedy projection throughput: C++ core vs the pure-Python reference, measured in one run.

Data: conll2003-deepl train+dev+test, de/es/it, awesome-align alignments, replicated to >= 1M pairs.
Usage: python bench/bench_greedy.py [--min-sentences 1000000] [--ref-sentences 3000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from common import best_of, load_pairs, print_table, replicate, require_data  # noqa: E402

from xlner.projection import MatchingConfig, project  # noqa: E402
from xlner.reference.greedy import greedy_alignment  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--min-sentences", type=int, default=1_000_000)
    ap.add_argument("--ref-sentences", type=int, default=3000)
    ap.add_argument("--max-len", type=int, default=10)
    args = ap.parse_args()
    root = require_data()
    base, _ = load_pairs(root)
    big = replicate(base, args.min_sentences)
    n = len(big)
    cores = os.cpu_count() or 1
    cfg = MatchingConfig(max_len=args.max_len, constraint="<=1")
    rows = []
    t1 = best_of(lambda: project(big, "greedy", matching=cfg, threads=1))
    tn = best_of(lambda: project(big, "greedy", matching=cfg, threads=-1))
    # pure-Python reference on the first sentences of the base corpus
    k = min(args.ref_sentences, len(base))
    t = time.perf_counter()
    for i in range(k):
        ents = [(s, e) for s, e, _ in base.entities(i)]
        if ents:
            greedy_alignment(int(base.tgt_len[i]), ents, base.links(i), args.max_len, "<=", 1)
    tref = time.perf_counter() - t
    ref_rate = k / tref
    rows.append(["C++ greedy, 1 thread", n, n / t1, n / t1 / ref_rate])
    rows.append([f"C++ greedy, {cores} threads", n, n / tn, n / tn / ref_rate])
    rows.append(["pure-Python reference greedy, 1 thread", k, ref_rate, 1.0])
    print(f"greedy (alignment score, M={args.max_len}, <=1) on {n:,} sentence pairs "
          f"(conll2003-deepl de/es/it train+dev+test, replicated)")
    print_table(["implementation", "sentences", "sentences/s", "× reference"], rows)


if __name__ == "__main__":
    main()
