"""Pharaoh/talp alignment files: one line per sentence of ``i-j`` pairs (source index first).

0-based by default; gold files are 1-based and may mark possible links as ``ipj``. The reader is the C++
one (:func:`load_talp`, arrays in CSR form, no Python object per link); :func:`read_talp` gives lists.
Malformed input raises :class:`~xlner.io.errors.FormatError` naming the file, line, sentence (0-based)
and pair: a field count other than two, a non-integer or negative field, index 0 in a 1-based file,
non-UTF-8 bytes, an empty file.
"""
from __future__ import annotations

import os
from itertools import chain
from dataclasses import dataclass
from typing import Iterable, List, Sequence, Tuple, Union

import numpy as np

from xlner import _core
from xlner.io.atomic import atomic_open
from xlner.io.errors import FormatError

Links = List[Tuple[int, int]]
PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class Alignments:
    """Word alignments of a corpus in CSR form (0-based, source first).

    Attributes:
        offsets: int64[N+1]; links of sentence i are ``offsets[i]:offsets[i+1]``.
        src, tgt: int32[A] word indices.
        possible: uint8[A], 1 for possible (``ipj``) links of gold files, 0 for sure links.
        path: the file read.
    """

    offsets: np.ndarray
    src: np.ndarray
    tgt: np.ndarray
    possible: np.ndarray
    path: str = "<memory>"

    @classmethod
    def from_core(cls, d: dict, path: str) -> "Alignments":
        """Wrap the dict of arrays returned by the C++ reader."""
        return cls(d["offsets"], d["src"], d["tgt"], d["possible"], path)

    @classmethod
    def from_lists(cls, links: Sequence[Sequence[Tuple[int, int]]], *, path: str = "<memory>") -> "Alignments":
        """Sure links per sentence → arrays."""
        offsets = np.zeros(len(links) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(x) for x in links]) if len(links) else []
        try:
            flat = np.fromiter(chain.from_iterable(chain.from_iterable(links)), dtype=np.int64,
                               count=2 * int(offsets[-1])).reshape(-1, 2)
        except (TypeError, ValueError):
            raise ValueError("field alignments: every link must be a (src, tgt) pair of integers") from None
        if flat.size and (flat.min() < 0 or flat.max() > np.iinfo(np.int32).max):
            raise ValueError("field alignments: index out of int32 range or negative")
        return cls(offsets, np.ascontiguousarray(flat[:, 0], dtype=np.int32),
                   np.ascontiguousarray(flat[:, 1], dtype=np.int32), np.zeros(len(flat), dtype=np.uint8), path)

    def __len__(self) -> int:
        return int(self.offsets.shape[0]) - 1

    def links(self, i: int) -> Links:
        """All links (sure and possible) of sentence ``i`` as (src, tgt)."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return list(zip(self.src[a:b].tolist(), self.tgt[a:b].tolist()))

    def sure(self, i: int) -> Links:
        """Sure links of sentence ``i``."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        keep = self.possible[a:b] == 0
        return list(zip(self.src[a:b][keep].tolist(), self.tgt[a:b][keep].tolist()))

    def possible_links(self, i: int) -> Links:
        """Possible-only (``ipj``) links of sentence ``i``."""
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        keep = self.possible[a:b] != 0
        return list(zip(self.src[a:b][keep].tolist(), self.tgt[a:b][keep].tolist()))

    def to_lists(self) -> List[Links]:
        """All links of every sentence."""
        src, tgt, off = self.src.tolist(), self.tgt.tolist(), self.offsets.tolist()
        return [list(zip(src[off[i]:off[i + 1]], tgt[off[i]:off[i + 1]])) for i in range(len(self))]

    def check(self, src_len: Union[Sequence[int], np.ndarray], tgt_len: Union[Sequence[int], np.ndarray], *,
              src_path: str = "source", tgt_path: str = "target", first_sentence: int = 0) -> None:
        """Raise :class:`FormatError` unless there is one line per sentence and every index lies inside its
        sentence (the message names this file, the sentence, the pair and the file it overruns).
        ``first_sentence``: index of the first sentence in the whole file (blocks of a streamed file)."""
        _core.check_alignments(self.offsets, self.src, self.tgt, np.asarray(src_len, dtype=np.int32),
                               np.asarray(tgt_len, dtype=np.int32), path=self.path, src_path=src_path,
                               tgt_path=tgt_path, first_sentence=first_sentence)


def load_talp(path: PathLike, *, one_based: bool = False, allow_possible: bool = False) -> Alignments:
    """Read a talp file into :class:`Alignments` (C++ reader).

    Arguments:
        one_based: the file's indices start at 1 (gold files); they are returned 0-based.
        allow_possible: accept ``ipj`` possible links (gold files); see :attr:`Alignments.possible`.
    """
    p = os.fspath(path)
    return Alignments.from_core(_core.read_talp(p, one_based=one_based, allow_possible=allow_possible), p)


def parse_talp(text: Union[str, bytes], *, path: str = "<string>", one_based: bool = False,
               allow_possible: bool = False) -> Alignments:
    """Parse talp text held in memory (see :func:`load_talp`)."""
    return Alignments.from_core(_core.parse_talp(text, path=path, one_based=one_based,
                                                 allow_possible=allow_possible), path)


def parse_talp_line(line: str, *, path: str = "<string>", sentence: int = 0, one_based: bool = False,
                    allow_possible: bool = False) -> Tuple[Links, Links]:
    """Parse one talp line into (sure, possible) link lists, converted to 0-based.

    Raises :class:`FormatError` naming ``path``, ``sentence`` and the offending pair.
    """
    body = line.rstrip("\r\n")
    if "\n" in body:
        raise FormatError(path, sentence, "alignment", "one line expected, got a line break inside", sentence + 1)
    try:
        d = _core.parse_talp(body + "\n", path=path, one_based=one_based, allow_possible=allow_possible)
    except FormatError as exc:
        raise FormatError(path, sentence, exc.field, exc.detail, sentence + 1) from None
    sure: Links = []
    possible: Links = []
    for i, j, p in zip(d["src"].tolist(), d["tgt"].tolist(), d["possible"].tolist()):
        (possible if p else sure).append((i, j))
    return sure, possible


def read_talp(path: PathLike, *, one_based: bool = False) -> List[Links]:
    """Read a talp file: one list of (src, tgt) 0-based links per line (empty lines = no links).

    Possible (``ipj``) links are an error here; read gold files with :func:`load_talp`.
    """
    return load_talp(path, one_based=one_based).to_lists()


def write_talp(path: PathLike, alignments: Union[Alignments, Iterable[Sequence[Tuple[int, int]]]]) -> None:
    """Write 0-based links, one line per sentence (``i-j`` pairs; possible links as ``ipj``).

    The file appears at ``path`` only when it was written completely (:mod:`xlner.io.atomic`)."""

    with atomic_open(path, "w") as fh:
        if isinstance(alignments, Alignments):
            src, tgt, pos, off = (alignments.src.tolist(), alignments.tgt.tolist(), alignments.possible.tolist(),
                                  alignments.offsets.tolist())
            for i in range(len(alignments)):
                fh.write(" ".join(f"{src[k]}{'p' if pos[k] else '-'}{tgt[k]}" for k in range(off[i], off[i + 1]))
                         + "\n")
            return
        for links in alignments:
            fh.write(" ".join(f"{i}-{j}" for i, j in links) + "\n")


__all__ = ["Links", "Alignments", "load_talp", "parse_talp", "parse_talp_line", "read_talp", "write_talp"]
