"""The run context shared by the pipelines: output folder, stage files, output writers, summary."""
from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union

from xlner.io.atomic import atomic_open, atomic_outputs
from xlner.io.conll import Sentence
from xlner.io.jsonl import SentenceSpans
from xlner.pipelines.config import PipelineConfig
from xlner.pipelines.outputs import AppendedFile
from xlner.pipelines.stages import (PathLike, PipelineSummary, Precomputed, PrecomputedInput, Record, StageFile,
                                    chunked,
                                    iter_sentences, progress_bar)

T = TypeVar("T")

SentencesLike = Union[str, "os.PathLike[str]", Iterable[Sentence], Iterable[Sequence[str]]]


def as_sentences(data: SentencesLike, cfg: PipelineConfig) -> Iterator[Sentence]:
    """Stream :class:`Sentence` objects from a path (CoNLL, JSON lines, token file) or an iterable of
    sentences / token lists."""
    if isinstance(data, (str, os.PathLike)):
        f = cfg.input_format
        yield from iter_sentences(data, tokens_field=f.tokens_field, tags_field=f.tags_field, tag_names=f.tag_names)
        return
    for i, s in enumerate(data):
        if isinstance(s, Sentence):
            yield s
        elif isinstance(s, (list, tuple)) and all(isinstance(t, str) for t in s):
            yield Sentence(list(s), [])
        else:
            raise ValueError(f"sentence {i}: expected a Sentence or a list of tokens, got {type(s).__name__}")


def precomputed(name: str, given: Optional[PrecomputedInput[T]], from_file: Callable[[PathLike], Iterable[T]]
                ) -> Optional[Precomputed[T]]:
    """Wrap an in-memory iterable or a file path (read with ``from_file``) as a :class:`Precomputed`."""
    if given is None:
        return None
    if isinstance(given, (str, os.PathLike)):
        return Precomputed(f"{name} ({os.fspath(given)})", from_file(given))
    return Precomputed(name, given)


@dataclass
class PipelineOutput:
    """What a pipeline returns: the summary and, with ``collect=True``, the labelled output sentences
    and their spans (:class:`~xlner.io.jsonl.SentenceSpans`, the schema of ``spans.jsonl``)."""

    summary: PipelineSummary
    sentences: List[Sentence] = field(default_factory=list)
    spans: List[SentenceSpans] = field(default_factory=list)


class _RunAborted(Exception):
    """Thrown into the outputs' ``atomic_outputs`` blocks when a run fails: their temporary files are removed."""


class Run:
    """Output folder, resumable stage files, streaming output writers and the summary of one run.

    The outputs (``predictions.conll``, ``spans.jsonl``, ``train.*`` …) are written to temporary files beside
    them (:func:`xlner.io.atomic.atomic_outputs`) and renamed at :meth:`close`: a failed run leaves no partial
    output and any previous one untouched. The stage files are appended chunk by chunk and kept, so a rerun
    resumes from them."""

    def __init__(self, name: str, cfg: PipelineConfig, output_dir: Optional[str | os.PathLike[str]]):
        out = output_dir if output_dir is not None else cfg.output_dir
        if out is None:
            raise ValueError(f"{name}: an output folder is needed (output_dir): intermediate results go there")
        self.name = name
        self.cfg = cfg
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.summary = PipelineSummary(name)
        self.stages: Dict[str, StageFile] = {}
        self.writers: Dict[str, IO[str]] = {}
        self.outputs: Dict[str, AppendedFile] = {}
        self._atomic = contextlib.ExitStack()  # one atomic_outputs block per output, closed last-in first-out
        self.bar = progress_bar(None, name, cfg.progress)

    def stage(self, name: str, key: Optional[Record]) -> StageFile:
        """The resumable stage file ``<out>/<name>.jsonl``."""
        try:
            st = StageFile(self.out / f"{name}.jsonl", key, overwrite=self.cfg.overwrite)
        except BaseException:
            self.abort()
            raise
        self.stages[name] = st
        return st

    def writer(self, filename: str) -> IO[str]:
        """An output file rewritten by this run (``<out>/<filename>``)."""
        if filename not in self.writers:
            path = self.out / filename
            self.writers[filename] = self._atomic.enter_context(open(self._temp(path), "w", encoding="utf-8"))
            self.summary.outputs[filename] = str(path)
        return self.writers[filename]

    def output(self, filename: str) -> AppendedFile:
        """An output file rewritten by this run (``<out>/<filename>``), appended chunk by chunk by the C++
        writers (:class:`~xlner.pipelines.outputs.AppendedFile`)."""
        if filename not in self.outputs:
            path = self.out / filename
            out = AppendedFile(self._temp(path))
            self._atomic.callback(out.close)
            self.outputs[filename] = out
            self.summary.outputs[filename] = str(path)
        return self.outputs[filename]

    def _temp(self, path: Path) -> str:
        """Enter an ``atomic_outputs`` block for ``path`` (refusing a path that is a stage file or another
        output); returns the temporary file to write."""
        taken = [st.path for st in self.stages.values()] + [Path(p) for p in self.summary.outputs.values()]
        (tmp,) = self._atomic.enter_context(atomic_outputs([path], inputs=[os.fspath(p) for p in taken]))
        assert tmp is not None
        return tmp

    def write_jsonl(self, filename: str, records: Iterable[Record]) -> None:
        """Append records to a JSON-lines output."""
        fh = self.writer(filename)
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")

    def chunks(self, sentences: Iterable[Sentence]) -> Iterator[Tuple[int, List[Sentence]]]:
        """``(start, chunk)`` pairs over the input, ``chunk_size`` sentences each; updates the progress bar."""
        start = 0
        it = iter(chunked(sentences, self.cfg.chunk_size))
        while True:
            with self.summary.stage("read input"):
                chunk = next(it, None)
            if chunk is None:
                return
            yield start, chunk
            start += len(chunk)
            self.summary.sentences = start
            self.bar.update(len(chunk))

    def close(self, pre: Sequence[Optional[Precomputed]] = ()) -> PipelineSummary:
        """Check precomputed inputs are used up, close files, write ``summary.json``."""
        self.bar.close()
        done = False
        try:
            for p in pre:
                if p is not None:
                    p.finish()
            done = True
        finally:
            for name, st in self.stages.items():
                self.summary.reused[name] = st.reused
                st.close()
            self._close_files(commit=done)
        path = self.out / "summary.json"
        self.summary.outputs["summary.json"] = str(path)
        with atomic_open(path, "w") as fh:
            fh.write(json.dumps(self.summary.to_dict(), ensure_ascii=False, indent=1))
        return self.summary

    def abort(self) -> None:
        """Close files after an error (stage files keep what was computed, for resuming)."""
        self.bar.close()
        for st in self.stages.values():
            st.close()
        self._close_files()

    def _close_files(self, commit: bool = False) -> None:
        """Close the outputs: renamed to their final paths (``commit``) or their temporary files removed."""
        stack, self._atomic = self._atomic, contextlib.ExitStack()
        if commit:
            stack.close()
        else:
            stack.__exit__(_RunAborted, _RunAborted(), None)


__all__ = ["PipelineOutput", "Run", "SentencesLike", "as_sentences", "precomputed"]
