"""``ilp`` on dense sentence pairs: HiGHS with and without the dense-block settings, in one run.

A dense pair: every source word aligned to every target word (``--n`` tokens per side, ``--entities``
one-word entities). The model (aligned ranges, clique rows; ``cpp/include/xlner/ilp_model.hpp``) is
printed with its size; then ``ilp_arrays`` solves it with the settings of ``xlner.ilp`` (a dense block:
no presolve, no symmetry detection, no feasibility jump) and with HiGHS's defaults (as before), and
checks both optima against ``exact``. Last, a solve under ``--time-limit 1``-like limit on a larger
pair must come back with status 2 close to the limit.

Usage: python bench/bench_ilp_dense.py [--n 1100] [--entities 5] [--big-entities 40]
"""
from __future__ import annotations

import argparse
import time
from unittest import mock

import numpy as np

import xlner.ilp as ilp
from xlner import _core
from xlner.batch import ProjectionBatch


def dense_pair(n: int, entities: int) -> ProjectionBatch:
    """One n×n pair, every word aligned to every word, one-word entities at 0, 3, 6, …"""
    links = [(i, j) for i in range(n) for j in range(n)]
    return ProjectionBatch.from_lists([n], [n], [[(3 * e, 3 * e + 1, 0) for e in range(entities)]], [links])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1100)
    ap.add_argument("--entities", type=int, default=5)
    ap.add_argument("--big-entities", type=int, default=40)
    ap.add_argument("--constraint", default="<=1")
    args = ap.parse_args()
    b = dense_pair(args.n, args.entities)
    t = time.perf_counter()
    m = _core.ilp_model_alignment(b.core, np.arange(1), constraint=args.constraint, candidates="ngrams", max_len=10,
                                  threads=1)
    print(f"dense {args.n}x{args.n}, {args.entities} entities, {args.n * args.n} links: model {len(m.cost)} columns, "
          f"{len(m.row_lower)} rows, {len(m.a_index)} nonzeros, built in {time.perf_counter() - t:.3f} s")
    ref = ilp._exact_arrays(b, args.constraint, "ngrams", 10, None, ilp.SolverOptions(), 1)["objective"]
    t = time.perf_counter()
    new = ilp.ilp_arrays(b, args.constraint, threads=1)
    t_new = time.perf_counter() - t
    with mock.patch.object(ilp, "DENSE_NNZ_PER_ROW", np.inf):  # every block solved with HiGHS's defaults
        t = time.perf_counter()
        old = ilp.ilp_arrays(b, args.constraint, threads=1)
        t_old = time.perf_counter() - t
    for name, r in (("dense settings", new), ("HiGHS defaults", old)):
        assert r["status"][0] == 0 and abs(r["objective"][0] - ref[0]) < 1e-9, (name, r["objective"], ref)
    print(f"ilp: dense settings {t_new:.2f} s, HiGHS defaults {t_old:.2f} s, ratio {t_old / t_new:.1f}x "
          f"(objective {new['objective'][0]:.6f} = exact's)")
    big = dense_pair(args.n, args.big_entities)
    for limit in (1.0, 60.0):
        t = time.perf_counter()
        r = ilp.ilp_arrays(big, args.constraint, options=ilp.SolverOptions(time_limit=limit), threads=1)
        print(f"{args.big_entities} entities, time limit {limit:g} s: status {int(r['status'][0])}, "
              f"objective {r['objective'][0]:.6f}, {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
