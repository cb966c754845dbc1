"""`xlner report`'s Europarl-NER benchmark chooses its parameters on one half and reports the other:
a synthetic corpus and a scripted aligner whose links are right on one half only show which half
decided, and two runs give the same tables (no data from ../shared needed)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import pytest
from seqeval.metrics import f1_score

from xlner.studies import europarl
from xlner.studies.report import run_report

N = 24


def _write_corpus(root: Path) -> None:
    """Europarl-NER look-alike: en and de sentences of 4 words, one PER and one LOC entity each; the German
    words share no spelling with the English ones (so the lexical aligner finds nothing)."""
    d = root / "europarl-ner"
    d.mkdir(parents=True)
    en_lines, de_lines = [], []
    for i in range(N):
        tags = ["B-PER", "O", "B-LOC", "O"] if i % 3 else ["O", "B-PER", "I-PER", "B-LOC"]
        en_lines += [f"e{i}w{k} {t}" for k, t in enumerate(tags)] + [""]
        de_lines += [f"g{i}x{k} {t}" for k, t in enumerate(tags)] + [""]
    (d / "en.conll").write_text("\n".join(en_lines), encoding="utf-8")
    (d / "de.conll").write_text("\n".join(de_lines), encoding="utf-8")


class ScriptedAligner:
    """Identity links (correct) on even sentences and shifted links (wrong) on odd ones for stem length 0;
    the opposite for any other stem length. Records what it was trained on."""

    __name__ = "scripted"

    def __init__(self) -> None:
        self.calls: List[Tuple[int, int, Optional[int]]] = []

    def __call__(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], extra_src, extra_tgt, *,
                 prefix_len: int, threads: int = -1):
        self.calls.append((prefix_len, len(src), None if extra_src is None else len(extra_src)))
        links = []
        for i, (s, t) in enumerate(zip(src, tgt)):
            right = (i % 2 == 0) == (prefix_len == 0)
            links.append([(k, k if right else (k + 1) % len(t)) for k in range(len(s))])
        return links, [list(x) for x in links]


@pytest.fixture
def corpus(tmp_path):
    _write_corpus(tmp_path / "data")
    return tmp_path / "data"


def test_split_halves_and_select_best():
    assert europarl.split_halves(5) == ([0, 2, 4], [1, 3])
    assert europarl.split_halves(0) == ([], [])
    scores = {"a": {"de": 0.5, "es": 0.7}, "b": {"de": 0.9, "es": 0.3}, "c": {"de": 0.2, "es": 0.1}}
    assert europarl.select_best(scores) == "a"  # means 0.6, 0.6, 0.15: the tie goes to the first key
    assert europarl.select_best({"x": {"de": 0.1}, "y": {"de": 0.2}}) == "y"
    with pytest.raises(ValueError):
        europarl.select_best({})


def test_choice_made_on_the_selection_half_only(corpus, tmp_path):
    aligner = ScriptedAligner()
    res = europarl.run(corpus, tmp_path / "out", langs=("de",), aligner=aligner, prefix_lens=(0, 5), extra_text=False,
                      threads=1)
    # stem 0 is perfect on the even (selection) sentences and wrong on the odd (reported) ones: it must be
    # chosen, and the reported figures must be the poor ones of the odd half.
    main, by_alignment, sweep = res.tables[0], res.tables[1], res.tables[2]
    assert "stem off" in main.title and by_alignment.note.endswith("stem off.")
    assert "even 0-based index" in main.note and any("reported half" in n for n in res.notes)
    rows = {r[0]: r for r in by_alignment.rows if r[0] == "grow-diag-final-and"}
    sel_f1 = {r[1]: r[2] for r in by_alignment.rows if r[0] == "grow-diag-final-and"}
    assert rows and sel_f1 == {"off": 1.0, 5: 0.0}
    # independent recomputation on the odd half with the chosen (shifted there) links
    en = [s for s in europarl.load_gold(corpus, "en")]
    de = [s for s in europarl.load_gold(corpus, "de")]
    odd = list(range(1, N, 2))
    gold = [de[i].tags for i in odd]
    pred = []
    for i in odd:  # greedy <=1 with shifted links: each one-word entity moves one word right
        tags = ["O"] * 4
        for start, tag in enumerate(en[i].tags):
            if tag.startswith("B-"):
                end = start + 1
                while end < 4 and en[i].tags[end] == "I-" + tag[2:]:
                    end += 1
                tgt = [(k + 1) % 4 for k in range(start, end)]
                lo, hi = min(tgt), max(tgt) + 1
                if hi - lo == end - start:  # contiguous image
                    tags[lo:hi] = [tag] + ["I-" + tag[2:]] * (hi - lo - 1)
        pred.append(tags)
    greedy = next(r for r in main.rows if r[0] == "greedy <=1")
    assert greedy[1] == pytest.approx(f1_score(gold, pred))
    assert greedy[1] < 0.5
    assert sweep.note.startswith("Chosen: ")
    # whole Europarl-NER is aligned (no labels read), no extra text: no conll2003-deepl here
    assert sorted(aligner.calls) == [(0, N, None), (5, N, None)]


def test_limit_shortens_the_aligner_training(corpus, tmp_path):
    aligner = ScriptedAligner()
    europarl.run(corpus, tmp_path / "out", langs=("de",), aligner=aligner, prefix_lens=(0,), limit=10, threads=1)
    assert aligner.calls == [(0, 10, None)]


def test_report_same_command_same_tables(corpus, tmp_path):
    for run in ("a", "b"):
        run_report(["europarl"], corpus, tmp_path / run, argv=["xlner", "report"], aligner=ScriptedAligner(),
                   langs=("de",), prefix_lens=(0, 5), extra_text=False, threads=1)
    a, b = (json.loads((tmp_path / r / "results.json").read_text()) for r in ("a", "b"))
    tables_a, tables_b = a["studies"][0]["tables"], b["studies"][0]["tables"]
    timing = [t for t in tables_a if "machine-dependent" in t["title"]]
    assert len(timing) == 1
    assert [t for t in tables_a if t not in timing] == [t for t in tables_b if "machine-dependent" not in t["title"]]
    assert not (tmp_path / "a" / "cache").exists()  # alignments computed in the run, nothing left behind
