"""Studies and `xlner report` on small slices of the real data: structure, determinism, numbers equal
to seqeval's. eflomal is not run here: the studies' aligner is the lexical aligner."""
from __future__ import annotations

import json

import pytest
from seqeval.metrics import f1_score

from xlner.align.lexical import LexicalAligner
from xlner.io import read_conll
from xlner.projection import MatchingConfig, project
from xlner.studies import europarl, four_aligners, noise_study
from xlner.studies.common import gold_batch, result_tags
from xlner.studies.report import run_report

N = 40


def lexical(src, tgt, extra_src, extra_tgt, *, prefix_len, threads=-1):
    """The studies' aligner interface, served by the lexical aligner (both directions the same)."""
    links = LexicalAligner().align_batch(src, tgt)
    return links, links


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_europarl_study_numbers_equal_seqeval(shared_data, cache, tmp_path):
    res = europarl.run(shared_data, tmp_path, langs=("de",), aligner=lexical, prefix_lens=(5,), cache_dir=cache,
                       limit=N, threads=1)
    main = res.tables[0]
    assert main.headers[:2] == ["method", "de F1"]
    row = next(r for r in main.rows if r[0] == "greedy <=1")
    chosen = res.tables[1].note[len("Chosen: "):-len(", stem 5.")]
    assert len(list(cache.glob(f"europarl.en-de.lexical.p5.n{N}.*.fwd.talp"))) == 1
    # recompute independently with seqeval, on the reported half (odd sentences)
    en = read_conll(shared_data / "europarl-ner" / "en.conll")[:N]
    de = read_conll(shared_data / "europarl-ner" / "de.conll")[:N]
    links = lexical([s.tokens for s in en], [s.tokens for s in de], None, None, prefix_len=5)[0]
    links = europarl.alignment_variants(en, de, links, links)[chosen]
    odd = list(range(1, N, 2))
    en, de, links = [en[i] for i in odd], [de[i] for i in odd], [links[i] for i in odd]
    tl = [len(s.tokens) for s in de]
    r = project(gold_batch(en, de, links), "greedy", matching=MatchingConfig(constraint="<=1"))
    assert row[1] == pytest.approx(f1_score([s.tags for s in de], result_tags(r, tl)))
    assert any(r[0].startswith("published") for r in main.rows)
    assert {r[0] for r in res.tables[1].rows} >= {"intersection", "union", "grow-diag-final-and", "gdfa+lexical",
                                                  "gdfa+names"}


def test_four_aligner_study_structure(shared_data, tmp_path):
    res = four_aligners.run(shared_data, tmp_path, langs=("es",), limit=60, threads=1)
    t = res.tables[0]
    assert [r[1] for r in t.rows] == list(four_aligners.ALIGNERS)
    for r in t.rows:
        # the elp heuristic reproduces the shipped silver labels exactly (see the ELP parity tests)
        assert r[2] == pytest.approx(1.0)
        assert all(0.0 <= x <= 1.0 for x in r[2:8])


def test_noise_study_deterministic_and_rate_zero_matches_clean(shared_data, cache, tmp_path):
    kw = dict(langs=("de",), aligner=lexical, limit=N, rates=(0.0, 0.3), seed=3, threads=1, plot=False,
              alignment="union")
    a = noise_study.run(shared_data, tmp_path, **kw)
    b = noise_study.run(shared_data, tmp_path, **kw)
    assert a.tables[0].rows == b.tables[0].rows
    rows = {(r[0], r[1]): r[2:] for r in a.tables[0].rows}
    assert rows[("drop", "0%")] == rows[("add", "0%")] == rows[("shift", "0%")]
    assert rows[("drop", "30%")] != rows[("drop", "0%")]


def test_report_command_writes_folder(shared_data, cache, tmp_path):
    path = run_report(["four-aligners"], shared_data, tmp_path / "rep", argv=["xlner", "report"], limit=20,
                      threads=1, aligner=lexical)
    text = path.read_text()
    assert "Command: `xlner report`" in text and "four_aligners" in text
    data = json.loads((tmp_path / "rep" / "results.json").read_text())
    assert data["studies"][0]["tables"][0]["rows"]
    with pytest.raises(ValueError, match="unknown studies"):
        run_report(["nope"], shared_data, tmp_path / "x")
