"""Greedy vs exact projection on the shared data: a thin caller of :func:`xlner.compare` (``xlner compare``).

Data: conll2003-deepl test, de/es/it × the four aligners (12 files, 44,208 sentence pairs) as one batch,
alignment score, n-gram candidates M=10, constraints ``<=1``, ``=1``, ``>=1``, ``<=2``. Methods: ``greedy``;
``exact`` (C++ dynamic program after greedy's optimality certificate, HiGHS above its size limit); ``ilp``
(HiGHS for every sentence, 256 sentences per model). Everything :func:`xlner.compare` reports: gap to the
optimum, agreement, projection ratio, F1 against the silver labels shipped with each file (produced by
Easy-Label-Projection's heuristic with that aligner: agreement with them, not accuracy), throughput on 1 and all
threads measured interleaved. The run checks that ``ilp`` (HiGHS) never differs from ``exact``.

Extras that are not part of ``compare``: HiGHS sentences/s against the number of sentences per model (block
size), and Europarl-NER (gold on both sides) en→de/es/it with ``--europarl eflomal`` (alignments computed here
with ``xlner.align.europarl_ner_alignments``) or ``--europarl-alignments DIR`` (``DIR/{de,es,it}.talp``).

Usage: python bench/bench_exact.py [--plot bench_exact.png] [--json OUT]
       [--europarl eflomal | --europarl-alignments DIR] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(__file__))

from common import require_data  # noqa: E402

from xlner import compare  # noqa: E402
from xlner.batch import LabelVocab, ProjectionBatch  # noqa: E402
from xlner.datasets import CONLL_DEEPL_LANGS, conll_deepl_paths  # noqa: E402
from xlner.ilp import SolverOptions, project_ilp  # noqa: E402
from xlner.io import read_conll, read_talp  # noqa: E402
from xlner.studies.common import gold_batch  # noqa: E402

ALIGNERS = ("awesome", "simalign", "fast_align", "mgiza")
CONSTRAINTS = ("<=1", "=1", ">=1", "<=2")
METHODS = ("greedy", "exact", "ilp")


def load_test(root: Path, quick: bool) -> Tuple[ProjectionBatch, List[List[str]]]:
    """All test files as one batch, with each sentence's silver target tags."""
    src, tgt_all, alns, silver = [], [], [], []
    for lang in CONLL_DEEPL_LANGS[:1] if quick else CONLL_DEEPL_LANGS:
        for aligner in ALIGNERS[:1] if quick else ALIGNERS:
            sp, tp, ap = conll_deepl_paths(root, lang, "test", aligner)
            tgt = read_conll(tp)
            src += read_conll(sp)
            tgt_all += tgt
            silver += [s.tags for s in tgt]
            alns += read_talp(ap)
    return gold_batch(src, tgt_all, alns, LabelVocab()), silver


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
    return gold_batch(src, tgt, aln), [x.tags for x in tgt]


def block_sweep(batch: ProjectionBatch, constraint: str, sizes: Sequence[int]) -> List[Tuple[int, float]]:
    """HiGHS sentences/s (1 thread, one run each) against the number of sentences per model."""
    out = []
    for k in sizes:
        t = time.perf_counter()
        project_ilp(batch, constraint, options=SolverOptions(block_size=k), threads=1)
        out.append((k, len(batch) / (time.perf_counter() - t)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plot", default="bench_exact.png", help="PNG output path (gap histogram, time/quality)")
    ap.add_argument("--json", default=None, help="also write compare's figures as JSON")
    ap.add_argument("--europarl-alignments", type=Path, default=None,
                    help="folder with {de,es,it}.talp en→target alignments of europarl-ner")
    ap.add_argument("--europarl", choices=["eflomal"], default=None,
                    help="compute Europarl-NER alignments with eflomal and add the gold F1 rows")
    ap.add_argument("--quick", action="store_true", help="one file only (de, awesome)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = require_data()
    batch, silver = load_test(root, args.quick)
    print(f"conll2003-deepl test, F1 against the silver labels ({os.cpu_count()} cores)\n")
    result = compare(batch, methods=METHODS, constraints=CONSTRAINTS, gold=silver, repeats=args.repeat)
    print(result.to_markdown())
    for r in result.constraints:
        ilp = r.method("ilp").gap
        assert ilp.below == 0 and ilp.above == 0 and ilp.compared == r.optimum_solved, \
            f"{r.constraint}: exact and HiGHS disagree"
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=1) + "\n", encoding="utf-8")

    eo, ao = batch.ent_offsets[:601], batch.aln_offsets[:601]
    head = ProjectionBatch(batch.src_len[:600].copy(), batch.tgt_len[:600].copy(), eo.copy(),
                           batch.ent_start[: eo[-1]].copy(), batch.ent_end[: eo[-1]].copy(),
                           batch.ent_label[: eo[-1]].copy(), ao.copy(), batch.aln_src[: ao[-1]].copy(),
                           batch.aln_tgt[: ao[-1]].copy(), labels=batch.labels)
    print("HiGHS sentences/s by sentences per model (1 thread; first 600 sentences)")
    for c in ("<=1", "=1"):
        print(f"  {c:<4} " + "  ".join(f"{k}:{v:,.0f}" for k, v in block_sweep(head, c, [1, 16, 64, 256])))

    if args.europarl_alignments is not None or args.europarl:
        source = "eflomal (gdfa)" if args.europarl else str(args.europarl_alignments)
        print(f"\nEuroparl-NER en→X, against gold (alignments: {source})")
        for lang in ("de", "es", "it"):
            talp = None if args.europarl else args.europarl_alignments / f"{lang}.talp"
            if talp is not None and not talp.is_file():
                print(f"  {lang}: {talp} missing")
                continue
            b, gold = europarl_batch(root, lang, talp)
            print(f"\n### {lang}\n")
            print(compare(b, methods=METHODS, constraints=CONSTRAINTS, gold=gold, repeats=0).to_markdown(
                examples=False))
    try:
        result.plot(args.plot)
        print(f"\nplot saved to {args.plot}")
    except ImportError as exc:
        print(f"no plot: {exc}")


if __name__ == "__main__":
    main()
