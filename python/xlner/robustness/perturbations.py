"""Seeded, label-preserving perturbations of one sentence (tokens + optional IOB2 tags).

Every perturbation is a dataclass with ``apply(tokens, tags, rng) -> Perturbed``; ``tags`` may be
``None`` (unlabelled target sentences before alignment/projection: then no token counts as an
entity, and the output has ``tags=None``). Calling a perturbation, ``p(tokens, tags, seed=...)``,
seeds the generator for you. :func:`sentence_rng` gives the per-sentence generator that the corpus
runner uses, so that a sentence's output depends only on (seed, perturbation name, sentence index).

Guarantees (tested by property tests): the output has as many tags as tokens; entity spans stay
well-formed (a replaced name of n words gets ``B-X I-X...`` of length n); rate 0 is the identity;
the same seed gives the same output; only the intended tokens change (entity tokens for entity
perturbations, context words for context perturbations, ``O`` tokens for token noise).

``Perturbed.origin[j]`` is the index of the input token whose slot output token ``j`` occupies
(same-length substitutions and swaps keep their slots), or ``-1`` for inserted tokens and for the
words of a name replaced by one of a different length.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from xlner.robustness.resources import (
    QWERTY_NEIGHBOURS,
    NamePool,
    entity_spans,
    is_context_word,
    span_tags,
    stopwords,
    validate_sentence,
)


@dataclass
class Change:
    """One edit: input tokens ``[start, end)`` of the stage's input became ``new``.

    ``stage`` is the position in a :class:`Compose` (0 otherwise; coordinates of stage k refer to the
    output of stage k-1); ``label`` is the entity class or ``O``.
    """

    kind: str
    start: int
    end: int
    old: List[str]
    new: List[str]
    label: str = "O"
    stage: int = 0

    def to_dict(self) -> Dict[str, object]:
        """JSON-able form (for manifests)."""
        return {"stage": self.stage, "kind": self.kind, "start": self.start, "end": self.end,
                "old": self.old, "new": self.new, "label": self.label}


@dataclass
class Perturbed:
    """A perturbed sentence: tokens, tags (``None`` for unlabelled input), slot origins, changes."""

    tokens: List[str]
    tags: Optional[List[str]]
    origin: List[int]
    changes: List[Change] = field(default_factory=list)


def sentence_rng(seed: int, name: str, index: int) -> random.Random:
    """The generator of sentence ``index`` under perturbation ``name`` and ``seed`` (independent of
    the other sentences, of the Python hash seed and of the platform)."""
    digest = hashlib.blake2b(f"{seed}\x00{name}\x00{index}".encode("utf-8"), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "little"))


def _check_rate(name: str, rate: float) -> None:
    if not (0.0 <= rate <= 1.0):
        raise ValueError(f"{name}: rate must be in [0, 1], got {rate}")


def _check_ops(name: str, ops: Sequence[str], allowed: Tuple[str, ...]) -> Tuple[str, ...]:
    """``ops`` as a tuple, checked to be a non-empty subset of ``allowed`` (``ValueError`` naming ``name``)."""
    if set(ops) - set(allowed) or not ops:
        raise ValueError(f"{name}: ops must be a non-empty subset of {'/'.join(allowed)}, got {ops}")
    return tuple(ops)


def _edit_words(tokens: Sequence[str], tags: Optional[Sequence[str]], target: str, kind: str,
                edit: Callable[[str], Optional[str]]) -> Perturbed:
    """Replace each word selected by ``target`` (see :func:`_targets`), in order, by ``edit(word)`` when that
    is not ``None`` and differs from the word; each replacement is a change of kind ``kind``."""
    toks = list(tokens)
    gold = list(tags) if tags is not None else ["O"] * len(toks)
    on = _targets(target, toks, gold)
    edits = []
    for i, t in enumerate(toks):
        if on[i]:
            new = edit(t)
            if new is not None and new != t:
                edits.append((i, i + 1, [new], [gold[i]], kind, gold[i][2:] or "O"))
    return _rebuild(toks, list(tags) if tags is not None else None, edits)


def _rebuild(tokens: List[str], tags: Optional[List[str]],
             edits: Sequence[Tuple[int, int, List[str], Optional[List[str]], str, str]]) -> Perturbed:
    """Apply sorted, non-overlapping edits ``(start, end, new_tokens, new_tags, kind, label)``."""
    out_t: List[str] = []
    out_g: Optional[List[str]] = [] if tags is not None else None
    origin: List[int] = []
    changes: List[Change] = []
    pos = 0
    for start, end, new, new_tags, kind, label in edits:
        out_t += tokens[pos:start]
        if out_g is not None and tags is not None:
            out_g += tags[pos:start]
        origin += range(pos, start)
        out_t += new
        if out_g is not None:
            out_g += new_tags if new_tags is not None else ["O"] * len(new)
        origin += range(start, end) if len(new) == end - start else [-1] * len(new)
        changes.append(Change(kind, start, end, list(tokens[start:end]), list(new), label))
        pos = end
    out_t += tokens[pos:]
    if out_g is not None and tags is not None:
        out_g += tags[pos:]
    origin += range(pos, len(tokens))
    return Perturbed(out_t, out_g, origin, changes)


def _match_case(template: str, word: str) -> str:
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    if template.islower():
        return word.lower()
    return word


class Perturbation:
    """Base class: subclasses implement :meth:`apply` and set ``name``."""

    name: str = "perturbation"

    def apply(self, tokens: Sequence[str], tags: Optional[Sequence[str]], rng: random.Random) -> Perturbed:
        """Perturb one sentence with the generator ``rng``."""
        raise NotImplementedError

    def __call__(self, tokens: Sequence[str], tags: Optional[Sequence[str]] = None, *, seed: int = 0,
                 index: int = 0) -> Perturbed:
        """Perturb one sentence with :func:`sentence_rng` ``(seed, self.name, index)``."""
        validate_sentence(tokens, tags, f"sentence {index}")
        return self.apply(tokens, tags, sentence_rng(seed, self.name, index))

    def describe(self) -> Dict[str, object]:
        """JSON-able parameters (pools are summarised by their sizes)."""
        out: Dict[str, object] = {"type": type(self).__name__}
        for k, v in vars(self).items():
            if k.startswith("_"):
                continue
            if isinstance(v, NamePool):
                out[k] = {c: len(v.get(c)) for c in v.classes}
            elif isinstance(v, (frozenset, set)):
                out[k] = f"{len(v)} words"
            elif isinstance(v, (list, tuple)) and len(v) > 20:
                out[k] = f"{len(v)} items"
            elif callable(v) and not isinstance(v, Perturbation):
                out[k] = getattr(v, "__name__", type(v).__name__)
            elif isinstance(v, Perturbation):
                out[k] = v.describe()
            elif isinstance(v, (list, tuple)) and v and isinstance(v[0], Perturbation):
                out[k] = [p.describe() for p in v]
            else:
                out[k] = list(v) if isinstance(v, tuple) else v
        return out


# --------------------------------------------------------------------------- entities
@dataclass
class EntityReplacement(Perturbation):
    """Replace each entity of ``classes`` (all pool classes when ``None``), with probability
    ``rate``, by a different name of the same class drawn uniformly from ``pool``."""

    pool: NamePool
    rate: float = 1.0
    classes: Optional[Tuple[str, ...]] = ("PER", "LOC", "ORG")
    name: str = "entity"

    def __post_init__(self) -> None:
        _check_rate(self.name, self.rate)

    def _candidates(self, label: str) -> List[Tuple[str, ...]]:
        return self.pool.get(label)

    def _eligible(self, label: str, words: Tuple[str, ...]) -> bool:
        return self.classes is None or label in self.classes

    def apply(self, tokens: Sequence[str], tags: Optional[Sequence[str]], rng: random.Random) -> Perturbed:
        toks = list(tokens)
        if tags is None:
            return Perturbed(toks, None, list(range(len(toks))))
        edits = []
        for a, b, label in entity_spans(tags):
            old = tuple(toks[a:b])
            if not self._eligible(label, old) or rng.random() >= self.rate:
                continue
            cands = self._candidates(label)
            if not cands or (len(cands) == 1 and cands[0] == old):
                continue
            new = cands[rng.randrange(len(cands))]
            while new == old:
                new = cands[rng.randrange(len(cands))]
            edits.append((a, b, list(new), span_tags(label, len(new)), self.name, label))
        return _rebuild(toks, list(tags), edits)


@dataclass
class UnknownEntityReplacement(EntityReplacement):
    """Replace entities whose name occurs in ``known`` (e.g. the tagger's training set, any class,
    case-insensitively) by names of the same class from ``pool`` that do not occur in ``known``."""

    known: NamePool = field(default_factory=NamePool)
    name: str = "unknown_entity"

    def __post_init__(self) -> None:
        super().__post_init__()
        self._seen = {tuple(t.lower() for t in n) for v in self.known.names.values() for n in v}
        self._unseen = self.pool.without(self.known)

    def _candidates(self, label: str) -> List[Tuple[str, ...]]:
        return self._unseen.get(label)

    def _eligible(self, label: str, words: Tuple[str, ...]) -> bool:
        return super()._eligible(label, words) and tuple(t.lower() for t in words) in self._seen


@dataclass
class Masking(Perturbation):
    """Replace tokens by ``mask_token`` with probability ``rate``: whole entities
    (``target="entity"``) or context words (``target="context"``); tags are kept."""

    target: str = "entity"
    rate: float = 1.0
    mask_token: str = "<mask>"
    stop: FrozenSet[str] = field(default_factory=stopwords)
    name: str = ""

    def __post_init__(self) -> None:
        if self.target not in ("entity", "context"):
            raise ValueError(f"Masking: target must be 'entity' or 'context', got {self.target!r}")
        if not self.name:
            self.name = f"mask_{self.target}"
        _check_rate(self.name, self.rate)
        validate_sentence([self.mask_token], None, "Masking mask_token")

    def apply(self, tokens: Sequence[str], tags: Optional[Sequence[str]], rng: random.Random) -> Perturbed:
        toks = list(tokens)
        gold = list(tags) if tags is not None else ["O"] * len(toks)
        edits = []
        if self.target == "entity":
            for a, b, label in entity_spans(gold):
                if rng.random() < self.rate and any(t != self.mask_token for t in toks[a:b]):
                    edits.append((a, b, [self.mask_token] * (b - a), gold[a:b], self.name, label))
        else:
            for i, (t, g) in enumerate(zip(toks, gold)):
                if is_context_word(t, g, self.stop) and t != self.mask_token and rng.random() < self.rate:
                    edits.append((i, i + 1, [self.mask_token], ["O"], self.name, "O"))
        return _rebuild(toks, list(tags) if tags is not None else None, edits)


# --------------------------------------------------------------------------- context words
@dataclass
class ContextReplacement(Perturbation):
    """Replace context words (``O``, with a letter, not a stop word) with probability ``rate``.

    The replacement comes from ``neighbours(word)`` when given (e.g. an
    :class:`~xlner.robustness.resources.EmbeddingNeighbours`: uniformly among the first ``top_k``
    that differ from the word) and otherwise uniformly from ``vocab``. Capitalisation of the
    original word is carried over (``keep_case``).
    """

    vocab: Sequence[str] = ()
    neighbours: Optional[Callable[[str], Sequence[str]]] = None
    rate: float = 0.5
    top_k: int = 5
    stop: FrozenSet[str] = field(default_factory=stopwords)
    keep_case: bool = True
    name: str = "context"

    def __post_init__(self) -> None:
        _check_rate(self.name, self.rate)
        self.vocab = [w for w in dict.fromkeys(self.vocab)]
        for w in self.vocab:
            validate_sentence([w], None, f"{self.name} vocab")
        if self.neighbours is None and not self.vocab:
            raise ValueError(f"{self.name}: give a vocabulary pool or a neighbours function")
        if self.top_k < 1:
            raise ValueError(f"{self.name}: top_k must be >= 1, got {self.top_k}")

    def _replacement(self, word: str, rng: random.Random) -> Optional[str]:
        low = word.lower()
        if self.neighbours is not None:
            cands = [w for w in self.neighbours(word)
                     if isinstance(w, str) and w and not any(c.isspace() for c in w) and w.lower() != low]
            cands = cands[: self.top_k]
        else:
            cands = self.vocab  # type: ignore[assignment]
        if not cands:
            return None
        for _ in range(8):
            w = cands[rng.randrange(len(cands))]
            if w.lower() != low:
                break
        else:
            others = [w for w in cands if w.lower() != low]
            if not others:
                return None
            w = others[rng.randrange(len(others))]
        out = _match_case(word, w) if self.keep_case else w
        return out if out != word else None

    def apply(self, tokens: Sequence[str], tags: Optional[Sequence[str]], rng: random.Random) -> Perturbed:
        toks = list(tokens)
        gold = list(tags) if tags is not None else ["O"] * len(toks)
        edits = []
        for i, (t, g) in enumerate(zip(toks, gold)):
            if is_context_word(t, g, self.stop) and rng.random() < self.rate:
                new = self._replacement(t, rng)
                if new is not None:
                    edits.append((i, i + 1, [new], ["O"], self.name, "O"))
        return _rebuild(toks, list(tags) if tags is not None else None, edits)


# --------------------------------------------------------------------------- token noise
@dataclass
class TokenNoise(Perturbation):
    """Random token noise on ``O`` tokens: each ``O`` token, with probability ``rate``, is deleted,
    followed by an inserted word (from ``vocab``, else from the sentence's own ``O`` words), or swapped
    with the next token when that one is ``O`` too; the operation is drawn uniformly from ``ops``.
    Entities are never touched, never merged (an ``O`` before an ``I-`` tag is not deleted) and a
    sentence never becomes empty."""

    rate: float = 0.1
    ops: Tuple[str, ...] = ("insert", "delete", "swap")
    vocab: Sequence[str] = ()
    name: str = "token_noise"

    def __post_init__(self) -> None:
        _check_rate(self.name, self.rate)
        self.ops = _check_ops(self.name, self.ops, ("insert", "delete", "swap"))
        self.vocab = list(self.vocab)
        for w in self.vocab:
            validate_sentence([w], None, f"{self.name} vocab")

    def apply(self, tokens: Sequence[str], tags: Optional[Sequence[str]], rng: random.Random) -> Perturbed:
        toks = list(tokens)
        gold = list(tags) if tags is not None else ["O"] * len(toks)
        n = len(toks)
        own = [t for t, g in zip(toks, gold) if g == "O"]
        out_t: List[str] = []
        out_g: List[str] = []
        origin: List[int] = []
        changes: List[Change] = []
        remaining = n
        i = 0
        while i < n:
            t, g = toks[i], gold[i]
            if g != "O" or rng.random() >= self.rate:
                out_t.append(t)
                out_g.append(g)
                origin.append(i)
                i += 1
                continue
            op = self.ops[rng.randrange(len(self.ops))]
            nxt = gold[i + 1] if i + 1 < n else "O"
            if op == "delete" and remaining > 1 and not nxt.startswith("I-"):
                changes.append(Change("delete", i, i + 1, [t], [], "O"))
                remaining -= 1
                i += 1
            elif op == "insert":
                pool = self.vocab or own
                w = pool[rng.randrange(len(pool))]
                out_t += [t, w]
                out_g += [g, "O"]
                origin += [i, -1]
                changes.append(Change("insert", i + 1, i + 1, [], [w], "O"))
                i += 1
            elif op == "swap" and i + 1 < n and gold[i + 1] == "O" and toks[i + 1] != t:
                out_t += [toks[i + 1], t]
                out_g += ["O", "O"]
                origin += [i + 1, i]
                changes.append(Change("swap", i, i + 2, [t, toks[i + 1]], [toks[i + 1], t], "O"))
                i += 2
            else:
                out_t.append(t)
                out_g.append(g)
                origin.append(i)
                i += 1
        return Perturbed(out_t, out_g if tags is not None else None, origin, changes)


# --------------------------------------------------------------------------- characters and casing
def _targets(target: str, toks: List[str], gold: List[str]) -> List[bool]:
    if target == "all":
        return [True] * len(toks)
    if target == "entity":
        return [g != "O" for g in gold]
    if target == "context":
        return [g == "O" for g in gold]
    raise ValueError(f"target must be 'all', 'entity' or 'context', got {target!r}")


@dataclass
class CharNoise(Perturbation):
    """Character noise: each word with a letter (restricted to entity or ``O`` words by ``target``),
    with probability ``rate``, gets one edit drawn from ``ops``: a letter replaced by a
    keyboard-adjacent key (QWERTY, case kept), a letter deleted (words of 2+ characters), or two
    adjacent different characters transposed. The edited word always differs and never gets empty."""

    rate: float = 0.1
    ops: Tuple[str, ...] = ("substitute", "delete", "transpose")
    target: str = "all"
    name: str = "char_noise"

    def __post_init__(self) -> None:
        _check_rate(self.name, self.rate)
        self.ops = _check_ops(self.name, self.ops, ("substitute", "delete", "transpose"))
        _targets(self.target, [], [])

    def _edit(self, w: str, rng: random.Random) -> Optional[str]:
        options = []
        subs = [k for k, c in enumerate(w) if c.lower() in QWERTY_NEIGHBOURS]
        dels = [k for k, c in enumerate(w) if c.isalpha()] if len(w) >= 2 else []
        trans = [k for k in range(len(w) - 1) if w[k] != w[k + 1] and (w[k].isalpha() or w[k + 1].isalpha())]
        for op in self.ops:
            if (op == "substitute" and subs) or (op == "delete" and dels) or (op == "transpose" and trans):
                options.append(op)
        if not options:
            return None
        op = options[rng.randrange(len(options))]
        if op == "substitute":
            k = subs[rng.randrange(len(subs))]
            near = QWERTY_NEIGHBOURS[w[k].lower()]
            c = near[rng.randrange(len(near))]
            return w[:k] + (c.upper() if w[k].isupper() else c) + w[k + 1:]
        if op == "delete":
            k = dels[rng.randrange(len(dels))]
            return w[:k] + w[k + 1:]
        k = trans[rng.randrange(len(trans))]
        return w[:k] + w[k + 1] + w[k] + w[k + 2:]

    def apply(self, tokens: Sequence[str], tags: Optional[Sequence[str]], rng: random.Random) -> Perturbed:
        def edit(t: str) -> Optional[str]:
            if any(c.isalpha() for c in t) and rng.random() < self.rate:
                return self._edit(t, rng)
            return None

        return _edit_words(tokens, tags, self.target, self.name, edit)


_CASINGS = ("lower", "upper", "title", "swap")


def _case(word: str, mode: str) -> str:
    if mode == "lower":
        return word.lower()
    if mode == "upper":
        return word.upper()
    if mode == "title":
        return word[:1].upper() + word[1:].lower()
    return word.swapcase()


@dataclass
class Casing(Perturbation):
    """Casing changes: each word (restricted by ``target``), with probability ``rate``, is lower-cased,
    upper-cased, title-cased or case-swapped (``mode``; ``"random"`` draws one of those that change
    the word). Words the mode leaves unchanged are not counted as changed."""

    rate: float = 0.5
    mode: str = "lower"
    target: str = "all"
    name: str = ""

    def __post_init__(self) -> None:
        if self.mode not in _CASINGS + ("random",):
            raise ValueError(f"Casing: mode must be one of {_CASINGS + ('random',)}, got {self.mode!r}")
        if not self.name:
            self.name = f"casing_{self.mode}"
        _check_rate(self.name, self.rate)
        _targets(self.target, [], [])

    def apply(self, tokens: Sequence[str], tags: Optional[Sequence[str]], rng: random.Random) -> Perturbed:
        def edit(t: str) -> Optional[str]:
            if t.lower() == t.upper() or rng.random() >= self.rate:
                return None
            if self.mode == "random":
                modes = [m for m in _CASINGS if _case(t, m) != t]
                new = _case(t, modes[rng.randrange(len(modes))]) if modes else t
            else:
                new = _case(t, self.mode)
            return new if new and not any(c.isspace() for c in new) else None

        return _edit_words(tokens, tags, self.target, self.name, edit)


# --------------------------------------------------------------------------- composition
@dataclass
class Compose(Perturbation):
    """Apply ``parts`` in order with one generator (e.g. entity + context replacement). Change
    coordinates of part k refer to the output of part k-1 (``Change.stage`` = k); origins compose."""

    parts: Sequence[Perturbation] = ()
    name: str = "combined"

    def __post_init__(self) -> None:
        self.parts = list(self.parts)
        if not self.parts:
            raise ValueError("Compose: no parts")

    def apply(self, tokens: Sequence[str], tags: Optional[Sequence[str]], rng: random.Random) -> Perturbed:
        cur = Perturbed(list(tokens), list(tags) if tags is not None else None, list(range(len(tokens))))
        changes: List[Change] = []
        for k, part in enumerate(self.parts):
            nxt = part.apply(cur.tokens, cur.tags, rng)
            for c in nxt.changes:
                c.stage = k
            changes += nxt.changes
            origin = [cur.origin[j] if j >= 0 else -1 for j in nxt.origin]
            cur = Perturbed(nxt.tokens, nxt.tags, origin)
        cur.changes = changes
        return cur


__all__ = [
    "Change", "Perturbed", "Perturbation", "sentence_rng", "EntityReplacement", "UnknownEntityReplacement",
    "Masking", "ContextReplacement", "TokenNoise", "CharNoise", "Casing", "Compose",
]
