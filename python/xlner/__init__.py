"""xlner: cross-lingual named-entity recognition by annotation projection.

The C++ core (``xlner._core``) is private; use the names re-exported here and the subpackages
(``xlner.io``, ``xlner.align``, ``xlner.models``, ``xlner.pipelines``, ``xlner.robustness``,
``xlner.studies``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict

from xlner._lazy import lazy_names
from xlner._version import __version__

if TYPE_CHECKING:  # the names below are imported on first use: ``import xlner`` loads neither numpy nor the core
    from xlner.align import (EflomalConfig, EmbeddingAligner, EmbeddingAlignerConfig, LexicalAligner, LexicalConfig,
                             align_eflomal, alignment_error_rate, extract, extract_batch, project_backtranslations,
                             symmetrize, symmetrize_batch)
    from xlner._compare import Comparison, compare
    from xlner.batch import LabelVocab, ProjectionBatch, ProjectionResult, ScoreMatrix
    from xlner.evaluate import (EvaluationReport, bootstrap, evaluate, evaluate_files, paired_bootstrap,
                                projection_ratio)
    from xlner.heuristic import HeuristicConfig, project_heuristic
    from xlner.ilp import SolverOptions, project_exact, project_ilp
    from xlner.io import FormatError, load_projection_corpus, write_projection
    from xlner.pipelines import PipelineConfig, load_config, marker_projection, run_pipeline
    from xlner.pipelines.model_transfer import model_transfer
    from xlner.pipelines.translate_test import translate_test
    from xlner.pipelines.translate_train import translate_train
    from xlner.projection import METHODS, MatchingConfig, parse_constraint, project
    from xlner.scores import (alignment_scores, fuse, ner_candidates, ner_scores, nmt_scores, preset_weights,
                              similarity_scores)
    from xlner.tagging import iob2_to_spans, spans_to_iob2

#: name → module of the names imported on first use (PEP 562), so that ``import xlner`` stays light
_LAZY: Dict[str, str] = {
    "EflomalConfig": "xlner.align",
    "EmbeddingAligner": "xlner.align",
    "EmbeddingAlignerConfig": "xlner.align",
    "LexicalAligner": "xlner.align",
    "LexicalConfig": "xlner.align",
    "align_eflomal": "xlner.align",
    "alignment_error_rate": "xlner.align",
    "extract": "xlner.align",
    "extract_batch": "xlner.align",
    "project_backtranslations": "xlner.align",
    "symmetrize": "xlner.align",
    "symmetrize_batch": "xlner.align",
    "Comparison": "xlner._compare",
    "compare": "xlner._compare",
    # evaluate is both a module and a function: the module is callable (it calls the function), so
    # ``xlner.evaluate(...)`` works whichever of the two the package attribute is
    "EvaluationReport": "xlner.evaluate",
    "bootstrap": "xlner.evaluate",
    "evaluate": "xlner.evaluate",
    "evaluate_files": "xlner.evaluate",
    "paired_bootstrap": "xlner.evaluate",
    "projection_ratio": "xlner.evaluate",
    "LabelVocab": "xlner.batch",
    "ProjectionBatch": "xlner.batch",
    "ProjectionResult": "xlner.batch",
    "ScoreMatrix": "xlner.batch",
    "HeuristicConfig": "xlner.heuristic",
    "project_heuristic": "xlner.heuristic",
    "SolverOptions": "xlner.ilp",
    "project_exact": "xlner.ilp",
    "project_ilp": "xlner.ilp",
    "FormatError": "xlner.io",
    "load_projection_corpus": "xlner.io",
    "write_projection": "xlner.io",
    "PipelineConfig": "xlner.pipelines",
    "load_config": "xlner.pipelines",
    "marker_projection": "xlner.pipelines",
    "model_transfer": "xlner.pipelines",
    "run_pipeline": "xlner.pipelines",
    "translate_test": "xlner.pipelines",
    "translate_train": "xlner.pipelines",
    "METHODS": "xlner.projection",
    "MatchingConfig": "xlner.projection",
    "parse_constraint": "xlner.projection",
    "project": "xlner.projection",
    "alignment_scores": "xlner.scores",
    "fuse": "xlner.scores",
    "ner_candidates": "xlner.scores",
    "ner_scores": "xlner.scores",
    "nmt_scores": "xlner.scores",
    "preset_weights": "xlner.scores",
    "similarity_scores": "xlner.scores",
    "iob2_to_spans": "xlner.tagging",
    "spans_to_iob2": "xlner.tagging",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())

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
