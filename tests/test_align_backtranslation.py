"""Back-translation refinement: marker parsing, entity recovery (best-scoring wins), lexical alignment with
the original target sentence, and projection through xlner.projection.project."""
from __future__ import annotations

import pytest

from xlner.align import (BacktranslationConfig, align_backtranslation, parse_marked, project_backtranslations,
                         recover_entities, simple_tokenize)


def test_parse_marked_handles_nesting_unmatched_and_attached_markers():
    toks = simple_tokenize("Il [Presidente [Mario Rossi]] ha visto ] [Roma.")
    words, spans = parse_marked(toks)
    assert words == ["Il", "Presidente", "Mario", "Rossi", "ha", "visto", "Roma", "."]
    assert spans == [(1, 4), (2, 4)]
    assert parse_marked(["[", "]", "a"]) == (["a"], [])


def test_best_scoring_entity_wins_not_the_last_over_threshold():
    bt = ["ieri", "Mario", "Rossi", "ha", "visto", "Maria", "Rosi"]
    spans = [(1, 3)]
    # both entities exceed the threshold against span (1, 3); entity 0 scores higher and must win,
    # even though entity 1 comes later in the list.
    ents = [["Mario", "Rossi"], ["Maria", "Rosi"]]
    rec = recover_entities(bt, spans, ents, ["PER", "ORG"], BacktranslationConfig(match_threshold=0.5,
                                                                                 search_unmarked=False))
    assert [(r.entity, r.label, r.start, r.end, r.marked) for r in rec] == [(0, "PER", 1, 3, True)]
    # listed the other way round, the best one still wins
    rec2 = recover_entities(bt, spans, ents[::-1], ["ORG", "PER"],
                            BacktranslationConfig(match_threshold=0.5, search_unmarked=False))
    assert [(r.entity, r.label) for r in rec2] == [(1, "PER")]


def test_lost_markers_are_searched_in_unmarked_ngrams():
    bt = ["ieri", "Mario", "Rossi", "è", "andato", "a", "Roma"]
    rec = recover_entities(bt, [(6, 7)], [["Mario", "Rossi"], ["Roma"]], ["PER", "LOC"])
    assert [(r.entity, r.start, r.end, r.marked) for r in rec] == [(0, 1, 3, False), (1, 6, 7, True)]
    none = recover_entities(bt, [], [["Berlino"]], ["LOC"])
    assert none == []


def test_align_and_project_end_to_end():
    target = "Ieri Angela Merkel ha incontrato il presidente Macron a Parigi .".split()
    bt = "Ieri la signora [Angela Merkel] ha incontrato il presidente [Macron] a [Parigi]."
    ents = ["Angela Merkel", "Macron", "Parigi"]
    labels = ["PER", "PER", "LOC"]
    one = align_backtranslation(target, bt, ents, labels)
    assert [(r.label, one.bt_tokens[r.start:r.end]) for r in one.entities] == [
        ("PER", ["Angela", "Merkel"]), ("PER", ["Macron"]), ("LOC", ["Parigi"])]
    assert (3, 1) in one.links and (4, 2) in one.links
    alns, res = project_backtranslations([target], [bt], [ents], [labels])
    spans = sorted((s, e, res.labels.name(lab)) for s, e, lab, _, _ in res.spans(0))
    assert spans == [(1, 3, "PER"), (7, 8, "PER"), (9, 10, "LOC")]


def test_input_errors_name_the_sentence():
    with pytest.raises(ValueError, match="sentence 1, field entity_bts"):
        project_backtranslations([["a"], ["b"]], ["a", "b"], [[], ["x"]], [[], []])
    with pytest.raises(ValueError, match="field marked_bts"):
        project_backtranslations([["a"]], [], [[]], [[]])
    with pytest.raises(ValueError, match="match_threshold"):
        BacktranslationConfig(match_threshold=0.0)
