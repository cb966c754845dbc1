"""The one front door of projection: ``project(batch, method=...)``.

Methods: ``heuristic`` (alignment ranges, García-Ferrero et al. 2022), ``greedy`` (greedy matching of
candidates to entities), ``exact`` and ``ilp`` (optimal matching, see :mod:`xlner.ilp`). Every method returns a
:class:`~xlner.batch.ProjectionResult`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence, Tuple, Union

from xlner import _core
from xlner.batch import ProjectionBatch, ProjectionResult, ScoreMatrix

if TYPE_CHECKING:
    from xlner.io.conll import TokenCorpus

_CONSTRAINT = re.compile(r"^\s*(<=|>=|<|>|=|==)\s*(\d+)\s*$")
CONSTRAINT_OPS = ("<", "<=", "=", ">=", ">")


def parse_constraint(text: str) -> Tuple[str, int]:
    """Parse a projection-count constraint such as ``'<=1'`` into ``('<=', 1)``.

    Raises ``ValueError`` for anything else, and for constraints no assignment can meet
    (``<0``) .
    """
    m = _CONSTRAINT.match(text)
    if not m:
        raise ValueError(f"constraint {text!r} is not of the form <n, <=n, =n, >=n or >n")
    op = "=" if m.group(1) == "==" else m.group(1)
    n = int(m.group(2))
    if op == "<" and n < 1:
        raise ValueError(f"constraint {text!r} admits no projection count")
    return op, n


@dataclass
class MatchingConfig:
    """Options of candidate matching (greedy, exact, ilp).

    Attributes:
        max_len: longest n-gram candidate M.
        constraint: per-entity projection count, e.g. ``'<=1'``, ``'=1'``, ``'>=1'``, ``'<2'``.
        candidates: ``'ngrams'`` (all n-grams up to M; with the alignment score the solver internally
            restricts itself to aligned ranges when that cannot change the result) or ``'external'``
            (the batch's candidate spans).
        time_limit: ``exact``/``ilp``: seconds for all HiGHS solves of one call; sentences not solved in
            time get status 2.
        infeasible: ``exact``/``ilp``: what happens to a sentence whose lower bound (``=``, ``>=``, ``>``)
            cannot be met: ``'skip'`` (status 1, nothing projected) or ``'relax'`` (solved without the
            lower bound, status 3).
        block_size: ``exact``/``ilp``: sentences per HiGHS model.
    """

    max_len: int = 10
    constraint: str = "<=1"
    candidates: str = "ngrams"
    time_limit: float = float("inf")
    infeasible: str = "skip"
    block_size: int = 256

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise ValueError(f"time_limit must be > 0 seconds, got {self.time_limit}")
        if self.infeasible not in ("skip", "relax"):
            raise ValueError(f"infeasible must be 'skip' or 'relax', got {self.infeasible!r}")
        if self.block_size < 1:
            raise ValueError(f"block_size must be >= 1, got {self.block_size}")
        if self.max_len < 1:
            raise ValueError(f"max_len must be >= 1, got {self.max_len}")
        parse_constraint(self.constraint)
        if self.candidates not in ("ngrams", "external"):
            raise ValueError(f"candidates must be 'ngrams' or 'external', got {self.candidates!r}")


def project(
    batch: ProjectionBatch,
    method: str = "greedy",
    *,
    matching: Optional[MatchingConfig] = None,
    heuristic: Optional[object] = None,
    scores: Optional[ScoreMatrix] = None,
    tgt_tokens: Optional[Union["TokenCorpus", Sequence[Sequence[str]]]] = None,
    threads: int = -1,
) -> ProjectionResult:
    """Project the source entities of ``batch`` onto the target sentences.

    Arguments:
        batch: the sentence pairs.
        method: ``'heuristic'``, ``'greedy'``, ``'exact'`` (C++ dynamic program, HiGHS above its size
            limit) or ``'ilp'`` (HiGHS for every sentence); both exact methods reach the optimum.
        matching: options of the matching methods (defaults: M=10, ``'<=1'``).
        heuristic: a :class:`xlner.heuristic.HeuristicConfig` or a preset name (``'elp'``, ``'thesis'``).
        scores: precomputed score matrices (e.g. fused scores) for the matching methods; default: the
            alignment score over the candidates of ``matching``.
        tgt_tokens: target tokens (the heuristic's punctuation filter needs them).
        threads: worker threads; ``-1`` uses all cores.

    Returns:
        A :class:`ProjectionResult` with the spans, their source entity and score.
    """
    cfg = matching if matching is not None else MatchingConfig()
    if method == "greedy":
        if scores is not None:
            d = _core.greedy_scored(batch.core, scores.offsets, scores.ent, scores.start, scores.end,
                                    scores.score, constraint=cfg.constraint, threads=threads)
        else:
            d = _core.greedy_alignment(batch.core, constraint=cfg.constraint, candidates=cfg.candidates,
                                       max_len=cfg.max_len, threads=threads)
        return ProjectionResult.from_core(d, batch.labels)
    if method in ("exact", "ilp"):
        from xlner.ilp import SolverOptions, project_exact, project_ilp

        opts = SolverOptions(time_limit=cfg.time_limit, block_size=cfg.block_size, infeasible=cfg.infeasible)
        solve = project_exact if method == "exact" else project_ilp
        return solve(batch, cfg.constraint, candidates=cfg.candidates, max_len=cfg.max_len, scores=scores,
                     options=opts, threads=threads)
    if method == "heuristic":
        from xlner.heuristic import HeuristicConfig, project_heuristic

        hcfg = heuristic if isinstance(heuristic, HeuristicConfig) else HeuristicConfig.preset(
            heuristic if isinstance(heuristic, str) else "thesis")
        return project_heuristic(batch, hcfg, tgt_tokens=tgt_tokens, threads=threads)
    raise ValueError(f"unknown projection method {method!r}; choose one of {METHODS}")


METHODS = ("heuristic", "greedy", "exact", "ilp")
