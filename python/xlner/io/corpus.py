"""From files to a :class:`~xlner.batch.ProjectionBatch` and from a projection result back to files.

The three inputs of projection — source sentences with IOB2 tags, target tokens, word alignments — are read by
the C++ readers; entities come from the source tags with seqeval's chunking (the core's ``tags_to_spans``:
I-X after O starts an entity, so does a type change); all of it reaches the core as flat arrays without a
Python object per sentence. Mismatches between the files raise :class:`~xlner.io.errors.FormatError`
naming the file, the sentence (0-based) and the field.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np

from xlner import _core
from xlner.batch import ProjectionBatch, ProjectionResult
from xlner.io.atomic import atomic_outputs
from xlner.io.conll import TokenCorpus, load_conll, load_tokens, write_conll_tags_to
from xlner.io.errors import FormatError
from xlner.io.jsonl import write_spans_jsonl_to
from xlner.io.talp import Alignments, load_talp

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class ProjectionCorpus:
    """The files of one projection job and the batch built from them."""

    source: TokenCorpus
    target: TokenCorpus
    alignments: Alignments
    batch: ProjectionBatch


def check_same_count(a: TokenCorpus, b: TokenCorpus, *, what: str = "sentences") -> None:
    """Raise :class:`FormatError` naming the shorter file and its first missing sentence when the two corpora
    have different numbers of sentences."""
    if len(a) == len(b):
        return
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    raise FormatError(short.path, len(short), "sentence count",
                      f"{len(short)} {what}, but {long_.path} has {len(long_)} (sentence {len(short)} is the "
                      f"first one missing here)")


def build_batch(source: TokenCorpus, target: TokenCorpus, alignments: Alignments, *,
                threads: int = -1, first_sentence: int = 0) -> ProjectionBatch:
    """Build the batch of a projection job from the read files.

    Arguments:
        source: source sentences with IOB2 tags (:func:`~xlner.io.load_conll`).
        target: target sentences (tokens only needed for writing; lengths are used here).
        alignments: links between them, one line per sentence, source index first.
        threads: threads for entity extraction (-1: all cores).
        first_sentence: index of the first sentence in the whole files (blocks of streamed files; for messages).

    Returns:
        A :class:`~xlner.batch.ProjectionBatch` whose label vocabulary is the source's.

    Raises:
        FormatError: different sentence counts (naming the shorter file and its first missing sentence); an
            alignment index past its sentence (naming the alignment file, sentence, pair and the overrun file).
        ValueError: the source was read without tags.
    """
    if not source.has_tags:
        raise ValueError(f"{source.path}: the source needs IOB2 tags (read it with with_tags=True)")
    check_same_count(source, target)
    src_len, tgt_len = source.lengths(), target.lengths()
    alignments.check(src_len, tgt_len, src_path=source.path, tgt_path=target.path, first_sentence=first_sentence)
    ents = _core.tags_to_spans(source.offsets, source.tag_ids, threads=threads)
    return ProjectionBatch(src_len, tgt_len, ents["offsets"], ents["start"], ents["end"], ents["label"],
                           alignments.offsets, alignments.src, alignments.tgt, labels=source.labels)


def read_projection_files(source: PathLike, target: PathLike, alignments: PathLike, *, target_format: str = "auto",
                          threads: int = -1, columns: Optional[Tuple[str, str]] = None
                          ) -> Tuple[TokenCorpus, TokenCorpus, Alignments]:
    """Read the three files of a projection job with the C++ readers, concurrently unless ``threads == 1``.

    Returns (source with tags, without its tokens; target tokens; alignments). Errors are reported in file order.
    Source and target may also be Parquet files/folders or ``datasets`` folders (:mod:`xlner.io.tables`;
    ``columns``: the (tokens, tags) column names, default ``("tokens", "tags")``).
    """
    from xlner.io.tables import load_table_corpus, table_format

    tok_col, tag_col = columns or ("tokens", "tags")

    def read_src() -> TokenCorpus:
        if table_format(source):
            return load_table_corpus(source, with_tags=True, tokens_field=tok_col, tags_field=tag_col)
        return load_conll(source, with_tags=True, keep_tokens=False)

    def read_tgt() -> TokenCorpus:
        if table_format(target):
            return load_table_corpus(target, with_tags=False, tokens_field=tok_col)
        return load_tokens(target, format=target_format, keep_tokens=True)

    if threads == 1:
        return read_src(), read_tgt(), load_talp(alignments)
    with ThreadPoolExecutor(max_workers=3) as pool:  # the readers release the GIL
        f_src, f_tgt, f_aln = pool.submit(read_src), pool.submit(read_tgt), pool.submit(load_talp, alignments)
        return f_src.result(), f_tgt.result(), f_aln.result()


def load_projection_corpus(source: PathLike, target: PathLike, alignments: PathLike, *,
                           target_format: str = "auto", threads: int = -1,
                           columns: Optional[Tuple[str, str]] = None) -> ProjectionCorpus:
    """Read the three files of a projection job (C++ readers) and build its batch.

    Arguments:
        source: CoNLL with the source IOB2 labels.
        target: CoNLL (labels ignored) or one sentence of space-separated tokens per line (``target_format``:
            ``'auto'``, ``'conll'`` or ``'lines'``).
        alignments: one talp line per sentence, 0-based, source index first.
        threads: threads for reading (the three files at once) and entity extraction; 1 = sequential.
        columns: (tokens, tags) column names of Parquet / ``datasets`` inputs (see :func:`read_projection_files`).
    """
    src, tgt, aln = read_projection_files(source, target, alignments, target_format=target_format, threads=threads,
                                          columns=columns)
    return ProjectionCorpus(src, tgt, aln, build_batch(src, tgt, aln, threads=threads))


def result_tag_ids(target: TokenCorpus, result: ProjectionResult, *, threads: int = -1) -> np.ndarray:
    """IOB2 tag ids (over ``result.labels``) of every target token from projected spans.

    Raises ``ValueError`` / ``IndexError`` naming the sentence for overlapping, empty or out-of-range spans.
    """
    if len(result) != len(target):
        raise ValueError(f"field result: {len(result)} sentences of spans for {len(target)} sentences of "
                         f"{target.path}")
    return _core.spans_to_tags(target.lengths(), result.offsets, result.start, result.end, result.label,
                               threads=threads)


def write_projection(out: PathLike, target: TokenCorpus, result: ProjectionResult, *,
                     spans_out: Optional[PathLike] = None, sep: str = "\t", threads: int = -1) -> None:
    """Write the target tokens with the projected IOB2 labels as CoNLL (sentence for sentence, ``-DOCSTART-``
    kept), and optionally the spans as JSON lines (see :mod:`xlner.io.jsonl`).

    Both files appear together, only when both were written completely (:mod:`xlner.io.atomic`); names ending in
    ``.gz`` are gzip-compressed. ``ValueError`` when an output is the target file or the other output.
    """
    tags = result_tag_ids(target, result, threads=threads)
    read_from = {} if target.path.startswith("<") else {"the target": target.path}
    with atomic_outputs([out, spans_out], inputs=read_from, names=["out", "spans_out"]) as (tmp_out, tmp_spans):
        assert tmp_out is not None
        jobs = [lambda: write_conll_tags_to(tmp_out, target, tags, result.labels, sep=sep, threads=threads,
                                            gz=os.fspath(out).endswith(".gz"))]
        if tmp_spans is not None:
            jobs.append(lambda: write_spans_jsonl_to(tmp_spans, result, threads=threads,
                                                     gz=str(spans_out).endswith(".gz")))
        if len(jobs) == 1 or threads == 1:
            for job in jobs:
                job()
            return
        with ThreadPoolExecutor(max_workers=2) as pool:  # both writers release the GIL
            for f in [pool.submit(job) for job in jobs]:
                f.result()


__all__ = ["ProjectionCorpus", "build_batch", "check_same_count", "load_projection_corpus", "read_projection_files",
           "result_tag_ids",
           "write_projection"]
