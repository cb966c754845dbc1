"""Heuristic projection: hand-worked cases for every parameter, C++ == pure-Python reference on
random instances, bad input."""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner import _core
from xlner.batch import ProjectionBatch
from xlner.heuristic import HeuristicConfig, is_punctuation, project_heuristic, punctuation_mask
from xlner.reference.heuristic import is_punctuation as ref_is_punctuation
from xlner.reference.heuristic import project_sentence

PLAIN = dict(merge_distance=1, merge_rule="gap", top_k=0, only_i=False, thr=None, drop_punct=False, order="source",
             collisions="first")


def cfg(**kw) -> HeuristicConfig:
    """A configuration with every filter off (d = 1 gap rule), overridden by ``kw``."""
    return HeuristicConfig(**{**PLAIN, **kw})


def run(tgt_len: int, ents: Sequence[Tuple[int, int, int]], links: Sequence[Tuple[int, int]], config: HeuristicConfig,
        tokens: Optional[List[str]] = None, src_len: Optional[int] = None):
    """Project one sentence with the C++ core; check it equals the reference; return its spans."""
    if src_len is None:
        src_len = max([e for _, e, _ in ents] + [s + 1 for s, _ in links] + [1])
    if tokens is None and config.drop_punct:
        tokens = ["w"] * tgt_len
    batch = ProjectionBatch.from_lists([src_len], [tgt_len], [list(ents)], [list(links)])
    res = project_heuristic(batch, config, tgt_tokens=None if tokens is None else [tokens], threads=1)
    got = res.spans(0)
    punct = None if tokens is None else [ref_is_punctuation(t) for t in tokens]
    assert got == project_sentence(tgt_len, list(ents), list(links), punct, config)
    assert res.objective[0] == pytest.approx(sum(s[4] for s in got))
    assert list(res.status) == [0]
    return got


# ---------------------------------------------------------------- hand-worked cases


def test_contiguous_alignment_projects_whole_range():
    assert run(4, [(0, 2, 0)], [(0, 1), (1, 2)], cfg()) == [(1, 3, 0, 0, 1.0)]


def test_unaligned_entity_and_empty_sentences_project_nothing():
    assert run(4, [(0, 1, 0)], [(1, 2)], cfg(), src_len=2) == []
    assert run(4, [], [(0, 1)], cfg()) == []
    assert run(0, [(0, 1, 0)], [], cfg()) == []


def test_merge_distance_gap_rule():
    # ranges [1,2) and [3,4): one word between them
    assert run(6, [(0, 2, 0)], [(0, 1), (1, 3)], cfg(merge_distance=1)) == [(1, 4, 0, 0, 2 / 3)]
    assert run(6, [(0, 2, 0)], [(0, 1), (1, 3)], cfg(merge_distance=0)) == [(1, 2, 0, 0, 1.0), (3, 4, 0, 0, 1.0)]
    # two words between them
    assert run(6, [(0, 2, 0)], [(0, 1), (1, 4)], cfg(merge_distance=1)) == [(1, 2, 0, 0, 1.0), (4, 5, 0, 0, 1.0)]
    assert run(6, [(0, 2, 0)], [(0, 1), (1, 4)], cfg(merge_distance=2)) == [(1, 5, 0, 0, 0.5)]
    # chains: 1, 3, 5 all within one word of each other
    assert run(7, [(0, 3, 0)], [(0, 1), (1, 3), (2, 5)], cfg()) == [(1, 6, 0, 0, 0.6)]


def test_merge_elp_rule_counts_from_first_word_of_current_piece():
    # [1,3) and [4,5): gap of one word, but the joined piece would span 4 words > d + 2
    assert run(6, [(0, 3, 0)], [(0, 1), (1, 2), (2, 4)], cfg(merge_rule="gap")) == [(1, 5, 0, 0, 0.75)]
    assert run(6, [(0, 3, 0)], [(0, 1), (1, 2), (2, 4)], cfg(merge_rule="elp")) == [
        (1, 3, 0, 0, 1.0), (4, 5, 0, 0, 1.0)]
    assert run(6, [(0, 3, 0)], [(0, 1), (1, 2), (2, 4)], cfg(merge_rule="elp", merge_distance=2)) == [
        (1, 5, 0, 0, 0.75)]
    # singletons 1, 3, 5: 1 and 3 join (3 - 1 <= 2); 5 - 1 > 2 stays apart
    assert run(7, [(0, 3, 0)], [(0, 1), (1, 3), (2, 5)], cfg(merge_rule="elp")) == [
        (1, 4, 0, 0, 2 / 3), (5, 6, 0, 0, 1.0)]


def test_top_k_keeps_longest_leftmost_first():
    links = [(0, 0), (0, 2), (0, 3), (0, 5), (0, 6)]  # ranges [0,1) [2,4) [5,7)
    assert run(8, [(0, 1, 0)], links, cfg(merge_distance=0, top_k=1)) == [(2, 4, 0, 0, 1.0)]
    assert run(8, [(0, 1, 0)], links, cfg(merge_distance=0, top_k=2)) == [(2, 4, 0, 0, 1.0), (5, 7, 0, 0, 1.0)]
    everything = [(0, 1, 0, 0, 1.0), (2, 4, 0, 0, 1.0), (5, 7, 0, 0, 1.0)]
    assert run(8, [(0, 1, 0)], links, cfg(merge_distance=0, top_k=3)) == everything
    assert run(8, [(0, 1, 0)], links, cfg(merge_distance=0, top_k=0)) == everything


def test_only_i_blocks_merging_a_piece_that_starts_at_the_first_words_translation():
    # src word 0 (the entity's first word) -> tgt 3, src word 1 -> tgt 1
    assert run(5, [(0, 2, 0)], [(0, 3), (1, 1)], cfg(only_i=False)) == [(1, 4, 0, 0, 2 / 3)]
    assert run(5, [(0, 2, 0)], [(0, 3), (1, 1)], cfg(only_i=True)) == [(1, 2, 0, 0, 1.0), (3, 4, 0, 0, 1.0)]
    # the later piece starts at a word of the second source word: merging allowed
    assert run(5, [(0, 2, 0)], [(0, 1), (1, 3)], cfg(only_i=True)) == [(1, 4, 0, 0, 2 / 3)]


def test_length_ratio_threshold_is_strict():
    links = [(0, 1), (1, 4)]  # two pieces of length 1 for an entity of length 2: ratio 0.5 each
    assert run(6, [(0, 2, 0)], links, cfg(merge_distance=0, thr=0.5)) == []
    assert run(6, [(0, 2, 0)], links, cfg(merge_distance=0, thr=0.49)) == [(1, 2, 0, 0, 1.0), (4, 5, 0, 0, 1.0)]
    assert run(3, [(0, 1, 0)], [(0, 1)], cfg(thr=0.8)) == [(1, 2, 0, 0, 1.0)]
    assert run(3, [(0, 1, 0)], [(0, 1)], cfg(thr=1.0)) == []
    # the threshold applies after merging: [1,4) has ratio 3/2
    assert run(6, [(0, 2, 0)], [(0, 1), (1, 3)], cfg(thr=1.0)) == [(1, 4, 0, 0, 2 / 3)]


def test_drop_punct_removes_links_to_punctuation():
    toks = ["Der", ",", "Mann", "."]
    assert run(4, [(0, 1, 0)], [(0, 1), (0, 2)], cfg(drop_punct=True), tokens=toks) == [(2, 3, 0, 0, 1.0)]
    assert run(4, [(0, 1, 0)], [(0, 1), (0, 2)], cfg(drop_punct=False), tokens=toks) == [(1, 3, 0, 0, 1.0)]
    assert run(4, [(0, 1, 0)], [(0, 3)], cfg(drop_punct=True), tokens=toks) == []
    # a dropped word inside the projection is refilled as a gap, and lowers the score
    assert run(3, [(0, 2, 0)], [(0, 0), (0, 1), (1, 2)], cfg(drop_punct=True), tokens=["A", "-", "B"]) == [
        (0, 3, 0, 0, 2 / 3)]


def test_entity_order_with_first_come_collisions():
    ents = [(0, 2, 0), (2, 3, 1)]  # entity 0 (2 words) -> tgt {1,2}; entity 1 (1 word) -> tgt {2,3}
    links = [(0, 1), (1, 2), (2, 2), (2, 3)]
    assert run(5, ents, links, cfg(order="source")) == [(1, 3, 0, 0, 1.0)]
    assert run(5, ents, links, cfg(order="shortest")) == [(2, 4, 1, 1, 1.0)]
    # disjoint projections are all kept, adjacent ones of the same label stay separate spans
    assert run(5, [(0, 1, 0), (1, 2, 0)], [(0, 1), (1, 2)], cfg()) == [(1, 2, 0, 0, 1.0), (2, 3, 0, 1, 1.0)]


def test_shortest_order_breaks_ties_by_source_position():
    ents = [(2, 3, 1), (0, 1, 0)]  # equal lengths, listed out of source order
    links = [(0, 1), (2, 1)]
    assert run(3, ents, links, cfg(order="shortest")) == [(1, 2, 0, 1, 1.0)]


def test_elp_collisions_larger_neighbour_survives():
    # entity 0 (PER) -> {1,2,3}; entity 1 (LOC) -> {3,4}: they collide, 3 words beat 2
    ents = [(0, 2, 0), (2, 3, 1)]
    links = [(0, 1), (0, 2), (1, 3), (2, 3), (2, 4)]
    assert run(6, ents, links, cfg(collisions="elp")) == [(1, 4, 0, 0, 1.0)]
    # equal sizes: the later one survives
    links = [(0, 1), (1, 2), (2, 2), (2, 3)]
    assert run(5, ents, links, cfg(collisions="elp")) == [(2, 4, 1, 1, 1.0)]


def test_elp_collisions_same_label_neighbours_unite():
    # entity 0 -> {4}, entity 1 -> {1}: "collide" (4 >= 1) although disjoint; same label: one item
    # {1, 4}, tagged B at 1 and I at 4, which seqeval reads as two entities
    ents = [(0, 1, 0), (2, 3, 0)]
    assert run(6, ents, [(0, 4), (2, 1)], cfg(collisions="elp")) == [(1, 2, 0, 1, 1.0), (4, 5, 0, 0, 1.0)]
    # ... and the united item (2 words) then loses a tie against a LOC neighbour of 2 words
    ents = [(0, 1, 0), (2, 3, 0), (4, 5, 1)]
    links = [(0, 4), (2, 1), (4, 1), (4, 2)]
    assert run(6, ents, links, cfg(collisions="elp")) == [(1, 3, 1, 2, 1.0)]
    # with first-come collisions the two PER words stay and the LOC range is refused
    assert run(6, ents, links, cfg(collisions="first")) == [(1, 2, 0, 1, 1.0), (4, 5, 0, 0, 1.0)]


def test_elp_collisions_survivor_is_not_compared_backwards():
    # A (PER) -> {1,2}, B (LOC) -> {3}, C (ORG) -> {2,3,4}. A and B do not collide; B loses to C;
    # C is not compared with A again, so both are written and C overwrites word 2.
    ents = [(0, 1, 0), (1, 2, 1), (2, 3, 2)]
    links = [(0, 1), (0, 2), (1, 3), (2, 2), (2, 3), (2, 4)]
    assert run(6, ents, links, cfg(collisions="elp")) == [(1, 2, 0, 0, 1.0), (2, 5, 2, 2, 1.0)]
    assert run(6, ents, links, cfg(collisions="first")) == [(1, 3, 0, 0, 1.0), (3, 4, 1, 1, 1.0)]
    # a chain of different labels: A (3 words) beats B (2), then loses to C (4)
    ents = [(0, 1, 0), (1, 2, 1), (2, 3, 2)]
    links = [(0, 1), (0, 2), (0, 3), (1, 3), (1, 4), (2, 2), (2, 3), (2, 4), (2, 5)]
    assert run(7, ents, links, cfg(collisions="elp")) == [(2, 6, 2, 2, 1.0)]


def test_elp_union_chain_attributes_words_to_their_first_entity():
    ents = [(0, 1, 0), (1, 2, 0), (2, 3, 0)]  # -> {1,2}, {2,3}, {3,4}
    links = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4)]
    assert run(6, ents, links, cfg(collisions="elp")) == [(1, 5, 0, 0, 0.5)]
    assert run(6, ents, links, cfg(collisions="first")) == [(1, 3, 0, 0, 1.0), (3, 5, 0, 2, 1.0)]


def test_elp_preset_end_to_end():
    # "John Smith visited New York ." -> "Johann Smith , besuchte New York ." with a link to the comma
    src = ["John", "Smith", "visited", "New", "York", "."]
    tgt = ["Johann", "Smith", ",", "besuchte", "New", "York", "."]
    ents = [(0, 2, 0), (3, 5, 1)]
    links = [(0, 0), (1, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6)]
    elp = HeuristicConfig.preset("elp")
    assert run(len(tgt), ents, links, elp, tokens=tgt, src_len=len(src)) == [(0, 2, 0, 0, 1.0), (4, 6, 1, 1, 1.0)]
    thesis = HeuristicConfig.preset("thesis")
    assert run(len(tgt), ents, links, thesis, src_len=len(src)) == [(0, 3, 0, 0, 1.0), (4, 6, 1, 1, 1.0)]


# ---------------------------------------------------------------- configuration and helpers


def test_presets():
    elp = HeuristicConfig.preset("elp")
    assert (elp.merge_distance, elp.merge_rule, elp.top_k, elp.only_i, elp.thr, elp.drop_punct, elp.order,
            elp.collisions) == (1, "elp", 1, False, None, True, "source", "elp")
    th = HeuristicConfig.preset("thesis")
    assert (th.merge_distance, th.merge_rule, th.top_k, th.only_i, th.thr, th.drop_punct, th.order,
            th.collisions) == (1, "gap", 0, False, 0.8, False, "shortest", "first")
    assert th == HeuristicConfig()
    assert HeuristicConfig.preset("thesis", thr=0.5).thr == 0.5
    with pytest.raises(ValueError, match="unknown heuristic preset"):
        HeuristicConfig.preset("nope")
    with pytest.raises(ValueError, match="unknown heuristic options"):
        HeuristicConfig.preset("elp", d=2)


@pytest.mark.parametrize("kw", [dict(merge_distance=-1), dict(top_k=-2), dict(thr=-0.1), dict(thr=math.nan),
                                dict(merge_rule="span"), dict(order="longest"), dict(collisions="last"),
                                dict(merge_distance=1.5), dict(top_k=True)])
def test_config_rejects_bad_values(kw):
    with pytest.raises(ValueError):
        HeuristicConfig(**kw)


def test_is_punctuation_matches_string_punctuation_rule():
    assert is_punctuation(",") and is_punctuation("--") and is_punctuation("...") and is_punctuation("")
    assert not is_punctuation("a.") and not is_punctuation("«") and not is_punctuation("–")
    assert not is_punctuation("1996")
    m = punctuation_mask([["a", ","], [], ["."]])
    assert m.dtype == np.uint8 and m.tolist() == [0, 1, 1]
    assert punctuation_mask([]).shape == (0,)


def test_preset_name_accepted_and_threads_agree():
    rng = np.random.default_rng(0)
    src_lens, tgt_lens, ents, links = [], [], [], []
    for _ in range(3000):
        sl, tl = int(rng.integers(1, 12)), int(rng.integers(1, 14))
        e = []
        for _ in range(int(rng.integers(0, 4))):
            a = int(rng.integers(0, sl))
            e.append((a, int(rng.integers(a + 1, sl + 1)), int(rng.integers(0, 4))))
        lk = [(int(rng.integers(0, sl)), int(rng.integers(0, tl))) for _ in range(int(rng.integers(0, 2 * sl)))]
        src_lens.append(sl), tgt_lens.append(tl), ents.append(e), links.append(lk)
    batch = ProjectionBatch.from_lists(src_lens, tgt_lens, ents, links)
    toks = [["," if rng.random() < 0.2 else "w" for _ in range(t)] for t in tgt_lens]
    one = project_heuristic(batch, "elp", tgt_tokens=toks, threads=1)
    many = project_heuristic(batch, "elp", tgt_tokens=toks, threads=4)
    for name in ("offsets", "start", "end", "label", "entity", "score", "objective", "status"):
        assert np.array_equal(getattr(one, name), getattr(many, name)), name
    assert len(one) == 3000 and one.offsets[-1] == len(one.start) > 0
    punct = punctuation_mask(toks)
    offs = np.concatenate([[0], np.cumsum(tgt_lens)])
    elp = HeuristicConfig.preset("elp")
    for i in range(0, 3000, 7):
        p = punct[offs[i]:offs[i + 1]].astype(bool).tolist()
        assert one.spans(i) == project_sentence(tgt_lens[i], ents[i], links[i], p, elp)


# ---------------------------------------------------------------- property: C++ == reference

configs = st.builds(
    HeuristicConfig,
    merge_distance=st.integers(0, 3),
    merge_rule=st.sampled_from(["gap", "elp"]),
    top_k=st.integers(0, 3),
    only_i=st.booleans(),
    thr=st.one_of(st.none(), st.sampled_from([0.0, 0.5, 0.8, 1.0, 1.5]), st.floats(0, 2, allow_nan=False)),
    drop_punct=st.booleans(),
    order=st.sampled_from(["source", "shortest"]),
    collisions=st.sampled_from(["first", "elp"]),
)


@st.composite
def sentences(draw):
    sl = draw(st.integers(1, 8))
    tl = draw(st.integers(0, 10))
    n_ent = draw(st.integers(0, 4))
    ents = []
    for _ in range(n_ent):
        a = draw(st.integers(0, sl - 1))
        ents.append((a, draw(st.integers(a + 1, sl)), draw(st.integers(0, 2))))
    links = draw(st.lists(st.tuples(st.integers(0, sl - 1), st.integers(0, tl - 1)), max_size=3 * sl)) if tl else []
    toks = draw(st.lists(st.sampled_from(["w", "x", ",", ".", "--", "«"]), min_size=tl, max_size=tl))
    return sl, tl, ents, links, toks


@settings(max_examples=200, deadline=None)
@given(configs, st.lists(sentences(), min_size=1, max_size=4))
def test_cpp_equals_reference_on_random_instances(config, sents):
    batch = ProjectionBatch.from_lists([s[0] for s in sents], [s[1] for s in sents], [s[2] for s in sents],
                                       [s[3] for s in sents])
    res = project_heuristic(batch, config, tgt_tokens=[s[4] for s in sents], threads=2)
    assert len(res) == len(sents)
    for i, (sl, tl, ents, links, toks) in enumerate(sents):
        expect = project_sentence(tl, ents, links, [ref_is_punctuation(t) for t in toks], config)
        got = res.spans(i)
        assert got == expect
        for a, b, lab, e, sc in got:
            assert 0 <= a < b <= tl and 0.0 <= sc <= 1.0 and ents[e][2] == lab
        # spans never overlap
        assert all(got[k][1] <= got[k + 1][0] for k in range(len(got) - 1))


@settings(max_examples=150, deadline=None)
@given(st.lists(sentences(), min_size=1, max_size=5))
def test_entity_punctuation_mask_is_the_mask_at_the_words_entities_link_to(sents):
    batch = ProjectionBatch.from_lists([s[0] for s in sents], [s[1] for s in sents], [s[2] for s in sents],
                                       [s[3] for s in sents])
    got = _core.entity_punctuation_mask(batch.core, [s[4] for s in sents]).tolist()
    expect = []
    for sl, tl, ents, links, toks in sents:
        read = {t for s, t in links if any(a <= s < b for a, b, _ in ents)}
        expect += [int(t in read and ref_is_punctuation(toks[t])) for t in range(tl)]
    assert got == expect


class _FreshTokens:
    """A sequence (not a list or tuple) whose tokens are new str objects on every access."""

    def __init__(self, words: List[str]) -> None:
        self.words = words

    def __len__(self) -> int:
        return len(self.words)

    def __getitem__(self, i: int) -> str:
        return "".join(list(self.words[i]))


def test_from_lists_only_the_words_entities_link_to_are_read():
    # sentence 0: the entity (0, 1) links to target word 1; sentence 1: (1, 2) links to word 1
    b = _batch()
    res = project_heuristic(b, "elp", tgt_tokens=[[None, "x", 3.5], ("a", "y")])  # type: ignore[list-item]
    assert res.spans(0) == [(1, 2, 0, 0, 1.0)] and res.spans(1) == [(1, 2, 0, 0, 1.0)]
    # a punctuation token there drops the link, as the full mask would
    assert project_heuristic(b, "elp", tgt_tokens=[[None, ",", None], ["a", "y"]]).spans(0) == []  # type: ignore
    with pytest.raises(TypeError, match="sentence 1, field tgt_tokens: token 1 is not a str"):
        project_heuristic(b, "elp", tgt_tokens=[["a", "b", "c"], ["a", 7]])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="sentence 0, field tgt_tokens: expected a sequence of tokens, got a str"):
        project_heuristic(b, "elp", tgt_tokens=["abc", ["a", "b"]])
    # any sequence of str: tokens made on access stay alive until they are read
    fresh = [_FreshTokens(["a", ",", "c"]), _FreshTokens(["a", "."])]
    assert _core.entity_punctuation_mask(b.core, fresh).tolist() == [0, 1, 0, 0, 1]
    assert project_heuristic(b, "elp", tgt_tokens=fresh).spans(1) == []  # type: ignore[arg-type]


# ---------------------------------------------------------------- bad input


def _batch():
    return ProjectionBatch.from_lists([2, 2], [3, 2], [[(0, 1, 0)], [(1, 2, 0)]], [[(0, 1)], [(1, 1)]])


def test_drop_punct_needs_matching_tokens():
    b = _batch()
    with pytest.raises(ValueError, match="field tgt_tokens"):
        project_heuristic(b, "elp")
    with pytest.raises(ValueError, match="3 sentences, but the batch has 2"):
        project_heuristic(b, "elp", tgt_tokens=[["a", "b", "c"], ["a", "b"], ["x"]])
    with pytest.raises(ValueError, match="sentence 1, field tgt_tokens"):
        project_heuristic(b, "elp", tgt_tokens=[["a", "b", "c"], ["a"]])
    assert project_heuristic(b, "elp", tgt_tokens=[["a", "b", "c"], ["a", "b"]]).spans(1) == [(1, 2, 0, 0, 1.0)]
    # a ready mask instead of the tokens; its size is checked
    mask = punctuation_mask([["a", "b", "c"], ["a", "b"]])
    assert project_heuristic(b, "elp", punct=mask).spans(1) == [(1, 2, 0, 0, 1.0)]
    assert project_heuristic(b, "elp", punct=np.array([0, 1, 0, 0, 0], np.uint8)).spans(0) == []
    with pytest.raises(ValueError, match="field punct"):
        project_heuristic(b, "elp", punct=mask[:4])
    with pytest.raises(ValueError, match="not both"):
        project_heuristic(b, "elp", punct=mask, tgt_tokens=[["a", "b", "c"], ["a", "b"]])
    # without drop_punct the tokens are not needed
    assert project_heuristic(b, "thesis").spans(0) == [(1, 2, 0, 0, 1.0)]
    with pytest.raises(TypeError):
        project_heuristic(b, 3)  # type: ignore[arg-type]


def test_core_rejects_bad_mask_and_options():
    b = _batch()
    with pytest.raises(ValueError, match="field punct"):
        _core.project_heuristic(b.core, punct=np.zeros(4, np.uint8), drop_punct=True)
    with pytest.raises(ValueError, match="field punct"):
        _core.project_heuristic(b.core, drop_punct=True)
    with pytest.raises(ValueError, match="field punct"):
        _core.project_heuristic(b.core, punct=np.zeros((5, 1), np.uint8), drop_punct=True)
    with pytest.raises(ValueError, match="merge_rule"):
        _core.project_heuristic(b.core, merge_rule="span")
    with pytest.raises(ValueError, match="order"):
        _core.project_heuristic(b.core, order="random")
    with pytest.raises(ValueError, match="collisions"):
        _core.project_heuristic(b.core, collisions="none")
    with pytest.raises(ValueError, match="merge_distance"):
        _core.project_heuristic(b.core, merge_distance=-1)
    with pytest.raises(ValueError, match="top_k"):
        _core.project_heuristic(b.core, top_k=-1)
    with pytest.raises(ValueError, match="thr"):
        _core.project_heuristic(b.core, thr=float("nan"))
    with pytest.raises(ValueError, match="thr"):
        _core.project_heuristic(b.core, thr=-1.0)
    d = _core.project_heuristic(b.core, punct=np.zeros(5, np.uint8), drop_punct=True, thr=None)
    assert d["offsets"].tolist() == [0, 1, 2]


def test_empty_batch():
    b = ProjectionBatch.from_lists([], [], [], [])
    res = project_heuristic(b, "elp", tgt_tokens=[])
    assert len(res) == 0 and res.offsets.tolist() == [0] and res.start.shape == (0,)


@pytest.mark.parametrize("preset,overrides", [("elp", {}), ("thesis", {}), ("thesis", dict(only_i=True, top_k=2)),
                                              ("elp", dict(only_i=True, merge_distance=2, order="shortest"))])
def test_long_sentences_with_many_entities_equal_reference(preset, overrides):
    # many entities x many links: the core groups links by source word instead of scanning them
    rng = np.random.default_rng(7)
    sents = []
    for _ in range(60):
        sl, tl = int(rng.integers(20, 60)), int(rng.integers(20, 70))
        starts = sorted(rng.choice(sl, size=int(rng.integers(5, sl // 2 + 1)), replace=False).tolist())
        ents = [(a, min(sl, a + int(rng.integers(1, 4))), int(rng.integers(0, 4))) for a in starts]
        links = [(int(rng.integers(0, sl)), int(rng.integers(0, tl))) for _ in range(int(rng.integers(40, 3 * sl)))]
        toks = ["." if rng.random() < 0.15 else "w" for _ in range(tl)]
        sents.append((sl, tl, ents, links, toks))
    config = HeuristicConfig.preset(preset, **overrides)
    batch = ProjectionBatch.from_lists([s[0] for s in sents], [s[1] for s in sents], [s[2] for s in sents],
                                       [s[3] for s in sents])
    res = project_heuristic(batch, config, tgt_tokens=[s[4] for s in sents])
    for i, (sl, tl, ents, links, toks) in enumerate(sents):
        assert res.spans(i) == project_sentence(tl, ents, links, [ref_is_punctuation(t) for t in toks], config)
    assert len(res.start) > 100


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=st.sampled_from(list(".,;-!?«»–—\"'()[]{}@#$%^&*_~`|\\/:<>=+ "
                                                                "\t\u00a0\u2009\u3000\x1cab1é")),
                                 max_size=5), max_size=6), max_size=5))
def test_punctuation_mask_equals_the_definition(sents):
    mask = punctuation_mask(sents)
    assert mask.tolist() == [int(ref_is_punctuation(t)) for s in sents for t in s]
    assert all(is_punctuation(t) == ref_is_punctuation(t) for s in sents for t in s)


def test_punctuation_mask_rejects_non_token_input():
    with pytest.raises(TypeError, match="got a str"):
        punctuation_mask("abc")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sentence 1, field tgt_tokens: expected a sequence of tokens, got a str"):
        punctuation_mask([["a"], "bc"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="sentence 0, field tgt_tokens: token 1 is not a str"):
        punctuation_mask([["a", 3]])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="sentence 0, field tgt_tokens: expected a sequence"):
        punctuation_mask([5])  # type: ignore[list-item]
    assert punctuation_mask([("a", ","), ()]).tolist() == [0, 1]


def test_config_of_a_config_a_preset_name_or_none():
    mine = HeuristicConfig(merge_distance=3)
    assert HeuristicConfig.of(mine) is mine
    assert HeuristicConfig.of("elp") == HeuristicConfig.preset("elp")
    assert HeuristicConfig.of(None) == HeuristicConfig.of() == HeuristicConfig()
    with pytest.raises(ValueError, match="unknown heuristic preset 'nope'"):
        HeuristicConfig.of("nope")
