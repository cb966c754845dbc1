"""Pharaoh/talp alignment files: one line per sentence of ``i-j`` pairs (source index first).

0-based by default; gold files are 1-based and may mark possible links as ``ipj``.
"""
from __future__ import annotations

import os
from typing import Iterable, List, Sequence, Tuple

from xlner.io.errors import FormatError

Links = List[Tuple[int, int]]


def parse_talp_line(line: str, *, path: str = "<string>", sentence: int = 0, one_based: bool = False,
                    allow_possible: bool = False) -> Tuple[Links, Links]:
    """Parse one talp line into (sure, possible) link lists, converted to 0-based.

    Raises :class:`FormatError` naming the sentence and the offending pair.
    """
    sure: Links = []
    possible: Links = []
    for tok in line.split():
        kind = "-"
        if "-" in tok:
            parts = tok.split("-")
        elif allow_possible and "p" in tok:
            parts = tok.split("p")
            kind = "p"
        else:
            raise FormatError(path, sentence, "alignment", f"pair {tok!r} is not of the form i-j", sentence + 1)
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
            raise FormatError(path, sentence, "alignment", f"pair {tok!r} must have exactly two integer fields",
                              sentence + 1)
        i, j = int(parts[0]), int(parts[1])
        if one_based:
            if i < 1 or j < 1:
                raise FormatError(path, sentence, "alignment", f"pair {tok!r} is not 1-based", sentence + 1)
            i, j = i - 1, j - 1
        (possible if kind == "p" else sure).append((i, j))
    return sure, possible


def read_talp(path: str | os.PathLike[str], *, one_based: bool = False) -> List[Links]:
    """Read a talp file: one list of (src, tgt) 0-based links per line (empty lines = no links)."""
    p = os.fspath(path)
    out: List[Links] = []
    with open(p, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(p, lineno - 1, "alignment", f"invalid UTF-8 ({exc.reason})", lineno) from None
            sure, _ = parse_talp_line(line, path=p, sentence=lineno - 1, one_based=one_based)
            out.append(sure)
    if not out:
        raise FormatError(p, None, "file", "empty file (no alignment lines)")
    return out


def write_talp(path: str | os.PathLike[str], alignments: Iterable[Sequence[Tuple[int, int]]]) -> None:
    """Write 0-based links, one line per sentence."""
    with open(os.fspath(path), "w", encoding="utf-8") as fh:
        for links in alignments:
            fh.write(" ".join(f"{i}-{j}" for i, j in links) + "\n")


__all__ = ["Links", "parse_talp_line", "read_talp", "write_talp"]
