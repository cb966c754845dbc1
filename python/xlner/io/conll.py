"""CoNLL-style token/tag files: ``token<TAB or SPACE>tag`` per line, blank line between sentences.

``-DOCSTART-`` lines are kept as one-token sentences so that files stay line-for-line parallel
with their alignment files. A missing trailing blank line is accepted.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator, List, Optional, Sequence

from xlner.io.errors import FormatError


@dataclass
class Sentence:
    """One sentence: tokens and (optionally) their IOB2 tags."""

    tokens: List[str]
    tags: List[str] = field(default_factory=list)

    @property
    def is_docstart(self) -> bool:
        """True for CoNLL ``-DOCSTART-`` pseudo-sentences."""
        return len(self.tokens) == 1 and self.tokens[0] == "-DOCSTART-"


def _decode(path: str, raw: bytes, lineno: int, sentence: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(path, sentence, "text", f"invalid UTF-8 ({exc.reason} at byte {exc.start})", lineno) from None


def iter_conll(path: str | os.PathLike[str], *, with_tags: bool = True) -> Iterator[Sentence]:
    """Stream sentences from a CoNLL file.

    Each non-blank line is ``token SEP tag`` (SEP: tab, else the last space); with ``with_tags=False``
    the first field is the token and the rest is ignored. Raises :class:`FormatError` naming the
    file, line, sentence and field on malformed input; an empty file is an error.
    """
    p = os.fspath(path)
    tokens: List[str] = []
    tags: List[str] = []
    sent = 0
    seen_any = False
    with open(p, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = _decode(p, raw, lineno, sent).rstrip("\r\n")
            if not line.strip():
                if tokens:
                    yield Sentence(tokens, tags)
                    tokens, tags = [], []
                    sent += 1
                continue
            seen_any = True
            if "\t" in line:
                parts = line.split("\t")
            else:
                parts = line.rsplit(" ", 1) if with_tags else line.split(" ")
            token = parts[0].strip() if "\t" not in line else parts[0]
            if not token:
                raise FormatError(p, sent, "token", "empty token", lineno)
            if with_tags:
                if len(parts) < 2 or not parts[-1].strip():
                    raise FormatError(p, sent, "tag", f"missing tag in line {line!r}", lineno)
                tag = parts[-1].strip()
                if tag != "O" and not (len(tag) > 2 and tag[1] == "-" and tag[0] in "BI"):
                    raise FormatError(p, sent, "tag", f"not an IOB2 tag: {tag!r}", lineno)
                tags.append(tag)
            tokens.append(token)
    if tokens:
        yield Sentence(tokens, tags)
    if not seen_any:
        raise FormatError(p, None, "file", "empty file (no sentences)")


def read_conll(path: str | os.PathLike[str], *, with_tags: bool = True) -> List[Sentence]:
    """Read a whole CoNLL file into a list of :class:`Sentence` (see :func:`iter_conll`)."""
    return list(iter_conll(path, with_tags=with_tags))


def read_tokens(path: str | os.PathLike[str]) -> List[Sentence]:
    """Read target sentences: a CoNLL file (labels ignored) or one sentence of space-separated tokens per line.

    The format is detected from the first non-blank line: a tab, or a blank line anywhere, means CoNLL.
    """
    p = os.fspath(path)
    with open(p, "rb") as fh:
        head = fh.read(1 << 16)
    try:
        text = head.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        text = head.decode("utf-8", errors="ignore")
    stripped = text.lstrip("\r\n")
    is_conll = "\t" in stripped.split("\n", 1)[0] or "\n\n" in stripped.replace("\r\n", "\n")
    if is_conll:
        return read_conll(p, with_tags=False)
    out: List[Sentence] = []
    with open(p, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = _decode(p, raw, lineno, lineno - 1).rstrip("\r\n")
            toks = line.split()
            if not toks:
                raise FormatError(p, lineno - 1, "tokens", "empty line in a one-sentence-per-line file", lineno)
            out.append(Sentence(toks, []))
    if not out:
        raise FormatError(p, None, "file", "empty file (no sentences)")
    return out


def write_conll(path: str | os.PathLike[str], sentences: Iterable[Sentence], *, sep: str = "\t") -> None:
    """Write sentences as ``token SEP tag`` lines with a blank line after each sentence."""
    with open(os.fspath(path), "w", encoding="utf-8") as fh:
        for s in sentences:
            if len(s.tags) != len(s.tokens):
                raise ValueError(f"sentence with {len(s.tokens)} tokens has {len(s.tags)} tags")
            fh.write("".join(f"{t}{sep}{g}\n" for t, g in zip(s.tokens, s.tags)))
            fh.write("\n")


def tags_or_o(sentences: Sequence[Sentence]) -> List[List[str]]:
    """Tags of each sentence, ``O`` for sentences read without tags."""
    return [s.tags if s.tags else ["O"] * len(s.tokens) for s in sentences]


__all__ = ["Sentence", "iter_conll", "read_conll", "read_tokens", "write_conll", "tags_or_o", "Optional"]
