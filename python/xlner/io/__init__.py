"""Readers and writers: CoNLL token/tag files, Pharaoh/talp alignments, JSON lines."""
from __future__ import annotations

from xlner.io.conll import Sentence, read_conll, read_tokens, write_conll
from xlner.io.talp import read_talp, write_talp

__all__ = ["Sentence", "read_conll", "read_tokens", "write_conll", "read_talp", "write_talp"]
