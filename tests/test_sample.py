"""The bundled sample and the README's first command (``sample:NAME`` paths), on a fresh clone too."""
from __future__ import annotations

import json

import pytest
from seqeval.metrics import f1_score

from xlner.cli import main
from xlner.datasets import resolve_path
from xlner.io import read_conll, read_talp


def test_sample_files_are_parallel():
    en, de = read_conll(resolve_path("sample:en.conll")), read_conll(resolve_path("sample:de.conll"))
    aln = read_talp(resolve_path("sample:en-de.talp"))
    assert len(en) == len(de) == len(aln) == 200
    for i, links in enumerate(aln):
        assert all(0 <= s < len(en[i].tokens) and 0 <= t < len(de[i].tokens) for s, t in links)


def test_readme_command_projects_and_evaluates(tmp_path, capsys):
    out = tmp_path / "de.projected.conll"
    rc = main(["project", "--source", "sample:en.conll", "--target", "sample:de.conll", "--alignments",
               "sample:en-de.talp", "--method", "greedy", "--out", str(out), "--quiet"])
    assert rc == 0
    pred, gold = read_conll(out), read_conll(resolve_path("sample:de.conll"))
    assert [s.tokens for s in pred] == [s.tokens for s in gold]
    capsys.readouterr()
    assert main(["evaluate", "--gold", "sample:de.conll", "--pred", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["micro"]["f1"] == pytest.approx(f1_score([s.tags for s in gold], [s.tags for s in pred]))


def test_unknown_sample_name_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="known: de.conll, en-de.talp, en.conll"):
        resolve_path("sample:nope.conll")
