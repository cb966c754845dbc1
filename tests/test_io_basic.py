from __future__ import annotations

import pytest

from xlner.io import read_conll, read_talp
from xlner.io.errors import FormatError


def test_conll_roundtrip_and_missing_trailing_blank(tmp_path):
    p = tmp_path / "a.conll"
    p.write_text("John\tB-PER\nSmith\tI-PER\nruns\tO\n\n-DOCSTART- O\n\nParis B-LOC", encoding="utf-8")
    sents = read_conll(p)
    assert [s.tokens for s in sents] == [["John", "Smith", "runs"], ["-DOCSTART-"], ["Paris"]]
    assert sents[0].tags == ["B-PER", "I-PER", "O"]
    assert sents[1].is_docstart


def test_talp_bad_pair_names_sentence(tmp_path):
    p = tmp_path / "a.talp"
    p.write_text("0-0 1-1\n0-1-2\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"sentence 1, field alignment"):
        read_talp(p)
