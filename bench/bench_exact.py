"""Greedy vs exact projection: throughput, objective gap to the optimum, entity F1 — measured in one run.

Data: conll2003-deepl test, de/es/it × the four aligners (12 files, 44,208 sentence pairs), alignment
score, n-gram candidates M=10. Methods: ``greedy``; ``exact`` (C++ dynamic program, HiGHS above its size
limit); ``ilp`` (HiGHS for every sentence, 256 sentences per model). F1 is entity-level (seqeval semantics,
``xlner.evaluate``) against the silver labels shipped with each file (those were produced by
Easy-Label-Projection's heuristic with that aligner: agreement with them, not accuracy).

``exact`` first checks greedy's optimality certificate (greedy reaches Σ_e of each entity's largest
scores, see exact.hpp) and runs the dynamic program only where it fails; the row ``exact-dp`` times the
dynamic program alone (``SolverOptions(certificate=False)``). The three fast methods are timed
interleaved, best of ``--repeat`` rounds. For a noise-free ratio use instruction counts, e.g.
``valgrind --tool=callgrind`` on a script calling ``project(batch, m, threads=1)`` once per method,
minus a run that only loads the batch.

Also: HiGHS sentences/s against the number of sentences per model (block size), and the number of
sentences the dynamic program hands to HiGHS.

Europarl-NER (gold on both sides) needs en→de/es/it word alignments: ``--europarl eflomal`` computes
them here with ``xlner.align.europarl_ner_alignments`` (eflomal trained on Europarl-NER plus the
conll2003-deepl pairs, grow-diag-final-and), or pass ``--europarl-alignments DIR`` with
``DIR/{de,es,it}.talp`` computed elsewhere (one line per sentence, ``en-tgt`` pairs);
:func:`europarl_f1` is the hook (a batch plus gold tags in, F1 per method out).

Usage: python bench/bench_exact.py [--plot bench_exact.png] [--europarl eflomal | --europarl-alignments DIR] [--quick]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from common import require_data  # noqa: E402

from xlner import _core  # noqa: E402
from xlner.batch import LabelVocab, ProjectionBatch, ProjectionResult  # noqa: E402
from xlner.datasets import CONLL_DEEPL_LANGS, conll_deepl_paths  # noqa: E402
from xlner.evaluate import evaluate  # noqa: E402
from xlner.ilp import SolverOptions, project_exact, project_ilp  # noqa: E402
from xlner.io import read_conll, read_talp  # noqa: E402
from xlner.projection import MatchingConfig, project  # noqa: E402
from xlner.tagging import batch_spans_to_tags, batch_tags_to_spans  # noqa: E402

ALIGNERS = ("awesome", "simalign", "fast_align", "mgiza")
CONSTRAINTS = ("<=1", "=1", ">=1", "<=2")
METHODS = ("greedy", "exact", "ilp")


def load_test(root: Path, quick: bool) -> Tuple[ProjectionBatch, List[List[str]]]:
    """All test files as one batch, with each sentence's silver target tags."""
    labels = LabelVocab()
    src_lens, tgt_lens, ents, alns, silver = [], [], [], [], []
    langs = CONLL_DEEPL_LANGS[:1] if quick else CONLL_DEEPL_LANGS
    for lang in langs:
        for aligner in ALIGNERS[:1] if quick else ALIGNERS:
            sp, tp, ap = conll_deepl_paths(root, lang, "test", aligner)
            src, tgt, aln = read_conll(sp), read_conll(tp), read_talp(ap)
            off, s, e, l = batch_tags_to_spans([x.tags for x in src], labels)
            for i in range(len(src)):
                src_lens.append(len(src[i].tokens))
                tgt_lens.append(len(tgt[i].tokens))
                ents.append([(int(s[k]), int(e[k]), int(l[k])) for k in range(off[i], off[i + 1])])
                alns.append(aln[i])
                silver.append(tgt[i].tags)
    return ProjectionBatch.from_lists(src_lens, tgt_lens, ents, alns, labels=labels), silver


def timed(fn, repeat: int) -> Tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def f1_of(batch: ProjectionBatch, r: ProjectionResult, gold: Sequence[Sequence[str]]) -> float:
    tags = batch_spans_to_tags(batch.tgt_len, r.offsets, r.start, r.end, r.label, batch.labels)
    return evaluate(gold, tags).micro.f1


def greedy_meets_floor(batch: ProjectionBatch, g: ProjectionResult, floor: int) -> np.ndarray:
    n_ent = np.diff(batch.ent_offsets)
    sent = np.repeat(np.arange(len(batch)), np.diff(g.offsets))
    ent_global = batch.ent_offsets[sent] + g.entity
    counts = np.bincount(ent_global, minlength=int(batch.ent_offsets[-1]))
    short = counts < floor
    owner = np.repeat(np.arange(len(batch)), n_ent)
    bad = np.zeros(len(batch), dtype=bool)
    bad[owner[short]] = True
    return ~bad


def europarl_f1(batch: ProjectionBatch, gold: Sequence[Sequence[str]], constraint: str = "<=1",
                methods: Sequence[str] = METHODS, max_len: int = 10) -> Dict[str, float]:
    """Hook for Europarl-NER: entity F1 of each method's projection of ``batch`` (source gold entities,
    word alignments) against the target-side gold tags ``gold``."""
    cfg = MatchingConfig(constraint=constraint, max_len=max_len)
    return {m: f1_of(batch, project(batch, m, matching=cfg), gold) for m in methods}


def europarl_batch(root: Path, lang: str, talp: Optional[Path]) -> Tuple[ProjectionBatch, List[List[str]]]:
    """Europarl-NER en→``lang``: batch of the English gold entities with alignments read from ``talp``
    (None: computed with eflomal), and the ``lang`` gold tags."""
    src = read_conll(root / "europarl-ner" / "en.conll")
    tgt = read_conll(root / "europarl-ner" / f"{lang}.conll")
    if talp is None:
        from xlner.align import europarl_ner_alignments

        aln = europarl_ner_alignments(lang, root)[2].symmetrized
    else:
        aln = read_talp(talp)
    labels = LabelVocab()
    off, s, e, l = batch_tags_to_spans([x.tags for x in src], labels)
    ents = [[(int(s[k]), int(e[k]), int(l[k])) for k in range(off[i], off[i + 1])] for i in range(len(src))]
    b = ProjectionBatch.from_lists([len(x.tokens) for x in src], [len(x.tokens) for x in tgt], ents, aln, labels=labels)
    return b, [x.tags for x in tgt]


def block_sweep(batch: ProjectionBatch, constraint: str, sizes: Sequence[int]) -> List[Tuple[int, float]]:
    out = []
    for k in sizes:
        sub = batch if k > 1 else _head(batch, 600)
        t, _ = timed(lambda: project_ilp(sub, constraint, options=SolverOptions(block_size=k), threads=1), 1)
        out.append((k, len(sub) / t))
    return out


def _head(batch: ProjectionBatch, n: int) -> ProjectionBatch:
    eo, ao = batch.ent_offsets[: n + 1], batch.aln_offsets[: n + 1]
    return ProjectionBatch(batch.src_len[:n].copy(), batch.tgt_len[:n].copy(), eo.copy(),
                           batch.ent_start[: eo[-1]].copy(), batch.ent_end[: eo[-1]].copy(),
                           batch.ent_label[: eo[-1]].copy(), ao.copy(), batch.aln_src[: ao[-1]].copy(),
                           batch.aln_tgt[: ao[-1]].copy(), labels=batch.labels)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plot", default="bench_exact.png", help="PNG output path")
    ap.add_argument("--europarl-alignments", type=Path, default=None,
                    help="folder with {de,es,it}.talp en→target alignments of europarl-ner")
    ap.add_argument("--europarl", choices=["eflomal"], default=None,
                    help="compute Europarl-NER alignments with eflomal and add the gold F1 rows")
    ap.add_argument("--quick", action="store_true", help="one file only (de, awesome)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = require_data()
    batch, silver = load_test(root, args.quick)
    n = len(batch)
    cores = os.cpu_count() or 1
    print(f"conll2003-deepl test: {n} sentence pairs, {int(batch.ent_offsets[-1])} source entities, "
          f"{cores} cores, M=10, alignment score\n")

    rows = []
    gap_rows = []
    plot_data: Dict[str, Dict[str, float]] = {}
    for c in CONSTRAINTS:
        cfg = MatchingConfig(constraint=c)
        res: Dict[str, ProjectionResult] = {}
        # greedy, exact and exact with the DP forced (no greedy certificate) are timed interleaved, best
        # of --repeat rounds each, so that load drifting on a shared machine hits all of them alike
        fns = {m: (lambda m=m, th=1: project(batch, m, matching=cfg, threads=th)) for m in METHODS}
        fns["exact-dp"] = lambda th=1: project_exact(batch, c, options=SolverOptions(certificate=False), threads=th)
        fast = ("greedy", "exact", "exact-dp")
        best1 = {m: float("inf") for m in fns}
        bestn = dict(best1)
        for _ in range(args.repeat):
            for m in fast:
                t = time.perf_counter()
                res[m] = fns[m]()
                best1[m] = min(best1[m], time.perf_counter() - t)
            for m in fast:
                t = time.perf_counter()
                fns[m](th=-1)
                bestn[m] = min(bestn[m], time.perf_counter() - t)
        best1["ilp"], res["ilp"] = timed(lambda: fns["ilp"](), 1)
        bestn["ilp"], _ = timed(lambda: fns["ilp"](th=-1), 1)
        for m in ("greedy", "exact", "exact-dp", "ilp"):
            r = res[m]
            rows.append((c, m, n / best1[m], n / bestn[m], f1_of(batch, r, silver), int(np.sum(r.status == 1))))
            if m in METHODS:
                plot_data.setdefault(c, {})[m] = n / best1[m]
        assert np.allclose(res["exact-dp"].objective, res["exact"].objective, rtol=0, atol=1e-9), \
            "certificate and DP disagree"
        opt = res["exact"].objective
        assert np.allclose(opt, res["ilp"].objective, rtol=0, atol=1e-9), "exact and HiGHS disagree"
        g = res["greedy"].objective
        floor = int(_core.Constraint(c).floor)
        comparable = res["exact"].status == 0
        if floor > 0:
            comparable &= greedy_meets_floor(batch, res["greedy"], floor)
        gap = (opt - g)[comparable]
        worse = gap > 1e-9
        raw = _core.exact_alignment(batch.core, constraint=c, threads=-1)
        gap_rows.append((c, int(comparable.sum()), int(worse.sum()), 100.0 * worse.mean() if gap.size else 0.0,
                         float(gap.mean()) if gap.size else 0.0, float(gap[worse].mean()) if worse.any() else 0.0,
                         float(gap.max()) if gap.size else 0.0, float(g[comparable].sum()), float(opt[comparable].sum()),
                         int(np.sum(raw["status"] == 4))))

    hdr = f"{'constraint':<10} {'method':<8} {'sent/s 1 thr':>13} {'sent/s all':>12} {'exact/greedy':>13} {'F1 silver':>9} {'infeasible':>10}"
    print(hdr)
    print("-" * len(hdr))
    greedy_speed = {}
    for c, m, s1, sn, f1, inf in rows:
        if m == "greedy":
            greedy_speed[c] = s1
        ratio = greedy_speed[c] / s1
        print(f"{c:<10} {m:<8} {s1:>13,.0f} {sn:>12,.0f} {ratio:>12.1f}x {100 * f1:>8.2f} {inf:>10d}")
    print("\n(exact/greedy: how many times slower than greedy, 1 thread; exact-dp: exact with the greedy "
          "optimality certificate off, every sentence through the dynamic program; infeasible: sentences whose lower bound "
          "cannot be met, left unprojected)\n")

    hdr = (f"{'constraint':<10} {'compared':>8} {'greedy<opt':>10} {'share %':>8} {'mean gap':>9} {'mean|worse':>10} "
           f"{'max gap':>8} {'sum greedy':>11} {'sum opt':>10} {'DP→HiGHS':>8}")
    print(hdr)
    print("-" * len(hdr))
    for c, k, w, share, mg, mw, mx, sg, so, big in gap_rows:
        print(f"{c:<10} {k:>8d} {w:>10d} {share:>8.3f} {mg:>9.5f} {mw:>10.4f} {mx:>8.4f} {sg:>11.2f} {so:>10.2f} {big:>8d}")
    print("\n(compared: sentences where both are defined — for =1 and >=1 only those where the greedy assignment "
          "happens to meet the lower bound, since greedy ignores it; gaps are optimum minus greedy objective; "
          "DP→HiGHS: sentences above the dynamic program's size limit, solved by HiGHS inside `exact`)\n")

    sizes = [1, 16, 64, 256, 1024, 4096]
    one_file = _head(batch, 3684)
    print(f"HiGHS sentences/s by sentences per model (1 thread; first {len(one_file)} sentences, 600 for size 1)")
    sweep = {}
    for c in ("<=1", "=1"):
        sweep[c] = block_sweep(one_file, c, sizes)
        print(f"  {c:<4} " + "  ".join(f"{k}:{v:,.0f}" for k, v in sweep[c]))

    if args.europarl_alignments is not None or args.europarl:
        source = "eflomal (gdfa)" if args.europarl else str(args.europarl_alignments)
        print(f"\nEuroparl-NER en→X, entity F1 against gold (alignments: {source})")
        for lang in ("de", "es", "it"):
            talp = None if args.europarl else args.europarl_alignments / f"{lang}.talp"
            if talp is not None and not talp.is_file():
                print(f"  {lang}: {talp} missing")
                continue
            b, gold = europarl_batch(root, lang, talp)
            for c in CONSTRAINTS:
                f = europarl_f1(b, gold, c)
                print(f"  {lang} {c:<4} " + "  ".join(f"{m} {100 * v:.2f}" for m, v in f.items()))

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot")
        return
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    x = np.arange(len(CONSTRAINTS))
    for k, m in enumerate(METHODS):
        axes[0].bar(x + (k - 1) * 0.27, [plot_data[c][m] for c in CONSTRAINTS], 0.27, label=m)
    axes[0].set_yscale("log")
    axes[0].set_xticks(x, CONSTRAINTS)
    axes[0].set_ylabel("sentences / s (1 thread)")
    axes[0].set_title("throughput")
    axes[0].legend()
    axes[1].bar(x, [r[3] for r in gap_rows], color="tab:red")
    axes[1].set_xticks(x, CONSTRAINTS)
    axes[1].set_ylabel("% sentences where greedy < optimum")
    axes[1].set_title(f"greedy vs optimum ({n} sentences)")
    for c in sweep:
        axes[2].plot([k for k, _ in sweep[c]], [v for _, v in sweep[c]], marker="o", label=c)
    axes[2].set_xscale("log")
    axes[2].set_yscale("log")
    axes[2].set_xlabel("sentences per HiGHS model")
    axes[2].set_ylabel("sentences / s")
    axes[2].set_title("batched HiGHS")
    axes[2].legend()
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"\nplot saved to {args.plot}")


if __name__ == "__main__":
    main()
