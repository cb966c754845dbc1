"""The output files of the pipelines, written chunk by chunk by the C++ writers of :mod:`xlner.io`.

* ``predictions.conll`` / ``train.conll``: target tokens and IOB2 tags, the CoNLL writer of ``xlner project``;
* ``spans.jsonl``: one line per sentence in the one spans schema of :mod:`xlner.io.jsonl`
  (``{"objective", "spans": [{"start", "end", "label", "entity", "score"}]}``), its writer.

A chunk's files are the lines the whole file would have for its sentences, so a pipeline's
``predictions.conll`` and ``spans.jsonl`` equal, byte for byte, what ``xlner project --out ... --spans-out ...``
writes for the same inputs.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, List, Optional, Sequence

from xlner.batch import ProjectionResult
from xlner.io.conll import Sentence, TokenCorpus, write_conll_tags
from xlner.io.jsonl import SentenceSpans, write_spans_jsonl
from xlner.pipelines.evaluation import StreamingEvaluation
from xlner.pipelines.projecting import ChunkProjection
from xlner.pipelines.stages import Record


class AppendedFile:
    """An output file that grows chunk by chunk; each chunk is written by a file writer (the C++ ones) into a
    scratch file beside it and appended."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._fh: BinaryIO = open(self.path, "wb")
        self._part = self.path.with_name(self.path.name + ".part")

    def append(self, write: Callable[[Path], None]) -> None:
        """Run ``write(scratch_path)`` and append what it wrote."""
        try:
            write(self._part)
            with open(self._part, "rb") as src:
                shutil.copyfileobj(src, self._fh)
            self._fh.flush()
        finally:
            self._part.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the file."""
        self._fh.close()


def append_conll(out: AppendedFile, corpus: TokenCorpus) -> None:
    """Append a corpus with tags as CoNLL (``token<TAB>tag``, a blank line after each sentence)."""
    if len(corpus):
        out.append(lambda p: write_conll_tags(p, corpus, corpus.tag_ids, corpus.labels, threads=1))


def append_spans(out: AppendedFile, result: ProjectionResult) -> None:
    """Append projected spans in the one spans schema."""
    if len(result):
        out.append(lambda p: write_spans_jsonl(p, result, threads=1))


@dataclass
class PredictionWriter:
    """Writes ``predictions.conll`` (target tokens and predicted tags) and, for projections, ``spans.jsonl``;
    evaluates the predictions against the gold tags of the input with a :class:`StreamingEvaluation` and
    collects them when ``collect`` is set. :meth:`finish` returns the evaluation when every chunk had gold
    tags."""

    conll: AppendedFile
    spans_file: Optional[AppendedFile] = None
    labels: Optional[List[str]] = None
    collect: bool = False
    sentences: List[Sentence] = field(default_factory=list)
    spans: List[SentenceSpans] = field(default_factory=list)
    counts: StreamingEvaluation = field(init=False)
    have_gold: Optional[bool] = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.counts = StreamingEvaluation(self.labels)

    def write_tags(self, start: int, chunk: Sequence[Sentence], tags: Sequence[Sequence[str]]) -> None:
        """Write one chunk of predicted tag strings (model transfer)."""
        append_conll(self.conll, TokenCorpus.from_lists([x.tokens for x in chunk], tags))
        self._evaluate(start, chunk, tags)

    def write_projection(self, start: int, chunk: Sequence[Sentence], projection: ChunkProjection) -> None:
        """Write one chunk of projected spans: the tags to ``predictions.conll``, the spans to ``spans.jsonl``."""
        ids = projection.tag_ids()
        tags = projection.tags(ids)
        target, result = projection.target, projection.result
        self.conll.append(lambda p: write_conll_tags(p, target, ids, result.labels, threads=1))
        if self.spans_file is not None:
            append_spans(self.spans_file, result)
        self._evaluate(start, chunk, tags)
        if self.collect:
            self.spans.extend(projection.spans())

    def _evaluate(self, start: int, chunk: Sequence[Sentence], tags: Sequence[Sequence[str]]) -> None:
        gold_here = all(x.tags for x in chunk)
        self.have_gold = gold_here if self.have_gold is None else (self.have_gold and gold_here)
        if gold_here:
            self.counts.add([x.tags for x in chunk], tags, start)
        if self.collect:
            self.sentences.extend(Sentence(list(x.tokens), list(t)) for x, t in zip(chunk, tags))

    def finish(self) -> Optional[Record]:
        """The evaluation report when every chunk had gold tags, else ``None``."""
        return self.counts.report() if self.have_gold else None


__all__ = ["AppendedFile", "PredictionWriter", "append_conll", "append_spans"]
