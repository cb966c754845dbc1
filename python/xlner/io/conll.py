"""CoNLL-style token/tag files and one-sentence-per-line token files (C++ readers and writer).

CoNLL: one token per line, ``token<TAB>...<TAB>tag`` or space separated (first field = token, last field =
tag), a blank line between sentences. ``-DOCSTART-`` lines are kept as one-token sentences so that files
stay line-for-line parallel with their alignment files. A missing trailing blank line, CRLF line ends
and a UTF-8 byte-order mark are accepted. Tags must be IOB2 (``O``, ``B-X``, ``I-X``).

The readers load a file into one C++ buffer and index it: a :class:`TokenCorpus` holds sentence offsets,
token views and tag ids (0 = ``O``, 2·l + 1 = ``B-l``, 2·l + 2 = ``I-l`` over its label vocabulary), so
that a million sentences are read in well under a second and go to the core without Python objects.
Python lists (:class:`Sentence`) are built only on request. Malformed input raises
:class:`~xlner.io.errors.FormatError` naming the file, line, sentence (0-based) and field.
"""
from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, List, Optional, Sequence, Union

import numpy as np

from xlner import _core
from xlner.io.atomic import atomic_outputs
from xlner.io.streams import open_output
from xlner.batch import LabelVocab

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class Sentence:
    """One sentence: tokens and (optionally) their IOB2 tags."""

    tokens: List[str]
    tags: List[str] = field(default_factory=list)

    @property
    def is_docstart(self) -> bool:
        """True for CoNLL ``-DOCSTART-`` pseudo-sentences."""
        return len(self.tokens) == 1 and self.tokens[0] == "-DOCSTART-"


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of lists are created (they hold no cycles); without
    this, repeated collections make building a million sentences several times slower."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _as_list(seqs: Sequence[Sequence[str]]) -> List[Sequence[str]]:
    return seqs if isinstance(seqs, list) else list(seqs)


def _label_names(labels: Union[LabelVocab, Sequence[str], None]) -> List[str]:
    if labels is None:
        return []
    if isinstance(labels, LabelVocab):
        return list(labels.names)
    return list(labels)


class TokenCorpus:
    """Sentences of tokens and (optionally) IOB2 tag ids read by the C++ readers.

    Attributes:
        core: the C++ object (``xlner._core.TokenCorpus``).
        labels: the label vocabulary of the tag ids (:class:`~xlner.batch.LabelVocab`).

    Example:
        >>> corpus = load_conll("en.conll")                     # doctest: +SKIP
        >>> corpus.lengths()[:3], corpus.tags(0), corpus[0]     # doctest: +SKIP
    """

    def __init__(self, core: "_core.TokenCorpus"):
        self.core = core
        self.labels = LabelVocab(list(core.labels))

    # --- sizes -------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.core)

    @property
    def path(self) -> str:
        """The file the corpus was read from (``<memory>`` / ``<string>`` otherwise)."""
        return self.core.path

    @property
    def n_tokens(self) -> int:
        """Number of tokens of all sentences."""
        return int(self.core.n_tokens)

    @property
    def has_tokens(self) -> bool:
        """False when read with ``keep_tokens=False`` (lengths and tags only)."""
        return bool(self.core.has_tokens)

    @property
    def has_tags(self) -> bool:
        """True when read with tags."""
        return bool(self.core.has_tags)

    @property
    def offsets(self) -> np.ndarray:
        """int64[N+1] token offsets of the sentences (read-only view)."""
        return self.core.offsets

    @property
    def tag_ids(self) -> np.ndarray:
        """int32[n_tokens] tag ids over :attr:`labels` (read-only view; empty without tags)."""
        return self.core.tags

    def lengths(self) -> np.ndarray:
        """int32[N] number of tokens of each sentence."""
        return self.core.lengths()

    # --- Python views ------------------------------------------------------------------------------------
    def tokens(self, i: int) -> List[str]:
        """Tokens of sentence ``i``."""
        return self.core.tokens(i)

    def tags(self, i: int) -> List[str]:
        """IOB2 tags of sentence ``i`` (``ValueError`` when read without tags)."""
        if not self.has_tags:
            raise ValueError(f"{self.path}: read without tags")
        n = len(self)
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise IndexError(f"sentence {i} out of range ({n} sentences)")
        names = self.tag_names()
        a, b = int(self.offsets[j]), int(self.offsets[j + 1])
        return [names[t] for t in self.tag_ids[a:b].tolist()]

    def tag_names(self) -> List[str]:
        """Names of the tag ids: ``['O', 'B-<l0>', 'I-<l0>', ...]``."""
        return _core.iob2_tag_names(self.labels.names)

    def token_lists(self) -> List[List[str]]:
        """Tokens of every sentence."""
        with no_gc():
            return self.core.token_lists()

    def tag_lists(self) -> List[List[str]]:
        """IOB2 tags of every sentence (``ValueError`` when read without tags)."""
        with no_gc():
            return self.core.tag_lists()

    def punctuation_mask(self) -> np.ndarray:
        """uint8[n_tokens], sentence after sentence: 1 for the tokens Easy-Label-Projection treats as punctuation
        (every character of the whitespace-stripped token in ``string.punctuation``; an empty token counts),
        the same test as :func:`xlner.heuristic.is_punctuation`, in C++."""
        return self.core.punctuation_mask()

    def __getitem__(self, i: int) -> Sentence:
        return Sentence(self.tokens(i), self.tags(i) if self.has_tags else [])

    def __iter__(self) -> Iterator[Sentence]:
        for i in range(len(self)):
            yield self[i]

    def sentences(self) -> List[Sentence]:
        """All sentences as :class:`Sentence` objects (tags empty when read without tags)."""
        toks = self.token_lists()
        with no_gc():
            if not self.has_tags:
                return [Sentence(t, []) for t in toks]
            return [Sentence(t, g) for t, g in zip(toks, self.tag_lists())]

    # --- construction ------------------------------------------------------------------------------------
    @classmethod
    def from_lists(cls, tokens: Sequence[Sequence[str]], tags: Optional[Sequence[Sequence[str]]] = None, *,
                   labels: Union[LabelVocab, Sequence[str], None] = None) -> "TokenCorpus":
        """Build a corpus from token lists (and IOB2 tag lists) per sentence.

        Raises ``ValueError`` naming the sentence and field for empty tokens, tokens with a tab or line break,
        non-IOB2 tags, or tag lists whose length differs from the tokens'.
        """
        with no_gc():  # the nested lists are converted as they are (any sequences of strings)
            core = _core.corpus_from_lists(_as_list(tokens), None if tags is None else _as_list(tags),
                                           labels=_label_names(labels))
        return cls(core)

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sentence]) -> "TokenCorpus":
        """Build a corpus from :class:`Sentence` objects (all with tags, or all without)."""
        sents = list(sentences)
        if any(s.tags for s in sents):
            return cls.from_lists([s.tokens for s in sents], [s.tags for s in sents])
        return cls.from_lists([s.tokens for s in sents])

    def __repr__(self) -> str:
        return (f"TokenCorpus({self.path!r}, sentences={len(self)}, tokens={self.n_tokens}, "
                f"labels={self.labels.names})")


def load_conll(path: PathLike, *, with_tags: bool = True, keep_tokens: bool = True,
               labels: Union[LabelVocab, Sequence[str], None] = None) -> TokenCorpus:
    """Read a CoNLL file into a :class:`TokenCorpus` (C++ reader).

    Arguments:
        path: the file.
        with_tags: read the last field of each line as an IOB2 tag (a line without one is an error, except a
            bare ``-DOCSTART-``, tagged ``O``).
        keep_tokens: keep the tokens; ``False`` keeps lengths and tags only (less memory, e.g. for a source
            file that is only projected from).
        labels: initial label vocabulary (fixes the ids of known labels; new ones are appended).

    Raises:
        FormatError: naming the file, line, sentence (0-based) and field (non-UTF-8 bytes, missing or non-IOB2
            tag, empty file). OSError when the file cannot be read.
    """
    return TokenCorpus(_core.read_conll(os.fspath(path), with_tags=with_tags, keep_tokens=keep_tokens,
                                        labels=_label_names(labels)))


def parse_conll(text: Union[str, bytes], *, path: str = "<string>", with_tags: bool = True) -> TokenCorpus:
    """Parse CoNLL text held in memory (see :func:`load_conll`)."""
    return TokenCorpus(_core.parse_conll(text, path=path, with_tags=with_tags))


def load_tokens(path: PathLike, *, format: str = "auto", keep_tokens: bool = True) -> TokenCorpus:
    """Read target sentences without tags: CoNLL (labels ignored) or one sentence of tokens per line.

    Arguments:
        format: ``'auto'`` (CoNLL when, within the first 64 KiB, the first non-blank line contains a tab, a blank
            line follows text, or every line is ``token tag`` with an IOB2 tag — a single space-separated CoNLL
            sentence; else one sentence per line), ``'conll'`` or ``'lines'``.

    Raises:
        FormatError: as :func:`load_conll`; an empty line in a one-sentence-per-line file is an error.
    """
    return TokenCorpus(_core.read_tokens(os.fspath(path), format=format, keep_tokens=keep_tokens))


def detect_format(path: PathLike) -> str:
    """``'conll'`` or ``'lines'``: the format :func:`load_tokens` reads ``path`` as with ``format='auto'`` (the one
    detection, in C++: CoNLL when the first non-blank line of the first 64 KiB contains a tab or a blank line
    follows text)."""
    with open(os.fspath(path), "rb") as fh:
        head = fh.read(1 << 16)
    return "conll" if _core.looks_like_conll(head) else "lines"


def _first_line_has_tag(path: PathLike) -> bool:
    """Whether the first non-blank line ends in a second field that is an IOB2 tag (``O``, ``B-X``, ``I-X``)."""
    with open(os.fspath(path), encoding="utf-8", errors="replace") as fh:
        for line in fh:
            fields = line.split()
            if fields:
                last = fields[-1]
                return len(fields) >= 2 and (last == "O" or (len(last) > 2 and last[0] in "BI" and last[1] == "-"))
    return False


def load_sentences(path: PathLike, *, with_tags: Optional[bool] = None, format: str = "auto") -> TokenCorpus:
    """Read sentences that may carry IOB2 tags: CoNLL (tags read when ``with_tags``; ``None``: when the first line
    ends in a second field that is an IOB2 tag) or one sentence of tokens per line (never tagged). ``format`` as in
    :func:`load_tokens`, whose detection this shares."""
    fmt = detect_format(path) if format == "auto" else format
    if fmt == "conll" and (with_tags if with_tags is not None else _first_line_has_tag(path)):
        return load_conll(path, with_tags=True)
    return load_tokens(path, format=fmt)


def iter_conll(path: PathLike, *, with_tags: bool = True) -> Iterator[Sentence]:
    """Sentences of a CoNLL file one by one (the file is parsed in C++ first; Python objects are made lazily)."""
    yield from load_conll(path, with_tags=with_tags)


def read_conll(path: PathLike, *, with_tags: bool = True) -> List[Sentence]:
    """Read a whole CoNLL file into a list of :class:`Sentence` (see :func:`load_conll`)."""
    return load_conll(path, with_tags=with_tags).sentences()


def read_tokens(path: PathLike, *, format: str = "auto") -> List[Sentence]:
    """Read target sentences as :class:`Sentence` objects without tags (see :func:`load_tokens`)."""
    return load_tokens(path, format=format).sentences()


def write_conll(path: PathLike, sentences: Union[Iterable[Sentence], TokenCorpus], *, sep: str = "\t",
                threads: int = -1) -> None:
    """Write sentences as ``token<sep>tag`` lines with a blank line after each sentence.

    ``sentences`` is a :class:`TokenCorpus` with tags or :class:`Sentence` objects with one IOB2 tag per token
    (``ValueError`` naming the sentence otherwise).
    """
    corpus = sentences if isinstance(sentences, TokenCorpus) else None
    if corpus is None:
        sents = list(sentences)
        for i, s in enumerate(sents):
            if len(s.tags) != len(s.tokens):
                raise ValueError(f"sentence {i}, field tags: {len(s.tags)} tags for {len(s.tokens)} tokens")
        corpus = TokenCorpus.from_lists([s.tokens for s in sents], [s.tags for s in sents])
    if not corpus.has_tags:
        raise ValueError(f"{corpus.path}: read without tags; use write_conll_tags with tag ids")
    write_conll_tags(path, corpus, corpus.tag_ids, corpus.labels, sep=sep, threads=threads)


def write_conll_tags(path: PathLike, tokens: TokenCorpus, tag_ids: np.ndarray,
                     labels: Union[LabelVocab, Sequence[str]], *, sep: str = "\t", threads: int = -1) -> None:
    """Write the tokens of ``tokens`` with IOB2 tag ids (one per token, over ``labels``) as CoNLL.

    The file appears at ``path`` only when it was written completely (:mod:`xlner.io.atomic`); a path ending in
    ``.gz`` is gzip-compressed.

    Raises ``ValueError`` when the number of tags differs from the number of tokens or an id has no label, or
    when ``path`` is the file ``tokens`` was read from.
    """

    read_from = {} if tokens.path.startswith("<") else {"the file read into the corpus": tokens.path}
    with atomic_outputs([path], inputs=read_from) as (tmp,):
        assert tmp is not None
        write_conll_tags_to(tmp, tokens, tag_ids, labels, sep=sep, threads=threads, gz=os.fspath(path).endswith(".gz"))


def write_conll_tags_to(path: PathLike, tokens: TokenCorpus, tag_ids: np.ndarray,
                        labels: Union[LabelVocab, Sequence[str]], *, sep: str = "\t", threads: int = -1,
                        gz: bool = False) -> None:
    """:func:`write_conll_tags` straight to ``path`` (no temporary file): for writers that manage the
    temporary file themselves (:func:`xlner.io.atomic.atomic_outputs`). ``gz``: gzip-compress."""
    names = _core.iob2_tag_names(_label_names(labels))
    ids = np.ascontiguousarray(tag_ids, dtype=np.int32)
    if not gz:
        _core.write_conll(os.fspath(path), tokens.core, ids, names, sep=sep, threads=threads)
        return

    with open_output(path, gz=True) as fh:
        fh.write(_core.format_conll(tokens.core, ids, names, sep=sep, threads=threads))


def tags_or_o(sentences: Sequence[Sentence]) -> List[List[str]]:
    """Tags of each sentence, ``O`` for sentences read without tags."""
    return [s.tags if s.tags else ["O"] * len(s.tokens) for s in sentences]


__all__ = ["Sentence", "TokenCorpus", "detect_format", "load_conll", "load_sentences", "parse_conll", "load_tokens",
           "iter_conll", "read_conll",
           "read_tokens", "write_conll", "write_conll_tags", "tags_or_o"]
