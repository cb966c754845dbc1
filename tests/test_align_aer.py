"""AER, precision and recall against hand-computed values and the shared gold files."""
from __future__ import annotations

import pytest

from xlner.align import alignment_error_rate, read_gold, read_parallel
from xlner.align.aer import check_in_range, read_hypothesis


def test_hand_computed():
    # S = {(0,0),(1,1)}, P = S + {(1,2)}; A = {(0,0),(1,2),(2,2)}
    r = alignment_error_rate([[(0, 0), (1, 2), (2, 2)]], [[(0, 0), (1, 1)]], [[(1, 2)]])
    assert r.hits_sure == 1 and r.hits_possible == 2
    assert r.precision == pytest.approx(2 / 3)
    assert r.recall == pytest.approx(1 / 2)
    assert r.aer == pytest.approx(1 - (1 + 2) / (3 + 2))
    assert r.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_corpus_level_sums_and_perfect():
    sure = [[(0, 0)], [(0, 1), (1, 0)]]
    assert alignment_error_rate(sure, sure).aer == 0.0
    r = alignment_error_rate([[(0, 0)], []], sure)
    assert (r.precision, r.recall) == (1.0, pytest.approx(1 / 3))
    assert r.aer == pytest.approx(1 - 2 / 4)
    with pytest.raises(ValueError, match="hypothesis has 1 sentences"):
        alignment_error_rate([[]], sure)


def test_shared_gold_files(shared_data):
    d = shared_data / "word-alignment-gold"
    src, tgt = read_parallel(d / "enfr.src-tgt")
    sure, possible = read_gold(d / "enfr.gold")
    assert len(src) == len(tgt) == len(sure) == 447
    assert sum(map(len, possible)) > 0
    check_in_range(sure, src, tgt, "sure")
    check_in_range(possible, src, tgt, "possible")
    # the gold scored against itself (sure + possible as hypothesis): recall 1, precision 1
    r = alignment_error_rate([s + p for s, p in zip(sure, possible)], sure, possible)
    assert r.precision == 1.0 and r.recall == 1.0
    rs, rt = read_parallel(d / "roen.src-tgt")
    rsure, _ = read_gold(d / "roen.gold")
    assert len(rs) == len(rsure) == 248
    check_in_range(rsure, rs, rt, "sure")


def test_read_hypothesis_and_range_errors(tmp_path):
    p = tmp_path / "h.talp"
    p.write_text("0-0 1-1\n\n2p1\n", encoding="utf-8")
    assert read_hypothesis(p) == [[(0, 0), (1, 1)], [], [(2, 1)]]
    with pytest.raises(ValueError, match="sentence 0, field hyp: target index 1"):
        check_in_range([[(0, 1)]], [["a"]], [["b"]], "hyp")
    bad = tmp_path / "pairs"
    bad.write_text("a b c\n", encoding="utf-8")
    with pytest.raises(ValueError, match="field pair"):
        read_parallel(bad)
