"""Perturbations: hand-worked cases and hypothesis properties (alignment, well-formed spans,
determinism, rate 0 = identity, only the intended tokens change, the change log replays)."""
from __future__ import annotations

from typing import List

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.robustness import (
    QWERTY_NEIGHBOURS,
    Casing,
    CharNoise,
    Compose,
    ContextReplacement,
    EmbeddingNeighbours,
    EntityReplacement,
    Masking,
    NamePool,
    TokenNoise,
    UnknownEntityReplacement,
    entity_spans,
    is_context_word,
    stopwords,
)
from xlner.io import Sentence

STOP = stopwords()
POOL = NamePool({
    "PER": [("Ana",), ("Jean", "Pierre", "Dupont"), ("Li",), ("María", "José")],
    "LOC": [("Rio", "de", "Janeiro"), ("Köln",), ("Lima",)],
    "ORG": [("UNESCO",), ("Banco", "Santander")],
    "MISC": [("Euro",)],
})
VOCAB = ["house", "river", "quickly", "green", "Budget", "talk"]

WORDS = ["the", "The", "a", "house", "Parliament", "quickly", "THE", ",", ".", "1999", "x", "é", "über",
         "ROME", "rome", "Ab", "ll", "ß", "-", "said", "co-operation", "Ünited", "aa"]
NAMES = ["Paris", "John", "Smith", "EU", "de", "ONU", "Ana", "Lima", "Köln", "van"]


@st.composite
def sentences(draw, min_size: int = 1):
    """A token list and well-formed IOB2 tags: a run of segments, O words or entities of 1-3 names."""
    toks: List[str] = []
    tags: List[str] = []
    n_seg = draw(st.integers(min_size, 8))
    for _ in range(n_seg):
        if draw(st.booleans()):
            k = draw(st.integers(1, 3))
            toks += draw(st.lists(st.sampled_from(WORDS), min_size=k, max_size=k))
            tags += ["O"] * k
        else:
            cls = draw(st.sampled_from(["PER", "LOC", "ORG", "MISC"]))
            k = draw(st.integers(1, 3))
            toks += draw(st.lists(st.sampled_from(NAMES), min_size=k, max_size=k))
            tags += [f"B-{cls}"] + [f"I-{cls}"] * (k - 1)
    return toks, tags


def well_formed(tags: List[str]) -> bool:
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def replay(tokens: List[str], changes) -> List[str]:
    """Rebuild the output from the input and the change log (one stage)."""
    out: List[str] = []
    pos = 0
    for c in sorted(changes, key=lambda c: (c.start, c.end)):
        assert c.start >= pos, "overlapping changes"
        assert tokens[c.start:c.end] == c.old
        out += tokens[pos:c.start] + c.new
        pos = c.end
    return out + tokens[pos:]


def perturbations(rate: float):
    known = NamePool({"PER": [("John",), ("John", "Smith")], "LOC": [("Paris",)], "ORG": [("EU",)]})
    return {
        "entity": EntityReplacement(POOL, rate=rate),
        "entity_all": EntityReplacement(POOL, rate=rate, classes=None),
        "unknown": UnknownEntityReplacement(POOL, rate=rate, known=known),
        "context": ContextReplacement(vocab=VOCAB, rate=rate),
        "context_nn": ContextReplacement(neighbours=lambda w: [w.upper(), w + "s", "green"], rate=rate, name="nn"),
        "mask_entity": Masking("entity", rate=rate),
        "mask_context": Masking("context", rate=rate),
        "token_noise": TokenNoise(rate=rate),
        "token_noise_vocab": TokenNoise(rate=rate, vocab=VOCAB, ops=("insert", "swap")),
        "char": CharNoise(rate=rate),
        "char_entity": CharNoise(rate=rate, target="entity", ops=("substitute",)),
        "casing": Casing(rate=rate, mode="random"),
        "lower": Casing(rate=rate, mode="lower", target="entity"),
        "combined": Compose([EntityReplacement(POOL, rate=rate), ContextReplacement(vocab=VOCAB, rate=rate)]),
    }


KINDS = sorted(perturbations(0.5))


# ------------------------------------------------------------------ hand-worked cases
def test_entity_replacement_changes_span_lengths():
    pool = NamePool({"PER": [("Ana",)], "LOC": [("Rio", "de", "Janeiro")]})
    toks = ["John", "Smith", "lives", "in", "New", "York", "."]
    tags = ["B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC", "O"]
    out = EntityReplacement(pool, rate=1.0)(toks, tags, seed=3)
    assert out.tokens == ["Ana", "lives", "in", "Rio", "de", "Janeiro", "."]
    assert out.tags == ["B-PER", "O", "O", "B-LOC", "I-LOC", "I-LOC", "O"]
    assert out.origin == [-1, 2, 3, -1, -1, -1, 6]
    assert [(c.start, c.end, c.label) for c in out.changes] == [(0, 2, "PER"), (4, 6, "LOC")]


def test_adjacent_entities_stay_separate():
    pool = NamePool({"PER": [("Ana", "Lopez")]})
    out = EntityReplacement(pool, rate=1.0)(["Bob", "Tom"], ["B-PER", "B-PER"], seed=0)
    assert out.tokens == ["Ana", "Lopez", "Ana", "Lopez"]
    assert entity_spans(out.tags) == [(0, 2, "PER"), (2, 4, "PER")]


def test_unknown_entities_replace_only_seen_names():
    known = NamePool({"PER": [("John",)], "LOC": [("Paris",)]})
    pool = NamePool({"PER": [("John",), ("Ana",)], "LOC": [("paris",), ("Lima",)]})
    p = UnknownEntityReplacement(pool, known=known)
    toks = ["John", "met", "Bob", "in", "Paris"]
    tags = ["B-PER", "O", "B-PER", "O", "B-LOC"]
    out = p(toks, tags, seed=1)
    # John and Paris are seen: replaced by the only unseen names (case-insensitive: "paris" is seen)
    assert out.tokens == ["Ana", "met", "Bob", "in", "Lima"]
    assert out.tags == tags


def test_qwerty_neighbours():
    assert QWERTY_NEIGHBOURS["s"] == "adewxz"
    assert QWERTY_NEIGHBOURS["q"] == "aw"
    assert QWERTY_NEIGHBOURS["m"] == "jkn"
    for k, v in QWERTY_NEIGHBOURS.items():  # adjacency is symmetric
        for n in v:
            assert k in QWERTY_NEIGHBOURS[n]


def test_context_candidates_and_case():
    p = ContextReplacement(vocab=["budget"], rate=1.0)
    out = p(["The", "House", "said", "no", ",", "ALARM", "1999"], ["O"] * 7, seed=0)
    # "The", "said", "no" are stop words, "," and "1999" have no letter
    assert out.tokens == ["The", "Budget", "said", "no", ",", "BUDGET", "1999"]


def test_embedding_neighbours_cosine_order():
    vecs = {"king": [1.0, 0.0], "queen": [0.9, 0.1], "prince": [0.7, 0.3], "apple": [0.0, 1.0], "King": [1.0, 0.0]}
    nn = EmbeddingNeighbours(lambda ws: np.array([vecs[w] for w in ws]), ["apple", "prince", "queen", "king"], k=2)
    assert nn("king") == ["queen", "prince"]
    assert nn("King") == ["queen", "prince"]  # the word itself is excluded case-insensitively
    assert nn("apple") == ["prince", "queen"]


def test_token_noise_keeps_entities_and_nonempty():
    p = TokenNoise(rate=1.0, ops=("delete",))
    out = p(["a", "b", "c"], ["O", "O", "O"], seed=0)
    assert len(out.tokens) == 1
    out = p(["x", "Paris", "y"], ["O", "B-LOC", "O"], seed=0)
    assert out.tokens == ["Paris"] and out.tags == ["B-LOC"]


def test_bad_input_names_sentence_and_field():
    with pytest.raises(ValueError, match="sentence 4, field tags"):
        EntityReplacement(POOL)(["a", "b"], ["O"], index=4)
    with pytest.raises(ValueError, match="field tokens"):
        CharNoise()(["a", ""], None)
    with pytest.raises(ValueError, match="rate"):
        CharNoise(rate=1.5)
    with pytest.raises(ValueError, match="vocabulary pool or a neighbours"):
        ContextReplacement()


def test_name_pool_cross_lingual_and_without():
    a = [Sentence(["Juan", "vive", "en", "Madrid"], ["B-PER", "O", "O", "B-LOC"])]
    b = [Sentence(["Hans", "Müller", "wohnt", "in", "Madrid"], ["B-PER", "I-PER", "O", "O", "B-LOC"])]
    pool = NamePool.union([NamePool.from_sentences(a), NamePool.from_sentences(b)])
    assert pool.get("PER") == [("Hans", "Müller"), ("Juan",)]
    assert pool.get("LOC") == [("Madrid",)]
    assert pool.without(NamePool({"ORG": [("madrid",)]})).get("LOC") == []
    assert pool.without(NamePool({"ORG": [("madrid",)]}), any_class=False).get("LOC") == [("Madrid",)]
    assert pool.without(NamePool({"LOC": [("madrid",)]}), any_class=False, lowercase=False).get("LOC") == [("Madrid",)]
    assert pool.without(NamePool({"LOC": [("madrid",)]}), any_class=False).get("LOC") == []


# ------------------------------------------------------------------ properties
@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=40, deadline=None)
@given(sent=sentences(), seed=st.integers(0, 10**6), rate=st.sampled_from([0.3, 1.0]))
def test_aligned_wellformed_deterministic(kind, sent, seed, rate):
    toks, tags = sent
    p = perturbations(rate)[kind]
    out = p(toks, tags, seed=seed)
    assert len(out.tags) == len(out.tokens) == len(out.origin)
    assert out.tokens, "a sentence never becomes empty"
    assert all(t and not any(c.isspace() for c in t) for t in out.tokens)
    assert well_formed(out.tags)
    # entity classes in order are preserved: spans only change their words
    assert [c for _, _, c in entity_spans(out.tags)] == [c for _, _, c in entity_spans(tags)]
    again = perturbations(rate)[kind](toks, tags, seed=seed)
    assert (again.tokens, again.tags, again.origin) == (out.tokens, out.tags, out.origin)
    # unlabelled input (target sentences) works and gives tags=None
    un = p(toks, None, seed=seed)
    assert un.tags is None and len(un.origin) == len(un.tokens)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=25, deadline=None)
@given(sent=sentences(), seed=st.integers(0, 10**6))
def test_rate_zero_is_identity(kind, sent, seed):
    toks, tags = sent
    out = perturbations(0.0)[kind](toks, tags, seed=seed)
    assert out.tokens == toks and out.tags == tags and out.changes == []
    assert out.origin == list(range(len(toks)))


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "combined"])
@settings(max_examples=40, deadline=None)
@given(sent=sentences(), seed=st.integers(0, 10**6))
def test_change_log_replays_and_origins(kind, sent, seed):
    toks, tags = sent
    out = perturbations(0.6)[kind](toks, tags, seed=seed)
    assert replay(toks, out.changes) == out.tokens
    changed_inputs = {i for c in out.changes for i in range(c.start, c.end)}
    for j, i in enumerate(out.origin):
        if i >= 0 and i not in changed_inputs:
            assert out.tokens[j] == toks[i] and out.tags[j] == tags[i]


def _entities(toks, tags):
    return [(tuple(toks[a:b]), c) for a, b, c in entity_spans(tags)]


def _o_tokens(toks, tags):
    return [t for t, g in zip(toks, tags) if g == "O"]


@settings(max_examples=60, deadline=None)
@given(sent=sentences(), seed=st.integers(0, 10**6), rate=st.sampled_from([0.5, 1.0]))
def test_only_intended_tokens_change(sent, seed, rate):
    toks, tags = sent
    ps = perturbations(rate)
    # entity replacement: context untouched, changed names come from the pool of their class
    for kind in ("entity", "unknown", "entity_all"):
        out = ps[kind](toks, tags, seed=seed)
        assert _o_tokens(out.tokens, out.tags) == _o_tokens(toks, tags)
        before, after = _entities(toks, tags), _entities(out.tokens, out.tags)
        for (old, c), (new, c2) in zip(before, after):
            assert c == c2
            if old != new:
                assert new in POOL.get(c)
                assert kind == "entity_all" or c in ("PER", "LOC", "ORG")
                if kind == "unknown":
                    assert old in {("John",), ("John", "Smith"), ("Paris",), ("EU",)}
                    assert new not in {("John",), ("John", "Smith"), ("Paris",), ("EU",)}
        if rate == 1.0 and kind == "entity":  # every PER/LOC/ORG changed (pools have >1 name)
            assert all(o != n for (o, c), (n, _) in zip(before, after) if c != "MISC")
    # same-length substitutions: positions that differ are of the intended kind
    for kind, ok in (
        ("context", lambda t, g: is_context_word(t, g, STOP)),
        ("context_nn", lambda t, g: is_context_word(t, g, STOP)),
        ("mask_context", lambda t, g: is_context_word(t, g, STOP)),
        ("mask_entity", lambda t, g: g != "O"),
        ("char_entity", lambda t, g: g != "O"),
        ("lower", lambda t, g: g != "O"),
        ("char", lambda t, g: any(ch.isalpha() for ch in t)),
        ("casing", lambda t, g: any(ch.isalpha() for ch in t)),
    ):
        out = ps[kind](toks, tags, seed=seed)
        assert len(out.tokens) == len(toks) and out.tags == tags
        for t, g, new in zip(toks, tags, out.tokens):
            if new != t:
                assert ok(t, g), (kind, t, g, new)
                if kind.startswith("mask"):
                    assert new == "<mask>"
                if kind in ("casing", "lower"):
                    assert new.casefold() == t.casefold()
                if kind.startswith("char"):
                    assert _one_char_edit(t, new), (t, new)
    # token noise: entities and their order untouched, only O tokens move, appear or vanish
    for kind in ("token_noise", "token_noise_vocab"):
        out = ps[kind](toks, tags, seed=seed)
        assert _entities(out.tokens, out.tags) == _entities(toks, tags)
        ins = [t for c in out.changes if c.kind == "insert" for t in c.new]
        assert all(t in VOCAB for t in ins) if kind == "token_noise_vocab" else all(t in toks for t in ins)
    # combined: O words change only at context words; classes kept
    out = ps["combined"](toks, tags, seed=seed)
    assert len(_o_tokens(out.tokens, out.tags)) == len(_o_tokens(toks, tags))
    for t, new in zip(_o_tokens(toks, tags), _o_tokens(out.tokens, out.tags)):
        assert new == t or is_context_word(t, "O", STOP)


def _one_char_edit(a: str, b: str) -> bool:
    if len(b) == len(a) - 1:
        return any(a[:k] + a[k + 1:] == b for k in range(len(a)))
    if len(a) != len(b):
        return False
    diff = [k for k in range(len(a)) if a[k] != b[k]]
    if len(diff) == 1:
        k = diff[0]
        return b[k].lower() in QWERTY_NEIGHBOURS.get(a[k].lower(), "")
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


@settings(max_examples=30, deadline=None)
@given(sent=sentences(), seed=st.integers(0, 10**6))
def test_compose_origins_compose(sent, seed):
    toks, tags = sent
    a = TokenNoise(rate=0.5, ops=("swap", "delete"))
    b = CharNoise(rate=0.5)
    comp = Compose([a, b], name="ab")
    out = comp(toks, tags, seed=seed)
    # same generator stream by hand: stage a then stage b
    from xlner.robustness import sentence_rng

    rng = sentence_rng(seed, "ab", 0)
    mid = a.apply(toks, tags, rng)
    fin = b.apply(mid.tokens, mid.tags, rng)
    assert out.tokens == fin.tokens
    assert out.origin == [mid.origin[j] if j >= 0 else -1 for j in fin.origin]
    assert {c.stage for c in out.changes} <= {0, 1}


def test_seed_changes_output():
    toks = ["the", "house", "river", "quickly", "talk", "green", "report", "market"] * 3
    outs = {tuple(ContextReplacement(vocab=VOCAB, rate=0.5)(toks, None, seed=s).tokens) for s in range(5)}
    assert len(outs) > 1
