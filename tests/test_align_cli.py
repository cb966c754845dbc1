"""CLI modules ``xlner align`` and ``xlner aer`` (called through their own argparse entry points)."""
from __future__ import annotations

import json

import pytest

from xlner.commands import aer as aer_cmd
from xlner.commands import align as align_cmd


def test_lexical_align_then_aer(tmp_path, capsys):
    pairs = tmp_path / "pairs"
    pairs.write_text("the red car ||| the car red\nParis is big ||| Paris est grand\n", encoding="utf-8")
    gold = tmp_path / "gold"
    gold.write_text("1-1 2p3 3-2\n1-1 2-2 3p3\n", encoding="utf-8")
    out = tmp_path / "hyp.talp"
    assert align_cmd.main(["--input", str(pairs), "-o", str(out), "--aligner", "lexical", "--quiet"]) == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["0-0 1-2 2-1", "0-0"]
    capsys.readouterr()
    assert aer_cmd.main(["--hyp", str(out), "--gold", str(gold), "--pairs", str(pairs), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    # A = {00,12,21,00'}; S = {00,21 | 00,11}; P = S + {12 | 22}: |A∩S| = 3, |A∩P| = 4
    assert (r["hits_sure"], r["hits_possible"], r["n_hyp"], r["n_sure"]) == (3, 4, 4, 4)
    assert r["aer"] == pytest.approx(1 - 7 / 8)


def test_aer_line_mismatch_and_parser_registration(tmp_path, capsys):
    import argparse

    hyp = tmp_path / "h"
    hyp.write_text("0-0\n", encoding="utf-8")
    gold = tmp_path / "g"
    gold.write_text("1-1\n1-1\n", encoding="utf-8")
    assert aer_cmd.main(["--hyp", str(hyp), "--gold", str(gold)]) == 2
    assert "has 1 lines" in capsys.readouterr().err
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    align_cmd.add_parser(sub)
    aer_cmd.add_parser(sub)
    args = parser.parse_args(["align", "--europarl-ner", "de", "-o", "x"])
    assert args.func is align_cmd.run and args.aligner is None  # resolved to eflomal by run()
