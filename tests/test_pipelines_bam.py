"""The wiring of ``bench/run_translate_test_bam.py`` on a slice: shipped NLLB translations and AccAlign
alignments of MasakhaNER Bambara, a small English CRF, projection back, evaluation on PER/ORG/LOC."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
N = 60


def _bench():
    spec = importlib.util.spec_from_file_location("run_translate_test_bam",
                                                  ROOT / "bench" / "run_translate_test_bam.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("run_translate_test_bam", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def bench():
    return _bench()


@pytest.fixture(scope="module")
def crf(shared_data, bench):
    pytest.importorskip("pycrfsuite")
    pytest.importorskip("xlner.models.crf")
    return bench.train_crf(shared_data / "conll2003-deepl" / "en" / "train.tsv", limit=1500, max_iterations=30)


def _methods():
    return ["heuristic", "heuristic-elp", "greedy", "exact"]


def test_bambara_slice_translate_test(tmp_path, shared_data, bench, crf):
    data = bench.sliced(shared_data / "masakhaner2-translate-test" / "bam-en.nllb.accalign.jsonl", N, tmp_path)
    raw = [json.loads(l) for l in data.read_text(encoding="utf-8").splitlines()]
    assert len(raw) == N
    methods = _methods()
    rows = bench.run_methods(crf, methods, tmp_path / "runs", data=data, collect=True)
    assert [r["name"] for r in rows][:-1] == [f"translate-test, {m}" for m in methods]
    seqeval = pytest.importorskip("seqeval.metrics")

    def keep(t):
        return t if t == "O" or t[2:] in ("PER", "ORG", "LOC") else "O"

    gold = [[keep(bench.MASAKHANER_TAGS[i]) for i in r["org_ner_tags"]] for r in raw]
    for m, row in zip(methods + ["model-transfer"], rows):
        out = row["output"]
        s = out.summary
        assert s.sentences == N
        assert [x.tokens for x in out.sentences] == [r["org_tokens"] for r in raw]
        pred = [[keep(t) for t in x.tags] for x in out.sentences]
        assert all(len(p) == len(g) for p, g in zip(pred, gold))
        assert s.evaluation["f1"] == pytest.approx(seqeval.f1_score(gold, pred))
        assert s.evaluation["precision"] == pytest.approx(seqeval.precision_score(gold, pred))
        if m == "model-transfer":
            continue
        # every English entity came from the tagger, MISC dropped; all runs project the same ones
        preds = [json.loads(l) for l in (tmp_path / "runs" / methods[0] / "source_predictions.jsonl")
                 .read_text(encoding="utf-8").splitlines()]
        assert [p["tokens"] for p in preds] == [r["tokens"] for r in raw]
        assert s.source_entities == sum(
            1 for p in preds for a, b, lab in _spans(p["tags"]) if lab in ("PER", "ORG", "LOC"))
        assert 0 < s.projected_entities <= s.source_entities
        # a projected span touches at least one link of its English entity (checked on the raw data)
        for r, p, sp in zip(raw, preds, out.spans):
            links = {(a, b) for a, b in r["alignment"]}
            ents = [x for x in _spans(p["tags"]) if x[2] in ("PER", "ORG", "LOC")]
            for x in sp.spans:
                ea, eb, lab = ents[x.entity]
                assert lab == x.label
                assert any((e, t) in links for e in range(ea, eb) for t in range(x.start, x.end))
    # the tagged run and a run from its precomputed source labels agree
    first = rows[0]["output"].sentences
    from xlner.pipelines import translate_test

    cfg = bench.pipeline_config(methods[0], data=data,
                                source_labels=str(tmp_path / "runs" / methods[0] / "source_predictions.jsonl"))
    re_run = translate_test(str(data), cfg, output_dir=tmp_path / "pre", collect=True)
    assert re_run.sentences == first
    assert "55.12" in bench.format_table(rows)


def _spans(tags):
    from xlner.tagging import iob2_to_spans

    return iob2_to_spans(tags)
