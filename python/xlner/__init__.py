"""xlner: cross-lingual named-entity recognition by annotation projection.

The C++ core (``xlner._core``) is private; use the names re-exported here and the subpackages
(``xlner.io``, ``xlner.align``, ``xlner.models``, ``xlner.pipelines``, ``xlner.robustness``,
``xlner.studies``).
"""
from __future__ import annotations

from xlner._version import __version__
from xlner.align import (EflomalConfig, EmbeddingAligner, EmbeddingAlignerConfig, LexicalAligner, LexicalConfig,
                         align_eflomal, alignment_error_rate, extract, extract_batch, project_backtranslations,
                         symmetrize, symmetrize_batch)
from xlner.batch import LabelVocab, ProjectionBatch, ProjectionResult, ScoreMatrix
from xlner.compare import Comparison, compare
from xlner.evaluate import (EvaluationReport, bootstrap, evaluate, evaluate_files, paired_bootstrap,
                            projection_ratio)
from xlner.heuristic import HeuristicConfig, project_heuristic
from xlner.ilp import SolverOptions, project_exact, project_ilp
from xlner.io import FormatError, load_projection_corpus, write_projection
from xlner.pipelines import (PipelineConfig, load_config, marker_projection, model_transfer, run_pipeline,
                             translate_test, translate_train)
from xlner.projection import METHODS, MatchingConfig, parse_constraint, project
from xlner.scores import (alignment_scores, fuse, ner_candidates, ner_scores, nmt_scores, preset_weights,
                          similarity_scores)
from xlner.tagging import iob2_to_spans, spans_to_iob2

__all__ = [
    "__version__",
    "EflomalConfig",
    "EmbeddingAligner",
    "EmbeddingAlignerConfig",
    "LexicalAligner",
    "LexicalConfig",
    "align_eflomal",
    "alignment_error_rate",
    "extract",
    "extract_batch",
    "project_backtranslations",
    "symmetrize",
    "symmetrize_batch",
    "LabelVocab",
    "ProjectionBatch",
    "ProjectionResult",
    "ScoreMatrix",
    "Comparison",
    "compare",
    "EvaluationReport",
    "bootstrap",
    "paired_bootstrap",
    "FormatError",
    "load_projection_corpus",
    "write_projection",
    "project_heuristic",
    "SolverOptions",
    "project_exact",
    "project_ilp",
    "PipelineConfig",
    "load_config",
    "marker_projection",
    "model_transfer",
    "run_pipeline",
    "translate_test",
    "translate_train",
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
