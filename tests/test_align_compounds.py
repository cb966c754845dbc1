"""Compound splitting for alignment (xlner.align.compounds): Koehn & Knight's rule on hand-worked counts and
against a brute-force enumeration of every decomposition, the mapping of split links back onto the words,
and the recipe option ``split_compounds`` on a toy corpus whose compounds translate to two words."""
from __future__ import annotations

import itertools
import math
import random
from typing import Dict, List, Optional, Sequence, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.align.compounds import CompoundSplitter, merge_split_links
from xlner.align.recipe import AlignRecipe, align_tokens


def test_split_hand_worked():
    c = {"mitglied": 10, "staaten": 40, "mitgliedstaaten": 3}
    # geometric mean sqrt(10 * 40) = 20 > 3
    assert CompoundSplitter(c).split("Mitgliedstaaten") == ["Mitglied", "staaten"]
    # a frequent whole word (30 >= 20) stays whole
    assert CompoundSplitter({**c, "mitgliedstaaten": 30}).split("Mitgliedstaaten") == ["Mitgliedstaaten"]
    # an unseen compound is split whenever a decomposition exists
    assert CompoundSplitter({"mitglied": 10, "staaten": 40}).split("mitgliedstaaten") == ["mitglied", "staaten"]
    # the linking "s" is dropped; without fillers the word cannot be decomposed
    c2 = {"arbeit": 10, "schutz": 10}
    assert CompoundSplitter(c2).split("Arbeitsschutz") == ["Arbeit", "schutz"]
    assert CompoundSplitter(c2, fillers=("",)).split("Arbeitsschutz") == ["Arbeitsschutz"]
    # a part seen fewer than min_count times, or shorter than min_part, is no part
    assert CompoundSplitter({"arbeit": 4, "schutz": 10}).split("Arbeitsschutz") == ["Arbeitsschutz"]
    assert CompoundSplitter({"haus": 10, "bau": 10}).split("Hausbau") == ["Hausbau"]
    assert CompoundSplitter({"haus": 10, "bau": 10}, min_part=3).split("Hausbau") == ["Haus", "bau"]
    # three parts beat two when their geometric mean is higher: (9*9*9)^(1/3) = 9 > sqrt(9 * 6) = 7.3
    c3 = {"arbeit": 9, "schutz": 9, "ausschuß": 9, "arbeitsschutz": 6}
    assert CompoundSplitter(c3).split("Arbeitsschutzausschuß") == ["Arbeit", "schutz", "ausschuß"]
    c4 = {"arbeit": 9, "schutz": 9, "ausschuß": 9, "arbeitsschutz": 100}  # sqrt(100 * 9) = 30 > 9
    assert CompoundSplitter(c4).split("Arbeitsschutzausschuß") == ["Arbeitsschutz", "ausschuß"]


def test_split_hyphens():
    s = CompoundSplitter({"mitglied": 10, "staaten": 40})
    assert s.split("EU-Mitgliedstaaten") == ["EU", "Mitglied", "staaten"]
    assert s.split("PSE-Fraktion") == ["PSE", "Fraktion"]
    # a piece without a letter: the word stays whole
    assert s.split("1995-1997") == ["1995-1997"]
    assert s.split("C5-0105") == ["C5-0105"]
    assert s.split("-") == ["-"]
    assert CompoundSplitter({}, hyphens=False).split("PSE-Fraktion") == ["PSE-Fraktion"]


def test_split_rejects_bad_options():
    with pytest.raises(ValueError, match="min_part"):
        CompoundSplitter({}, min_part=0)
    with pytest.raises(ValueError, match="min_count"):
        CompoundSplitter({}, min_count=0)
    with pytest.raises(ValueError, match="empty filler"):
        CompoundSplitter({}, fillers=("s",))
    with pytest.raises(ValueError, match="split_compounds"):
        AlignRecipe(split_compounds="left")


def _brute(word: str, counts: Dict[str, int], min_part: int, min_count: int,
           fillers: Sequence[str]) -> Optional[float]:
    """Highest geometric mean (as mean log count) over every decomposition of ``word`` into >= 2 parts, by
    enumerating every set of cut points and every filler at every cut; None when there is none."""
    n = len(word)
    best: Optional[float] = None
    for k in range(1, n):
        for cuts in itertools.combinations(range(1, n), k):
            bounds = (0,) + cuts + (n,)
            pieces = [word[a:b] for a, b in zip(bounds, bounds[1:])]
            for fill in itertools.product(fillers, repeat=k):
                parts = [pieces[0]]
                ok = True
                for f, p in zip(fill, pieces[1:]):
                    if not p.startswith(f):
                        ok = False
                        break
                    parts.append(p[len(f):])
                if not ok or any(len(p) < min_part or counts.get(p, 0) < min_count for p in parts):
                    continue
                score = sum(math.log(counts[p]) for p in parts) / len(parts)
                best = score if best is None else max(best, score)
    return best


@settings(max_examples=100, deadline=None)
@given(word=st.text(alphabet="abs", min_size=2, max_size=9),
       vocab=st.dictionaries(st.text(alphabet="abs", min_size=1, max_size=6), st.integers(1, 30), max_size=25),
       min_part=st.integers(1, 3))
def test_split_matches_brute_force(word, vocab, min_part):
    fillers = ("", "s", "es")
    s = CompoundSplitter(vocab, min_part=min_part, min_count=2, fillers=fillers, hyphens=False)
    parts = s.split(word)
    best = _brute(word, vocab, min_part, 2, fillers) if len(word) >= 2 * min_part else None
    whole = vocab.get(word, 0)
    expect_split = best is not None and not (whole > 0 and math.log(whole) >= best)
    if not expect_split:
        assert parts == [word]
        return
    assert len(parts) >= 2
    assert sum(math.log(vocab[p]) for p in parts) / len(parts) == pytest.approx(best)
    # the word is the parts in order, with a filler before each later part
    spellings = {parts[0]}
    for p in parts[1:]:
        spellings = {w + f + p for w in spellings for f in fillers}
    assert word in spellings


def test_split_sentences_and_merge_links():
    s = CompoundSplitter({"mitglied": 10, "staaten": 40})
    split, index = s.split_sentences([["die", "Mitgliedstaaten", "stimmen"], ["EU-Mitgliedstaaten"]])
    assert split == [["die", "Mitglied", "staaten", "stimmen"], ["EU", "Mitglied", "staaten"]]
    assert index == [[0, 1, 1, 2], [0, 0, 0]]
    # split source "die Mitglied staaten stimmen" -> target "the Member States vote"
    links = [[(0, 0), (1, 1), (2, 2), (3, 3)], [(1, 0), (2, 1)]]
    assert merge_split_links(links, index, None) == [[(0, 0), (1, 1), (1, 2), (2, 3)], [(0, 0), (0, 1)]]
    # the target split as well (indices mapped on both sides, duplicates merged)
    assert merge_split_links([[(1, 0), (2, 1), (2, 2)]], [[0, 1, 1]], [[0, 0, 1]]) == [[(1, 0), (1, 1)]]
    assert merge_split_links(links, None, None) == [sorted(x) for x in links]


def _compound_corpus(n: int, seed: int) -> Tuple[List[List[str]], List[List[str]], List[Tuple[int, int, int, int]]]:
    """Random sentences over 30 source words (5 letters a-m) translated word by word (5 letters n-z); one
    sentence in three also holds a compound of two source words, written as one word and translated as the
    two target words. Returns src, tgt and (sentence, compound position, first, second target position)."""
    rng = random.Random(seed)

    def word(letters: str) -> str:
        return "".join(rng.choice(letters) for _ in range(5))

    src_vocab = [word("abcdefghijklm") for _ in range(30)]
    dictionary = {w: word("nopqrstuvwxyz") for w in src_vocab}
    compounds = [tuple(rng.sample(src_vocab, 2)) for _ in range(6)]
    src, tgt, where = [], [], []
    for i in range(n):
        words = rng.sample(src_vocab, rng.randint(3, 7))
        s = list(words)
        t = [dictionary[w] for w in words]
        if i % 3 == 0:
            a, b = rng.choice(compounds)
            k = rng.randint(0, len(words))
            s.insert(k, a + b)
            t[k:k] = [dictionary[a], dictionary[b]]
            where.append((i, k, k, k + 1))
        src.append(s)
        tgt.append(t)
    return src, tgt, where


def test_recipe_split_compounds_links_both_translations():
    src, tgt, where = _compound_corpus(300, 3)
    split = align_tokens(src, tgt, recipe=AlignRecipe(split_compounds="source"), threads=1)
    whole = align_tokens(src, tgt, recipe=AlignRecipe(), threads=1)

    def complete(links: List[List[Tuple[int, int]]]) -> int:
        return sum((k, a) in links[i] and (k, b) in links[i] for i, k, a, b in where)

    assert complete(split) >= 0.95 * len(where)
    assert complete(split) > complete(whole)
    # links index the original words; the same with the sides swapped ("target")
    assert all(0 <= i < len(s) and 0 <= j < len(t) for L, s, t in zip(split, src, tgt) for i, j in L)
    swapped = align_tokens(tgt, src, recipe=AlignRecipe(split_compounds="target"), threads=1)
    assert sum((a, k) in swapped[i] and (b, k) in swapped[i] for i, k, a, b in where) >= 0.95 * len(where)
    # "both" on a side without compounds changes nothing there: same links as "source"
    assert align_tokens(src, tgt, recipe=AlignRecipe(split_compounds="both"), threads=1) == split
    with pytest.raises(ValueError, match="sentence 0, field src: expected a list of tokens"):
        align_tokens(["a b"], [["x"]], recipe=AlignRecipe(split_compounds="source"), threads=1)


def test_cli_align_split_compounds(tmp_path):
    from xlner.cli import main as cli_main
    from xlner.io import read_talp

    src, tgt, _ = _compound_corpus(60, 4)
    (tmp_path / "src.txt").write_text("".join(" ".join(s) + "\n" for s in src), encoding="utf-8")
    (tmp_path / "tgt.txt").write_text("".join(" ".join(t) + "\n" for t in tgt), encoding="utf-8")
    out = tmp_path / "out.talp"
    assert cli_main(["align", "--source", str(tmp_path / "src.txt"), "--target", str(tmp_path / "tgt.txt"),
                     "-o", str(out), "--split-compounds", "source", "--threads", "1", "--quiet"]) == 0
    assert read_talp(out) == align_tokens(src, tgt, recipe=AlignRecipe(split_compounds="source"), threads=1)
    assert cli_main(["align", "--europarl-ner", "de", "-o", str(tmp_path / "x.talp"), "--split-compounds",
                     "source", "--quiet"]) == 2
