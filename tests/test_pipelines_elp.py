"""Translate-train on real data: English CoNLL-2003 gold, its DeepL translations and awesome-align
alignments as shipped (precomputed inputs), projected with the Easy-Label-Projection preset, must give the
silver labels that Easy-Label-Projection itself shipped for those translations (entity-level F1 = 1)."""
from __future__ import annotations

import itertools

import pytest

from xlner.evaluate import evaluate
from xlner.io.conll import iter_conll
from xlner.pipelines import config_from_dict, translate_train
from xlner.pipelines.stages import iter_talp

N = 600


@pytest.mark.parametrize("lang", ["de", "es", "it"])
def test_translate_train_elp_reproduces_shipped_silver_labels(tmp_path, shared_data, lang):
    base = shared_data / "conll2003-deepl"
    src = list(itertools.islice(iter_conll(base / "en" / "test.tsv"), N))
    silver = list(itertools.islice(iter_conll(base / lang / "test.awesome.tsv"), N))
    links = list(itertools.islice(iter_talp(base / lang / "alignments" / "test.awesome.talp"), N))
    cfg = config_from_dict({"kind": "translate-train", "src_lang": "en", "tgt_lang": lang, "progress": False,
                            "chunk_size": 250, "projection": {"method": "heuristic", "heuristic": "elp"}})
    out = translate_train(src, cfg, translations=[s.tokens for s in silver], alignments=links,
                          output_dir=tmp_path, collect=True)
    assert [s.tokens for s in out.sentences] == [s.tokens for s in silver]
    report = evaluate([s.tags for s in silver], [s.tags for s in out.sentences])
    assert report.micro.support > 300
    assert report.micro.f1 == 1.0
    assert out.summary.projected_entities == report.micro.predicted
