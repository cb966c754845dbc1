"""Lexical aligner: string measures against Python references, and aligner behaviour on hand-made pairs."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner import _core
from xlner.align import LexicalAligner, LexicalConfig, normalize_word, string_similarity


def ref_levenshtein(a: str, b: str) -> int:
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return d[len(a)][len(b)]


def ref_dice(a: str, b: str, n: int) -> float:
    def grams(s):
        s = f"#{s}#"
        return Counter([s] if len(s) < n else [s[i:i + n] for i in range(len(s) - n + 1)])

    ga, gb = grams(a), grams(b)
    return 2 * sum((ga & gb).values()) / (sum(ga.values()) + sum(gb.values()))


words = st.text(alphabet=st.sampled_from(list("abcé日ßxy")), max_size=8)


@settings(max_examples=200, deadline=None)
@given(words, words)
def test_edit_similarity_matches_reference(a, b):
    expected = 1.0 if a == b else 1 - ref_levenshtein(a, b) / max(len(a), len(b))
    assert string_similarity(a, b, "edit") == pytest.approx(expected)


@settings(max_examples=200, deadline=None)
@given(words, words, st.integers(1, 4))
def test_ngram_similarity_matches_reference(a, b, n):
    expected = 1.0 if a == b else ref_dice(a, b, n)
    assert string_similarity(a, b, "ngram", ngram=n) == pytest.approx(expected)
    mx = max(1.0 if a == b else 1 - ref_levenshtein(a, b) / max(len(a), len(b)), expected)
    assert string_similarity(a, b, "max", ngram=n) == pytest.approx(mx)


def test_exact_and_hand_values():
    assert string_similarity("Paris", "Paris", "exact") == 1.0
    assert string_similarity("Paris", "paris", "exact") == 0.0
    assert string_similarity("kitten", "sitting", "edit") == pytest.approx(1 - 3 / 7)
    # "#ab#" -> {#a, ab, b#}; "#abc#" -> {#a, ab, bc, c#}: 2 * 2 / 7
    assert string_similarity("ab", "abc", "ngram", ngram=2) == pytest.approx(4 / 7)


def test_normalize_word():
    assert normalize_word("Ünïcödé") == "unicode"
    assert normalize_word("Straße", strip_accents=False) == "strasse"
    assert normalize_word("ABC", lowercase=False) == "ABC"


def test_same_sentence_aligns_to_diagonal_even_with_repeated_words():
    s = "the cat saw the dog and the bird".split()
    assert LexicalAligner().align(s, s) == [(i, i) for i in range(len(s))]


def test_back_translation_like_pair():
    tgt = "Ieri Angela Merkel ha visitato Parigi con il presidente .".split()
    bt = "Ieri la signora Merkel è andata a Parigi con il Presidente .".split()
    links = LexicalAligner().align(bt, tgt)
    assert (0, 0) in links and (3, 2) in links and (7, 5) in links and (10, 8) in links and (11, 9) in links
    assert all(bt[i].lower()[:3] == tgt[j].lower()[:3] for i, j in links)


def test_fuzzy_names_across_languages_and_threshold():
    src = "Mr Gorbachev met Schröder in Moscow".split()
    tgt = "Herr Gorbatschow traf Schroeder in Moskau".split()
    loose = LexicalAligner(LexicalConfig(threshold=0.5)).align(src, tgt)
    assert {(1, 1), (3, 3), (4, 4), (5, 5)} <= set(loose)
    strict = LexicalAligner(LexicalConfig(measure="exact", threshold=1.0)).align(src, tgt)
    assert strict == [(4, 4)]


def test_batch_shapes_and_errors():
    la = LexicalAligner()
    mats = la.similarity_matrices([["a", "b"], []], [["a"], ["x", "y"]])
    assert mats[0].shape == (2, 1) and mats[1].shape == (0, 2)
    assert la.align_batch([["a", "b"], []], [["a"], ["x", "y"]]) == [[(0, 0)], []]
    with pytest.raises(ValueError, match="sentence 0, field src"):
        la.align_batch(["a b"], [["a"]])
    with pytest.raises(ValueError, match="src has 1 sentences, tgt has 2"):
        la.align_batch([["a"]], [["a"], ["b"]])
    with pytest.raises(ValueError, match="measure"):
        LexicalConfig(measure="jaro")
    with pytest.raises(ValueError, match="unknown lexical measure"):
        _core.lexical_similarity([["a"]], [["b"]], measure="jaro")


def test_add_name_links_replaces_model_links_of_names():
    from xlner.align import add_name_links, looks_like_name

    src = [["Yesterday", "Gorbachev", "met", "Schröder", "in", "1990"]]
    tgt = [["Gestern", "traf", "Gorbatschow", "Schröder", "1990"]]
    base = [[(0, 0), (1, 1), (2, 1), (3, 2), (5, 4)]]  # a model that confused the names
    assert looks_like_name("1990") and looks_like_name("Paris") and not looks_like_name("met")
    # name links at the default threshold 0.8: Schröder (3,3) and 1990 (5,4); Gorbachev~Gorbatschow scores 0.64
    got = add_name_links(base, src, tgt)[0]
    assert (3, 3) in got and (3, 2) not in got and (5, 4) in got
    assert (0, 0) in got and (2, 1) in got
    added = add_name_links(base, src, tgt, replace=False)[0]
    assert set(base[0]) | {(3, 3), (5, 4)} <= set(added)
    with pytest.raises(ValueError, match="links has 1 sentences"):
        add_name_links(base, src * 2, tgt * 2)
