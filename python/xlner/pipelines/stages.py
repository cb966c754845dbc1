"""Streaming plumbing shared by the pipelines: chunked input, resumable JSONL stage files,
precomputed-input sources, stage timers and the end-of-run summary.

Every stage of a pipeline (translation, tagging, alignment, ...) writes one JSON line per sentence
into ``<output_dir>/<stage>.jsonl`` (``{"id": <global sentence index>, ...}``). A later run over the
same output folder reads the records that are already there instead of recomputing them, and
appends the rest: an interrupted run resumes where it stopped, a finished run costs nothing the
second time. A stage file remembers what produced it (``<stage>.meta.json``); reusing it with a
different producer raises unless ``overwrite`` is set.
"""
from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import (Any, Callable, Dict, Generic, Iterable, Iterator, List, Optional, Protocol, Sequence, Tuple,
                    TypeVar, Union)

from xlner.io.conll import Sentence, iter_conll, load_sentences

T = TypeVar("T")
Links = List[Tuple[int, int]]
#: One JSON object of a stage file or a JSON-lines input (values as ``json`` reads them).
Record = Dict[str, Any]
#: A file path.
PathLike = Union[str, "os.PathLike[str]"]
#: Precomputed values given in memory (one per sentence) or as a file to read them from.
PrecomputedInput = Union[str, "os.PathLike[str]", Iterable[T]]

_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]", re.UNICODE)


def default_tokenize(text: str) -> List[str]:
    """Split a translation into words and single punctuation characters (``[``/``]`` markers become tokens)."""
    return _TOKEN.findall(text)


def detokenize(tokens: Sequence[str]) -> str:
    """The text handed to a translator for a tokenised sentence: tokens joined by single spaces."""
    return " ".join(tokens)


def chunked(items: Iterable[T], size: int) -> Iterator[List[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter); never holds more than one chunk."""
    if size < 1:
        raise ValueError(f"chunk size must be >= 1, got {size}")
    buf: List[T] = []
    for x in items:
        buf.append(x)
        if len(buf) == size:
            yield buf
            buf = []
    if buf:
        yield buf


# ---------------------------------------------------------------------------------------------
# Input readers (streaming)


def _is_jsonl(path: Path) -> bool:
    return path.suffix in (".jsonl", ".json")


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[Record]:
    """Stream the records of a JSON-lines file; raises ``ValueError`` naming file and line on bad JSON."""
    p = os.fspath(path)
    with open(p, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{p}:{lineno}: sentence {lineno - 1}: invalid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise ValueError(f"{p}:{lineno}: sentence {lineno - 1}: expected a JSON object")
            yield rec


def iter_sentences(path: str | os.PathLike[str], *, with_tags: Optional[bool] = None, tokens_field: str = "tokens",
                   tags_field: str = "tags", tag_names: Optional[Sequence[str]] = None) -> Iterator[Sentence]:
    """Stream sentences from a CoNLL file, a JSON-lines file or a one-sentence-per-line token file.

    CoNLL: ``with_tags=None`` reads tags when the first line has two fields. JSON lines: ``tokens_field``
    and the optional ``tags_field`` (tag strings, or integer ids translated through ``tag_names``).
    Plain text (``.txt`` without a tab or a second column): whitespace-separated tokens per line.
    Parquet files/folders and ``datasets`` folders: the same fields as list columns (:mod:`xlner.io.tables`).
    """
    p = Path(path)
    from xlner.io.tables import iter_table_sentences, table_format

    if table_format(p) is not None:
        yield from iter_table_sentences(p, with_tags=with_tags, tokens_field=tokens_field, tags_field=tags_field,
                                        tag_names=tag_names)
        return
    if _is_jsonl(p):
        for i, rec in enumerate(iter_jsonl(p)):
            toks = rec.get(tokens_field)
            if not isinstance(toks, list) or not all(isinstance(t, str) and t for t in toks):
                raise ValueError(f"{p}: sentence {i}, field {tokens_field}: expected a list of non-empty strings")
            tags: List[str] = []
            if tags_field in rec and with_tags is not False:
                raw = rec[tags_field]
                if not isinstance(raw, list) or len(raw) != len(toks):
                    raise ValueError(f"{p}: sentence {i}, field {tags_field}: expected {len(toks)} tags")
                if raw and isinstance(raw[0], int):
                    if tag_names is None:
                        raise ValueError(f"{p}: sentence {i}, field {tags_field}: integer tags need tag_names")
                    try:
                        tags = [tag_names[t] for t in raw]
                    except (IndexError, TypeError):
                        raise ValueError(f"{p}: sentence {i}, field {tags_field}: tag id out of range "
                                         f"0..{len(tag_names) - 1}") from None
                else:
                    tags = [str(t) for t in raw]
            yield Sentence(list(toks), tags)
        return
    yield from load_sentences(p, with_tags=with_tags)


def iter_talp(path: str | os.PathLike[str]) -> Iterator[Links]:
    """Stream the links of a talp/Pharaoh file (``i-j`` pairs, 0-based, one line per sentence)."""
    from xlner.io.talp import parse_talp_line

    p = os.fspath(path)
    with open(p, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            sure, _ = parse_talp_line(line, path=p, sentence=lineno - 1)
            yield sure


def iter_precomputed_tokens(path: str | os.PathLike[str]) -> Iterator[List[str]]:
    """Precomputed translations: a stage file / JSON lines (``tokens``), a CoNLL file or a token file."""
    p = Path(path)
    if _is_jsonl(p):
        for i, rec in enumerate(iter_jsonl(p)):
            toks = rec.get("tokens")
            if not isinstance(toks, list):
                raise ValueError(f"{p}: sentence {i}, field tokens: missing or not a list")
            yield [str(t) for t in toks]
        return
    for s in iter_sentences(p, with_tags=False):
        yield s.tokens


def iter_precomputed_links(path: str | os.PathLike[str], *, field_name: str = "links") -> Iterator[Links]:
    """Precomputed alignments: a stage file / JSON lines (``links``: [[src, tgt], ...]) or a talp file."""
    p = Path(path)
    if _is_jsonl(p):
        for i, rec in enumerate(iter_jsonl(p)):
            raw = rec.get(field_name)
            if not isinstance(raw, list):
                raise ValueError(f"{p}: sentence {i}, field {field_name}: missing or not a list")
            try:
                yield [(int(a), int(b)) for a, b in raw]
            except (TypeError, ValueError):
                raise ValueError(f"{p}: sentence {i}, field {field_name}: links must be [src, tgt] pairs") from None
        return
    yield from iter_talp(p)


def iter_precomputed_tags(path: str | os.PathLike[str]) -> Iterator[Sentence]:
    """Precomputed source labels: a stage file / JSON lines (``tokens`` + ``tags``), a table (Parquet,
    ``datasets``) or a CoNLL file."""
    from xlner.io.tables import table_format

    p = Path(path)
    if _is_jsonl(p) or table_format(p) is not None:
        yield from iter_sentences(p, with_tags=True)
        return
    yield from iter_conll(p, with_tags=True)


class Precomputed(Generic[T]):
    """A stream of precomputed per-sentence values consumed chunk by chunk, checked for length."""

    def __init__(self, name: str, values: Iterable[T]):
        self.name = name
        self._it = iter(values)
        self._taken = 0

    def take(self, n: int) -> List[T]:
        """The next ``n`` values; ``ValueError`` when the precomputed input runs out first."""
        out: List[T] = []
        for _ in range(n):
            try:
                out.append(next(self._it))
            except StopIteration:
                raise ValueError(f"precomputed {self.name}: only {self._taken} sentences, but the input has "
                                 f"more") from None
            self._taken += 1
        return out

    def finish(self) -> None:
        """Raise when values are left over (the precomputed input is longer than the input)."""
        try:
            next(self._it)
        except StopIteration:
            return
        raise ValueError(f"precomputed {self.name}: more sentences than the input ({self._taken})")


# ---------------------------------------------------------------------------------------------
# Resumable stage files


class StageFile:
    """One resumable JSON-lines stage file (``{"id": i, ...}`` per sentence, ids 0, 1, 2, ... in order).

    At open, the complete records already on disk are counted (a partial trailing line from an
    interrupted run is cut off); :meth:`run` then serves those and computes and appends the rest.
    ``key`` describes what produces the records (model, languages, ...); it is stored beside the file
    and a stage file written with another key raises ``ValueError`` unless ``overwrite``. ``key=None``
    (no producer at hand) accepts whatever is cached; missing records then cannot be computed.
    """

    def __init__(self, path: str | os.PathLike[str], key: Optional[Record], *, overwrite: bool = False,
                 resume: bool = True):
        self.path = Path(path)
        self.meta_path = self.path.with_name(self.path.name + ".meta.json")
        self.key = json.loads(json.dumps(key, default=str)) if key is not None else None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = overwrite or not resume or not self.path.exists()
        old = None
        if not fresh and self.meta_path.exists():
            old = json.loads(self.meta_path.read_text(encoding="utf-8")).get("key")
            if self.key is not None and old is not None and old != self.key:
                raise ValueError(f"stage file {self.path} was written by {old!r}, not {self.key!r}; "
                                 f"use overwrite=True (--overwrite) or another output folder")
        if fresh:
            self.path.write_bytes(b"")
        if self.key is None:  # no producer given: serve the cache as it is
            self.key = old
        self.meta_path.write_text(json.dumps({"key": self.key}, ensure_ascii=False, indent=1), encoding="utf-8")
        self.cached = self._count_and_repair()
        self._reader = open(self.path, "rb")
        self._read = 0
        self._next = 0
        self._writer = open(self.path, "ab")
        self.reused = 0
        self.computed = 0

    def _count_and_repair(self) -> int:
        n = 0
        good = 0
        with open(self.path, "rb") as fh:
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break
                try:
                    rec = json.loads(raw)
                except json.JSONDecodeError:
                    break
                if not isinstance(rec, dict) or rec.get("id") != n:
                    break
                n += 1
                good += len(raw)
        if good != self.path.stat().st_size:
            os.truncate(self.path, good)
        return n

    def run(self, start: int, count: int, compute: Callable[[List[int]], List[Record]]) -> List[Record]:
        """Records of sentences ``start .. start+count-1``: cached ones read back, the others computed.

        ``compute(positions)`` gets the positions (0-based within this chunk) still missing and returns
        one record (without ``id``) per position, in order; they are appended to the file.
        """
        if start != self._next:
            raise ValueError(f"stage {self.path.name}: chunks must be processed in order "
                             f"(expected start {self._next}, got {start})")
        self._next = start + count
        out: List[Record] = []
        while len(out) < count and self._read < self.cached:
            rec = json.loads(self._reader.readline())
            self._read += 1
            out.append(rec)
        self.reused += len(out)
        missing = list(range(len(out), count))
        if missing:
            new = compute(missing)
            if len(new) != len(missing):
                raise RuntimeError(f"stage {self.path.name}: computed {len(new)} records for {len(missing)} sentences")
            lines = []
            for pos, rec in zip(missing, new):
                rec = {"id": start + pos, **rec}
                lines.append(json.dumps(rec, ensure_ascii=False))
                out.append(rec)
            self._writer.write(("\n".join(lines) + "\n").encode("utf-8"))
            self._writer.flush()
            self.computed += len(new)
            # keep reading positions consistent: computed records are never read back in this run
            self._read = self.cached
        return out

    def close(self) -> None:
        """Close the file handles."""
        self._reader.close()
        self._writer.close()

    def __enter__(self) -> "StageFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Timing, summary, progress


@dataclass
class PipelineSummary:
    """What a pipeline run did: counts, projection ratio, time per stage, optional evaluation."""

    pipeline: str
    sentences: int = 0
    source_entities: int = 0
    projected_entities: int = 0
    kept_sentences: int = 0
    stage_seconds: Dict[str, float] = field(default_factory=dict)
    reused: Dict[str, int] = field(default_factory=dict)
    evaluation: Optional[Record] = None
    outputs: Dict[str, str] = field(default_factory=dict)

    @property
    def projection_ratio(self) -> float:
        """Projected entities / source entities (1.0 when there were none)."""
        return self.projected_entities / self.source_entities if self.source_entities else 1.0

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the wall time of the ``with`` block to ``stage_seconds[name]``."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stage_seconds[name] = self.stage_seconds.get(name, 0.0) + time.perf_counter() - t0

    def to_dict(self) -> Record:
        """JSON-ready form (with ``projection_ratio``)."""
        d = asdict(self)
        d["projection_ratio"] = self.projection_ratio
        return d

    def format(self) -> str:
        """A short human-readable report."""
        lines = [f"pipeline {self.pipeline}: {self.sentences} sentences"]
        if self.pipeline != "model-transfer":
            lines.append(f"  entities projected: {self.projected_entities} / {self.source_entities} "
                         f"(ratio {self.projection_ratio:.3f})")
        if self.kept_sentences != self.sentences:
            lines.append(f"  sentences kept after filtering: {self.kept_sentences}")
        for name, sec in self.stage_seconds.items():
            extra = f"  (reused {self.reused[name]})" if self.reused.get(name) else ""
            lines.append(f"  {name:<22s} {sec:9.2f} s{extra}")
        if self.evaluation:
            ev = self.evaluation
            lines.append(f"  evaluation ({', '.join(ev.get('labels') or []) or 'all labels'}): "
                         f"P {100 * ev['precision']:.2f}  R {100 * ev['recall']:.2f}  F1 {100 * ev['f1']:.2f}")
        for k, v in self.outputs.items():
            lines.append(f"  {k}: {v}")
        return "\n".join(lines)


class ProgressBar(Protocol):
    """What the pipelines use of a tqdm bar."""

    def update(self, n: int = 1) -> object:
        """Advance by ``n`` sentences."""
        ...

    def close(self) -> None:
        """Close the bar."""
        ...


def progress_bar(total: Optional[int], desc: str, enabled: bool) -> ProgressBar:
    """A tqdm bar (or a silent stand-in when disabled or tqdm is missing)."""
    if enabled:
        try:
            from tqdm.auto import tqdm

            return tqdm(total=total, desc=desc, unit="sent", dynamic_ncols=True)
        except ImportError:  # pragma: no cover - tqdm is in the models extra
            pass
    return _NoBar()


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


__all__ = ["Links", "PathLike", "PipelineSummary", "Precomputed", "PrecomputedInput", "ProgressBar", "Record",
           "StageFile", "chunked", "default_tokenize", "detokenize",
           "iter_jsonl", "iter_precomputed_links", "iter_precomputed_tags", "iter_precomputed_tokens",
           "iter_sentences", "iter_talp", "progress_bar"]
