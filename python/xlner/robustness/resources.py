"""Resources of the perturbations: entity spans of IOB2 tags, stop words, the keyboard layout,
name pools, vocabulary pools and nearest-neighbour search over any embedding function."""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import numpy as np

Name = Tuple[str, ...]


def entity_spans(tags: Sequence[str]) -> List[Tuple[int, int, str]]:
    """Entity spans ``(start, end_exclusive, class)`` of an IOB2 tag sequence, seqeval semantics
    (an ``I-X`` that does not continue an entity of class X starts a new one): the core's
    :func:`xlner.tagging.iob2_to_spans`."""
    from xlner.tagging import iob2_to_spans

    return iob2_to_spans(tags) if len(tags) else []


def span_tags(label: str, length: int) -> List[str]:
    """IOB2 tags of one entity of ``length`` words."""
    return [f"B-{label}"] + [f"I-{label}"] * (length - 1)


def validate_sentence(tokens: Sequence[str], tags: Optional[Sequence[str]], where: str = "sentence") -> None:
    """Raise ``ValueError`` naming ``where`` and the field when tokens/tags are malformed."""
    if isinstance(tokens, (str, bytes)):
        raise TypeError(f"{where}, field tokens: expected a list of tokens, got a string")
    for j, t in enumerate(tokens):
        if not isinstance(t, str) or not t or any(ch.isspace() for ch in t):
            raise ValueError(f"{where}, field tokens: token {j} is empty, not a string or contains whitespace: {t!r}")
    if tags is None:
        return
    if len(tags) != len(tokens):
        raise ValueError(f"{where}, field tags: {len(tokens)} tokens but {len(tags)} tags")
    for j, g in enumerate(tags):
        if g != "O" and not (isinstance(g, str) and len(g) > 2 and g[1] == "-" and g[0] in "BI"):
            raise ValueError(f"{where}, field tags: tag {j} is not IOB2: {g!r}")


# --------------------------------------------------------------------------- stop words
_EN = """a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having he
her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
now of off on once only or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves also may must shall
said says mr mrs ms""".split()
_DE = """aber alle allem allen aller alles als also am an ander andere anderen auch auf aus bei bin bis bist da
damit dann das dass dein deine dem den denn der des dich die dies diese diesem diesen dieser dieses dir doch dort
du durch ein eine einem einen einer eines er es etwas euch euer für hab habe haben hat hatte hier hin hinter ich
ihm ihn ihnen ihr ihre im in ist ja jede jedem jeden jeder jedes kann kein keine können mein meine mich mir mit
muss nach nicht nichts noch nun nur ob oder ohne sehr sein seine sich sie sind so solche soll sollte sondern um
und uns unser unter viel vom von vor war waren was weil welche wenn wer werden wie wieder will wir wird wo wollen
zu zum zur über""".split()
_ES = """a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el ella
ellas ellos en entre era es esa esas ese eso esos esta estaba estas este esto estos está están fue fueron ha han
hay la las le les lo los me mi mucho muy más nada ni no nos nosotros o os otra otro para pero poco por porque que
quien se sea ser si sido sin sobre son su sus también te tiene todo todos tu un una uno unos usted y ya yo él""".split()
_IT = """a ad agli ai al alla alle anche avere come con contro da dal dalla dei del della delle di dove e ed è
era essere fra gli ha hanno ho i il in io la le lei li lo loro lui ma mi mio ne negli nei nel nella noi non nostro
o per perché più quale quando quella quelle quello questa queste questi questo se sei si sia siamo sono su sua
sue sui sul sulla suo tra tu tutti tutto un una uno vi voi""".split()

#: Built-in stop-word lists (lower case) for English, German, Spanish and Italian.
STOPWORDS: Mapping[str, FrozenSet[str]] = {
    "en": frozenset(_EN),
    "de": frozenset(_DE),
    "es": frozenset(_ES),
    "it": frozenset(_IT),
}


def stopwords(*languages: str) -> FrozenSet[str]:
    """Union of the built-in stop-word lists of ``languages`` (all of them when none are given)."""
    langs = languages or tuple(STOPWORDS)
    out: Set[str] = set()
    for lang in langs:
        if lang not in STOPWORDS:
            raise ValueError(f"no built-in stop-word list for language {lang!r} (have {sorted(STOPWORDS)})")
        out |= STOPWORDS[lang]
    return frozenset(out)


def is_context_word(token: str, tag: str, stop: FrozenSet[str]) -> bool:
    """A context word: tagged ``O``, has a letter (so not punctuation or a number), not a stop word."""
    return tag == "O" and any(ch.isalpha() for ch in token) and token.lower() not in stop


# --------------------------------------------------------------------------- keyboard
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _qwerty() -> Dict[str, str]:
    pos = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
    out: Dict[str, str] = {}
    for ch, (r, c) in pos.items():
        near = []
        for rr, cc in ((r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c)):
            if 0 <= rr < len(_ROWS) and 0 <= cc < len(_ROWS[rr]):
                near.append(_ROWS[rr][cc])
        out[ch] = "".join(sorted(near))
    return out


#: Keys adjacent to each letter on a QWERTY keyboard (lower case).
QWERTY_NEIGHBOURS: Mapping[str, str] = _qwerty()


# --------------------------------------------------------------------------- name pools
@dataclass
class NamePool:
    """Entity names by class: ``names[class]`` is a sorted list of distinct token tuples.

    Build it from labelled sentences (:meth:`from_sentences`) or CoNLL files (:meth:`from_files`),
    of any language: mixing languages gives the cross-lingual name swap.
    """

    names: Dict[str, List[Name]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = {c: sorted(set(tuple(n) for n in v if len(n))) for c, v in self.names.items()}
        for c, v in self.names.items():
            for n in v:
                validate_sentence(list(n), None, f"name pool class {c}, name {n!r}")

    @classmethod
    def from_sentences(cls, sentences: Iterable[object], classes: Optional[Iterable[str]] = None) -> "NamePool":
        """Collect entity names from objects with ``tokens`` and ``tags`` (e.g. :class:`xlner.io.Sentence`)."""
        keep = set(classes) if classes is not None else None
        found: Dict[str, Set[Name]] = {}
        for k, s in enumerate(sentences):
            toks, tags = list(s.tokens), list(s.tags)  # type: ignore[attr-defined]
            if not tags:
                continue
            validate_sentence(toks, tags, f"sentence {k}")
            for a, b, c in entity_spans(tags):
                if keep is None or c in keep:
                    found.setdefault(c, set()).add(tuple(toks[a:b]))
        return cls({c: sorted(v) for c, v in found.items()})

    @classmethod
    def from_files(cls, paths: Iterable[str | os.PathLike[str]], classes: Optional[Iterable[str]] = None) -> "NamePool":
        """Collect entity names from labelled CoNLL files (read with :func:`xlner.io.read_conll`)."""
        from xlner.io import read_conll

        pools = [cls.from_sentences(read_conll(p), classes) for p in paths]
        return cls.union(pools)

    @classmethod
    def union(cls, pools: Iterable["NamePool"]) -> "NamePool":
        """All names of several pools."""
        merged: Dict[str, Set[Name]] = {}
        for p in pools:
            for c, v in p.names.items():
                merged.setdefault(c, set()).update(v)
        return cls({c: sorted(v) for c, v in merged.items()})

    @property
    def classes(self) -> List[str]:
        """Entity classes with at least one name."""
        return sorted(c for c, v in self.names.items() if v)

    def get(self, label: str) -> List[Name]:
        """Names of class ``label`` (empty when unknown)."""
        return self.names.get(label, [])

    def surface_set(self, *, lowercase: bool = False) -> Set[Tuple[str, Name]]:
        """``{(class, name)}`` of every name, optionally lower-cased."""
        if lowercase:
            return {(c, tuple(t.lower() for t in n)) for c, v in self.names.items() for n in v}
        return {(c, n) for c, v in self.names.items() for n in v}

    def without(self, known: "NamePool", *, any_class: bool = True, lowercase: bool = True) -> "NamePool":
        """Names that ``known`` does not contain (compared across classes when ``any_class``;
        case-insensitively when ``lowercase``)."""
        def key(n: Name) -> Name:
            return tuple(t.lower() for t in n) if lowercase else n

        if any_class:
            seen = {key(n) for v in known.names.values() for n in v}
            return NamePool({c: [n for n in v if key(n) not in seen] for c, v in self.names.items()})
        per_class = {c: {key(m) for m in known.get(c)} for c in self.names}
        return NamePool({c: [n for n in v if key(n) not in per_class[c]] for c, v in self.names.items()})

    def __len__(self) -> int:
        return sum(len(v) for v in self.names.values())


def build_vocabulary(
    sentences: Iterable[object], *, stop: Optional[FrozenSet[str]] = None, min_count: int = 1
) -> List[str]:
    """Context words (see :func:`is_context_word`) of labelled sentences seen at least ``min_count``
    times, most frequent first (ties alphabetical)."""
    stop = stopwords() if stop is None else stop
    counts: Counter[str] = Counter()
    for s in sentences:
        toks, tags = list(s.tokens), list(s.tags) or ["O"] * len(s.tokens)  # type: ignore[attr-defined]
        for t, g in zip(toks, tags):
            if is_context_word(t, g, stop) and not any(ch.isspace() for ch in t):
                counts[t] += 1
    return [w for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_count]


class EmbeddingNeighbours:
    """Nearest neighbours (cosine) of a word among ``vocab`` under any embedding function.

    ``embed(words) -> array [len(words), dim]``. The vocabulary is embedded once; each query word
    is embedded on first use and cached. ``__call__(word)`` returns up to ``k`` vocabulary words,
    most similar first, excluding the word itself (case-insensitively).
    """

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray], vocab: Sequence[str], k: int = 10,
                 batch_size: int = 1024):
        if k < 1:
            raise ValueError(f"EmbeddingNeighbours: k must be >= 1, got {k}")
        self.vocab = list(dict.fromkeys(vocab))
        if not self.vocab:
            raise ValueError("EmbeddingNeighbours: empty vocabulary")
        self.k = k
        self._embed = embed
        parts = [self._norm(np.asarray(embed(self.vocab[i:i + batch_size]), dtype=np.float64), i)
                 for i in range(0, len(self.vocab), batch_size)]
        self._matrix = np.concatenate(parts, axis=0)
        self._cache: Dict[str, List[str]] = {}

    @staticmethod
    def _norm(m: np.ndarray, offset: int = 0) -> np.ndarray:
        if m.ndim != 2:
            raise ValueError(f"embedding function returned shape {m.shape}, expected [n_words, dim] "
                             f"(batch at {offset})")
        n = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.where(n == 0, 1.0, n)

    def __call__(self, word: str) -> List[str]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        q = self._norm(np.asarray(self._embed([word]), dtype=np.float64))[0]
        sims = self._matrix @ q
        order = np.lexsort((np.arange(len(sims)), -sims))  # similarity desc, then vocabulary order
        low = word.lower()
        out: List[str] = []
        for j in order:
            w = self.vocab[int(j)]
            if w.lower() != low:
                out.append(w)
                if len(out) == self.k:
                    break
        self._cache[word] = out
        return out


__all__ = [
    "Name", "entity_spans", "span_tags", "validate_sentence", "STOPWORDS", "stopwords", "is_context_word",
    "QWERTY_NEIGHBOURS", "NamePool", "build_vocabulary", "EmbeddingNeighbours",
]
