"""JSON lines of projected spans: one object per sentence.

``{"objective": float, "spans": [{"start": int, "end": int, "label": str, "entity": int, "score": float}]}``
(``end`` exclusive; ``entity`` = index of the source entity within the sentence). The writer is the C++ one
(fast for millions of sentences); the reader validates every field and raises
:class:`~xlner.io.errors.FormatError` naming the file, line, sentence (0-based) and field.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Union

import numpy as np

from xlner import _core
from xlner.io.atomic import atomic_outputs
from xlner.io.streams import open_output
from xlner.batch import LabelVocab, ProjectionResult
from xlner.io.errors import FormatError

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class ProjectedSpan:
    """One projected span: target tokens ``[start, end)``, its label, source entity index and score."""

    start: int
    end: int
    label: str
    entity: int
    score: float


@dataclass
class SentenceSpans:
    """The projected spans of one sentence and the objective (sum of chosen scores)."""

    objective: float = 0.0
    spans: List[ProjectedSpan] = field(default_factory=list)


def spans_to_result(sentences: Sequence[SentenceSpans], labels: Optional[LabelVocab] = None) -> ProjectionResult:
    """Lists of :class:`SentenceSpans` → a :class:`~xlner.batch.ProjectionResult` (status 0 everywhere)."""
    vocab = labels if labels is not None else LabelVocab()
    flat = [sp for s in sentences for sp in s.spans]
    offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
    if sentences:
        offsets[1:] = np.cumsum([len(s.spans) for s in sentences])
    return ProjectionResult(
        offsets,
        np.array([sp.start for sp in flat], dtype=np.int32),
        np.array([sp.end for sp in flat], dtype=np.int32),
        np.array([vocab.id(sp.label) for sp in flat], dtype=np.int32),
        np.array([sp.entity for sp in flat], dtype=np.int32),
        np.array([sp.score for sp in flat], dtype=np.float64),
        np.array([s.objective for s in sentences], dtype=np.float64),
        np.zeros(len(sentences), dtype=np.int8),
        vocab,
    )


def write_spans_jsonl(path: PathLike, spans: Union[ProjectionResult, Sequence[SentenceSpans]], *,
                      threads: int = -1) -> None:
    """Write one JSON object per sentence (C++ writer; floats in their shortest exact form).

    The file appears at ``path`` only when it was written completely (:mod:`xlner.io.atomic`); a path ending in
    ``.gz`` is gzip-compressed.

    Raises ``ValueError`` naming the sentence for a label id without a name or an empty span.
    """

    with atomic_outputs([path]) as (tmp,):
        assert tmp is not None
        write_spans_jsonl_to(tmp, spans, threads=threads, gz=os.fspath(path).endswith(".gz"))


def write_spans_jsonl_to(path: PathLike, spans: Union[ProjectionResult, Sequence[SentenceSpans]], *,
                         threads: int = -1, gz: bool = False) -> None:
    """:func:`write_spans_jsonl` straight to ``path`` (no temporary file; ``gz``: gzip-compress)."""
    res = spans if isinstance(spans, ProjectionResult) else spans_to_result(spans)
    args = (res.offsets, res.start, res.end, res.label, res.entity, res.score, res.objective, list(res.labels.names))
    if not gz:
        _core.write_spans_jsonl(os.fspath(path), *args, threads=threads)
        return

    with open_output(path, gz=True) as fh:
        fh.write(_core.format_spans_jsonl(*args, threads=threads))


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_spans_jsonl(path: PathLike, *, lengths: Optional[Sequence[int]] = None) -> List[SentenceSpans]:
    """Read a spans file written by :func:`write_spans_jsonl` (or by hand).

    Arguments:
        lengths: target sentence lengths; when given, the number of lines must match and every span must end
            inside its sentence.

    Raises:
        FormatError: naming the file, line, sentence (0-based) and field: invalid JSON or UTF-8, a missing or
            mistyped key, an empty or negative span, a span past the end of its sentence, a line count that
            differs from ``lengths``, an empty file.
    """
    p = os.fspath(path)
    out: List[SentenceSpans] = []
    with open(p, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            i = lineno - 1

            def fail(fld: str, msg: str) -> FormatError:
                return FormatError(p, i, fld, msg, lineno)

            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise fail("text", f"invalid UTF-8 byte 0x{raw[exc.start]:02x} at column {exc.start + 1}") from None
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise fail("json", f"not JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(obj, dict):
                raise fail("json", f"expected an object, got {type(obj).__name__}")
            if "objective" not in obj or not _number(obj["objective"]):
                raise fail("objective", "missing or not a number")
            if not isinstance(obj.get("spans"), list):
                raise fail("spans", "missing or not a list")
            n = None
            if lengths is not None:
                if i >= len(lengths):
                    raise fail("line count", f"more lines than the {len(lengths)} sentences given")
                n = int(lengths[i])
            spans: List[ProjectedSpan] = []
            for k, sp in enumerate(obj["spans"]):
                where = f"spans[{k}]"
                if not isinstance(sp, dict):
                    raise fail(where, "expected an object")
                for key, ok, kind in (("start", _int, "an integer"), ("end", _int, "an integer"),
                                      ("label", lambda v: isinstance(v, str) and v != "", "a non-empty string"),
                                      ("entity", _int, "an integer"), ("score", _number, "a number")):
                    if key not in sp or not ok(sp[key]):
                        raise fail(f"{where}.{key}", f"missing or not {kind}")
                s, e = sp["start"], sp["end"]
                if s < 0 or e <= s:
                    raise fail(f"{where}.start/end", f"empty or negative span [{s}, {e})")
                if n is not None and e > n:
                    raise fail(f"{where}.end", f"span [{s}, {e}) lies past the end of the sentence ({n} tokens)")
                if sp["entity"] < 0:
                    raise fail(f"{where}.entity", f"negative entity index {sp['entity']}")
                spans.append(ProjectedSpan(s, e, sp["label"], sp["entity"], float(sp["score"])))
            out.append(SentenceSpans(float(obj["objective"]), spans))
    if not out:
        raise FormatError(p, None, "file", "empty file (no JSON lines)")
    if lengths is not None and len(out) != len(lengths):
        raise FormatError(p, len(out), "line count", f"{len(out)} lines, but {len(lengths)} sentences were given "
                          f"(sentence {len(out)} is the first one missing)")
    return out


__all__ = ["ProjectedSpan", "SentenceSpans", "spans_to_result", "write_spans_jsonl", "read_spans_jsonl"]
