"""xlner: cross-lingual named-entity recognition by annotation projection.

The C++ core (``xlner._core``) is private; use the names re-exported here and the subpackages
(``xlner.io``, ``xlner.align``, ``xlner.models``, ``xlner.pipelines``, ``xlner.robustness``,
``xlner.studies``).
"""
from __future__ import annotations

from xlner._version import __version__
from xlner.batch import LabelVocab, ProjectionBatch, ProjectionResult, ScoreMatrix
from xlner.evaluate import EvaluationReport, evaluate, evaluate_files, projection_ratio
from xlner.heuristic import HeuristicConfig
from xlner.projection import METHODS, MatchingConfig, parse_constraint, project
from xlner.scores import (alignment_scores, fuse, ner_candidates, ner_scores, nmt_scores, preset_weights,
                          similarity_scores)
from xlner.tagging import iob2_to_spans, spans_to_iob2

__all__ = [
    "__version__",
    "LabelVocab",
    "ProjectionBatch",
    "ProjectionResult",
    "ScoreMatrix",
    "EvaluationReport",
    "evaluate",
    "evaluate_files",
    "projection_ratio",
    "HeuristicConfig",
    "METHODS",
    "MatchingConfig",
    "parse_constraint",
    "project",
    "alignment_scores",
    "fuse",
    "ner_candidates",
    "ner_scores",
    "nmt_scores",
    "preset_weights",
    "similarity_scores",
    "iob2_to_spans",
    "spans_to_iob2",
]
