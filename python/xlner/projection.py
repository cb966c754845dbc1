"""The one front door of projection: ``project(batch, method=...)``.

Methods: ``heuristic`` (alignment ranges, García-Ferrero et al. 2022), ``greedy`` (greedy matching of
candidates to entities), ``exact`` and ``ilp`` (optimal matching, see :mod:`xlner.ilp`). Every method returns a
:class:`~xlner.batch.ProjectionResult`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence, Tuple, Union

from xlner import _core
from xlner.batch import ProjectionBatch, ProjectionResult, ScoreMatrix
from xlner.ilp import SolverOptions
from xlner.methods import METHODS

if TYPE_CHECKING:
    from xlner.io.conll import TokenCorpus

CANDIDATE_MODES = ("ngrams", "external")
"""Candidate spans of the matching methods."""


def parse_constraint(text: str) -> Tuple[str, int]:
    """Parse a projection-count constraint such as ``'<=1'`` into ``('<=', 1)``.

    The one parser is C++ ``Constraint::parse`` (:class:`xlner._core.Constraint`): ``<n``, ``<=n``, ``=n``,
    ``==n`` (as ``=n``), ``>=n``, ``>n`` with n decimal digits, ``0 <= n <= Constraint.MAX_COUNT`` (a
    million), ``n >= 1`` for ``<``; no spaces, signs or trailing characters. ``ValueError`` otherwise.
    """
    c = _core.Constraint(text)
    return c.symbol, int(c.n)


@dataclass(frozen=True)
class MatchingConfig(SolverOptions):
    """Options of candidate matching (greedy, exact, ilp): the solver options of
    :class:`xlner.ilp.SolverOptions` (``time_limit``, ``block_size``, ``infeasible``, ``max_states``,
    ``max_cells``, ``certificate``; used by ``exact`` and ``ilp``) plus:

    Attributes:
        max_len: longest n-gram candidate M.
        constraint: per-entity projection count, e.g. ``'<=1'``, ``'=1'``, ``'>=1'``, ``'<2'`` (see
            :func:`parse_constraint`).
        candidates: ``'ngrams'`` (all n-grams up to M; with the alignment score the solver internally
            restricts itself to aligned ranges when that cannot change the result) or ``'external'``
            (the batch's candidate spans).
    """

    max_len: int = 10
    constraint: str = "<=1"
    candidates: str = "ngrams"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_len < 1:
            raise ValueError(f"max_len must be >= 1, got {self.max_len}")
        _core.Constraint(self.constraint)
        if self.candidates not in CANDIDATE_MODES:
            raise ValueError(f"candidates must be one of {CANDIDATE_MODES}, got {self.candidates!r}")


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
        from xlner.ilp import project_exact, project_ilp

        solve = project_exact if method == "exact" else project_ilp
        return solve(batch, cfg.constraint, candidates=cfg.candidates, max_len=cfg.max_len, scores=scores,
                     options=cfg, threads=threads)
    if method == "heuristic":
        from xlner.heuristic import HeuristicConfig, project_heuristic

        return project_heuristic(batch, HeuristicConfig.of(heuristic), tgt_tokens=tgt_tokens, threads=threads)
    raise ValueError(f"unknown projection method {method!r}; choose one of {METHODS}")
