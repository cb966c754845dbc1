"""Spans ⇄ IOB2 with seqeval's semantics, over a label vocabulary kept in Python.

Tag ids used by the core: 0 = ``O``, 2·l + 1 = ``B-<l>``, 2·l + 2 = ``I-<l>`` for label id l.
Chunking follows seqeval (default mode): an entity starts at ``B-X``, at ``I-X`` after ``O`` and at
``I-X`` after a tag of another type; it ends before ``O``, any ``B-`` and any type change.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np

from xlner import _core
from xlner.batch import LabelVocab

SpanTuple = Tuple[int, int, str]


def encode_tags(tags: Sequence[str], labels: LabelVocab, *, sentence: int = 0, add: bool = True) -> np.ndarray:
    """IOB2 tag strings → tag ids (new label names are added to ``labels`` when ``add``).

    Raises ``ValueError`` naming the sentence and token for a tag that is not ``O``, ``B-X`` or ``I-X``.
    """
    out = np.empty(len(tags), dtype=np.int32)
    for k, tag in enumerate(tags):
        if tag == "O":
            out[k] = 0
            continue
        if len(tag) < 3 or tag[1] != "-" or tag[0] not in "BI":
            raise ValueError(f"sentence {sentence}, field tags: token {k} has tag {tag!r}, not an IOB2 tag")
        lab = labels.id(tag[2:], add=add)
        out[k] = 2 * lab + (1 if tag[0] == "B" else 2)
    return out


def decode_tags(ids: Sequence[int] | np.ndarray, labels: LabelVocab) -> List[str]:
    """Tag ids → IOB2 tag strings."""
    out: List[str] = []
    for t in np.asarray(ids).tolist():
        if t == 0:
            out.append("O")
        else:
            out.append(("B-" if t % 2 == 1 else "I-") + labels.name((t - 1) // 2))
    return out


def batch_tags_to_spans(
    tag_lists: Sequence[Sequence[str]], labels: LabelVocab, *, threads: int = -1
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entities of many IOB2 sentences: CSR arrays ``(offsets, start, end, label_id)``."""
    offsets = np.zeros(len(tag_lists) + 1, dtype=np.int64)
    for i, tags in enumerate(tag_lists):
        offsets[i + 1] = offsets[i] + len(tags)
    ids = np.concatenate([encode_tags(t, labels, sentence=i) for i, t in enumerate(tag_lists)]) if tag_lists else \
        np.zeros(0, dtype=np.int32)
    d = _core.tags_to_spans(offsets, ids.astype(np.int32), threads=threads)
    return d["offsets"], d["start"], d["end"], d["label"]


def iob2_to_spans(tags: Sequence[str]) -> List[SpanTuple]:
    """Entities of one IOB2 sentence as (start, end exclusive, label), seqeval semantics."""
    labels = LabelVocab()
    off, s, e, l = batch_tags_to_spans([list(tags)], labels, threads=1)
    return [(int(a), int(b), labels.name(int(c))) for a, b, c in zip(s, e, l)]


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


def batch_spans_to_tags(
    lengths: np.ndarray, offsets: np.ndarray, start: np.ndarray, end: np.ndarray, label: np.ndarray,
    labels: LabelVocab, *, threads: int = -1,
) -> List[List[str]]:
    """IOB2 tag strings for many sentences from CSR spans (e.g. a ProjectionResult's arrays)."""
    ids = _core.spans_to_tags(np.asarray(lengths, dtype=np.int32), offsets, start, end, label, threads=threads)
    tag_names = ["O"]
    for name in labels.names:
        tag_names += [f"B-{name}", f"I-{name}"]
    names = np.array(tag_names, dtype=object)[ids] if len(ids) else np.zeros(0, dtype=object)
    out: List[List[str]] = []
    pos = 0
    for n in np.asarray(lengths).tolist():
        out.append(names[pos:pos + n].tolist())
        pos += n
    return out


__all__ = ["encode_tags", "decode_tags", "iob2_to_spans", "spans_to_iob2", "batch_tags_to_spans",
           "batch_spans_to_tags", "SpanTuple"]
