"""Alignment evaluation: precision, recall and alignment error rate (AER) with sure/possible gold links.

With hypothesis links A, sure links S and possible links P (P includes S), summed over the corpus:
precision = |A ∩ P| / |A|, recall = |A ∩ S| / |S|, AER = 1 - (|A ∩ S| + |A ∩ P|) / (|A| + |S|)
(Och & Ney 2003).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from xlner.io.errors import FormatError
from xlner.io.talp import parse_talp_line

Link = Tuple[int, int]


@dataclass(frozen=True)
class AERResult:
    """Corpus-level alignment scores.

    Attributes:
        precision, recall, aer, f1: the scores (f1 of precision and recall).
        n_sentences: sentences scored; n_hyp, n_sure, n_possible: link counts (possible includes sure);
        hits_sure, hits_possible: |A ∩ S| and |A ∩ P|.
    """

    precision: float
    recall: float
    aer: float
    f1: float
    n_sentences: int
    n_hyp: int
    n_sure: int
    n_possible: int
    hits_sure: int
    hits_possible: int

    def as_dict(self) -> dict:
        """Plain dict of the fields."""
        return dict(self.__dict__)


def alignment_error_rate(hypothesis: Sequence[Sequence[Link]], sure: Sequence[Sequence[Link]],
                         possible: Sequence[Sequence[Link]] | None = None) -> AERResult:
    """Score hypothesis links against gold sure (and possible) links, all 0-based, one list per sentence.

    ``possible`` lists only the possible-but-not-sure links or include the sure ones; either way
    P = sure ∪ possible. Raises ValueError when the numbers of sentences differ.
    """
    n = len(hypothesis)
    if len(sure) != n:
        raise ValueError(f"hypothesis has {n} sentences, gold sure links {len(sure)}")
    if possible is not None and len(possible) != n:
        raise ValueError(f"hypothesis has {n} sentences, gold possible links {len(possible)}")
    n_hyp = n_sure = n_pos = hs = hp = 0
    for i in range(n):
        a = {(int(s), int(t)) for s, t in hypothesis[i]}
        s_set = {(int(s), int(t)) for s, t in sure[i]}
        p_set = set(s_set)
        if possible is not None:
            p_set |= {(int(s), int(t)) for s, t in possible[i]}
        n_hyp += len(a)
        n_sure += len(s_set)
        n_pos += len(p_set)
        hs += len(a & s_set)
        hp += len(a & p_set)
    precision = hp / n_hyp if n_hyp else 0.0
    recall = hs / n_sure if n_sure else 0.0
    aer = 1.0 - (hs + hp) / (n_hyp + n_sure) if (n_hyp + n_sure) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return AERResult(precision, recall, aer, f1, n, n_hyp, n_sure, n_pos, hs, hp)


def read_gold(path: str | os.PathLike[str]) -> Tuple[List[List[Link]], List[List[Link]]]:
    """Read a 1-based gold file (``i-j`` sure, ``ipj`` possible) into 0-based (sure, possible-only) lists."""
    p = os.fspath(path)
    sure: List[List[Link]] = []
    possible: List[List[Link]] = []
    with open(p, encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            s, q = parse_talp_line(line, path=p, sentence=k, one_based=True, allow_possible=True)
            sure.append(s)
            possible.append(q)
    return sure, possible


def read_parallel(path: str | os.PathLike[str], sep: str = "|||") -> Tuple[List[List[str]], List[List[str]]]:
    """Read ``src ||| tgt`` lines (whitespace-tokenised) into source and target token lists."""
    p = os.fspath(path)
    src: List[List[str]] = []
    tgt: List[List[str]] = []
    with open(p, encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            parts = line.rstrip("\n").split(sep)
            if len(parts) != 2:
                raise FormatError(p, k, "pair", f"expected one {sep!r} separator, found {len(parts) - 1}", k + 1)
            src.append(parts[0].split())
            tgt.append(parts[1].split())
    return src, tgt


def read_hypothesis(path: str | os.PathLike[str], *, one_based: bool = False) -> List[List[Link]]:
    """Read a talp hypothesis file (``i-j`` pairs, 0-based unless ``one_based``); empty lines are kept."""
    p = os.fspath(path)
    out: List[List[Link]] = []
    with open(p, encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            s, q = parse_talp_line(line, path=p, sentence=k, one_based=one_based, allow_possible=True)
            out.append(s + q)
    return out


def check_in_range(links: Sequence[Sequence[Link]], src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]],
                   what: str) -> None:
    """Raise ValueError naming sentence and field when a link points past its sentence."""
    if len(links) != len(src):
        raise ValueError(f"{what} has {len(links)} sentences, the sentence pairs {len(src)}")
    for i, ls in enumerate(links):
        for s, t in ls:
            if not 0 <= s < len(src[i]):
                raise ValueError(f"sentence {i}, field {what}: source index {s} outside {len(src[i])} words")
            if not 0 <= t < len(tgt[i]):
                raise ValueError(f"sentence {i}, field {what}: target index {t} outside {len(tgt[i])} words")


__all__ = ["AERResult", "alignment_error_rate", "check_in_range", "read_gold", "read_hypothesis", "read_parallel"]
