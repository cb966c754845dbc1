"""Robustness by route: several taggers on the same perturbed sets, one F1-drop table (hand-worked), the
``xlner robustness`` command with several routes, and the multi-source / single-source pieces of the study."""
from __future__ import annotations

import json
import sys
import types
from typing import List

import pytest

from xlner.io import Sentence, write_conll
from xlner.robustness import Casing, Masking, compare_routes, evaluate_robustness

from test_robustness_runner import CORPUS, Gazetteer  # noqa: E402  (the runner tests' corpus and tagger)

# CORPUS: 5 entities: John (PER), Paris (LOC), Berlin (LOC), Acme Corp (ORG), Mary Jones (PER)


class Lookup(Gazetteer):
    """The runner tests' gazetteer that also records every sentence it is asked to tag."""

    def __init__(self, sentences: List[Sentence]):
        super().__init__(sentences)
        self.seen: List[List[str]] = []

    def predict(self, sentences):
        self.seen += [list(t) for t in sentences]
        return super().predict(sentences)


ALL = CORPUS
CITIES = [Sentence(["Paris", "Berlin"], ["B-LOC", "B-LOC"])]
# a precomputed perturbed set: only "John" replaced (by a name neither tagger knows)
SWAP = [CORPUS[0], Sentence(["Ana", "visited", "Paris", "."], ["B-PER", "O", "B-LOC", "O"]), *CORPUS[2:]]


def test_drop_table_hand_worked():
    full, cities = Lookup(ALL), Lookup(CITIES)
    suite = {"lowercase": Casing(rate=1.0, mode="lower", name="lowercase"), "mask": Masking("entity", rate=1.0)}
    tab = compare_routes({"full": full, "cities": cities}, CORPUS, suite, perturbed={"swap": SWAP}, title="t")
    assert tab.routes == ["full", "cities"]
    assert tab.perturbations == ["lowercase", "mask", "swap"]
    # full: clean 5/5 -> F1 1; lowercased or masked names are unknown -> 0; swap: 4 of 5 found, precision 1
    # -> F1 = 2*1*0.8/1.8 = 0.8889. cities: 2 of 5, precision 1 -> F1 = 2*0.4/1.4 = 0.5714; swap leaves them.
    assert tab.clean_f1("full") == pytest.approx(1.0)
    assert tab.clean_f1("cities") == pytest.approx(4 / 7)
    assert tab.drop("full", "lowercase") == pytest.approx(100.0)
    assert tab.drop("full", "mask") == pytest.approx(100.0)
    assert tab.drop("full", "swap") == pytest.approx(100 * (1 - 16 / 18))
    assert tab.drop("cities", "lowercase") == pytest.approx(400 / 7)
    assert tab.drop("cities", "swap") == pytest.approx(0.0)
    rows = tab.rows()
    assert rows[0][0] == "clean F1" and rows[0][1:] == pytest.approx([100.0, 400 / 7])
    assert rows[-1][0] == "mean drop"
    assert rows[-1][1:] == pytest.approx([(200 + 100 * 2 / 18) / 3, (800 / 7) / 3])
    md = tab.to_markdown()
    assert "| perturbation | full | cities |" in md and "| swap | 11.11 | 0.00 |" in md
    # the sentences changed are those of the perturbation log (3 of 4; the document marker is left alone)
    assert [r.sentences_changed for r in tab.reports["full"].rows] == [3, 3, 1]


def test_routes_see_the_same_sentences_and_match_single_runs():
    a, b = Lookup(ALL), Lookup(CITIES)
    suite = {"lowercase": Casing(rate=0.5, mode="lower", name="lowercase")}
    tab = compare_routes({"a": a, "b": b}, CORPUS, suite, seed=3)
    assert a.seen == b.seen and len(a.seen) == 2 * 3  # clean + one perturbation, 3 scored sentences each
    alone = evaluate_robustness(Lookup(ALL), CORPUS, suite, seed=3)
    assert tab.f1("a", "lowercase") == alone.rows[0].f1 and tab.clean_f1("a") == alone.clean.f1
    with pytest.raises(ValueError, match="at least one route"):
        compare_routes({}, CORPUS, suite)
    with pytest.raises(ValueError, match="name of a perturbation"):
        compare_routes({"a": a}, CORPUS, suite, perturbed={"lowercase": SWAP})


def test_write_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    tab = compare_routes({"full": Lookup(ALL), "cities": Lookup(CITIES)}, CORPUS, {"mask": Masking("entity", rate=1.0)})
    paths = tab.write(tmp_path)
    assert set(paths) == {"markdown", "json", "plot"}
    d = json.loads((tmp_path / "robustness.json").read_text())
    assert d["drop"]["full"]["mask"] == pytest.approx(100.0) and d["routes"] == ["full", "cities"]
    assert (tmp_path / "robustness.png").stat().st_size > 1000


def _full() -> Lookup:
    return Lookup(ALL)


def _cities() -> Lookup:
    return Lookup(CITIES)


def test_cli_several_routes(tmp_path, capsys, monkeypatch):
    from xlner.cli import main
    from xlner.commands.robustness import split_route

    mod = types.ModuleType("xlner_toy_routes")
    mod.full = _full  # type: ignore[attr-defined]
    mod.cities = _cities  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xlner_toy_routes", mod)
    data = tmp_path / "data.conll"
    write_conll(data, CORPUS)
    out = tmp_path / "rob"
    assert main(["robustness", "--test", str(data), "--predictor", "all=xlner_toy_routes:full",
                 "--predictor", "cities=xlner_toy_routes:cities", "--only", "lowercase", "--out-dir", str(out),
                 "--no-plot"]) == 0
    d = json.loads((out / "robustness.json").read_text())
    assert d["routes"] == ["all", "cities"]
    assert d["drop"]["all"]["lowercase"] == pytest.approx(100.0)
    assert d["drop"]["cities"]["lowercase"] == pytest.approx(400 / 7)
    assert "| lowercase | 100.00 | 57.14 |" in capsys.readouterr().out
    # the same route name twice, and a missing model file: one error line, exit status 1
    assert main(["robustness", "--test", str(data), "--predictor", "x=xlner_toy_routes:full",
                 "--predictor", "x=xlner_toy_routes:cities", "--out-dir", str(out)]) == 1
    assert "given twice" in capsys.readouterr().err
    assert main(["robustness", "--test", str(data), "--model", f"m={tmp_path / 'missing.crf'}",
                 "--out-dir", str(out)]) == 1
    assert "missing.crf" in capsys.readouterr().err
    assert split_route("a=b/c.crf", "model") == ("a", "b/c.crf")
    assert split_route("dir/x=1.crf", "model") == ("dir/x=1.crf", "dir/x=1.crf")
    assert split_route("m.crf", "model") == ("m.crf", "m.crf")


def test_projected_selection_half_hand_worked():
    """Four 'languages' with the same words and diagonal links: each source's projection is its own gold. en and
    es carry the true labels, de misses the LOC of sentence 1 and it labels sentence 0's verb as PER, so the best
    single source is en (the first of the perfect ones) and the majority vote restores the truth."""
    from xlner.studies.route_robustness import projected_selection_half

    toks = [["Anna", "sees", "Rome", "."], ["Bob", "likes", "Oslo", "."], ["Carl", "left", "."]]
    truth = [["B-PER", "O", "B-LOC", "O"], ["B-PER", "O", "B-LOC", "O"], ["B-PER", "O", "O"]]
    labels = {"en": truth, "es": truth, "de": [truth[0], ["B-PER", "O", "O", "O"], truth[2]],
              "it": [["B-PER", "B-PER", "B-LOC", "O"], truth[1], truth[2]]}
    gold = {lg: [Sentence(list(t), list(g)) for t, g in zip(toks, tags)] for lg, tags in labels.items()}
    links = {src: [[(i, i) for i in range(len(t))] for t in toks] for src in ("en", "it", "de")}
    multi, combine, single, src, f1 = projected_selection_half(gold, "es", links, [0, 1, 2])
    assert src == "en" and f1["single: en"] == 1.0
    assert f1["single: de"] == pytest.approx(2 * (4 / 4) * (4 / 5) / (4 / 4 + 4 / 5))
    assert f1["single: it"] == pytest.approx(2 * (5 / 6) * 1.0 / (5 / 6 + 1.0))
    assert [s.tags for s in single] == truth and [s.tokens for s in single] == toks
    assert f1["multi: vote"] == 1.0 and combine == "vote" and [s.tags for s in multi] == truth


def test_europarl_links_reverse_from_cache(tmp_path, monkeypatch):
    import xlner.align.recipe as recipe
    from xlner.studies.route_robustness import europarl_links

    calls = []

    def fake_align(src, tgt, **kwargs):
        calls.append((src, tgt))
        return [[(0, 1), (2, 0)], []]

    monkeypatch.setattr(recipe, "align_tokens", fake_align)
    gold = {"en": [Sentence(["a", "b", "c"]), Sentence(["d"])], "de": [Sentence(["x", "y"]), Sentence(["z"])]}
    assert europarl_links(tmp_path, gold, "en", "de", tmp_path, limit=2) == [[(0, 1), (2, 0)], []]
    assert len(calls) == 1 and len(list(tmp_path.glob("europarl.en-de.recipe.*.talp"))) == 1
    # the reverse direction is read from the same cached alignment, links swapped
    assert europarl_links(tmp_path, gold, "de", "en", tmp_path, limit=2) == [[(0, 2), (1, 0)], []]
    assert len(calls) == 1
    # other sentences: another key, aligned anew
    gold["de"][1] = Sentence(["w"])
    europarl_links(tmp_path, gold, "en", "de", tmp_path, limit=2)
    assert len(calls) == 2 and len(list(tmp_path.glob("europarl.en-de.recipe.*.talp"))) == 2
