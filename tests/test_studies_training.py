"""The translate-train training study on a slice of the real data: the projected training sets are the
projections of the English gold (checked against a direct call), and the table's F1 is what the cached
CRF scores on the Europarl-NER gold."""
from __future__ import annotations

import pytest

pytest.importorskip("pycrfsuite")

from xlner.datasets import conll_deepl_paths  # noqa: E402
from xlner.evaluate import evaluate  # noqa: E402
from xlner.io import read_conll  # noqa: E402
from xlner.studies import training  # noqa: E402
from xlner.tagging import iob2_to_spans  # noqa: E402

pytestmark = pytest.mark.shared_data


def test_projected_training_sets(shared_data):
    sets = training.projected_training_sets(shared_data, "de", limit=60, threads=1)
    assert set(sets) == {training.SILVER, *training.ROUTES}
    sp, tp, ap = conll_deepl_paths(shared_data, "de", "train", "awesome")
    src, tgt = read_conll(sp), read_conll(tp)
    keep = [i for i, s in enumerate(src) if not s.is_docstart][:60]
    assert any(tgt[i].tokens != ["-DOCSTART-"] and src[i - 1].is_docstart for i in keep)
    silver = sets[training.SILVER]
    assert [s.tokens for s in silver] == [tgt[i].tokens for i in keep]
    assert [s.tags for s in silver] == [tgt[i].tags for i in keep]
    for name, sents in sets.items():
        assert [s.tokens for s in sents] == [s.tokens for s in silver], name
    # <=1: exact and greedy never project an English entity more often than once, so a sentence never
    # gets more entities than its English side has
    for name in ("greedy", "exact"):
        for k, i in enumerate(keep):
            assert len(iob2_to_spans(sets[name][k].tags)) <= len(iob2_to_spans(src[i].tags))
    assert sum(len(iob2_to_spans(s.tags)) for s in sets["greedy"]) > 0


def _one(folder, pattern):
    """The one cache file matching ``pattern`` (its name carries a content digest: xlner.studies.cache)."""
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_run_table_matches_cached_crf(shared_data, tmp_path):
    from xlner.models.crf import CRFTagger

    res = training.run(shared_data, tmp_path, langs=("de",), limit=40, max_iterations=20, bootstrap_samples=50,
                       robustness=False, distill=True, routes=False, threads=1)
    table = res.tables[0]
    names = [r[1] for r in table.rows]
    assert names == [training.TRANSFER, training.SILVER, *training.ROUTES]
    gold = read_conll(shared_data / "europarl-ner" / "de.conll")
    crf = CRFTagger.load(_one(tmp_path / "cache", "crf.de.greedy.n40.it20.*.crf"))
    f1 = evaluate([s.tags for s in gold], crf.predict([s.tokens for s in gold])).micro.f1
    row = table.rows[names.index("greedy")]
    assert row[4] == pytest.approx(f1)
    lo, hi = (float(x) for x in str(row[5]).strip("[]").split(","))
    assert lo <= round(f1, 3) + 1e-9 and round(f1, 3) <= hi + 1e-9
    assert (tmp_path / res.plots[0]).is_file()

    _check_teacher_student(res, shared_data, tmp_path)


def _check_teacher_student(res, shared_data, tmp_path):
    """The teacher-student rows: the two baselines, then one per teacher set, figures on the reported (odd)
    half; the F1 of each row is what its cached CRF file scores there."""
    from xlner.models.crf import CRFTagger
    from xlner.studies.teacher_student import TEACHER_SETS

    table = next(t for t in res.tables if t.title.startswith("Teacher-student"))
    assert [r[1] for r in table.rows] == ["translate-train (greedy)", "model transfer (English CRF)", *TEACHER_SETS]
    odd = read_conll(shared_data / "europarl-ner" / "de.conll")[1::2]

    def f1(path):
        crf = CRFTagger.load(path)
        return evaluate([s.tags for s in odd], crf.predict([s.tokens for s in odd])).micro.f1

    assert table.rows[0][8] == pytest.approx(f1(_one(tmp_path / "cache", "crf.de.greedy.n40.it20.*.crf")))
    for k, (row, (_, _, variants)) in enumerate(zip(table.rows[2:], TEACHER_SETS.values())):
        j = [v.name for v in variants].index(str(row[2]))
        assert row[8] == pytest.approx(f1(_one(tmp_path / "cache", f"student.de.n40.it20.t{k}.v{j}.*.crf")))
