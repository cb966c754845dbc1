"""Alignment-noise study on Europarl-NER: corrupt the alignments in controlled, seeded ways (drop, add,
shift links; 0–50 %) and measure the F1 of heuristic vs greedy vs exact projection against the gold."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from xlner.io.atomic import atomic_open
from xlner.projection import MatchingConfig, project
from xlner.studies.common import StudyResult, Table, f1_pair, gold_batch, result_tags
from xlner.studies.europarl import (EFLOMAL_PREFIX_LEN, LANGS, StudyAligner, aligner_label, alignment_directions,
                                    alignment_variants, default_aligner, load_gold)
from xlner.studies.noise import KINDS, corrupt_alignments

RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
METHODS = ("heuristic", "greedy", "exact")


def run(root: Path, out_dir: Path, *, langs: Sequence[str] = LANGS, cache_dir: Optional[Path] = None,
        aligner: Optional[StudyAligner] = None, alignment: str = "grow-diag-final-and",
        rates: Sequence[float] = RATES, seed: int = 0, limit: Optional[int] = None, threads: int = -1,
        plot: bool = True) -> StudyResult:
    """Run the study; mean F1 over ``langs`` per (kind, rate, method), plus a PNG plot. The base alignment
    comes from :func:`~xlner.studies.europarl.alignment_directions` (``aligner``, ``cache_dir``, ``limit``)."""
    res = StudyResult("noise")
    aligner = aligner or default_aligner()
    en_all = load_gold(root, "en")
    # (kind, rate, method) -> list of F1 per language
    f1: Dict[Tuple[str, float, str], List[float]] = {}
    for lang in langs:
        xx_all = load_gold(root, lang)
        fwd, rev = alignment_directions(root, lang, prefix_len=EFLOMAL_PREFIX_LEN, aligner=aligner,
                                        cache_dir=cache_dir, limit=limit, threads=threads)
        n = len(en_all) if limit is None else min(limit, len(en_all))
        en, xx = en_all[:n], xx_all[:n]
        base = alignment_variants(en, xx, fwd[:n], rev[:n], lexical=alignment.endswith("lexical"))[alignment]
        sl, tl = [len(s.tokens) for s in en], [len(s.tokens) for s in xx]
        gold = [s.tags for s in xx]
        for kind in KINDS:
            for rate in rates:
                links = corrupt_alignments(base, sl, tl, kind, rate, seed=seed)
                b = gold_batch(en, xx, links)
                for m in METHODS:
                    if m == "heuristic":
                        r = project(b, m, heuristic="thesis", threads=threads)
                    else:
                        r = project(b, m, matching=MatchingConfig(constraint="<=1"), threads=threads)
                    f1.setdefault((kind, rate, m), []).append(f1_pair(gold, result_tags(r, tl))[0])
    mean = {k: sum(v) / len(v) for k, v in f1.items()}
    rows: List[List[object]] = [[kind, f"{int(round(rate * 100))}%", *(mean[(kind, rate, m)] for m in METHODS)]
                                for kind in KINDS for rate in rates]
    res.tables.append(Table(
        f"Alignment noise on Europarl-NER (mean F1 over {', '.join(langs)}; seed {seed})",
        ["noise", "rate"] + list(METHODS), rows,
        f"Base alignment: {aligner_label(aligner)}, {alignment}. drop: remove a fraction of links; add: add that "
        "many random links; "
        "shift: move that many links one target word. Heuristic: thesis preset; greedy/exact: alignment score, "
        "M=10, <=1."))
    if plot:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:  # optional extra
            res.notes.append("matplotlib is not installed: no plot (pip install 'xlner[plot]')")
            return res
        style = {"heuristic": ("o", "-"), "greedy": ("s", "--"), "exact": ("x", ":")}  # greedy and exact often coincide
        fig, axes = plt.subplots(1, len(KINDS), figsize=(4 * len(KINDS), 3.4), sharey=True)
        for ax, kind in zip(axes, KINDS):
            for m in METHODS:
                ax.plot([100 * r for r in rates], [mean[(kind, r, m)] for r in rates], marker=style[m][0],
                        linestyle=style[m][1], label=m)
            ax.set_title(f"{kind} links")
            ax.set_xlabel("noise (% of links)")
            ax.grid(alpha=0.3)
        axes[0].set_ylabel("entity F1")
        axes[0].legend()
        fig.suptitle(f"Europarl-NER en→{'/'.join(langs)}: projection F1 under alignment noise")
        fig.tight_layout()
        out_dir.mkdir(parents=True, exist_ok=True)
        with atomic_open(out_dir / "noise.png", "wb") as fh:
            fig.savefig(fh, format="png", dpi=120)
        plt.close(fig)
        res.plots.append("noise.png")
    return res


__all__ = ["RATES", "METHODS", "run"]
