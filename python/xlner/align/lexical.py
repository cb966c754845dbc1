"""Lexical aligner: exact and fuzzy string matching of words, for same-language pairs (target sentence vs
its back-translation) and as a signal for shared names across languages.

Word similarity (C++): ``exact``, ``edit`` (1 - Levenshtein / longer length), ``ngram`` (Dice of character
n-grams) or ``max`` of the last two, on normalised words (case-folded, accents stripped by default).
Cells under ``threshold`` are zeroed, a small position prior breaks ties towards the diagonal, links are
extracted with a C++ method (default ``match``: one-to-one, maximum total similarity) and only links whose
word similarity reaches ``threshold`` are kept.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import List, Sequence

import numpy as np

from xlner import _core
from xlner.align.extraction import EXTRACTION_METHODS, Links, extract_batch

LEXICAL_MEASURES = ("exact", "edit", "ngram", "max")


def normalize_word(word: str, *, lowercase: bool = True, strip_accents: bool = True) -> str:
    """Case-fold and strip combining accents (NFKD) of a word, as the lexical aligner compares words."""
    w = unicodedata.normalize("NFKC", word)
    if lowercase:
        w = w.casefold()
    if strip_accents:
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    return w


def string_similarity(a: str, b: str, measure: str = "max", *, ngram: int = 3) -> float:
    """Similarity in [0, 1] of two strings under ``measure`` (no normalisation; see :func:`normalize_word`)."""
    _, data = _core.lexical_similarity([[a]], [[b]], measure=measure, ngram=ngram, threads=1)
    return float(data[0])


@dataclass
class LexicalConfig:
    """Options of the lexical aligner.

    Attributes:
        measure: ``'exact'``, ``'edit'``, ``'ngram'`` or ``'max'``.
        threshold: minimum word similarity of a link (0 < threshold <= 1).
        ngram: n of character n-grams.
        lowercase, strip_accents: normalisation before comparison.
        method: extraction method applied to the thresholded matrix (see EXTRACTION_METHODS).
        distortion: weight of the position prior ``-distortion * |i/m - j/n|`` (tie-breaking towards the diagonal).
        threads: C++ worker threads (-1: all cores).
    """

    measure: str = "max"
    threshold: float = 0.7
    ngram: int = 3
    lowercase: bool = True
    strip_accents: bool = True
    method: str = "match"
    distortion: float = 0.01
    threads: int = -1

    def __post_init__(self) -> None:
        if self.measure not in LEXICAL_MEASURES:
            raise ValueError(f"measure must be one of {LEXICAL_MEASURES}, got {self.measure!r}")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must lie in (0, 1], got {self.threshold}")
        if self.ngram < 1:
            raise ValueError(f"ngram must be >= 1, got {self.ngram}")
        if self.method not in EXTRACTION_METHODS:
            raise ValueError(f"method must be one of {EXTRACTION_METHODS}, got {self.method!r}")
        if not 0.0 <= self.distortion < 0.5:
            raise ValueError(f"distortion must lie in [0, 0.5), got {self.distortion}")


class LexicalAligner:
    """Align words by string similarity. ``align_batch(src, tgt)`` returns one sorted link list per pair."""

    def __init__(self, config: LexicalConfig | None = None) -> None:
        self.config = config or LexicalConfig()

    def _norm(self, sents: Sequence[Sequence[str]], field: str) -> List[List[str]]:
        c = self.config
        out = []
        for i, s in enumerate(sents):
            if isinstance(s, str):
                raise ValueError(f"sentence {i}, field {field}: expected a list of tokens, got a string")
            out.append([normalize_word(w, lowercase=c.lowercase, strip_accents=c.strip_accents) for w in s])
        return out

    def similarity_matrices(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[np.ndarray]:
        """Word-similarity matrices (len(src[i]) x len(tgt[i])) of normalised words."""
        if len(src) != len(tgt):
            raise ValueError(f"src has {len(src)} sentences, tgt has {len(tgt)}")
        c = self.config
        s, t = self._norm(src, "src"), self._norm(tgt, "tgt")
        offsets, data = _core.lexical_similarity(s, t, measure=c.measure, ngram=c.ngram, threads=c.threads)
        return [data[offsets[i]:offsets[i + 1]].reshape(len(s[i]), len(t[i])) for i in range(len(s))]

    def align_batch(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[Links]:
        """Links (src, tgt) of every sentence pair."""
        c = self.config
        sims = self.similarity_matrices(src, tgt)
        scored = []
        for m in sims:
            a = np.where(m >= c.threshold, m, 0.0)
            r, k = a.shape
            if r and k and c.distortion > 0:
                pi = np.arange(r)[:, None] / max(r - 1, 1)
                pj = np.arange(k)[None, :] / max(k - 1, 1)
                a = a - c.distortion * np.abs(pi - pj)
            scored.append(a)
        raw = extract_batch(scored, c.method, threads=c.threads)
        return [[(i, j) for i, j in links if sims[n][i, j] >= c.threshold] for n, links in enumerate(raw)]

    def align(self, src: Sequence[str], tgt: Sequence[str]) -> Links:
        """Links of one sentence pair."""
        return self.align_batch([src], [tgt])[0]


def looks_like_name(word: str) -> bool:
    """A capitalised word or a word with a digit (names, numbers, codes): the words the name signal links."""
    return bool(word) and (word[0].isupper() or any(ch.isdigit() for ch in word))


def add_name_links(links: Sequence[Links], src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], *,
                   config: LexicalConfig | None = None, replace: bool = True) -> List[Links]:
    """Add lexical links between name-like words (see :func:`looks_like_name`) to another alignment.

    For every lexical link (i, j) whose two words both look like names: with ``replace``, the other links of
    word i and of word j are dropped first (the string match is trusted over the model); then (i, j) is
    added. Returns sorted link lists.
    """
    if not (len(links) == len(src) == len(tgt)):
        raise ValueError(f"links has {len(links)} sentences, src {len(src)}, tgt {len(tgt)}")
    lex = LexicalAligner(config or LexicalConfig(threshold=0.8)).align_batch(src, tgt)
    out: List[Links] = []
    for n, (base, extra) in enumerate(zip(links, lex)):
        names = [(i, j) for i, j in extra if looks_like_name(src[n][i]) and looks_like_name(tgt[n][j])]
        cur = {(int(i), int(j)) for i, j in base}
        if replace and names:
            rows = {i for i, _ in names}
            cols = {j for _, j in names}
            cur = {(i, j) for i, j in cur if i not in rows and j not in cols}
        cur.update(names)
        out.append(sorted(cur))
    return out


__all__ = ["LEXICAL_MEASURES", "LexicalAligner", "LexicalConfig", "add_name_links", "looks_like_name",
           "normalize_word", "string_similarity"]
