"""Spans ⇄ IOB2 with seqeval's semantics, over a label vocabulary kept in Python.

Tag ids used by the core: 0 = ``O``, 2·l + 1 = ``B-<l>``, 2·l + 2 = ``I-<l>`` for label id l.
Chunking follows seqeval (default mode): an entity starts at ``B-X``, at ``I-X`` after ``O`` and at
``I-X`` after a tag of another type; it ends before ``O``, any ``B-`` and any type change.

Tag strings are encoded by one encoder, the C++ one of :class:`~xlner.io.conll.TokenCorpus`
(``corpus_from_lists``), and decoded with the C++ tag names (``iob2_tag_names``): nothing here parses
``B-``/``I-`` itself.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from xlner import _core
from xlner.batch import LabelVocab
from xlner.io.conll import no_gc

SpanTuple = Tuple[int, int, str]


def encode_tag_lists(tag_lists: Sequence[Sequence[str]], labels: LabelVocab) -> Tuple[np.ndarray, np.ndarray]:
    """IOB2 tag strings of many sentences → ``(offsets int64[N+1], tag ids int32)`` over ``labels``.

    Label names ``labels`` does not know yet are appended to it (in order of first appearance). Raises
    ``ValueError`` naming the sentence and token for a tag that is not ``O``, ``B-X`` or ``I-X``.
    """
    placeholder = [["_"] * len(t) for t in tag_lists]  # the encoder lives in the corpus builder: tokens unused
    core = _core.corpus_from_lists(placeholder, [list(t) for t in tag_lists], labels=list(labels.names))
    for name in core.labels[len(labels):]:
        labels.id(name)
    return np.asarray(core.offsets, dtype=np.int64), np.array(core.tags, dtype=np.int32)


def tag_names(labels: LabelVocab) -> List[str]:
    """Names of the tag ids over ``labels``: ``['O', 'B-<l0>', 'I-<l0>', ...]`` (from the C++ core)."""
    return _core.iob2_tag_names(list(labels.names))


def decode_tags(ids: Sequence[int] | np.ndarray, labels: LabelVocab) -> List[str]:
    """Tag ids → IOB2 tag strings."""
    names = tag_names(labels)
    return [names[t] for t in np.asarray(ids).tolist()]


def batch_tags_to_spans(
    tag_lists: Sequence[Sequence[str]], labels: LabelVocab, *, threads: int = -1
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entities of many IOB2 sentences: CSR arrays ``(offsets, start, end, label_id)``."""
    offsets, ids = encode_tag_lists(tag_lists, labels)
    d = _core.tags_to_spans(offsets, ids, threads=threads)
    return d["offsets"], d["start"], d["end"], d["label"]


def iob2_to_spans(tags: Sequence[str]) -> List[SpanTuple]:
    """Entities of one IOB2 sentence as (start, end exclusive, label), seqeval semantics."""
    labels = LabelVocab()
    _, s, e, lab = batch_tags_to_spans([list(tags)], labels, threads=1)
    return [(int(a), int(b), labels.name(int(c))) for a, b, c in zip(s, e, lab)]


def spans_to_iob2(n: int, spans: Sequence[Tuple[int, int, str]], labels: Optional[LabelVocab] = None) -> List[str]:
    """IOB2 tags of a sentence of ``n`` tokens from non-overlapping (start, end, label) spans.

    Raises ``ValueError`` for overlapping or empty spans and ``IndexError`` for spans past ``n``.
    """
    vocab = labels if labels is not None else LabelVocab()
    lab = np.array([vocab.id(x[2]) for x in spans], dtype=np.int32)
    start = np.array([x[0] for x in spans], dtype=np.int32)
    end = np.array([x[1] for x in spans], dtype=np.int32)
    ids = _core.spans_to_tags(np.array([n], dtype=np.int32), np.array([0, len(spans)], dtype=np.int64),
                              start, end, lab, threads=1)
    return decode_tags(ids, vocab)


def split_tags(ids: np.ndarray, lengths: Sequence[int] | np.ndarray, labels: LabelVocab) -> List[List[str]]:
    """IOB2 tag strings per sentence from the flat tag ids of sentences of ``lengths`` tokens."""
    flat = np.array(tag_names(labels), dtype=object)[np.asarray(ids)].tolist() if len(ids) else []
    ends = np.cumsum(np.asarray(lengths, dtype=np.int64)).tolist()
    with no_gc():
        return [flat[a:b] for a, b in zip([0] + ends[:-1], ends)]


def batch_spans_to_tags(
    lengths: np.ndarray, offsets: np.ndarray, start: np.ndarray, end: np.ndarray, label: np.ndarray,
    labels: LabelVocab, *, threads: int = -1,
) -> List[List[str]]:
    """IOB2 tag strings for many sentences from CSR spans (e.g. a ProjectionResult's arrays)."""
    lens = np.asarray(lengths, dtype=np.int32)
    ids = _core.spans_to_tags(lens, offsets, start, end, label, threads=threads)
    return split_tags(ids, lens, labels)


__all__ = ["encode_tag_lists", "tag_names", "decode_tags", "iob2_to_spans", "spans_to_iob2", "batch_tags_to_spans",
           "batch_spans_to_tags", "split_tags", "SpanTuple"]
