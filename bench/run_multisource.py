"""Real multi-source projection table on Europarl-NER (four-way parallel, gold on every side).

    OMP_NUM_THREADS=1 python bench/run_multisource.py [--data ../shared/data] [--out bench/out/multisource]
        [--method greedy] [--json OUT.json]

For each target language t in (de, es, it, en) the other three languages' gold is projected onto t:
each source alone (``xlner.project``), and combined with ``xlner.multisource.project_multi``
(``vote`` and ``joint`` greedy / exact). Sentences are split by index: every parameter (the vote
threshold k and the source weights of ``vote``; the span cost and weights of ``joint``) is chosen on the
even-index sentences (dev) and the F1 reported on the odd-index ones (test). The best single source is
also chosen on dev, and the gain is reported against the best single source *on test* (the harder bar).

Alignments: xlner's own eflomal (``xlner.align.statistical``, the same recipe as the Europarl report: words
stemmed to 5 characters, trained on the 799 Europarl-NER pairs plus the conll2003-deepl train/dev/test pairs of
the same two languages, which are line for line translations of each other; grow-diag-final-and, then
lexical links between name-like words, ``gdfa+names``). One eflomal run per unordered language pair; the
reverse direction swaps the links. eflomal samples without a seed: the links are cached under --out so the
table is reproducible from the cache (a fresh cache gives slightly different figures).
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))

from xlner.align.recipe import AlignRecipe, align_tokens, read_extra_corpora  # noqa: E402
from xlner.datasets import shared_data_dir  # noqa: E402
from xlner.io import Sentence, read_conll, read_talp, write_talp  # noqa: E402
from xlner.io.talp import Links  # noqa: E402
from xlner.multisource import combine_votes, project_multi  # noqa: E402
from xlner.projection import MatchingConfig, project  # noqa: E402
from xlner.studies.common import f1_pair, gold_batch, result_tags  # noqa: E402

LANGS = ("en", "de", "es", "it")


def _extra_specs(root: Path, a: str, b: str) -> List[List[str]]:
    """``--align-extra SRC TGT`` file pairs of the language pair a → b: conll2003-deepl train/dev/test (the
    de/es/it files are line for line translations of the English ones, hence of each other)."""
    def path(lang: str, split: str) -> str:
        name = f"{split}.tsv" if lang == "en" else f"{split}.awesome.tsv"
        return str(root / "conll2003-deepl" / lang / name)

    return [[path(a, split), path(b, split)] for split in ("train", "dev", "test")]


def pair_alignments(root: Path, a: str, b: str, gold: Dict[str, List[Sentence]], extra: bool, threads: int,
                    cache: Optional[Path] = None) -> List[Links]:
    """Links Europarl-NER ``a`` → ``b`` (source index first) by the default recipe of ``xlner project`` without
    ``--alignments`` (seeded Gibbs aligner, stem 5, grow-diag-final-and, name links;
    :func:`xlner.align.recipe.align_tokens`), trained also on the conll2003-deepl pairs of a and b when
    ``extra`` (``--align-extra``). The aligner is seeded, so the links are the same on every run: ``cache``
    only saves the time of a rerun (its file name carries a digest of the inputs and the recipe)."""
    src = [list(s.tokens) for s in gold[a]]
    tgt = [list(s.tokens) for s in gold[b]]
    recipe = AlignRecipe()
    specs = _extra_specs(root, a, b) if extra else []
    path = None
    if cache is not None:
        h = hashlib.sha256(json.dumps([src, tgt, specs, repr(recipe)]).encode()).hexdigest()[:16]
        path = cache / f"europarl.{a}-{b}.{h}.talp"
        if path.exists():
            return read_talp(path)
    xs, xt = read_extra_corpora(specs)
    t0 = time.perf_counter()
    links = align_tokens(src, tgt, extra_src=xs, extra_tgt=xt, recipe=recipe, threads=threads)
    print(f"aligned {a}-{b}: {len(src) + len(xs or [])} training pairs, {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_talp(path, links)
    return links


def _f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], idx: Sequence[int]) -> float:
    return f1_pair([gold[i] for i in idx], [pred[i] for i in idx])[0]


def _weight_grid(n: int) -> List[Tuple[float, ...]]:
    return [tuple(float(x) for x in w) for w in itertools.product((1.0, 2.0), repeat=n)
            if min(w) == 1.0]  # scale-free: one weight is 1


def run_target(tgt: str, gold: Dict[str, List[Sentence]], alns: Dict[Tuple[str, str], List[Links]], method: str,
               costs: Sequence[float], joint_methods: Sequence[str]) -> Dict[str, object]:
    """Every row of one target: singles, vote, joint; parameters chosen on even sentences."""
    srcs = [l for l in LANGS if l != tgt]
    tl = [len(s.tokens) for s in gold[tgt]]
    gtags = [list(s.tags) for s in gold[tgt]]
    dev = list(range(0, len(tl), 2))
    test = list(range(1, len(tl), 2))
    batches = [gold_batch(gold[s], gold[tgt], alns[(s, tgt)]) for s in srcs]
    rows: List[Dict[str, object]] = []
    cfg = MatchingConfig(constraint="<=1", block_size=64)
    singles = [project(b, method, matching=cfg, threads=1) for b in batches]
    for s, r in zip(srcs, singles):
        pred = result_tags(r, tl)
        rows.append({"row": f"single {s}", "params": "", "dev": _f1(gtags, pred, dev), "test": _f1(gtags, pred, test)})
    best_dev = max(rows, key=lambda r: r["dev"])
    best_test = max(r["test"] for r in rows)

    def pick(name: str, cands: List[Tuple[str, List[List[str]]]]) -> Dict[str, object]:
        scored = [(_f1(gtags, pred, dev), -k, p, pred) for k, (p, pred) in enumerate(cands)]
        d, _, params, pred = max(scored)
        row = {"row": name, "params": params, "dev": d, "test": _f1(gtags, pred, test), "grid": len(cands)}
        rows.append(row)
        return row

    vote_unit = [(f"k={k}", result_tags(combine_votes(singles, min_votes=k).to_result(), tl)) for k in (1, 2, 3)]
    pick(f"vote ({method}), k on dev", vote_unit)
    vote_w = []
    for w in _weight_grid(len(srcs)):
        for k in sorted({x for r in range(1, len(srcs) + 1) for x in
                         (sum(c) for c in itertools.combinations(w, r))}):
            res = combine_votes(singles, weights=w, min_votes=k)
            vote_w.append((f"w={','.join(f'{x:g}' for x in w)} k={k:g}", result_tags(res.to_result(), tl)))
    pick(f"vote ({method}), weights and k on dev", vote_w)
    for jm in joint_methods:
        t0 = time.perf_counter()
        cands = []
        for w in _weight_grid(len(srcs)):
            for c in costs:
                res = project_multi(batches, jm, "joint", weights=w, span_cost=c, matching=cfg, threads=1)
                cands.append((f"w={','.join(f'{x:g}' for x in w)} cost={c:g}", result_tags(res.to_result(), tl)))
        row = pick(f"joint {jm}, weights and span cost on dev", cands)
        row["seconds"] = time.perf_counter() - t0
    return {"target": tgt, "sources": srcs, "best_single_dev": best_dev["row"], "best_single_test": best_test,
            "rows": rows}


def markdown(results: Sequence[Dict[str, object]]) -> str:
    """One table per target and a summary of the gains over the best single source."""
    lines = []
    summary = ["| target | best single (chosen on dev) | its test F1 | best single on test | best combination "
               "(chosen on dev) | its test F1 | gain over dev-chosen single | gain over best single on test |",
               "|---|---|---|---|---|---|---|---|"]
    for res in results:
        rows = res["rows"]  # type: ignore[index]
        lines += [f"### target {res['target']} (sources {', '.join(res['sources'])})", "",  # type: ignore[arg-type]
                  "| projection | parameters (chosen on even sentences) | dev F1 (even) | test F1 (odd) |",
                  "|---|---|---|---|"]
        for r in rows:  # type: ignore[union-attr]
            lines.append(f"| {r['row']} | {r['params']} | {r['dev']:.4f} | {r['test']:.4f} |")
        lines.append("")
        singles = [r for r in rows if str(r["row"]).startswith("single")]  # type: ignore[union-attr]
        combos = [r for r in rows if not str(r["row"]).startswith("single")]  # type: ignore[union-attr]
        sd = max(singles, key=lambda r: r["dev"])
        cd = max(combos, key=lambda r: r["dev"])
        st = max(r["test"] for r in singles)
        summary.append(f"| {res['target']} | {sd['row']} | {sd['test']:.4f} | {st:.4f} | "
                       f"{cd['row']} ({cd['params']}) | "
                       f"{cd['test']:.4f} | {cd['test'] - sd['test']:+.4f} | {cd['test'] - st:+.4f} |")
    return "\n".join(summary + [""] + lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "multisource"))
    ap.add_argument("--method", default="greedy", choices=("greedy", "exact"),
                    help="single-source projection (singles and vote); default greedy <=1")
    ap.add_argument("--joint", nargs="*", default=["greedy", "exact"], help="joint solvers to run")
    ap.add_argument("--costs", default="0,0.25,0.5,0.75,1,1.25,1.5", help="span-cost grid of joint")
    ap.add_argument("--targets", nargs="*", default=["de", "es", "it", "en"])
    ap.add_argument("--align-extra", action=argparse.BooleanOptionalAction, default=True,
                    help="train the aligner also on the conll2003-deepl pairs of each language pair (default on)")
    ap.add_argument("--cache", default=None, metavar="DIR",
                    help="keep the (seeded, hence reproducible) alignments here to save the time of a rerun")
    ap.add_argument("--threads", type=int, default=1, help="aligner threads (the links do not depend on it)")
    ap.add_argument("--align-only", action="store_true", help="compute the alignments and stop")
    args = ap.parse_args(argv)
    root = shared_data_dir(args.data)
    out = Path(args.out)
    gold = {l: read_conll(root / "europarl-ner" / f"{l}.conll") for l in LANGS}
    cache = Path(args.cache) if args.cache else None
    alns = {(a, b): pair_alignments(root, a, b, gold, args.align_extra, args.threads, cache)
            for a, b in itertools.permutations(LANGS, 2)}
    if args.align_only:
        return 0
    costs = [float(x) for x in args.costs.split(",")]
    results = []
    for tgt in args.targets:
        t0 = time.perf_counter()
        results.append(run_target(tgt, gold, alns, args.method, costs, args.joint))
        print(f"target {tgt}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    md = markdown(results)
    print(md)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"results.{args.method}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    (out / f"results.{args.method}.md").write_text(md + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
