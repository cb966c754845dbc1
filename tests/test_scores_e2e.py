"""End to end with tiny real models (random weights, tokenizers trained on the fly): token tagger → NER
score (against the formula evaluated on the tagger's raw outputs) → fusion with the alignment score →
greedy (against the pure-Python greedy on the fused matrix written from its definition), exact and ilp;
tagger spans as candidates; tiny NLLB → translation score (against score_pairs one pair at a time) → all_fusion →
greedy."""
from __future__ import annotations

import numpy as np
import pytest
from seqeval.metrics.sequence_labeling import get_entities

pytest.importorskip("torch")
pytest.importorskip("transformers")

import tinymodels  # noqa: E402
from tinymodels import one_torch_thread  # noqa: E402,F401
from xlner.batch import LabelVocab, ProjectionBatch  # noqa: E402
from xlner.projection import MatchingConfig, project  # noqa: E402
from xlner.reference.greedy import alignment_score_matrix, greedy, ngrams  # noqa: E402
from xlner.scores import (alignment_scores, candidate_spans, fuse, ner_candidates, ner_scores, nmt_scores,  # noqa: E402
                          preset_weights, tagger_probabilities)

SRC = [
    "Angela Merkel spoke with Emmanuel Macron in Berlin .".split(),
    "The Commission presented its report to the Council .".split(),
    "Kofi Annan was born in Kumasi , Ghana .".split(),
]
TGT = [
    "Angela Merkel sprach mit Emmanuel Macron in Berlin .".split(),
    "Die Kommission legte dem Rat ihren Bericht vor .".split(),
    "Kofi Annan wurde in Kumasi , Ghana , geboren .".split(),
]
ENTITIES = [  # (start, end, label name) on the source side
    [(0, 2, "PER"), (3, 5, "PER"), (6, 7, "LOC")],
    [(1, 2, "ORG"), (7, 8, "ORG")],
    [(0, 2, "PER"), (5, 6, "LOC"), (7, 8, "LOC")],
]
LINKS = [
    [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8)],
    [(0, 0), (1, 1), (2, 2), (4, 6), (5, 6), (7, 4), (8, 8)],
    [(0, 0), (1, 1), (2, 2), (4, 3), (5, 4), (6, 5), (7, 6), (8, 9)],
]


@pytest.fixture(scope="module")
def tagger():
    from transformers.utils import logging as hf_logging

    from xlner.models.token_tagger import TokenTagger

    hf_logging.disable_progress_bar()
    return TokenTagger.from_pretrained(str(tinymodels.tiny_tagger_dir()))


@pytest.fixture(scope="module")
def nmt():
    from transformers.utils import logging as hf_logging

    from xlner.models.nmt_scorer import NMTScorer

    hf_logging.disable_progress_bar()
    return NMTScorer.from_pretrained(str(tinymodels.tiny_nllb_dir()))


def make_batch() -> ProjectionBatch:
    labels = LabelVocab(["PER", "LOC", "ORG"])
    ents = [[(s, e, labels.id(l)) for s, e, l in row] for row in ENTITIES]
    return ProjectionBatch.from_lists([len(s) for s in SRC], [len(t) for t in TGT], ents, LINKS, labels=labels)


def direct_ner(raw: np.ndarray, tags, label: str, a: int, b: int, alpha: float = 1.15) -> float:
    col = {t: k for k, t in enumerate(tags)}
    total = float(raw[a, col["B-" + label]]) + sum(float(raw[k, col["I-" + label]]) for k in range(a + 1, b))
    return alpha ** (b - a - 1) * total / (b - a)


def test_tagger_ner_score_fused_with_alignment_drives_greedy(tagger):
    batch = make_batch()
    raw = tagger.predict_proba(TGT)
    probs = tagger_probabilities(tagger, TGT, batch.labels)
    max_len = 4
    ner = ner_scores(batch, probs, max_len=max_len)
    spans = ner_scores(batch, probs, variant="spans", max_len=max_len)
    align = alignment_scores(batch, max_len=max_len)
    classes = [t[2:] for t in tagger.tags if t.startswith("B-")]
    for i in range(len(batch)):
        cands = ngrams(len(TGT[i]), max_len)
        want = []
        want_spans = []
        for k, (_, _, lab) in enumerate(batch.entities(i)):
            for a, b in cands:
                v = direct_ner(raw[i], tagger.tags, batch.labels.name(lab), a, b)
                if v > 0.05:
                    want.append((k, a, b, v))
                v = max(direct_ner(raw[i], tagger.tags, c, a, b) for c in classes)
                if v > 0.05:
                    want_spans.append((k, a, b, v))
        for got, exp in ((ner.entries(i), want), (spans.entries(i), want_spans)):
            assert [x[:3] for x in got] == [x[:3] for x in exp]
            assert [x[3] for x in got] == pytest.approx([x[3] for x in exp], rel=1e-6)

    for preset in ("align_ner", "align_ner_spans"):
        w = preset_weights(preset)
        fused = fuse({"align": align, "ner": ner, "ner_spans": spans}, preset, batch=batch)
        r = project(batch, "greedy", scores=fused, matching=MatchingConfig(max_len=max_len))
        for i in range(len(batch)):
            cands = ngrams(len(TGT[i]), max_len)
            ents = [(s, e) for s, e, _ in batch.entities(i)]
            dense = [[w["align"] * v for v in row] for row in alignment_score_matrix(ents, LINKS[i], cands)]
            for name in ("ner", "ner_spans"):
                m = {"ner": ner, "ner_spans": spans}[name]
                for e, a, b, v in m.entries(i):
                    dense[e][cands.index((a, b))] += w[name] * v
            want = sorted((cands[c][0], cands[c][1], e) for e, c, _ in greedy(dense, cands, "<=", 1))
            assert [(s, e, ent) for s, e, _, ent, _ in r.spans(i)] == want
        # the exact interval solver and the HiGHS ILP agree on the optimum, which greedy never beats
        opt = {m: project(batch, m, scores=fused, matching=MatchingConfig(max_len=max_len)) for m in ("exact", "ilp")}
        assert opt["exact"].objective == pytest.approx(opt["ilp"].objective, abs=1e-9)
        assert np.all(opt["exact"].objective >= r.objective - 1e-9)


def test_tagger_spans_as_candidates(tagger):
    batch = make_batch()
    probs = tagger_probabilities(tagger, TGT, batch.labels)
    nb = ner_candidates(batch, probs, subranges=True)
    raw = tagger.predict_proba(TGT)
    for i, got in enumerate(candidate_spans(nb, candidates="external")):
        tags = [tagger.tags[int(k)] for k in np.argmax(raw[i], axis=1)]
        want = sorted({(a, b) for _, s, e in get_entities(tags) for a in range(s, e + 1) for b in range(a + 1, e + 2)})
        assert got == want
    # candidates restricted to the tagger's spans still drive the projection
    r = project(nb, "greedy", scores=fuse({"align": alignment_scores(nb, candidates="external"),
                                           "ner": ner_scores(nb, probs, candidates="external")}, "align_ner"),
                matching=MatchingConfig(candidates="external"))
    for i, cands in enumerate(candidate_spans(nb, candidates="external")):
        assert all((s, e) in cands for s, e, *_ in r.spans(i))


def test_nmt_score_all_fusion_drives_greedy(tagger, nmt):
    batch = make_batch()
    max_len = 2
    m = nmt_scores(batch, nmt, SRC, TGT, max_len=max_len, src_lang="eng_Latn", tgt_lang="deu_Latn")
    # one pair at a time, straight from the scorer
    for i in (0, 2):
        got = {(e, a, b): v for e, a, b, v in m.entries(i)}
        for k, (s, e, _) in enumerate(batch.entities(i)):
            for a, b in ngrams(len(TGT[i]), max_len):
                v = float(nmt.score_pairs([" ".join(SRC[i][s:e])], [" ".join(TGT[i][a:b])], a_lang="eng_Latn",
                                          b_lang="deu_Latn")[0])
                if v > 0.1:
                    assert got.pop((k, a, b)) == pytest.approx(v, rel=1e-5)
        assert got == {}
    probs = tagger_probabilities(tagger, TGT, batch.labels)
    mats = {"align": alignment_scores(batch, max_len=max_len), "nmt": m,
            "ner_spans": ner_scores(batch, probs, variant="spans", max_len=max_len)}
    w = preset_weights("all_fusion")
    fused = fuse(mats, {k: w[k] for k in mats}, batch=batch)
    for constraint in ("<=1", "=1"):
        r = project(batch, "greedy", scores=fused, matching=MatchingConfig(max_len=max_len, constraint=constraint))
        for i in range(len(batch)):
            cands = ngrams(len(TGT[i]), max_len)
            dense = [[0.0] * len(cands) for _ in batch.entities(i)]
            for name, mat in mats.items():
                for e, a, b, v in mat.entries(i):
                    dense[e][cands.index((a, b))] += w[name] * v
            want = sorted((cands[c][0], cands[c][1], e) for e, c, _ in greedy(dense, cands, constraint[:-1], 1))
            assert [(s, e, ent) for s, e, _, ent, _ in r.spans(i)] == want
