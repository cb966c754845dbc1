"""Training taggers on (projected) data: data loading and subword encoding (:mod:`xlner.training.data`),
transformers fine-tuning — full, LoRA, (IA)³ adapters — (:mod:`xlner.training.trainer`, imported lazily:
it needs torch, transformers and peft)."""
from __future__ import annotations

from xlner.training.data import LABEL_SCHEMES, encode_sentences, label_list, read_labelled

__all__ = ["LABEL_SCHEMES", "encode_sentences", "label_list", "read_labelled"]
