"""Robustness suite: seeded, label-preserving perturbations of NER data and the F1-drop runner.

Perturbations work on one sentence (token list + optional IOB2 tags) and return a
:class:`Perturbed` (tokens, tags, slot origins, changes); the runner applies them to corpora,
writes perturbed files with a manifest, and scores any tagger or projection pipeline on the clean
set and every perturbation; :func:`compare_routes` scores several taggers (routes) on the same perturbed
sets (one table of F1 drop by perturbation × route).
"""
from __future__ import annotations

from xlner.robustness.perturbations import (
    Casing,
    Change,
    CharNoise,
    Compose,
    ContextReplacement,
    EntityReplacement,
    Masking,
    Perturbation,
    Perturbed,
    TokenNoise,
    UnknownEntityReplacement,
    sentence_rng,
)
from xlner.robustness.resources import (
    QWERTY_NEIGHBOURS,
    STOPWORDS,
    EmbeddingNeighbours,
    NamePool,
    build_vocabulary,
    entity_spans,
    is_context_word,
    stopwords,
)
from xlner.robustness.runner import (
    RobustnessReport,
    ScoreRow,
    as_predictor,
    carry_alignment,
    entity_scores,
    evaluate_robustness,
    perturb_corpus,
    perturb_sentences,
    standard_suite,
    write_perturbed,
)
from xlner.robustness.routes import RouteRobustness, compare_routes

__all__ = [
    "Casing", "Change", "CharNoise", "Compose", "ContextReplacement", "EntityReplacement", "Masking",
    "Perturbation", "Perturbed", "TokenNoise", "UnknownEntityReplacement", "sentence_rng",
    "QWERTY_NEIGHBOURS", "STOPWORDS", "EmbeddingNeighbours", "NamePool", "build_vocabulary", "entity_spans",
    "is_context_word", "stopwords",
    "RobustnessReport", "ScoreRow", "as_predictor", "carry_alignment", "entity_scores", "evaluate_robustness",
    "perturb_corpus",
    "perturb_sentences", "standard_suite", "write_perturbed", "RouteRobustness", "compare_routes",
]
