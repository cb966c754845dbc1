"""Word alignment: extraction from similarity matrices and symmetrisation (C++), embedding, statistical
(the seeded Gibbs aligner of the core; eflomal) and lexical aligners, the default recipe, back-translation
refinement, AER.

The embedding aligner imports torch/transformers lazily; eflomal is an optional extra.
"""
from __future__ import annotations

from xlner.align.aer import AERResult, alignment_error_rate, read_gold, read_hypothesis, read_parallel
from xlner.align.backtranslation import (BacktranslationAlignment, BacktranslationConfig, RecoveredEntity,
                                         align_backtranslation, align_backtranslations, parse_marked,
                                         project_backtranslations, recover_entities, simple_tokenize,
                                         to_projection_batch)
from xlner.align.embedding import EmbeddingAligner, EmbeddingAlignerConfig, subword_links_to_words, word_similarity
from xlner.align.extraction import (EXTRACTION_METHODS, SYMMETRIZATION_METHODS, extract, extract_batch, symmetrize,
                                    symmetrize_batch)
from xlner.align.gibbs import GibbsConfig, align_gibbs
from xlner.align.lexical import (LexicalAligner, LexicalConfig, add_name_links, looks_like_name, normalize_word,
                                 string_similarity)
from xlner.align.recipe import AlignRecipe, align_tokens
from xlner.align.statistical import EflomalConfig, StatisticalAlignment, align_eflomal, europarl_ner_alignments

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
