"""The translate-train training study (``xlner report training``) for chosen languages.

CRFs trained on conll2003-deepl train projected onto de/es/it by each route (heuristic elp/thesis,
greedy, exact, shipped silver), scored on Europarl-NER gold beside model transfer, with bootstrap
intervals, paired bootstraps against the silver route, robustness drops and a plot
(:mod:`xlner.studies.training`); then teacher-student CRF students of those CRFs on the unlabeled DeepL
dev/test text (:mod:`xlner.studies.teacher_student`) and one table + plot of F1 drop by perturbation x route
(model transfer, translate-train, students, multi-source and single-source projection;
:mod:`xlner.studies.route_robustness`). CPU-heavy: each full-data CRF takes minutes; ``--langs de`` runs one
language. Trained CRFs are cached in ``--cache`` and reused.

    OMP_NUM_THREADS=1 python bench/run_training_report.py --langs de --out reports/training [--limit N]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langs", nargs="+", default=["de", "es", "it"])
    ap.add_argument("--out", type=Path, required=True, help="report folder")
    ap.add_argument("--cache", type=Path, default=None, help="CRF cache folder (default OUT/cache)")
    ap.add_argument("--limit", type=int, default=None, help="first N training sentences per language")
    ap.add_argument("--iterations", type=int, default=100, help="CRF L-BFGS iterations (default 100)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-robustness", action="store_true", help="skip the per-route robustness table")
    ap.add_argument("--no-distill", action="store_true",
                    help="skip the teacher-student table (and the robustness-by-route table, which needs it)")
    ap.add_argument("--no-routes", action="store_true", help="skip the robustness-by-route table and plot")
    args = ap.parse_args()
    from xlner.datasets import shared_data_dir
    from xlner.studies.report import run_report

    path = run_report(["training"], shared_data_dir(), args.out, argv=["python"] + sys.argv, langs=tuple(args.langs),
                      limit=args.limit, cache_dir=args.cache, max_iterations=args.iterations, threads=args.threads,
                      robustness=not args.no_robustness, distill=not args.no_distill, routes=not args.no_routes)
    print(f"report written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
