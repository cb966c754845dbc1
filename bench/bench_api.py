"""In-memory callers pay for the public API on top of the engine: measured in one run as ratios.

Rows (conll2003-deepl de/es/it train+dev+test, awesome-align alignments; the whole corpus, one thread):
  * building a ProjectionBatch from per-sentence Python lists (``ProjectionBatch.from_lists``, read in
    C++) against the core greedy projection of the same batch (issue 12: 281 ms vs 15 ms for 66 k
    sentences with the former Python loop);
  * public ``project(batch, "greedy")`` against ``_core.greedy_alignment``;
  * public ``project(batch, "heuristic", heuristic="elp", tgt_tokens=<lists of str>)`` (punctuation flags
    read in C++ from the Python token lists, only of the words an entity links to) against
    ``_core.project_heuristic`` with a ready mask;
  * lists → batch → greedy end to end against the core greedy alone, and against the engine's own route to the
    same result: its C++ readers from the corpus files (``load_projection_corpus``, 1 thread) → batch → greedy.
Goal: public API within 1.5× of the core. Building the batch reads ~1 M Python objects (900 k link tuples); on one
thread that costs about as much as the greedy projection of the batch, so lists → greedy cannot reach 1.5× of the
projection alone; against the engine's route from files, which also has to bring the sentences into a batch, it
is compared like with like. The per-call rows compare each public call with its core.

Usage: python bench/bench_api.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from common import best_of, load_pairs, print_table, require_data  # noqa: E402
from xlner.datasets import CONLL_DEEPL_LANGS, conll_deepl_paths  # noqa: E402
from xlner.io.corpus import load_projection_corpus  # noqa: E402

import numpy as np  # noqa: E402

from xlner import _core  # noqa: E402
from xlner.batch import ProjectionBatch  # noqa: E402
from xlner.heuristic import HeuristicConfig, project_heuristic  # noqa: E402
from xlner.projection import project  # noqa: E402


def _former_csr(lists, width):
    """The former Python ``ProjectionBatch.from_lists`` loop (before the C++ reader), for the baseline."""
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    for i, items in enumerate(lists):
        offsets[i + 1] = offsets[i] + len(items)
    flat = np.zeros((int(offsets[-1]), width), dtype=np.int64)
    k = 0
    for i, items in enumerate(lists):
        for item in items:
            if len(item) != width:
                raise ValueError(f"sentence {i}: expected {width} values per item")
            flat[k] = item
            k += 1
    return offsets, flat.astype(np.int32)


def _former_from_lists(src_lens, tgt_lens, ents, links):
    eo, ef = _former_csr(ents, 3)
    ao, af = _former_csr(links, 2)
    return _core.Batch(np.asarray(src_lens, dtype=np.int32), np.asarray(tgt_lens, dtype=np.int32), eo,
                       np.ascontiguousarray(ef[:, 0]), np.ascontiguousarray(ef[:, 1]), np.ascontiguousarray(ef[:, 2]),
                       ao, np.ascontiguousarray(af[:, 0]), np.ascontiguousarray(af[:, 1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    root = require_data()
    batch, tgt_tokens = load_pairs(root)
    n = len(batch)
    src_lens = batch.src_len.tolist()
    tgt_lens = batch.tgt_len.tolist()
    ents = [batch.entities(i) for i in range(n)]
    links = [batch.links(i) for i in range(n)]
    r = args.repeat

    elp = HeuristicConfig.preset("elp")
    mask, _ = _core.punctuation_mask(tgt_tokens)
    kw = dict(merge_distance=elp.merge_distance, merge_rule=elp.merge_rule, top_k=elp.top_k, only_i=elp.only_i,
              thr=None if elp.thr is None else float(elp.thr), drop_punct=elp.drop_punct, order=elp.order,
              collisions=elp.collisions, threads=1)
    files = [conll_deepl_paths(root, lang, split, "awesome") for lang in CONLL_DEEPL_LANGS
             for split in ("train", "dev", "test")]
    n_files = sum(len(load_projection_corpus(*f, threads=1).batch) for f in files)
    if n_files != n:
        raise SystemExit(f"the corpus files hold {n_files} sentence pairs, the batch {n}")
    calls = {
        "core_greedy": lambda: _core.greedy_alignment(batch.core, threads=1),
        "lists": lambda: ProjectionBatch.from_lists(src_lens, tgt_lens, ents, links, labels=batch.labels),
        "public_greedy": lambda: project(batch, "greedy", threads=1),
        "end_to_end": lambda: project(ProjectionBatch.from_lists(src_lens, tgt_lens, ents, links), "greedy",
                                      threads=1),
        "files_greedy": lambda: [_core.greedy_alignment(load_projection_corpus(*f, threads=1).batch.core, threads=1)
                                 for f in files],
        "core_elp": lambda: _core.project_heuristic(batch.core, punct=mask, **kw),
        "public_elp": lambda: project_heuristic(batch, elp, tgt_tokens=tgt_tokens, threads=1),
    }
    # interleaved: every round times each call once, so that a change of the machine's load hits all of them
    best = {name: float("inf") for name in calls}
    for _ in range(r):
        for name, fn in calls.items():
            best[name] = min(best[name], best_of(fn, 1))
    t_former = best_of(lambda: _former_from_lists(src_lens, tgt_lens, ents, links), 1)
    t_core_greedy, t_lists, t_public_greedy = best["core_greedy"], best["lists"], best["public_greedy"]
    t_end_to_end, t_core_elp, t_public_elp = best["end_to_end"], best["core_elp"], best["public_elp"]
    t_files = best["files_greedy"]

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"public API vs core on {n:,} sentence pairs (conll2003-deepl de/es/it, all splits, awesome), "
          f"1 thread, best of {r} interleaved rounds; load average {load}")
    rows = [
        ["core greedy_alignment", t_core_greedy * 1e3, 1.0],
        ["ProjectionBatch.from_lists (lists → validated batch)", t_lists * 1e3, t_lists / t_core_greedy],
        ["former Python from_lists loop (baseline)", t_former * 1e3, t_former / t_core_greedy],
        ["public project(batch, 'greedy')", t_public_greedy * 1e3, t_public_greedy / t_core_greedy],
        ["from_lists + project greedy", t_end_to_end * 1e3, t_end_to_end / t_core_greedy],
        ["engine from files: C++ readers → batch → greedy (9 file triples)", t_files * 1e3, t_files / t_core_greedy],
        ["from_lists + project greedy / engine from files", t_end_to_end * 1e3, t_end_to_end / t_files],
        ["core project_heuristic (elp, ready mask)", t_core_elp * 1e3, 1.0],
        ["public project_heuristic(elp, tgt_tokens=lists)", t_public_elp * 1e3, t_public_elp / t_core_elp],
    ]
    print_table(["call", "ms", "× its core"], rows)


if __name__ == "__main__":
    main()
