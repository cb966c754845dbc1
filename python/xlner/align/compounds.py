"""Compound splitting for word alignment: a compounding language (German, Dutch, the Scandinavian languages)
writes as one word what another writes as several (de "Mitgliedstaaten", en "Member States"), and a statistical
aligner links such a word to one of its translations only (it rarely learns fertility 2 for a frequent
compound). Splitting the compounds into their parts before training, and merging the links of the parts back
onto the word afterwards, links the word to every translation of its parts.

The rule is the frequency-based splitter of Koehn & Knight (2003, "Empirical methods for compound splitting",
EACL): a word is split into parts that occur as words of the corpus, the decomposition with the highest
geometric mean of the parts' corpus counts is chosen, and it is kept only when that mean exceeds the count
of the whole word. Defaults are those of the Moses implementation (``scripts/generic/compound-splitter.perl``:
parts of at least 4 letters seen at least 5 times, the linking letters ``s`` and ``es`` allowed between
parts). Hyphenated words (de "EU-Mitgliedstaaten") are first split at their hyphens when every piece contains
a letter. Parts keep the word's own spelling; linking letters and hyphens are dropped.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from xlner.align.extraction import Links

#: Linking letters allowed between two parts (Moses' default ``:s:es``; the empty filler is a plain join).
DEFAULT_FILLERS: Tuple[str, ...] = ("", "s", "es")

#: Least length of a part (Moses: a part spans at least ``min-size + 1`` = 4 characters).
DEFAULT_MIN_PART = 4

#: Least corpus count of a part (Moses' ``min-count``).
DEFAULT_MIN_COUNT = 5

#: Words longer than this are left whole (no search over their decompositions).
MAX_WORD_LEN = 64


@dataclass
class CompoundSplitter:
    """Frequency-based compound splitter (see the module docstring).

    Attributes:
        counts: corpus count of each lower-cased word.
        min_part: least length of a part.
        min_count: least corpus count of a part.
        fillers: linking letters allowed before every part but the first (``""``: none).
        hyphens: split at hyphens first (each piece must contain a letter).
    """

    counts: Mapping[str, int]
    min_part: int = DEFAULT_MIN_PART
    min_count: int = DEFAULT_MIN_COUNT
    fillers: Tuple[str, ...] = DEFAULT_FILLERS
    hyphens: bool = True
    _memo: Dict[str, List[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.min_part < 1:
            raise ValueError(f"min_part must be >= 1, got {self.min_part}")
        if self.min_count < 1:
            raise ValueError(f"min_count must be >= 1, got {self.min_count}")
        if "" not in self.fillers:
            raise ValueError(f"fillers must include the empty filler '', got {self.fillers}")

    @classmethod
    def from_corpus(cls, sentences: Sequence[Sequence[str]], **options: object) -> "CompoundSplitter":
        """A splitter whose counts are the lower-cased word counts of ``sentences`` (``options``: the other
        attributes)."""
        counts = Counter(w.lower() for s in sentences for w in s)
        return cls(counts, **options)  # type: ignore[arg-type]

    def split(self, word: str) -> List[str]:
        """The parts of ``word`` (``[word]`` when it is not split)."""
        if word not in self._memo:
            self._memo[word] = self._split(word)
        return self._memo[word]

    def _split(self, word: str) -> List[str]:
        if self.hyphens and "-" in word:
            pieces = word.split("-")
            if all(any(c.isalpha() for c in p) for p in pieces):
                return [part for p in pieces for part in self._split_frequency(p)]
        return self._split_frequency(word)

    def _split_frequency(self, word: str) -> List[str]:
        """Koehn & Knight's rule on one hyphen-free word."""
        low = word.lower()
        n = len(low)
        if len(word) != n or n > MAX_WORD_LEN or n < 2 * self.min_part or not any(c.isalpha() for c in low):
            return [word]  # (lower() changed the length: no safe mapping of parts back to the spelling)
        # best[pos][k]: (sum of log counts, parts) of the best decomposition of low[:pos] into k parts
        best: List[Dict[int, Tuple[float, Tuple[Tuple[int, int], ...]]]] = [{} for _ in range(n + 1)]
        best[0][0] = (0.0, ())
        for pos in range(n):
            for k, (score, parts) in list(best[pos].items()):
                for filler in self.fillers:
                    if (k == 0 and filler) or not low.startswith(filler, pos):
                        continue
                    start = pos + len(filler)
                    for end in range(start + self.min_part, n + 1):
                        c = self.counts.get(low[start:end], 0)
                        if c < self.min_count:
                            continue
                        cand = (score + math.log(c), parts + ((start, end),))
                        old = best[end].get(k + 1)
                        if old is None or cand[0] > old[0]:
                            best[end][k + 1] = cand
        splits = [(score / k, parts) for k, (score, parts) in best[n].items() if k >= 2]
        if not splits:
            return [word]
        mean, parts = max(splits, key=lambda x: (x[0], -len(x[1])))
        whole = self.counts.get(low, 0)
        if whole > 0 and math.log(whole) >= mean:
            return [word]
        return [word[a:b] for a, b in parts]

    def split_sentences(self, sentences: Sequence[Sequence[str]]) -> Tuple[List[List[str]], List[List[int]]]:
        """Split every word of ``sentences``: the split sentences and, per sentence, the index of the original
        word of each split token."""
        out: List[List[str]] = []
        index: List[List[int]] = []
        for s in sentences:
            toks: List[str] = []
            idx: List[int] = []
            for k, w in enumerate(s):
                parts = self.split(w)
                toks += parts
                idx += [k] * len(parts)
            out.append(toks)
            index.append(idx)
        return out, index


def merge_split_links(links: Sequence[Links], src_index: Optional[Sequence[Sequence[int]]],
                      tgt_index: Optional[Sequence[Sequence[int]]]) -> List[Links]:
    """Links between split sentences mapped back onto the original words (``*_index`` from
    :meth:`CompoundSplitter.split_sentences`; None: that side was not split): a word is linked to everything
    any of its parts is linked to. Sorted, without duplicates."""
    out: List[Links] = []
    for k, sent in enumerate(links):
        si = src_index[k] if src_index is not None else None
        ti = tgt_index[k] if tgt_index is not None else None
        out.append(sorted({(si[i] if si is not None else i, ti[j] if ti is not None else j) for i, j in sent}))
    return out


__all__ = ["CompoundSplitter", "DEFAULT_FILLERS", "DEFAULT_MIN_COUNT", "DEFAULT_MIN_PART", "MAX_WORD_LEN",
           "merge_split_links"]
