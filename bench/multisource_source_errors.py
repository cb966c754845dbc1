"""Dev-half error types of single-source projections on Europarl-NER (why a source language is weak).

    OMP_NUM_THREADS=1 python bench/multisource_source_errors.py [--pairs de-en de-es de-it en-de]
        [--no-split-compounds] [--examples N] [--cache DIR] [--data ../shared/data]

For each ordered pair source → target, the source's gold entities are projected onto the target by greedy
``<=1`` matching over the alignments of ``bench/run_multisource.py`` (same recipe, same extra text, same cache
files), and only the dev sentences (even 0-based index; the odd ones are that report's test set) are scored.
Every gold entity of the target is counted as correct (same span and label), ``boundary: too short`` /
``too long`` / ``shifted`` (a predicted span of its label overlaps it), ``label`` (only spans of another label
overlap it) or ``missed`` (nothing overlaps it); a predicted span that overlaps no gold entity is
``spurious``. ``--examples N`` prints up to N examples of each error type with the source's gold entities of
that sentence.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from run_multisource import LANGS, _span_sets, pair_alignments  # noqa: E402
from xlner.datasets import shared_data_dir  # noqa: E402
from xlner.io import read_conll  # noqa: E402
from xlner.projection import MatchingConfig, project  # noqa: E402
from xlner.studies.common import gold_batch  # noqa: E402
from xlner.tagging import iob2_to_spans  # noqa: E402

Span = Tuple[int, int, str]
KINDS = ("correct", "boundary: too short", "boundary: too long", "boundary: shifted", "label", "missed",
         "spurious")


def classify(gold: Sequence[Span], pred: Sequence[Span]) -> List[Tuple[str, Span, List[Span]]]:
    """(kind, span, overlapping other-side spans) of every gold entity and of every spurious predicted span."""
    def overlapping(x: Span, ys: Sequence[Span]) -> List[Span]:
        return [y for y in ys if y[0] < x[1] and x[0] < y[1]]

    out: List[Tuple[str, Span, List[Span]]] = []
    pset = set(pred)
    for g in gold:
        ov = overlapping(g, pred)
        same = [p for p in ov if p[2] == g[2]]
        if g in pset:
            kind = "correct"
        elif same:
            p = same[0]
            kind = ("boundary: too short" if g[0] <= p[0] and p[1] <= g[1] else
                    "boundary: too long" if p[0] <= g[0] and g[1] <= p[1] else "boundary: shifted")
        else:
            kind = "label" if ov else "missed"
        out.append((kind, g, ov))
    out += [("spurious", p, []) for p in pred if not overlapping(p, gold)]
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None)
    ap.add_argument("--pairs", nargs="+", default=["de-en", "de-es", "de-it", "en-de"])
    ap.add_argument("--split-compounds", action=argparse.BooleanOptionalAction, default=True,
                    help="the alignments of run_multisource.py with (default) or without German compound splitting")
    ap.add_argument("--examples", type=int, default=0, help="examples per error type")
    ap.add_argument("--cache", default=None, metavar="DIR", help="alignment cache of run_multisource.py")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    root = shared_data_dir(args.data)
    gold = {l: read_conll(root / "europarl-ner" / f"{l}.conll") for l in LANGS}
    cache = Path(args.cache) if args.cache else None
    cfg = MatchingConfig(constraint="<=1", block_size=64)
    for pair in args.pairs:
        a, b = pair.split("-")
        aln = pair_alignments(root, a, b, gold, True, args.threads, cache, args.split_compounds)
        pred = _span_sets(project(gold_batch(gold[a], gold[b], aln), "greedy", matching=cfg, threads=1))
        counts: Counter = Counter()
        examples: Dict[str, List[str]] = defaultdict(list)
        for i in range(0, len(gold[b]), 2):  # dev only
            tb, ta = gold[b][i].tokens, gold[a][i].tokens
            gs = sorted(iob2_to_spans(list(gold[b][i].tags)))
            ps = sorted(pred[i])
            for kind, span, ov in classify(gs, ps):
                counts[kind] += 1
                if kind != "correct" and len(examples[kind]) < args.examples:
                    src = "; ".join(f"{' '.join(ta[x:y])}/{lab}" for x, y, lab in iob2_to_spans(list(gold[a][i].tags)))
                    examples[kind].append(f"sentence {i}: {' '.join(tb[span[0]:span[1]])}/{span[2]} -> "
                                          f"{[' '.join(tb[x:y]) + '/' + lab for x, y, lab in ov]} | {a} gold: {src}")
        c = counts["correct"]
        p = sum(len(pred[i]) for i in range(0, len(gold[b]), 2))
        g = c + sum(counts[k] for k in KINDS[1:6])
        f1 = 2 * c / (p + g) if p + g else 0.0
        print(f"{a} -> {b} (dev, {'compounds split' if args.split_compounds else 'plain recipe'}): F1 {f1:.4f} "
              f"({c} of {g} gold, {p} predicted); " + ", ".join(f"{k} {counts[k]}" for k in KINDS[1:]))
        for kind in KINDS[1:]:
            for e in examples[kind]:
                print(f"  [{kind}] {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
