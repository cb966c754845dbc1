"""Files to files in bounded memory: the projection of corpora of any size, block by block.

:func:`project_files` reads the three inputs (source CoNLL with tags, target tokens, talp alignments; plain or
gzip) a block of ``chunk_sentences`` sentence pairs at a time with the C++ parsers, projects the block and
appends its CoNLL lines (and JSON lines of spans) to the outputs. With more than one thread the next block is
read and parsed while the current one is projected and the previous one written. The outputs are byte for byte
those of the in-memory path (:func:`xlner.io.load_projection_corpus`, :func:`xlner.projection.project`,
:func:`xlner.io.write_projection`), and they appear only when the whole run succeeded
(:mod:`xlner.io.atomic`). Errors name the file, the line and the sentence counted over the whole file.

:func:`project_multi_files` does the same for multi-source projection (:mod:`xlner.multisource`): one target and
several (source, alignments) pairs, read, projected, combined and written block by block.
"""
from __future__ import annotations

import contextlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union, cast

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

    def account(self, sentences: int, entities: int, spans: int) -> None:
        """Count one block."""
        self.sentences += sentences
        self.entities += entities
        self.spans += spans
        self.chunks += 1


@dataclass
class _Chunk:
    """A block of parsed sentences: the target and, per source, its sentences and alignments; the batches are
    built by :meth:`build` (on the projecting thread, so that the reading thread only reads and parses)."""

    sources: List[TokenCorpus]
    target: TokenCorpus
    alignments: List[Alignments]
    first: int
    batches: Optional[List[ProjectionBatch]] = None

    def build(self, threads: int) -> List[ProjectionBatch]:
        """The batch of each source (alignment indices checked against both sides)."""
        if self.batches is None:
            self.batches = [build_batch(src, self.target, aln, threads=threads, first_sentence=self.first)
                            for src, aln in zip(self.sources, self.alignments)]
        return self.batches


class _Inputs:
    """The input streams of a projection job, read a block of sentences at a time: one target and one or more
    (source, alignments) pairs, all sentence for sentence."""

    def __init__(self, target: str, pairs: Sequence[Tuple[str, str]], target_format: str, chunk: int, threads: int):
        if not pairs:
            raise ValueError("a projection needs at least one (source, alignments) pair")
        self.pairs = [(s, a) for s, a in pairs]
        self.target_path = target
        self.chunk = chunk
        self.threads = threads
        self.labels: List[List[str]] = [[] for _ in self.pairs]
        self.started = False
        if target_format not in ("auto", "conll", "lines"):
            raise ValueError(f"target_format must be 'auto', 'conll' or 'lines', got {target_format!r}")
        self._stack = contextlib.ExitStack()
        self._pool: Optional[ThreadPoolExecutor] = None
        with self._stack as stack:
            if threads != 1:
                self._pool = stack.enter_context(ThreadPoolExecutor(max_workers=1 + 2 * len(self.pairs)))
            self.srcs: List[SentenceStream] = []
            self.alns: List[SentenceStream] = []
            for k, (source, alignments) in enumerate(self.pairs):
                self.srcs.append(stack.enter_context(SentenceStream(source, conll=True)))
                if k == 0:
                    self.tgt = stack.enter_context(SentenceStream(target, conll=target_format == "conll"))
                    if target_format == "auto":
                        self.tgt.conll = bool(_core.looks_like_conll(self.tgt.head()))
                self.alns.append(stack.enter_context(SentenceStream(alignments, conll=False)))
            self._stack = stack.pop_all()

    def close(self) -> None:
        """Close the files."""
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
        text, n, first, line0 = self.srcs[0].take(self.chunk)
        source_path = self.pairs[0][0]
        others = [(self.tgt, "sentences")] + [(st, "sentences") for st in self.srcs[1:]] + \
            [(st, "alignment lines") for st in self.alns]
        if n == 0 and self.started:
            # the first source is exhausted: so must the others be
            for stream, what in others:
                _, extra, _, _ = stream.take(1)
                if extra:
                    raise FormatError(source_path, first, "sentence count",
                                      f"{first} sentences, but {stream.path} has more {what} (sentence {first} is the "
                                      f"first one missing here)")
            return None
        self.started = True
        # cut the blocks (cheap), then parse them, concurrently unless threads == 1 (the parsers release the GIL);
        # errors are reported in file order (source, target, alignments, then the next sources and their
        # alignments), count mismatches after parse errors
        ttext, tn, tfirst, tline0 = self.tgt.take(n)
        src_blocks = [(text, n, first, line0)] + [st.take(n) for st in self.srcs[1:]]
        aln_blocks = [st.take(n) for st in self.alns]
        # the files are parsed concurrently; with more cores than files, each also in pieces
        threads = max(1, (self.threads if self.threads > 0 else os.cpu_count() or 1) // (1 + 2 * len(self.pairs)))
        target_path = self.target_path

        def parse_target() -> Any:
            if self.tgt.conll:
                return _core.parse_conll(ttext, path=target_path, with_tags=False, keep_tokens=True,
                                         skip_bom=tfirst == 0, threads=threads)
            return _core.parse_token_lines(ttext, path=target_path, keep_tokens=True, skip_bom=tfirst == 0,
                                           threads=threads)

        def parse_source(k: int) -> Callable[[], Any]:
            stext, _, sfirst, _ = src_blocks[k]
            return lambda: _core.parse_conll(stext, path=self.pairs[k][0], with_tags=True, keep_tokens=False,
                                             labels=self.labels[k], skip_bom=sfirst == 0, threads=threads)

        def parse_alignments(k: int) -> Callable[[], Any]:
            atext, _, afirst, _ = aln_blocks[k]
            return lambda: _core.parse_talp(atext, path=self.pairs[k][1], skip_bom=afirst == 0, threads=threads)

        # the texts are views of the streams' buffers, read in place by the parsers
        jobs: List[Tuple[int, int, Callable[[], Any]]] = []
        for k in range(len(self.pairs)):
            jobs.append((src_blocks[k][2], src_blocks[k][3], parse_source(k)))
            if k == 0:
                jobs.append((tfirst, tline0, parse_target))
            jobs.append((aln_blocks[k][2], aln_blocks[k][3], parse_alignments(k)))
        if self._pool is None:
            parsed = [self._parse(f, ln, job) for f, ln, job in jobs]
        else:
            futures = [self._pool.submit(self._parse, f, ln, job) for f, ln, job in jobs]
            for fut in futures:  # all finish before an error goes up: each parser holds a view of its stream
                fut.exception()
            parsed = [fut.result() for fut in futures]
        tgt_core = parsed[1]
        src_cores = [parsed[0]] + parsed[3::2]
        aln_dicts = [parsed[2]] + parsed[4::2]
        self.labels = [list(c.labels) for c in src_cores]
        if tn < n:
            raise FormatError(target_path, first + tn, "sentence count",
                              f"{first + tn} sentences, but {source_path} has more (sentence {first + tn} is the "
                              f"first one missing here)")
        for k, (_, sn, _, _) in enumerate(src_blocks[1:], start=1):
            if sn < n:
                raise FormatError(self.pairs[k][0], first + sn, "sentence count",
                                  f"{first + sn} sentences, but {source_path} and {target_path} have more (sentence "
                                  f"{first + sn} is the first one missing here)")
        for k, (_, an, _, _) in enumerate(aln_blocks):
            if an < n:
                names = source_path if k == 0 else f"{self.pairs[k][0]}, {source_path}"
                raise FormatError(self.pairs[k][1], first + an, "line count",
                                  f"{first + an} alignment lines, but {names} and {target_path} have more "
                                  f"sentences (sentence {first + an} is the first one missing here)")
        return _Chunk([TokenCorpus(c) for c in src_cores], TokenCorpus(tgt_core),
                      [Alignments.from_core(d, path) for d, (_, path) in zip(aln_dicts, self.pairs)], first)


def _stage_threads(threads: int) -> int:
    """Threads of each C++ call of a pipeline stage: with more than one thread, reading and projecting a block run
    at the same time, so each stage takes half of the cores (1 of 2: no oversubscription)."""
    total = threads if threads > 0 else os.cpu_count() or 1
    return 1 if total == 1 else max(1, total // 2)


def _run_blocks(target: str, pairs: Sequence[Tuple[str, str]], outputs: Sequence[Optional[PathLike]],
                inputs: Dict[str, str], output_names: Sequence[str], target_format: str, chunk_sentences: int,
                threads: int, process: Callable[[_Chunk], Tuple[bytes, Optional[bytes]]],
                finish: Optional[Callable[[], None]] = None) -> None:
    """Read the inputs block by block, ``process`` each block into its output texts (CoNLL, spans or None) and
    append them to the outputs, which appear only when the whole run succeeded; ``finish`` runs after the last
    block, before they appear (it may still refuse the run). With more than one thread the next block is read
    while the current one is processed and the previous one written."""
    if chunk_sentences < 1:
        raise ValueError(f"chunk_sentences must be >= 1, got {chunk_sentences}")
    finals = list(outputs)
    with atomic_outputs(finals, inputs=inputs, names=list(output_names)) as tmps:
        with contextlib.ExitStack() as stack:
            streams = stack.enter_context(_Inputs(target, pairs, target_format, chunk_sentences, threads))
            outs = [None if t is None else stack.enter_context(open_output(t, gz=str(f).endswith(".gz")))
                    for t, f in zip(tmps, finals)]

            def write(data: Tuple[bytes, Optional[bytes]]) -> None:
                for fh, text in zip(outs, data):
                    if fh is not None and text is not None:
                        fh.write(text)

            if threads == 1:
                while (chunk := streams.next()) is not None:
                    write(process(chunk))
            else:
                with ThreadPoolExecutor(max_workers=2) as pool:
                    pending: Optional[Future[None]] = None
                    reading: Future[Optional[_Chunk]] = pool.submit(streams.next)
                    try:
                        while (chunk := reading.result()) is not None:
                            reading = pool.submit(streams.next)  # the next block is read while this one is projected
                            data = process(chunk)
                            if pending is not None:
                                pending.result()
                            pending = pool.submit(write, data)
                        if pending is not None:
                            pending.result()
                    finally:
                        reading.cancel()
            if finish is not None:
                finish()
            for fh in outs:  # closing flushes: a full disk shows here, before the outputs are committed
                if fh is not None:
                    fh.close()


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

    paths = [os.fspath(p) for p in (source, target, alignments)]
    stats = StreamStats()
    kwargs: Dict[str, Any] = {}
    needs_tokens = False
    if method == "heuristic":
        from xlner.heuristic import HeuristicConfig  # noqa: PLC0415 - only the heuristic needs it

        kwargs["heuristic"] = HeuristicConfig.of(heuristic)
        needs_tokens = bool(kwargs["heuristic"].drop_punct)
    inner = _stage_threads(threads)

    def process(chunk: _Chunk) -> Tuple[bytes, Optional[bytes]]:
        call = dict(kwargs)
        if needs_tokens:
            call["tgt_tokens"] = chunk.target
        batch = chunk.build(inner)[0]
        result = project(batch, method, matching=matching, threads=inner, **call)
        conll = _format_conll(chunk.target, result, sep, inner)
        spans = None
        if spans_out is not None:
            spans = _core.format_spans_jsonl(result.offsets, result.start, result.end, result.label, result.entity,
                                             result.score, result.objective, list(result.labels.names),
                                             threads=inner)
        stats.account(len(result), int(batch.ent_offsets[-1]), len(result.start))
        return conll, spans

    _run_blocks(paths[1], [(paths[0], paths[2])], [out, spans_out], dict(zip(input_names, paths)), output_names,
                target_format, chunk_sentences, threads, process)
    return stats


def project_multi_files(
    target: PathLike,
    sources: Sequence[PathLike],
    alignments: Sequence[PathLike],
    out: PathLike,
    *,
    method: str = "greedy",
    combine: str = "vote",
    spans_out: Optional[PathLike] = None,
    min_votes: Optional[Union[float, Mapping[str, float]]] = None,
    weights: Optional[Sequence[float]] = None,
    span_cost: float = 1.0,
    boundary: str = "mode",
    label_weights: Optional[Mapping[str, Sequence[float]]] = None,
    primary: int = 0,
    corroboration: float = 0.0,
    matching: Optional[Any] = None,
    heuristic: Optional[Any] = None,
    target_format: str = "auto",
    threads: int = -1,
    chunk_sentences: int = DEFAULT_CHUNK_SENTENCES,
    source_names: Optional[Sequence[str]] = None,
    sep: str = "\t",
    input_names: Optional[Mapping[str, PathLike]] = None,
    output_names: Tuple[str, str] = ("out", "spans_out"),
) -> StreamStats:
    """Multi-source projection (:func:`xlner.multisource.project_multi`), files to files, in bounded memory: the
    target and every (source, alignments) pair are read a block of ``chunk_sentences`` sentences at a time, each
    block is projected from every source and combined, and its CoNLL lines (and JSON lines of supported spans,
    :meth:`xlner.multisource.MultiSourceResult.write_spans_jsonl`) are appended to the outputs. The outputs are
    byte for byte those of the whole corpus combined in memory (the rules look at one sentence at a time, and
    their last tie-break is the label name), and they appear only when the whole run succeeded.

    Arguments:
        target: target sentences: CoNLL (labels ignored) or one sentence per line (``target_format``).
        sources, alignments: per source, a CoNLL file with its IOB2 labels and the talp alignments of it to the
            target (0-based, source index first), sentence for sentence with the target; plain or gzip.
        out: the output CoNLL (gzip-compressed when the name ends in ``.gz``).
        method, combine, min_votes, weights, span_cost, boundary, label_weights, primary, corroboration, matching,
            heuristic: as :func:`xlner.multisource.project_multi` (a label named in ``min_votes`` or
            ``label_weights`` that no source has is refused after the last block: nothing is written).
        spans_out: also write the combined spans with their supporting sources as JSON lines (``.gz``:
            compressed).
        source_names: names of the sources in ``spans_out`` (default: their indices).
        threads: worker threads (-1: all cores); with more than one, reading, projecting and writing overlap.
        chunk_sentences: sentences per block (memory grows with it and with the number of sources).
        input_names: names of the input paths in messages, ``{name: path}`` (default: target, source 1,
            alignments 1, ...).
        output_names: names of the outputs in messages.

    Returns:
        :class:`StreamStats` (``entities``: summed over the sources; ``spans``: combined spans).

    Raises:
        ValueError: bad options, or an output is an input or the other output.
        FormatError: malformed or mismatched inputs (file, line and sentence over the whole file).
    """
    from xlner.multisource import project_multi  # noqa: PLC0415 - multisource imports the io package

    if len(sources) != len(alignments):
        raise ValueError(f"{len(sources)} sources but {len(alignments)} alignment files: give one per source, in "
                         f"the same order")
    if len(sources) < 2:
        raise ValueError(f"multi-source projection needs at least two sources, got {len(sources)}")
    pairs = [(os.fspath(s), os.fspath(a)) for s, a in zip(sources, alignments)]
    tgt = os.fspath(target)
    if input_names is None:
        named: Dict[str, str] = {"target": tgt}
        for k, (s, a) in enumerate(pairs, start=1):
            named[f"source {k}"], named[f"alignments {k}"] = s, a
    else:
        named = {name: os.fspath(p) for name, p in input_names.items()}
    names = [] if source_names is None else [str(x) for x in source_names]
    heur = None
    if method == "heuristic":
        from xlner.heuristic import HeuristicConfig  # noqa: PLC0415 - only the heuristic needs it

        heur = HeuristicConfig.of(heuristic)
    needs_tokens = heur is not None and bool(heur.drop_punct)
    stats = StreamStats()
    seen: set = set()
    # every thread to the projecting stage: combining several sources outweighs reading them, so the reader is
    # mostly idle (1 M sentences x 3 sources, 2 threads: vote 2.76 -> 2.53 s, joint greedy 9.00 -> 6.88 s against
    # half of the threads, as the single-source stream gives it)
    inner = threads if threads > 0 else os.cpu_count() or 1

    def known(mapping: Any, labels: set) -> Any:
        """A per-label mapping restricted to the labels of the block (the rest is checked after the last one)."""
        if not isinstance(mapping, Mapping):
            return mapping
        return {k: v for k, v in mapping.items() if k in labels}

    def process(chunk: _Chunk) -> Tuple[bytes, Optional[bytes]]:
        batches = chunk.build(inner)
        labels = {nm for b in batches for nm in b.labels.names}
        seen.update(labels)
        res = project_multi(batches, method, combine, min_votes=known(min_votes, labels), weights=weights,
                            span_cost=span_cost, boundary=boundary, label_weights=known(label_weights, labels),
                            primary=primary, corroboration=corroboration, matching=matching, heuristic=heur,
                            tgt_tokens=cast(Sequence[Sequence[str]], chunk.target) if needs_tokens else None,
                            threads=inner)
        result = res.to_result()
        conll = _format_conll(chunk.target, result, sep, inner)
        spans = None
        if spans_out is not None:
            spans = _core.format_multi_spans_jsonl(res.arrays, list(res.labels.names), names)
        stats.account(len(result), sum(int(b.ent_offsets[-1]) for b in batches), len(result.start))
        return conll, spans

    def finish() -> None:
        for what, mapping in (("min_votes", min_votes), ("label_weights", label_weights)):
            if isinstance(mapping, Mapping):
                unknown = sorted(set(mapping) - seen)
                if unknown:
                    raise ValueError(f"{what}: labels {unknown} are not labels of the sources ({sorted(seen)})")

    _run_blocks(tgt, pairs, [out, spans_out], named, output_names, target_format, chunk_sentences, threads, process,
                finish)
    return stats


def _format_conll(target: TokenCorpus, result: ProjectionResult, sep: str, threads: int) -> bytes:
    """The CoNLL lines of a block: its target tokens with the result's IOB2 tags."""
    tags = result_tag_ids(target, result, threads=threads)
    names = _core.iob2_tag_names(list(result.labels.names))
    return _core.format_conll(target.core, np.ascontiguousarray(tags, dtype=np.int32), names, sep=sep,
                              threads=threads)


__all__ = ["DEFAULT_CHUNK_SENTENCES", "StreamStats", "project_files", "project_multi_files"]
