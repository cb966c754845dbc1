"""Word alignment: extraction from similarity matrices and symmetrisation (C++), embedding, statistical
(the seeded Gibbs aligner of the core; eflomal) and lexical aligners, the default recipe, back-translation
refinement, AER.

The embedding aligner imports torch/transformers lazily; eflomal is an optional extra.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict

from xlner._lazy import lazy_names

if TYPE_CHECKING:  # imported on first use (PEP 562): ``xlner project`` with given alignments needs none of them
    from xlner.align.aer import AERResult, alignment_error_rate, read_gold, read_hypothesis, read_parallel
    from xlner.align.backtranslation import (BacktranslationAlignment, BacktranslationConfig, RecoveredEntity,
                                             align_backtranslation, align_backtranslations, parse_marked,
                                             project_backtranslations, recover_entities, simple_tokenize,
                                             to_projection_batch)
    from xlner.align.embedding import EmbeddingAligner, EmbeddingAlignerConfig, subword_links_to_words, word_similarity
    from xlner.align.defaults import EXTRACTION_METHODS, SYMMETRIZATION_METHODS
    from xlner.align.extraction import extract, extract_batch, symmetrize, symmetrize_batch
    from xlner.align.gibbs import GibbsConfig, align_gibbs
    from xlner.align.lexical import (LexicalAligner, LexicalConfig, add_name_links, looks_like_name, normalize_word,
                                     string_similarity)
    from xlner.align.recipe import AlignRecipe, align_tokens
    from xlner.align.statistical import EflomalConfig, StatisticalAlignment, align_eflomal, europarl_ner_alignments

#: name → module of the names imported on first use
_LAZY: Dict[str, str] = {
    "AERResult": "xlner.align.aer",
    "alignment_error_rate": "xlner.align.aer",
    "read_gold": "xlner.align.aer",
    "read_hypothesis": "xlner.align.aer",
    "read_parallel": "xlner.align.aer",
    "BacktranslationAlignment": "xlner.align.backtranslation",
    "BacktranslationConfig": "xlner.align.backtranslation",
    "RecoveredEntity": "xlner.align.backtranslation",
    "align_backtranslation": "xlner.align.backtranslation",
    "align_backtranslations": "xlner.align.backtranslation",
    "parse_marked": "xlner.align.backtranslation",
    "project_backtranslations": "xlner.align.backtranslation",
    "recover_entities": "xlner.align.backtranslation",
    "simple_tokenize": "xlner.align.backtranslation",
    "to_projection_batch": "xlner.align.backtranslation",
    "EmbeddingAligner": "xlner.align.embedding",
    "EmbeddingAlignerConfig": "xlner.align.embedding",
    "subword_links_to_words": "xlner.align.embedding",
    "word_similarity": "xlner.align.embedding",
    "EXTRACTION_METHODS": "xlner.align.defaults",  # constants: their module imports nothing
    "SYMMETRIZATION_METHODS": "xlner.align.defaults",
    "extract": "xlner.align.extraction",
    "extract_batch": "xlner.align.extraction",
    "symmetrize": "xlner.align.extraction",
    "symmetrize_batch": "xlner.align.extraction",
    "GibbsConfig": "xlner.align.gibbs",
    "align_gibbs": "xlner.align.gibbs",
    "LexicalAligner": "xlner.align.lexical",
    "LexicalConfig": "xlner.align.lexical",
    "add_name_links": "xlner.align.lexical",
    "looks_like_name": "xlner.align.lexical",
    "normalize_word": "xlner.align.lexical",
    "string_similarity": "xlner.align.lexical",
    "AlignRecipe": "xlner.align.recipe",
    "align_tokens": "xlner.align.recipe",
    "EflomalConfig": "xlner.align.statistical",
    "StatisticalAlignment": "xlner.align.statistical",
    "align_eflomal": "xlner.align.statistical",
    "europarl_ner_alignments": "xlner.align.statistical",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())

__all__ = [
    "AlignRecipe", "GibbsConfig", "align_gibbs", "align_tokens",
    "AERResult", "add_name_links", "looks_like_name", "BacktranslationAlignment", "BacktranslationConfig",
    "EXTRACTION_METHODS", "EflomalConfig",
    "EmbeddingAligner", "EmbeddingAlignerConfig", "LexicalAligner", "LexicalConfig", "RecoveredEntity",
    "SYMMETRIZATION_METHODS", "StatisticalAlignment", "align_backtranslation", "align_backtranslations",
    "align_eflomal", "alignment_error_rate", "europarl_ner_alignments", "extract", "extract_batch",
    "normalize_word", "parse_marked", "project_backtranslations", "read_gold", "read_hypothesis", "read_parallel",
    "recover_entities", "simple_tokenize", "string_similarity", "subword_links_to_words", "symmetrize",
    "symmetrize_batch", "to_projection_batch", "word_similarity",
]
