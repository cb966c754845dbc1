"""Four-aligner study on conll2003-deepl test: heuristic (elp preset), greedy and exact projection with
awesome-align, SimAlign, fast_align and MGIZA alignments, compared with each other and with the shipped
silver labels (which Easy-Label-Projection produced from the same alignments), plus projection ratios."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence

from xlner.datasets import CONLL_DEEPL_ALIGNERS, conll_deepl_paths
from xlner.evaluate import evaluate, projection_ratio
from xlner.io import read_conll, read_talp
from xlner.projection import MatchingConfig, project
from xlner.studies.common import StudyResult, Table, gold_batch, result_tags, timed

LANGS = ("de", "es", "it")
ALIGNERS = tuple(CONLL_DEEPL_ALIGNERS)
METHODS = ("heuristic", "greedy", "exact")


def run(root: Path, out_dir: Path, *, langs: Sequence[str] = LANGS, aligners: Sequence[str] = ALIGNERS,
        limit: Optional[int] = None, threads: int = -1) -> StudyResult:
    """Run the study; ``limit`` keeps the first sentences only (tests)."""
    res = StudyResult("four_aligners")
    rows: List[Sequence[object]] = []
    for lang in langs:
        for aligner in aligners:
            sp, tp, ap = conll_deepl_paths(root, lang, "test", aligner)
            src, tgt, aln = read_conll(sp), read_conll(tp), read_talp(ap)
            if limit is not None:
                src, tgt, aln = src[:limit], tgt[:limit], aln[:limit]
            tl = [len(s.tokens) for s in tgt]
            b = gold_batch(src, tgt, aln)
            silver = [s.tags for s in tgt]
            tags: Dict[str, List[List[str]]] = {}
            secs: Dict[str, float] = {}
            ratio: Dict[str, float] = {}
            for m in METHODS:
                if m == "heuristic":
                    r, t = timed(lambda: project(b, "heuristic", heuristic="elp", tgt_tokens=[s.tokens for s in tgt],
                                                 threads=threads))
                else:
                    r, t = timed(lambda: project(b, m, matching=MatchingConfig(constraint="<=1"), threads=threads))
                tags[m], secs[m] = result_tags(r, tl), t
                ratio[m] = projection_ratio([s.tags for s in src], r).ratio
            rows.append([lang, aligner]
                        + [evaluate(silver, tags[m]).micro.f1 for m in METHODS]
                        + [evaluate(tags["heuristic"], tags["greedy"]).micro.f1,
                           evaluate(tags["heuristic"], tags["exact"]).micro.f1,
                           evaluate(tags["greedy"], tags["exact"]).micro.f1]
                        + [ratio[m] for m in METHODS])
    res.tables.append(Table(
        "conll2003-deepl test: agreement between projection methods and with the shipped silver labels",
        ["lang", "aligner", "heuristic(elp) vs silver", "greedy vs silver", "exact vs silver", "heur vs greedy",
         "heur vs exact", "greedy vs exact", "ratio heur", "ratio greedy", "ratio exact"], rows,
        "Agreement: entity-level micro F1 of one labelling against the other (symmetric). Silver labels are the "
        "shipped test.<aligner>.tsv (Easy-Label-Projection's projection). Greedy/exact: alignment score, M=10, <=1. "
        "Ratio: projected entities / English gold entities."))
    return res


__all__ = ["run", "LANGS", "ALIGNERS", "METHODS"]
