"""Readers and writers: CoNLL token/tag files, Pharaoh/talp alignments, JSON lines of spans, and the
files → :class:`~xlner.batch.ProjectionBatch` → files path of a projection job.

The parsers are C++ (``xlner._core``): one buffer per file, no Python object per token unless asked for.
Every malformed input raises :class:`FormatError` (a ``ValueError``) naming the file, line, sentence
(0-based) and field.
"""
from __future__ import annotations

from xlner.io.conll import (Sentence, TokenCorpus, detect_format, iter_conll, load_conll, load_sentences, load_tokens,
                            parse_conll, read_conll, read_tokens, tags_or_o, write_conll, write_conll_tags)
from xlner.io.corpus import (ProjectionCorpus, build_batch, check_same_count, load_projection_corpus,
                             read_projection_files, result_tag_ids, write_projection)
from xlner.io.errors import FormatError
from xlner.io.jsonl import ProjectedSpan, SentenceSpans, read_spans_jsonl, spans_to_result, write_spans_jsonl
from xlner.io.talp import Alignments, Links, load_talp, parse_talp, parse_talp_line, read_talp, write_talp

__all__ = [
    "FormatError",
    "Sentence", "TokenCorpus", "detect_format", "load_conll", "load_sentences", "parse_conll", "load_tokens",
    "iter_conll", "read_conll",
    "read_tokens", "write_conll", "write_conll_tags", "tags_or_o",
    "Alignments", "Links", "load_talp", "parse_talp", "parse_talp_line", "read_talp", "write_talp",
    "ProjectedSpan", "SentenceSpans", "spans_to_result", "read_spans_jsonl", "write_spans_jsonl",
    "ProjectionCorpus", "build_batch", "check_same_count", "load_projection_corpus", "read_projection_files",
    "result_tag_ids",
    "write_projection",
]
