"""Seed noise and the selection of recipe variants of the default command on Europarl-NER (issue 13).

Each candidate is a set of Gibbs-aligner options (trained on the ~800 Europarl-NER pairs alone, as the
default command does) and is aligned once per (language, seed); every symmetrisation variant is scored on
that one alignment: ``intersection``, ``grow-diag``, ``grow-diag-final-and``, each direction alone (``fwd``:
each target word to at most one source word; ``rev``) and ``posterior`` when the candidate sets
``posterior_threshold``. Name links on, greedy ``<=1``, as the default command. The score of a candidate
is the mean greedy F1 over de/es/it on the *even* (selection) half, averaged over the seeds; only that
figure is printed while selecting (``--summary``). The odd half and all sentences are
stored in the JSON lines (``--out``) for the final report, never used for a choice.

    python bench/bench_recipe_seeds.py --candidate default --seeds 0 1 2 3 4 --out runs.jsonl
    python bench/bench_recipe_seeds.py --candidate n_samplers=8 --seeds 0 1 2 --out runs.jsonl
    python bench/bench_recipe_seeds.py --summary runs.jsonl

``--candidate`` is ``default`` (the recipe before this selection: the current one with independent
directions, ``agreement=0``) or ``key=value,key=value`` overriding fields of
:class:`xlner.align.gibbs.GibbsConfig` on top of it (``agreement=2`` is the current default recipe).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

sys.path.insert(0, os.path.dirname(__file__))

from bench_default_command import LANGS, f1_halves  # noqa: E402
from common import require_data  # noqa: E402

from xlner.align.extraction import symmetrize_batch  # noqa: E402
from xlner.align.gibbs import GibbsConfig, align_gibbs  # noqa: E402
from xlner.align.lexical import add_name_links  # noqa: E402
from xlner.align.recipe import AlignRecipe  # noqa: E402
from xlner.io import read_conll  # noqa: E402
from xlner.projection import MatchingConfig, project  # noqa: E402
from xlner.studies.common import gold_batch, result_tags  # noqa: E402

#: Symmetrisation variants scored on every alignment.
SYMS = ("intersection", "grow-diag", "grow-diag-final-and")


def parse_candidate(text: str) -> Dict[str, object]:
    """``default`` or ``key=value,...`` (values parsed as int, then float)."""
    if text == "default":
        return {}
    out: Dict[str, object] = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        try:
            out[key] = int(value)
        except ValueError:
            out[key] = float(value)
    return out


def run_candidate(root: Path, name: str, seeds: Sequence[int], threads: int, out: Path) -> None:
    """Align and score ``name`` for every language and seed; one JSON line per (language, seed, symmetrisation)."""
    over = parse_candidate(name)
    en = read_conll(root / "europarl-ner" / "en.conll")
    src = [s.tokens for s in en]
    for seed in seeds:
        for lang in LANGS:
            xx = read_conll(root / "europarl-ner" / f"{lang}.conll")
            tgt = [s.tokens for s in xx]
            cfg = AlignRecipe(seed=seed, agreement=0.0).gibbs_config(len(src))  # the previous recipe
            cfg = GibbsConfig(**{**cfg.__dict__, **over})
            t0 = time.perf_counter()
            aln = align_gibbs(src, tgt, config=cfg, threads=threads)
            secs = time.perf_counter() - t0
            slens, tlens = [len(s) for s in src], [len(t) for t in tgt]
            sym_links = {m: symmetrize_batch(aln.forward, aln.reverse, slens, tlens, m, threads=threads)
                         for m in SYMS}
            sym_links["fwd"], sym_links["rev"] = aln.forward, aln.reverse
            if cfg.posterior_threshold > 0:
                sym_links["posterior"] = aln.symmetrized
            for sym, links in sym_links.items():
                links = add_name_links(links, src, tgt)
                r = project(gold_batch(en, xx, links), "greedy", matching=MatchingConfig(constraint="<=1"),
                            threads=threads)
                even, odd, whole = f1_halves([s.tags for s in xx], result_tags(r, tlens))
                rec = {"candidate": name, "sym": sym, "lang": lang, "seed": seed, "even": even, "odd": odd,
                       "all": whole, "align_s": secs}
                with out.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(rec) + "\n")
            print(f"{name} seed {seed} {lang}: aligned in {secs:.1f} s", flush=True)


def summary(path: Path, show_odd: bool) -> List[str]:
    """Markdown table: per (candidate, symmetrisation), the mean even-half F1 over languages and seeds, its
    spread over seeds, and per language; with ``show_odd`` also the odd half and all sentences."""
    rows: Dict[Tuple[str, str], Dict[int, Dict[str, Dict[str, float]]]] = defaultdict(lambda: defaultdict(dict))
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        rows[(r["candidate"], r["sym"])][r["seed"]][r["lang"]] = r
    head = "| candidate | symmetrisation | seeds | mean even (selection) | min / max over seeds | " + " | ".join(
        f"{lang} even" for lang in LANGS)
    if show_odd:
        head += " | mean odd | mean all"
    lines = [head + " |", "|---" * head.count("|") + "|"]
    for (cand, sym), by_seed in rows.items():
        seeds = sorted(s for s, per in by_seed.items() if len(per) == len(LANGS))
        if not seeds:
            continue

        def mean_of(half: str, langs: Sequence[str] = LANGS, ss: Sequence[int] = seeds) -> float:
            return sum(by_seed[s][lang][half] for s in ss for lang in langs) / (len(ss) * len(langs))

        per_seed = [mean_of("even", ss=[s]) for s in seeds]
        cells = [cand, sym, " ".join(map(str, seeds)), f"{mean_of('even'):.4f}",
                 f"{min(per_seed):.4f} / {max(per_seed):.4f}"]
        cells += [f"{mean_of('even', [lang]):.3f}" for lang in LANGS]
        if show_odd:
            cells += [f"{mean_of('odd'):.4f}", f"{mean_of('all'):.4f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def detail(path: Path, candidate: str, sym: str) -> List[str]:
    """Markdown table of one (candidate, symmetrisation): F1 even / odd / all per seed and language, and the
    means over the seeds (for the report; the odd half and all sentences play no part in any choice)."""
    recs = [r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())
            if r["candidate"] == candidate and r["sym"] == sym]
    seeds = sorted({r["seed"] for r in recs})
    at = {(r["seed"], r["lang"]): r for r in recs}
    lines = ["| seed | " + " | ".join(f"{lang} even / odd / all" for lang in LANGS) + " | mean even | mean odd |",
             "|---|" + "---|" * (len(LANGS) + 2)]
    for seed in seeds + ["mean"]:
        ss = seeds if seed == "mean" else [seed]

        def m(lang: str, half: str) -> float:
            return sum(at[(x, lang)][half] for x in ss) / len(ss)

        lines.append(f"| {seed} | " + " | ".join(f"{m(lang, 'even'):.3f} / {m(lang, 'odd'):.3f} / {m(lang, 'all'):.3f}"
                                               for lang in LANGS)
                     + f" | {sum(m(lang, 'even') for lang in LANGS) / len(LANGS):.4f}"
                     + f" | {sum(m(lang, 'odd') for lang in LANGS) / len(LANGS):.4f} |")
    return lines


def aer_table(root: Path, threads: int) -> List[str]:
    """AER (P / R) on word-alignment-gold en-fr and ro-en of the Gibbs aligner with the recipe's priors,
    trained on the gold pairs alone (seed 0), independent directions against agreement
    :data:`~xlner.align.recipe.DEFAULT_AGREEMENT`, whole words and stem 5, both symmetrisations."""
    from xlner.align import alignment_error_rate, read_gold, read_parallel  # noqa: PLC0415
    from xlner.align.recipe import DEFAULT_AGREEMENT  # noqa: PLC0415

    lines = ["| pair | agreement | stem | grow-diag-final-and AER (P / R) | intersection AER (P / R) | seconds |",
             "|---|---|---|---|---|---|"]
    for pair in ("enfr", "roen"):
        d = root / "word-alignment-gold"
        src, tgt = read_parallel(d / f"{pair}.src-tgt")
        sure, possible = read_gold(d / f"{pair}.gold")
        for agreement in (0.0, DEFAULT_AGREEMENT):
            for stem in (0, 5):
                cfg = AlignRecipe(stem=stem, agreement=agreement).gibbs_config(len(src))
                t0 = time.perf_counter()
                aln = align_gibbs(src, tgt, config=cfg, threads=threads)
                secs = time.perf_counter() - t0
                cells = []
                for sym in ("grow-diag-final-and", "intersection"):
                    links = symmetrize_batch(aln.forward, aln.reverse, [len(x) for x in src], [len(x) for x in tgt],
                                             sym, threads=threads)
                    r = alignment_error_rate(links, sure, possible)
                    cells.append(f"{r.aer:.3f} ({r.precision:.3f} / {r.recall:.3f})")
                lines.append(f"| {pair} | {agreement:g} | {stem} | {cells[0]} | {cells[1]} | {secs:.1f} |")
                print(lines[-1], flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidate", action="append", default=[], help="default or key=value,... (repeatable)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("recipe_seeds.jsonl"), help="JSON lines appended here")
    ap.add_argument("--summary", type=Path, default=None, help="print the table of these JSON lines")
    ap.add_argument("--show-odd", action="store_true", help="summary: also the odd half and all (report only)")
    ap.add_argument("--aer", action="store_true", help="print the AER table on word-alignment-gold")
    ap.add_argument("--detail", nargs=2, metavar=("CANDIDATE", "SYM"), default=None,
                    help="with --summary FILE: per-seed even / odd / all of one candidate (report only)")
    args = ap.parse_args()
    if args.aer:
        print("\n".join(aer_table(require_data(), args.threads)))
        return
    if args.summary is not None and args.detail is not None:
        print("\n".join(detail(args.summary, *args.detail)))
        return
    if args.summary is not None:
        print("\n".join(summary(args.summary, args.show_odd)))
        return
    root = require_data()
    for name in args.candidate:
        run_candidate(root, name, args.seeds, args.threads, args.out)


if __name__ == "__main__":
    main()
