"""Model wrappers: taggers (transformers, CRF), translator, seq2seq scorer.

Torch-backed classes are imported lazily, so ``import xlner.models`` works without torch installed.
"""
from __future__ import annotations

from xlner._lazy import lazy_names
from xlner.models.base import Tagger
from xlner.models.languages import ISO_TO_FLORES, to_flores, tokenizer_lang_code
from xlner.models.translator import (GenerationOptions, MarkedTranslation, TranslationCache, Translator,
                                     insert_markers, parse_markers)

_LAZY = {"TokenTagger": "xlner.models.token_tagger", "label_to_iob2": "xlner.models.token_tagger",
         "Seq2SeqScorer": "xlner.models.nmt_scorer", "NMTScorer": "xlner.models.nmt_scorer",
         "NMTScoreConfig": "xlner.models.nmt_scorer", "CRFTagger": "xlner.models.crf",
         "CRFConfig": "xlner.models.crf", "SpacyTagger": "xlner.models.spacy_tagger",
         "load_tagger": "xlner.models.load"}

__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


__all__ = ["Tagger", "Translator", "GenerationOptions", "TranslationCache", "MarkedTranslation", "insert_markers",
           "parse_markers", "to_flores", "tokenizer_lang_code", "ISO_TO_FLORES", "TokenTagger", "label_to_iob2",
           "Seq2SeqScorer", "NMTScorer", "NMTScoreConfig", "CRFTagger", "CRFConfig", "SpacyTagger", "load_tagger"]
