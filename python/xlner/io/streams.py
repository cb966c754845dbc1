"""Input and output streams of any size: gzip by content (inputs) or by name (outputs), and whole sentences of a
text file block by block (:class:`SentenceStream`) for the streaming readers.

The block boundaries come from the C++ ``cut_sentences`` (the same blank-line and line-break rules as the C++
parsers), so a file read in blocks parses into exactly the sentences of the file read at once.
"""
from __future__ import annotations

import gzip
import io
import os
from typing import IO, BinaryIO, Optional, Tuple, Union, cast

from xlner import _core
from xlner.io.errors import FormatError

PathLike = Union[str, "os.PathLike[str]"]

GZIP_MAGIC = b"\x1f\x8b"


class _ClosingGzip(gzip.GzipFile):
    """A GzipFile that also closes the file object it reads or writes."""

    def close(self) -> None:
        raw = self.fileobj
        try:
            super().close()
        finally:
            if raw is not None:
                cast(IO[bytes], raw).close()


def open_input(path: PathLike) -> io.BufferedIOBase:
    """Open a file for reading bytes; gzip-compressed content (by its magic bytes, whatever the name) is
    decompressed on the fly.

    Raises:
        OSError naming the path (missing, unreadable, a directory).
    """
    p = os.fspath(path)
    if os.path.isdir(p):
        raise OSError(f"{p}: is a directory, expected a file")
    try:
        fh = open(p, "rb")  # noqa: SIM115 - returned to the caller
    except OSError as exc:  # the C++ readers' wording
        raise OSError(f"{p}: cannot open for reading ({exc.strerror})") from None
    try:
        magic = fh.peek(2)[:2]
    except OSError:
        fh.close()
        raise
    if magic == GZIP_MAGIC:
        return _ClosingGzip(fileobj=fh, mode="rb")
    return fh


def open_output(path: PathLike, *, gz: Optional[bool] = None) -> BinaryIO:
    """Open a file for writing bytes; gzip-compressed when ``gz`` (default: the name ends in ``.gz``).

    Compressed outputs carry no name and no time stamp, so the same content gives the same bytes.
    """
    p = os.fspath(path)
    if gz is None:
        gz = p.endswith(".gz")
    raw = open(p, "wb")  # noqa: SIM115 - returned to the caller
    if not gz:
        return raw
    return _ClosingGzip(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0)  # type: ignore[return-value]


class SentenceStream:
    """The whole sentences of a text file (plain or gzip), a number at a time, as raw bytes.

    Arguments:
        path: the file.
        conll: sentences are runs of non-blank lines (CoNLL); otherwise one sentence per line.
        block_size: bytes read at a time.
        max_sentence_bytes: longest sentence accepted (a file without line breaks, such as ``/dev/zero``, ends with
            a :class:`FormatError` here instead of filling the memory).

    Attributes:
        sentences: sentences handed out so far (the 0-based index of the next one).
        lines: lines handed out so far.
    """

    def __init__(self, path: PathLike, *, conll: bool, block_size: int = 1 << 22,
                 max_sentence_bytes: int = 1 << 26):
        self.path = os.fspath(path)
        self.conll = conll
        self.block_size = block_size
        self.max_sentence_bytes = max_sentence_bytes
        self.sentences = 0
        self.lines = 0
        self._fh: Optional[io.BufferedIOBase] = open_input(self.path)
        # the unread bytes are _buf[_start:_end]; the file is read straight into the room after them (readinto: no
        # intermediate bytes object, no growing of the bytearray after a deletion at its front, which copies it)
        self._buf = bytearray(2 * block_size)
        self._start = 0
        self._end = 0
        self._eof = False
        self._read = 0
        self._view: Optional[memoryview] = None  # the block handed out last (the head of the unread bytes)

    def close(self) -> None:
        """Close the file."""
        self._release()
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> "SentenceStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _release(self) -> None:
        """Drop the block handed out last from the buffer (its view ends here)."""
        if self._view is not None:
            used = len(self._view)
            self._view.release()
            self._view = None
            self._start += used

    def _room(self) -> None:
        """Make room for a block after the unread bytes: move them to the front, or into a larger buffer."""
        live = self._end - self._start
        if self._end + self.block_size <= len(self._buf):
            return
        if live + self.block_size > len(self._buf):
            grown = bytearray(max(2 * len(self._buf), live + self.block_size))
            grown[:live] = memoryview(self._buf)[self._start:self._end]
            self._buf = grown
        elif live:
            with memoryview(self._buf) as view:
                view[:live] = view[self._start:self._end]  # memoryview copies overlapping ranges correctly
        self._start, self._end = 0, live

    def _fill(self) -> None:
        assert self._fh is not None
        self._room()
        try:
            with memoryview(self._buf) as view, view[self._end:self._end + self.block_size] as room:
                got = self._fh.readinto(room)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:  # a truncated or corrupt gzip stream
            raise FormatError(self.path, self.sentences, "file", f"cannot read: {exc}") from None
        if not got:
            self._eof = True
            return
        nul = self._buf.find(b"\0", self._end, self._end + got)
        if nul >= 0:  # text files never hold NUL bytes (/dev/zero, a binary file given by mistake)
            raise FormatError(self.path, None, "file",
                              f"NUL byte at byte offset {self._read + nul - self._end}: not a text file")
        self._read += got
        self._end += got

    def head(self, n: int = 1 << 16) -> bytes:
        """The first ``n`` bytes (or fewer at the end of the file), without consuming them."""
        self._release()
        while self._end - self._start < n and not self._eof:
            self._fill()
        return bytes(self._buf[self._start:min(self._start + n, self._end)])

    def take(self, n: int) -> Tuple[memoryview, int, int, int]:
        """The next ``n`` sentences (fewer only at the end of the file), as a read-only view of the stream's buffer
        (no copy), valid until the next call of :meth:`take`, :meth:`head` or :meth:`close`.

        Returns:
            (text, sentences, index of its first sentence, lines before it).
        """
        self._release()
        first_sentence, first_line = self.sentences, self.lines
        got = done = 0
        while got < n:
            # the sentences after those already counted
            with memoryview(self._buf) as view, view[self._start + done:self._end] as rest:
                nbytes, nsent, nlines = _core.cut_sentences(rest, n - got, conll=self.conll, at_eof=self._eof)
            done += nbytes
            got += nsent
            self.sentences += nsent
            self.lines += nlines
            if got >= n or self._eof:
                break
            if nsent == 0 and self._end - self._start - done > self.max_sentence_bytes:
                what = "sentence" if self.conll else "line"
                raise FormatError(self.path, self.sentences, "text",
                                  f"no end of {what} in {self._end - self._start - done} bytes (line {self.lines + 1} "
                                  f"on): not a text file of sentences, or a {what} longer than "
                                  f"{self.max_sentence_bytes} bytes",
                                  self.lines + 1)
            self._fill()
        with memoryview(self._buf) as view:
            self._view = view[self._start:self._start + done].toreadonly()
        return self._view, got, first_sentence, first_line


def shift_error(exc: FormatError, first_sentence: int, first_line: int) -> FormatError:
    """A :class:`FormatError` raised on a block of a file, renumbered to the whole file (sentence and line)."""
    sentence = None if exc.sentence is None else exc.sentence + first_sentence
    line = None if exc.line is None else exc.line + first_line
    return FormatError(exc.path, sentence, exc.field, exc.detail, line)


__all__ = ["GZIP_MAGIC", "SentenceStream", "open_input", "open_output", "shift_error"]
