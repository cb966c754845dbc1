"""Files to files in bounded memory: the projection of corpora of any size, block by block.

:func:`project_files` reads the three inputs (source CoNLL with tags, target tokens, talp alignments; plain or
gzip) a block of ``chunk_sentences`` sentence pairs at a time with the C++ parsers, projects the block and
appends its CoNLL lines (and JSON lines of spans) to the outputs. With more than one thread the next block is
read and parsed while the current one is projected and the previous one written. The outputs are byte for byte
those of the in-memory path (:func:`xlner.io.load_projection_corpus`, :func:`xlner.projection.project`,
:func:`xlner.io.write_projection`), and they appear only when the whole run succeeded
(:mod:`xlner.io.atomic`). Errors name the file, the line and the sentence counted over the whole file.
"""
from __future__ import annotations

import contextlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, Union

import numpy as np

from xlner import _core
from xlner.batch import ProjectionBatch, ProjectionResult
from xlner.io.atomic import atomic_outputs
from xlner.io.conll import TokenCorpus
from xlner.io.corpus import build_batch, result_tag_ids
from xlner.io.errors import FormatError
from xlner.io.streams import SentenceStream, open_output, shift_error
from xlner.io.talp import Alignments

PathLike = Union[str, "os.PathLike[str]"]
T = TypeVar("T")

DEFAULT_CHUNK_SENTENCES = 1 << 15


@dataclass
class StreamStats:
    """What a streamed projection did."""

    sentences: int = 0
    entities: int = 0
    spans: int = 0
    chunks: int = 0


@dataclass
class _Chunk:
    """A block of parsed sentence pairs; its batch is built by :meth:`build` (on the projecting thread, so that the
    reading thread only reads and parses)."""

    source: TokenCorpus
    target: TokenCorpus
    alignments: Alignments
    first: int
    batch: Optional[ProjectionBatch] = None

    def build(self, threads: int) -> ProjectionBatch:
        """The batch of the block (alignment indices checked against both sides)."""
        if self.batch is None:
            self.batch = build_batch(self.source, self.target, self.alignments, threads=threads,
                                     first_sentence=self.first)
        return self.batch


class _Inputs:
    """The three input streams of a projection job, read a block of sentence pairs at a time."""

    def __init__(self, source: str, target: str, alignments: str, target_format: str, chunk: int, threads: int):
        self.paths = (source, target, alignments)
        self.chunk = chunk
        self.threads = threads
        self.labels: List[str] = []
        self.started = False
        if target_format not in ("auto", "conll", "lines"):
            raise ValueError(f"target_format must be 'auto', 'conll' or 'lines', got {target_format!r}")
        self._stack = contextlib.ExitStack()
        self._pool: Optional[ThreadPoolExecutor] = None
        with self._stack as stack:
            if threads != 1:
                self._pool = stack.enter_context(ThreadPoolExecutor(max_workers=3))
            self.src = stack.enter_context(SentenceStream(source, conll=True))
            self.tgt = stack.enter_context(SentenceStream(target, conll=target_format == "conll"))
            if target_format == "auto":
                self.tgt.conll = bool(_core.looks_like_conll(self.tgt.head()))
            self.aln = stack.enter_context(SentenceStream(alignments, conll=False))
            self._stack = stack.pop_all()

    def close(self) -> None:
        """Close the three files."""
        self._stack.close()

    def __enter__(self) -> "_Inputs":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _parse(first: int, first_line: int, parse: Callable[[], T]) -> T:
        """``parse()`` with its errors renumbered from the block to the whole file."""
        try:
            return parse()
        except FormatError as exc:
            raise shift_error(exc, first, first_line) from None

    def next(self) -> Optional[_Chunk]:
        """The next block, or None at the end of the files."""
        text, n, first, line0 = self.src.take(self.chunk)
        source_path, target_path, aln_path = self.paths
        if n == 0 and self.started:
            # the source is exhausted: so must the other two be
            for stream, what in ((self.tgt, "sentences"), (self.aln, "alignment lines")):
                _, extra, _, _ = stream.take(1)
                if extra:
                    raise FormatError(source_path, first, "sentence count",
                                      f"{first} sentences, but {stream.path} has more {what} (sentence {first} is the "
                                      f"first one missing here)")
            return None
        self.started = True
        # cut the three blocks (cheap), then parse them, concurrently unless threads == 1 (the parsers release
        # the GIL); errors are reported in file order, count mismatches after parse errors
        ttext, tn, tfirst, tline0 = self.tgt.take(n)
        atext, an, afirst, aline0 = self.aln.take(n)
        labels = self.labels

        # the three files are parsed concurrently; with more cores than that, each also in pieces
        threads = max(1, (self.threads if self.threads > 0 else os.cpu_count() or 1) // 3)

        def parse_target() -> Any:
            if self.tgt.conll:
                return _core.parse_conll(ttext, path=target_path, with_tags=False, keep_tokens=True,
                                         skip_bom=tfirst == 0, threads=threads)
            return _core.parse_token_lines(ttext, path=target_path, keep_tokens=True, skip_bom=tfirst == 0,
                                           threads=threads)

        # the texts are views of the streams' buffers, read in place by the parsers
        jobs: List[Tuple[int, int, Callable[[], Any]]] = [
            (first, line0, lambda: _core.parse_conll(text, path=source_path, with_tags=True, keep_tokens=False,
                                                     labels=labels, skip_bom=first == 0, threads=threads)),
            (tfirst, tline0, parse_target),
            (afirst, aline0, lambda: _core.parse_talp(atext, path=aln_path, skip_bom=afirst == 0, threads=threads))]
        if self._pool is None:
            parsed = [self._parse(f, ln, job) for f, ln, job in jobs]
        else:
            futures = [self._pool.submit(self._parse, f, ln, job) for f, ln, job in jobs]
            for fut in futures:  # all three finish before an error goes up: each parser holds a view of its stream
                fut.exception()
            parsed = [fut.result() for fut in futures]
        src_core, tgt_core, aln_dict = parsed
        self.labels = list(src_core.labels)
        if tn < n:
            raise FormatError(target_path, first + tn, "sentence count",
                              f"{first + tn} sentences, but {source_path} has more (sentence {first + tn} is the "
                              f"first one missing here)")
        if an < n:
            raise FormatError(aln_path, first + an, "line count",
                              f"{first + an} alignment lines, but {source_path} and {target_path} have more "
                              f"sentences (sentence {first + an} is the first one missing here)")
        return _Chunk(TokenCorpus(src_core), TokenCorpus(tgt_core), Alignments.from_core(aln_dict, aln_path), first)


def _stage_threads(threads: int) -> int:
    """Threads of each C++ call of a pipeline stage: with more than one thread, reading and projecting a block run
    at the same time, so each stage takes half of the cores (1 of 2: no oversubscription)."""
    total = threads if threads > 0 else os.cpu_count() or 1
    return 1 if total == 1 else max(1, total // 2)


def project_files(source: PathLike, target: PathLike, alignments: PathLike, out: PathLike, *,
                  method: str = "greedy", spans_out: Optional[PathLike] = None, matching: Optional[Any] = None,
                  heuristic: Optional[Any] = None, target_format: str = "auto", threads: int = -1,
                  chunk_sentences: int = DEFAULT_CHUNK_SENTENCES, sep: str = "\t",
                  input_names: Tuple[str, str, str] = ("source", "target", "alignments"),
                  output_names: Tuple[str, str] = ("out", "spans_out")) -> StreamStats:
    """Project the source entities onto the target sentences, files to files, in bounded memory.

    Arguments:
        source: CoNLL with the source IOB2 labels (plain or gzip).
        target: target sentences: CoNLL (labels ignored) or one sentence per line (``target_format``).
        alignments: talp, one line per sentence, 0-based, source index first.
        out: the output CoNLL (gzip-compressed when the name ends in ``.gz``).
        method: ``'heuristic'``, ``'greedy'``, ``'exact'`` or ``'ilp'`` (see :func:`xlner.projection.project`).
        spans_out: also write the spans as JSON lines (``.gz``: compressed).
        matching: :class:`xlner.projection.MatchingConfig` of the matching methods.
        heuristic: :class:`xlner.heuristic.HeuristicConfig` (or preset name) of the heuristic.
        threads: worker threads (-1: all cores); with more than one, reading, projecting and writing overlap.
        chunk_sentences: sentence pairs per block (memory grows with it).
        input_names, output_names: names of the paths in messages (e.g. the command's flags).

    Returns:
        :class:`StreamStats`.

    Raises:
        ValueError: an output is an input or the other output.
        FormatError: malformed or mismatched inputs (file, line and sentence over the whole file).
    """
    from xlner.projection import project  # noqa: PLC0415 - projection imports the io package

    if chunk_sentences < 1:
        raise ValueError(f"chunk_sentences must be >= 1, got {chunk_sentences}")
    paths = [os.fspath(p) for p in (source, target, alignments)]
    inputs = dict(zip(input_names, paths))
    stats = StreamStats()
    kwargs: Dict[str, Any] = {}
    if method == "heuristic":
        from xlner.heuristic import HeuristicConfig  # noqa: PLC0415

        config = heuristic if heuristic is not None and not isinstance(heuristic, str) \
            else HeuristicConfig.preset(heuristic or "thesis")
        kwargs["heuristic"] = config
        needs_tokens = bool(config.drop_punct)
    else:
        needs_tokens = False

    inner = _stage_threads(threads)

    def project_chunk(chunk: _Chunk) -> Tuple[bytes, Optional[bytes], ProjectionResult]:
        call = dict(kwargs)
        if needs_tokens:
            call["tgt_tokens"] = chunk.target
        result = project(chunk.build(inner), method, matching=matching, threads=inner, **call)
        tags = result_tag_ids(chunk.target, result, threads=inner)
        names = _core.iob2_tag_names(list(result.labels.names))
        conll = _core.format_conll(chunk.target.core, np.ascontiguousarray(tags, dtype=np.int32), names, sep=sep,
                                   threads=inner)
        spans = None
        if spans_out is not None:
            spans = _core.format_spans_jsonl(result.offsets, result.start, result.end, result.label, result.entity,
                                             result.score, result.objective, list(result.labels.names),
                                             threads=inner)
        return conll, spans, result

    finals = [out, spans_out]
    with atomic_outputs(finals, inputs=inputs, names=list(output_names)) as tmps:
        with contextlib.ExitStack() as stack:
            streams = stack.enter_context(_Inputs(paths[0], paths[1], paths[2], target_format, chunk_sentences,
                                                  threads))
            outs = [None if t is None else stack.enter_context(open_output(t, gz=str(f).endswith(".gz")))
                    for t, f in zip(tmps, finals)]

            def write(data: Tuple[bytes, Optional[bytes], ProjectionResult]) -> None:
                conll, spans, _ = data
                assert outs[0] is not None
                outs[0].write(conll)
                if spans is not None and outs[1] is not None:
                    outs[1].write(spans)

            def account(chunk: _Chunk, result: ProjectionResult) -> None:
                stats.sentences += len(result)
                stats.entities += int(chunk.build(inner).ent_offsets[-1])
                stats.spans += len(result.start)
                stats.chunks += 1

            if threads == 1:
                while (chunk := streams.next()) is not None:
                    data = project_chunk(chunk)
                    write(data)
                    account(chunk, data[2])
            else:
                with ThreadPoolExecutor(max_workers=2) as pool:
                    pending: Optional[Future[None]] = None
                    reading: Future[Optional[_Chunk]] = pool.submit(streams.next)
                    try:
                        while (chunk := reading.result()) is not None:
                            reading = pool.submit(streams.next)  # the next block is read while this one is projected
                            data = project_chunk(chunk)
                            if pending is not None:
                                pending.result()
                            pending = pool.submit(write, data)
                            account(chunk, data[2])
                        if pending is not None:
                            pending.result()
                    finally:
                        reading.cancel()
            for fh in outs:  # closing flushes: a full disk shows here, before the outputs are committed
                if fh is not None:
                    fh.close()
    return stats


__all__ = ["DEFAULT_CHUNK_SENTENCES", "StreamStats", "project_files"]
