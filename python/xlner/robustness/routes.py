"""Robustness by route: several taggers (routes: translate-train, model transfer, a distilled student, …)
scored on the same perturbed test sets, and one table of F1 drop by perturbation × route.

Each perturbation is applied once (seeded, :func:`~xlner.robustness.runner.perturb_corpus`) and every route
tags the same perturbed sentences (:func:`~xlner.robustness.runner.evaluate_robustness` per route), so the
drops of two routes differ only by the taggers."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Union

from xlner.io.atomic import atomic_open
from xlner.io.conll import Sentence
from xlner.robustness.perturbations import Perturbation
from xlner.robustness.runner import (
    Predictor,
    RobustnessReport,
    _edits,
    evaluate_robustness,
    perturb_corpus,
    write_tables,
)


@dataclass
class RouteRobustness:
    """Per route, its :class:`~xlner.robustness.runner.RobustnessReport` on the same perturbed sets (routes
    in insertion order; every report has the same perturbations in the same order)."""

    reports: Dict[str, RobustnessReport] = field(default_factory=dict)
    title: str = ""

    @property
    def routes(self) -> List[str]:
        """Route names, in order."""
        return list(self.reports)

    @property
    def perturbations(self) -> List[str]:
        """Perturbation names, in order."""
        first = next(iter(self.reports.values()), None)
        return [r.name for r in first.rows] if first is not None else []

    def clean_f1(self, route: str) -> float:
        """Clean micro F1 of ``route`` (in [0, 1])."""
        return self.reports[route].clean.f1

    def f1(self, route: str, perturbation: str) -> float:
        """Micro F1 of ``route`` on the ``perturbation`` set (in [0, 1])."""
        rep = self.reports[route]
        return next(r.f1 for r in rep.rows if r.name == perturbation)

    def drop(self, route: str, perturbation: str) -> float:
        """F1 drop of ``route`` under ``perturbation``: clean F1 − perturbed F1, in points (x100)."""
        return 100.0 * (self.clean_f1(route) - self.f1(route, perturbation))

    def rows(self) -> List[List[object]]:
        """Table rows: ``clean F1`` (x100) first, then one row per perturbation with the drop of each route
        (points), then the mean drop over perturbations."""
        out: List[List[object]] = [["clean F1"] + [100.0 * self.clean_f1(r) for r in self.routes]]
        for p in self.perturbations:
            out.append([p] + [self.drop(r, p) for r in self.routes])
        if self.perturbations:
            out.append(["mean drop"] + [sum(self.drop(r, p) for p in self.perturbations) / len(self.perturbations)
                                        for r in self.routes])
        return out

    def to_markdown(self) -> str:
        """The drop table as GitHub Markdown (2 decimals)."""
        lines = [f"**{self.title}**", ""] if self.title else []
        lines += ["| perturbation | " + " | ".join(self.routes) + " |",
                  "|---|" + "---:|" * len(self.routes)]
        for row in self.rows():
            lines.append(f"| {row[0]} | " + " | ".join(f"{float(str(x)):.2f}" for x in row[1:]) + " |")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> Dict[str, object]:
        """JSON-able form: per route its full report (:meth:`RobustnessReport.to_dict`) and the drop table."""
        return {"title": self.title, "routes": self.routes, "perturbations": self.perturbations,
                "drop": {r: {p: self.drop(r, p) for p in self.perturbations} for r in self.routes},
                "clean_f1": {r: self.clean_f1(r) for r in self.routes},
                "reports": {r: rep.to_dict() for r, rep in self.reports.items()}}

    def plot(self, path: Union[str, "os.PathLike[str]"]) -> bool:
        """Grouped bars: F1 drop per perturbation, one bar per route; ``False`` when matplotlib is missing."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return False
        fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(self.perturbations) * len(self.routes) + 2), 4.2))
        draw_route_bars(ax, self)
        ax.set_title(self.title or "F1 drop by perturbation and route")
        fig.tight_layout()
        with atomic_open(path, "wb") as fh:
            fig.savefig(fh, format="png", dpi=120)
        plt.close(fig)
        return True

    def write(self, out_dir: Union[str, "os.PathLike[str]"], *, plot: bool = True) -> Dict[str, str]:
        """Write ``robustness.md``, ``robustness.json`` and (when possible) ``robustness.png``."""
        return write_tables(self, out_dir, plot=plot)


def draw_route_bars(ax: object, table: RouteRobustness) -> None:
    """Draw ``table`` on a matplotlib axis: per perturbation a group of bars, one per route (legend: route and
    clean F1)."""
    import numpy as np

    names = table.perturbations
    x = np.arange(len(names))
    width = 0.8 / max(1, len(table.routes))
    for k, route in enumerate(table.routes):
        vals = [table.drop(route, p) for p in names]
        ax.bar(x + (k - (len(table.routes) - 1) / 2) * width, vals, width,  # type: ignore[attr-defined]
               label=f"{route} (clean {100 * table.clean_f1(route):.1f})")
    ax.set_xticks(x)  # type: ignore[attr-defined]
    ax.set_xticklabels(names, rotation=30, ha="right")  # type: ignore[attr-defined]
    ax.axhline(0.0, color="black", linewidth=0.8)  # type: ignore[attr-defined]
    ax.set_ylabel("F1 drop (points)")  # type: ignore[attr-defined]
    ax.legend(fontsize="x-small")  # type: ignore[attr-defined]


def compare_routes(models: Mapping[str, Union[object, Predictor]], sentences: Sequence[Sentence],
                   suite: Mapping[str, Perturbation], *, seed: int = 0,
                   perturbed: Optional[Mapping[str, Sequence[Sentence]]] = None,
                   title: str = "") -> RouteRobustness:
    """Score every route of ``models`` (name → Tagger or predictor) on the clean ``sentences`` and on each
    perturbation of ``suite`` (applied once, with ``seed``) and of ``perturbed`` (precomputed sets)."""
    if not models:
        raise ValueError("compare_routes needs at least one route")
    sets: Dict[str, List[Sentence]] = {}
    logs: Dict[str, tuple[int, int]] = {}
    for name, pert in suite.items():
        sents, log = perturb_corpus(sentences, pert, seed=seed)
        sets[name] = sents
        logs[name] = (len(log), _edits(log))
    for name, given in (perturbed or {}).items():
        if name in sets:
            raise ValueError(f"perturbed set {name!r} has the name of a perturbation of the suite")
        sets[name] = list(given)
    out = RouteRobustness(title=title)
    for route, model in models.items():
        rep = evaluate_robustness(model, sentences, {}, perturbed=sets, title=route)
        for row in rep.rows:
            if row.name in logs:
                row.sentences_changed, row.edits = logs[row.name]
        out.reports[route] = rep
    return out


__all__ = ["RouteRobustness", "compare_routes", "draw_route_bars"]
