"""Our seeded Gibbs aligner side by side with eflomal, in one run, on the same inputs and options:

1. AER on ``word-alignment-gold`` en-fr and ro-en (each aligner trained on the gold pairs only, whole
   lower-cased words, both directions, grow-diag-final-and), with the alignment time;
2. Europarl-NER en→de/es/it projection F1 (greedy ``<=1``) with the same recipe for both aligners: trained
   on the 799 Europarl-NER pairs alone, then with the conll2003-deepl en-xx pairs added, words stemmed to 5
   characters, grow-diag-final-and plus name links, the Gibbs aligner with its general priors (eflomal has
   no orthographic prior); with the alignment time. The default recipe of ``xlner project`` (sparser
   lexical prior, orthographic prior, intersection) is measured by ``bench/bench_default_command.py``.

eflomal is random on every run (it cannot be seeded); ``--eflomal-runs`` runs it several times and reports
the range. The Gibbs aligner is run with its default seed. Prints Markdown tables.

    python bench/bench_aligner.py [--threads 2] [--eflomal-runs 2] [--langs de es it] [--no-europarl]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Dict, List, Sequence, Tuple

sys.path.insert(0, os.path.dirname(__file__))

from common import require_data  # noqa: E402

from xlner.align import alignment_error_rate, read_gold, read_parallel  # noqa: E402
from xlner.align.extraction import Links  # noqa: E402
from xlner.align.gibbs import GibbsConfig, align_gibbs  # noqa: E402
from xlner.align.recipe import AlignRecipe, align_tokens, read_extra_pairs  # noqa: E402
from xlner.align.statistical import EflomalConfig, align_eflomal  # noqa: E402
from xlner.io import read_conll  # noqa: E402
from xlner.projection import MatchingConfig, project  # noqa: E402
from xlner.studies.common import f1_pair, gold_batch, result_tags  # noqa: E402


def timed(fn: Callable[[], List[Links]]) -> Tuple[List[Links], float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def fmt_range(xs: Sequence[float]) -> str:
    return f"{min(xs):.3f}" if max(xs) - min(xs) < 5e-4 else f"{min(xs):.3f}–{max(xs):.3f}"


def aer_rows(root, threads: int, eflomal_runs: int) -> List[List[str]]:
    rows = []
    for pair in ("enfr", "roen"):
        d = root / "word-alignment-gold"
        src, tgt = read_parallel(d / f"{pair}.src-tgt")
        sure, possible = read_gold(d / f"{pair}.gold")
        res: Dict[str, Tuple[List[float], List[float]]] = {}
        for run in range(eflomal_runs):
            links, secs = timed(lambda: align_eflomal(src, tgt, config=EflomalConfig(), threads=threads).symmetrized)
            a, t = res.setdefault("eflomal", ([], []))
            a.append(alignment_error_rate(links, sure, possible).aer)
            t.append(secs)
        links, secs = timed(lambda: align_gibbs(src, tgt, config=GibbsConfig(), threads=threads).symmetrized)
        res["gibbs (ours, seed 0)"] = ([alignment_error_rate(links, sure, possible).aer], [secs])
        for name, (aers, secs_l) in res.items():
            rows.append([pair, name, fmt_range(aers), f"{min(secs_l):.1f}"])
    return rows


def europarl_rows(root, langs: Sequence[str], threads: int, eflomal_runs: int, extra: bool) -> List[List[str]]:
    en = read_conll(root / "europarl-ner" / "en.conll")
    rows = []
    for lang in langs:
        xx = read_conll(root / "europarl-ner" / f"{lang}.conll")
        xs: List[List[str]] = []
        xt: List[List[str]] = []
        for split in ("train", "dev", "test") if extra else ():
            s, t = read_extra_pairs([str(root / "conll2003-deepl" / "en" / f"{split}.tsv"),
                                     str(root / "conll2003-deepl" / lang / f"{split}.awesome.tsv")])
            xs += s
            xt += t
        src, tgt = [s.tokens for s in en], [s.tokens for s in xx]
        tl = [len(t) for t in tgt]
        gold = [s.tags for s in xx]
        same = dict(symmetrization="grow-diag-final-and", lex_alpha=1e-3, sim_prior=0.0)
        runs = [("eflomal", AlignRecipe(aligner="eflomal", **same))] * eflomal_runs + [
            ("gibbs (ours, seed 0)", AlignRecipe(aligner="gibbs", **same))]
        res: Dict[str, Tuple[List[float], List[float]]] = {}
        for name, recipe in runs:
            links, secs = timed(lambda: align_tokens(src, tgt, extra_src=xs or None, extra_tgt=xt or None,
                                                     recipe=recipe, threads=threads))
            r = project(gold_batch(en, xx, links), "greedy", matching=MatchingConfig(constraint="<=1"),
                        threads=threads)
            f, t = res.setdefault(name, ([], []))
            f.append(f1_pair(gold, result_tags(r, tl))[0])
            t.append(secs)
        for name, (f1s, secs_l) in res.items():
            rows.append([f"en→{lang}", name, fmt_range(f1s), f"{min(secs_l):.1f}"])
    return rows


def table(title: str, headers: List[str], rows: List[List[str]]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def ratios(rows: List[List[str]]) -> str:
    out = []
    for key in dict.fromkeys(r[0] for r in rows):
        e = [float(r[3]) for r in rows if r[0] == key and r[1] == "eflomal"]
        g = [float(r[3]) for r in rows if r[0] == key and r[1].startswith("gibbs")]
        if e and g:
            out.append(f"{key}: gibbs/eflomal time {g[0] / e[0]:.2f}×")
    return "; ".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eflomal-runs", type=int, default=2)
    ap.add_argument("--langs", nargs="+", default=["de", "es", "it"])
    ap.add_argument("--no-europarl", action="store_true")
    ap.add_argument("--no-aer", action="store_true")
    args = ap.parse_args()
    root = require_data()
    if not args.no_aer:
        rows = aer_rows(root, args.threads, args.eflomal_runs)
        print(table("AER on word-alignment-gold (trained on the gold pairs, grow-diag-final-and)",
                    ["pair", "aligner", "AER", "seconds"], rows))
        print(f"\n{ratios(rows)}\n", flush=True)
    for extra in () if args.no_europarl else (False, True):
        rows = europarl_rows(root, args.langs, args.threads, args.eflomal_runs, extra)
        data = "Europarl-NER + conll2003-deepl" if extra else "Europarl-NER only"
        print(table(f"Europarl-NER greedy <=1 F1 (trained on {data}, stem 5, gdfa + name links)",
                    ["pair", "aligner", "F1", "seconds"], rows))
        print(f"\n{ratios(rows)}\n", flush=True)


if __name__ == "__main__":
    main()
