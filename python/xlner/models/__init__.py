"""Model wrappers: taggers (transformers, CRF), translator, seq2seq scorer."""
from __future__ import annotations

from xlner.models.base import Tagger

__all__ = ["Tagger"]
