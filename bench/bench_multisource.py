"""Multi-source combination against the projections it combines: measured in one run as ratios.

Data: Europarl-NER, target it, sources en, de, es (gold entities), word alignments by xlner's seeded aligner with
the default recipe of ``xlner project`` (799 pairs per source, computed first), the batches tiled to
``--sentences`` target sentences. One thread, best of ``--repeat``.

Rows, each against the greedy projection of the three sources (``project(b, "greedy")`` × 3, the work the
combination adds to):
  * ``vote`` (``combine_votes``, mode and median boundaries), ``priority`` (``combine_priority``), both in the
    engine, and the former Python per-sentence vote (``tests/multisource_reference.py``, the package's
    implementation before the rules moved into the engine; the bench checks that both give the same spans);
  * ``joint`` greedy: the engine end to end (alignment scores of every n-gram, entries, greedy), and the former
    Python greedy over the same entries (built by the engine, so that row understates the former cost);
  * ``joint`` exact: the engine's dynamic program end to end, and the integer programs of the first 799 sentences
    in HiGHS, many sentences per model (the former route; once).

Usage: python bench/bench_multisource.py [--sentences 16000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))

from common import best_of, print_table, replicate, require_data  # noqa: E402

import multisource_reference as ref  # noqa: E402
from xlner import _core  # noqa: E402
from xlner.align.recipe import align_tokens  # noqa: E402
from xlner.io import read_conll  # noqa: E402
from xlner.multisource import (combine_priority, combine_votes, joint_exact_sentences,  # noqa: E402
                               project_multi, _joint_problems, _joint_sources, _unite_labels)
from xlner.projection import project  # noqa: E402
from xlner.scores import alignment_scores  # noqa: E402
from xlner.studies.common import gold_batch  # noqa: E402

SOURCES = ("en", "de", "es")
TARGET = "it"


def _former_vote(results, boundary):
    """The former per-sentence Python vote over the results (unit weights, strict majority)."""
    _, maps = _unite_labels(results)  # by name, as the engine's route does
    need = len(results) / 2.0 + 1e-6
    out = []
    for i in range(len(results[0])):
        projs = [(s, a, b, int(maps[s][lab]), sc, e) for s, r in enumerate(results) for a, b, lab, e, sc in r.spans(i)]
        out.append(ref.vote_sentence(projs, [1.0] * len(results), need, boundary=boundary))
    return out


def _joint_problems_of(batches, span_cost):
    """The joint problems of every sentence as the former Python code built them (entries from the engine)."""
    vocab, maps = _unite_labels(batches)
    mats = [alignment_scores(b, candidates="ngrams", max_len=10, threads=1) for b in batches]
    d = _core.joint_entries(_joint_sources(batches, mats, maps, [1.0] * len(batches)), n_labels=len(vocab),
                            aligned_only=True, threads=1)
    return _joint_problems(d, batches, maps, 1, span_cost, range(len(batches[0])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=16000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = require_data() / "europarl-ner"
    gold = {lang: list(read_conll(root / f"{lang}.conll")) for lang in (*SOURCES, TARGET)}
    tgt = [list(s.tokens) for s in gold[TARGET]]
    t0 = time.perf_counter()
    small = [gold_batch(gold[s], gold[TARGET], align_tokens([list(x.tokens) for x in gold[s]], tgt, threads=1))
             for s in SOURCES]
    print(f"aligned {len(SOURCES)} pairs of {len(tgt)} sentences in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    batches = [replicate(b, args.sentences) for b in small]
    n = len(batches[0])
    r = args.repeat

    results = [project(b, "greedy", threads=1) for b in batches]
    t_proj = best_of(lambda: [project(b, "greedy", threads=1) for b in batches], r)
    rows = []

    def row(name, seconds):
        rows.append((name, f"{seconds * 1e3:.1f}", f"{seconds / t_proj:.2f}x", f"{seconds / n * 1e6:.2f}"))

    row("greedy projection of the 3 sources (baseline)", t_proj)
    for bnd in ("mode", "median"):
        got = combine_votes(results, boundary=bnd, threads=1)
        former = _former_vote(results, bnd)
        assert got.spans == former, f"vote {bnd}: the engine and the former code differ"
        row(f"vote, {bnd} (engine)", best_of(lambda: combine_votes(results, boundary=bnd, threads=1), r))
        row(f"vote, {bnd} (engine, span objects built)",
            best_of(lambda: combine_votes(results, boundary=bnd, threads=1).spans, r))
        row(f"vote, {bnd} (former Python, per sentence)", best_of(lambda: _former_vote(results, bnd), 1))
    row("priority, primary en (engine)",
        best_of(lambda: combine_priority(results, 0), r))
    row("joint greedy, span cost 1 (engine: scores, entries, greedy)",
        best_of(lambda: project_multi(batches, "greedy", "joint", threads=1), r))
    probs = _joint_problems_of(batches, 1.0)
    row("joint greedy (former Python greedy over the engine's entries)",
        best_of(lambda: [ref.joint_greedy_sentence(p) for p in probs], 1))
    row("joint exact, span cost 1 (engine: scores, entries, dynamic program)",
        best_of(lambda: project_multi(batches, "exact", "joint", threads=1), r))
    first = [replicate(b, 1) for b in small]
    t_proj_small = best_of(lambda: [project(b, "greedy", threads=1) for b in first], r)
    small_probs = _joint_problems_of(first, 1.0)
    t_exact = best_of(lambda: joint_exact_sentences(small_probs), 1)
    rows.append((f"joint exact (the integer programs in HiGHS, {len(first[0])} sentences, entries from the engine)",
                 f"{t_exact * 1e3:.1f}", f"{t_exact / t_proj_small:.0f}x", f"{t_exact / len(first[0]) * 1e6:.1f}"))
    print(f"{n:,} target sentences (Europarl-NER {TARGET} tiled), sources {', '.join(SOURCES)}, 1 thread, "
          f"best of {r}\n")
    print_table(["combination", "ms", "/ projection", "µs per sentence"], rows)


if __name__ == "__main__":
    main()
