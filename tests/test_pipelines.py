"""End-to-end tests of the pipelines with injected, fully known models on real Europarl-NER sentences.

The "translator" maps to a pseudo-language: word order reversed and every word spelt backwards
(``[``/``]`` markers swap, so a marked span stays marked). It is an involution, so translating back
gives the original sentence, and the exact word alignment is known: word i of an n-word sentence
↔ word n-1-i. With an oracle tagger (the gold labels), every pipeline must reproduce the gold
entities on the other side, mirrored; this is the independent expectation the tests check, along
with the structural invariants, resume, precomputed inputs and streaming.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pytest

from xlner.io.conll import Sentence, iter_conll, read_conll
from xlner.io.jsonl import read_spans_jsonl
from xlner.pipelines import (PipelineConfig, StageFile, StreamingEvaluation, config_from_dict, keep_sentence,
                             load_config, mark_entities, model_transfer, translate_test, translate_train,
                             with_overrides)
from xlner.tagging import iob2_to_spans as spans_from_tags

N_SENT = 30


#: projection methods checked against the mirrored gold
METHODS = ["greedy", "heuristic", "exact", "ilp"]


# ---------------------------------------------------------------------------------------------
# Known models


def lines_of(path) -> List[str]:
    return Path(path).read_text(encoding="utf-8").splitlines()


def flip_word(w: str) -> str:
    return {"[": "]", "]": "["}.get(w, w[::-1])


class MirrorTranslator:
    """Pseudo-language translator: reversed word order, words spelt backwards. Counts its calls."""

    cache_key = "mirror"

    def __init__(self) -> None:
        self.calls = 0
        self.sentences = 0

    def translate(self, texts: Sequence[str], src_lang: str, tgt_lang: str) -> List[str]:
        self.calls += 1
        self.sentences += len(texts)
        return [" ".join(flip_word(w) for w in reversed(t.split())) for t in texts]


class MirrorAligner:
    """The exact alignment of a mirrored sentence pair: i ↔ n-1-i."""

    cache_key = "mirror"

    def __init__(self) -> None:
        self.calls = 0

    def align_batch(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[List[Tuple[int, int]]]:
        self.calls += 1
        out = []
        for s, t in zip(src, tgt):
            assert len(s) == len(t)
            out.append([(i, len(t) - 1 - i) for i in range(len(s))])
        return out


class OracleTagger:
    """Returns the gold tags of sentences it knows, ``O`` elsewhere."""

    cache_key = "oracle"

    def __init__(self, gold: Sequence[Sentence]):
        self.table: Dict[Tuple[str, ...], List[str]] = {tuple(s.tokens): list(s.tags) for s in gold}
        self.tags = ["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
        self.calls = 0

    def predict(self, sentences: Sequence[Sequence[str]]) -> List[List[str]]:
        self.calls += 1
        return [list(self.table.get(tuple(s), ["O"] * len(s))) for s in sentences]

    def predict_proba(self, sentences: Sequence[Sequence[str]]) -> List[np.ndarray]:
        """One-hot probabilities of the tags :meth:`predict` returns."""
        out = []
        for tags in self.predict(sentences):
            a = np.zeros((len(tags), len(self.tags)))
            a[np.arange(len(tags)), [self.tags.index(t) for t in tags]] = 1.0
            out.append(a)
        return out


def mirror_sentence(tokens: Sequence[str]) -> List[str]:
    return [flip_word(w) for w in reversed(tokens)]


def mirrored_spans(tags: Sequence[str]) -> List[Tuple[int, int, str]]:
    n = len(tags)
    return sorted((n - e, n - s, lab) for s, e, lab in spans_from_tags(tags))


@pytest.fixture(scope="module")
def english(shared_data: Path) -> List[Sentence]:
    sents = read_conll(shared_data / "europarl-ner" / "en.conll")[:N_SENT]
    assert sum(len(spans_from_tags(s.tags)) for s in sents) >= 10
    return sents


@pytest.fixture(scope="module")
def target(english: List[Sentence]) -> List[Sentence]:
    """The pseudo-language side with the mirrored gold labels (built from spans, independently of xlner)."""
    out = []
    for s in english:
        toks = mirror_sentence(s.tokens)
        tags = ["O"] * len(toks)
        for a, b, lab in mirrored_spans(s.tags):
            tags[a] = f"B-{lab}"
            for k in range(a + 1, b):
                tags[k] = f"I-{lab}"
        out.append(Sentence(toks, tags))
    return out


def cfg(kind: str, **kw) -> PipelineConfig:
    base = {"kind": kind, "progress": False, "src_lang": "xx", "tgt_lang": "en"}
    base.update(kw)
    return config_from_dict(base)


def check_structure(out_dir: Path, result, inputs: Sequence[Sentence], conll_name: str) -> None:
    """Labels aligned with tokens everywhere, files consistent with the returned sentences."""
    for x, s in zip(inputs, result.sentences):
        assert len(s.tags) == len(s.tokens)
    back = list(iter_conll(out_dir / conll_name, with_tags=True)) if conll_name != "predictions.conll" else None
    if back is not None:
        assert [b.tokens for b in back] == [s.tokens for s in result.sentences]
        assert [b.tags for b in back] == [s.tags for s in result.sentences]
    # spans.jsonl: the one spans schema (the reader of xlner.io validates every field and the sentence lengths)
    spans = read_spans_jsonl(out_dir / "spans.jsonl", lengths=[len(x.tokens) for x in inputs])
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["sentences"] == len(inputs)
    assert summary["projected_entities"] == sum(len(r.spans) for r in spans)


# ---------------------------------------------------------------------------------------------
# translate-test


@pytest.mark.parametrize("method", METHODS)
def test_translate_test_recovers_gold_through_exact_models(tmp_path, english, target, method):
    tr, al, tg = MirrorTranslator(), MirrorAligner(), OracleTagger(english)
    out = translate_test(target, cfg("translate-test", **{"projection": {"method": method}}), translator=tr,
                         tagger=tg, aligner=al, output_dir=tmp_path, tokenize=str.split, collect=True)
    assert [s.tokens for s in out.sentences] == [t.tokens for t in target]
    assert [s.tags for s in out.sentences] == [t.tags for t in target]
    n_ent = sum(len(spans_from_tags(s.tags)) for s in english)
    assert out.summary.source_entities == n_ent == out.summary.projected_entities
    assert out.summary.evaluation["f1"] == 1.0
    # predictions.conll: token, prediction (the writer of xlner project)
    rows = [l.split("\t") for l in lines_of(tmp_path / "predictions.conll") if l.strip()]
    assert rows == [[w, g] for t in target for w, g in zip(t.tokens, t.tags)]
    # intermediate files hold the English side and the links
    trans = [json.loads(l) for l in lines_of(tmp_path / "translations.jsonl")]
    assert [r["tokens"] for r in trans] == [s.tokens for s in english]
    check_structure(tmp_path, out, target, "predictions.conll")


def failing_tagger(gold: Sequence[Sentence], fail_on: int) -> OracleTagger:
    """An oracle tagger (same stage key) that raises on its ``fail_on``-th call."""
    tg = OracleTagger(gold)
    predict = tg.predict

    def failing(sentences: Sequence[Sequence[str]]) -> List[List[str]]:
        if tg.calls + 1 == fail_on:
            tg.calls += 1
            raise RuntimeError("tagger failed")
        return predict(sentences)

    tg.predict = failing  # type: ignore[method-assign]
    return tg


def test_failed_run_leaves_no_output_and_rerun_resumes_identically(tmp_path, english, target):
    c = cfg("translate-test", chunk_size=7)
    outputs = ("predictions.conll", "spans.jsonl")
    ref = translate_test(target, c, translator=MirrorTranslator(), tagger=OracleTagger(english),
                         aligner=MirrorAligner(), output_dir=tmp_path / "ref", tokenize=str.split)
    assert ref.summary.sentences == len(target)
    want = {f: (tmp_path / "ref" / f).read_bytes() for f in outputs}
    # fails on the 2nd chunk: no output appears, no temporary file is left behind, the stage files keep chunk 1
    with pytest.raises(RuntimeError, match="tagger failed"):
        translate_test(target, c, translator=MirrorTranslator(), tagger=failing_tagger(english, 2),
                       aligner=MirrorAligner(), output_dir=tmp_path / "a", tokenize=str.split)
    left = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert not any(f in left for f in outputs) and not any(n.endswith((".tmp", ".part")) for n in left)
    assert len(lines_of(tmp_path / "a" / "source_predictions.jsonl")) == 7
    # the rerun resumes (the tagger sees only the sentences after chunk 1) and writes the same bytes
    tg = OracleTagger(english)
    translate_test(target, c, translator=MirrorTranslator(), tagger=tg, aligner=MirrorAligner(),
                   output_dir=tmp_path / "a", tokenize=str.split)
    assert tg.calls == -(-(len(target) - 7) // 7)
    assert {f: (tmp_path / "a" / f).read_bytes() for f in outputs} == want
    # a later failing run leaves the previous outputs untouched
    with pytest.raises(RuntimeError, match="tagger failed"):
        translate_test(target, cfg("translate-test", chunk_size=7, overwrite=True), translator=MirrorTranslator(),
                       tagger=failing_tagger(english, 2), aligner=MirrorAligner(), output_dir=tmp_path / "a",
                       tokenize=str.split)
    assert {f: (tmp_path / "a" / f).read_bytes() for f in outputs} == want
    assert not any(p.name.endswith((".tmp", ".part")) for p in (tmp_path / "a").iterdir())


def test_translate_test_resume_and_precomputed_give_identical_output(tmp_path, english, target):
    c = cfg("translate-test", chunk_size=7)
    tr, al, tg = MirrorTranslator(), MirrorAligner(), OracleTagger(english)
    first = translate_test(target, c, translator=tr, tagger=tg, aligner=al, output_dir=tmp_path / "a",
                           tokenize=str.split, collect=True)
    files = {f: (tmp_path / "a" / f).read_bytes() for f in ("predictions.conll", "spans.jsonl")}
    assert tr.sentences == len(target)
    # a second run over the same folder reuses every stage: no model is called
    tr2, al2, tg2 = MirrorTranslator(), MirrorAligner(), OracleTagger(english)
    again = translate_test(target, c, translator=tr2, tagger=tg2, aligner=al2, output_dir=tmp_path / "a",
                           tokenize=str.split,
                           collect=True)
    assert (tr2.calls, al2.calls, tg2.calls) == (0, 0, 0)
    assert again.summary.reused == {"translations": len(target), "source_predictions": len(target),
                                    "alignments": len(target)}
    assert {f: (tmp_path / "a" / f).read_bytes() for f in files} == files
    assert again.sentences == first.sentences
    # an interrupted run: cut translations after 11 complete records plus a partial line
    lines = (tmp_path / "a" / "translations.jsonl").read_bytes().splitlines(keepends=True)
    (tmp_path / "a" / "translations.jsonl").write_bytes(b"".join(lines[:11]) + lines[11][:9])
    tr3 = MirrorTranslator()
    resumed = translate_test(target, c, translator=tr3, tagger=None, aligner=None, output_dir=tmp_path / "a",
                             tokenize=str.split,
                             collect=True)
    assert tr3.sentences == len(target) - 11
    assert resumed.sentences == first.sentences
    assert {f: (tmp_path / "a" / f).read_bytes() for f in files} == files
    # starting from the intermediate files of the first run, without any model
    pre = translate_test(target, cfg("translate-test", chunk_size=1000),
                         translations=tmp_path / "a" / "translations.jsonl",
                         alignments=tmp_path / "a" / "alignments.jsonl",
                         source_labels=tmp_path / "a" / "source_predictions.jsonl",
                         output_dir=tmp_path / "b", collect=True)
    assert pre.sentences == first.sentences
    assert {f: (tmp_path / "b" / f).read_bytes() for f in files} == files


def test_translate_test_backtranslation_method(tmp_path, english, target):
    tr, tg = MirrorTranslator(), OracleTagger(english)
    out = translate_test(target, cfg("translate-test", projection={"method": "backtranslation"}), translator=tr,
                         tagger=tg, output_dir=tmp_path, tokenize=str.split, collect=True)
    assert [s.tags for s in out.sentences] == [t.tags for t in target]
    bt = [json.loads(l) for l in lines_of(tmp_path / "backtranslations.jsonl")]
    assert len(bt) == len(target)
    # from the precomputed back-translations (and English side) of that run, without a translator
    pre = translate_test(target, cfg("translate-test", projection={"method": "backtranslation"}),
                         translations=tmp_path / "translations.jsonl",
                         source_labels=tmp_path / "source_predictions.jsonl",
                         backtranslations=tmp_path / "backtranslations.jsonl", output_dir=tmp_path / "pre",
                         collect=True)
    assert pre.sentences == out.sentences
    assert (tmp_path / "pre" / "spans.jsonl").read_bytes() == (tmp_path / "spans.jsonl").read_bytes()
    bad = [dict(r, entities=r["entities"][:-1]) if r["entities"] else r for r in bt]
    with pytest.raises(ValueError, match="entity translations"):
        translate_test(target, cfg("translate-test", projection={"method": "backtranslation"}),
                       translations=[s.tokens for s in english], source_labels=[s.tags for s in english],
                       backtranslations=bad, output_dir=tmp_path / "bad")


class NoLinks(MirrorAligner):
    def align_batch(self, src, tgt):
        return [[] for _ in src]


@pytest.mark.parametrize("method", ["greedy", "exact"])
@pytest.mark.parametrize("scores,candidates,aligner", [
    ("ner", "ngrams", NoLinks), ({"ner_spans": 1.0}, "ngrams", NoLinks), ("align", "ner", MirrorAligner),
    ("align_ner_spans", "ner", MirrorAligner), ({"nmt": 1.0}, "ngrams", NoLinks)])
def test_score_fusion_components_reach_the_gold(tmp_path, english, target, method, scores, candidates, aligner):
    """Each score component on its own carries enough signal here: NER scores from a target tagger that
    knows the gold (no alignment links at all), NER candidates, and an NMT scorer that recognises the
    mirrored phrase."""
    def nmt(pairs):
        return np.array([1.0 if " ".join(mirror_sentence(a.split())) == b else 0.0 for a, b in pairs])

    c = cfg("translate-test", projection={"method": method, "scores": scores, "candidates": candidates})
    out = translate_test(target, c, translator=MirrorTranslator(), tagger=OracleTagger(english), aligner=aligner(),
                         target_tagger=OracleTagger(target), nmt_scorer=nmt, output_dir=tmp_path,
                         tokenize=str.split, collect=True)
    if scores == {"ner_spans": 1.0}:
        # the span variant ignores the entity's class: without links, boundaries are right but two entities of
        # equal length may swap their spans
        assert [sorted((a, b) for a, b, _ in spans_from_tags(s.tags)) for s in out.sentences] == \
            [sorted((a, b) for a, b, _ in spans_from_tags(t.tags)) for t in target]
    else:
        assert [s.tags for s in out.sentences] == [t.tags for t in target]


def test_score_fusion_needs_its_models(tmp_path, english, target):
    c = cfg("translate-test", projection={"scores": "align_ner"})
    with pytest.raises(ValueError, match="target tagger"):
        translate_test(target, c, translator=MirrorTranslator(), tagger=OracleTagger(english), aligner=MirrorAligner(),
                       output_dir=tmp_path, tokenize=str.split)
    with pytest.raises(ValueError, match="heuristic"):
        cfg("translate-test", projection={"method": "heuristic", "scores": "ner"})
    with pytest.raises(ValueError, match="preset"):
        cfg("translate-test", projection={"scores": "nonsense"})
    with pytest.raises(ValueError, match="components"):
        cfg("translate-test", projection={"scores": {"alignment": 1.0}})
    with pytest.raises(ValueError, match="unknown heuristic options"):
        cfg("translate-test", projection={"method": "heuristic", "heuristic_options": {"merge": 2}})


def test_empty_translations_give_unlabelled_sentences(tmp_path, english, target):
    drop = [i for i, s in enumerate(english) if spans_from_tags(s.tags)][:2]

    class Dropping(MirrorTranslator):
        def translate(self, texts, src_lang, tgt_lang):
            out = super().translate(texts, src_lang=src_lang, tgt_lang=tgt_lang)
            return ["" if self.sentences - len(texts) + k in drop else t for k, t in enumerate(out)]

    out = translate_test(target, cfg("translate-test"), translator=Dropping(), tagger=OracleTagger(english),
                         aligner=MirrorAligner(), output_dir=tmp_path, tokenize=str.split, collect=True)
    for i, (s, t) in enumerate(zip(out.sentences, target)):
        assert s.tags == (["O"] * len(t.tokens) if i in drop else t.tags)
    recs = [json.loads(x) for x in lines_of(tmp_path / "alignments.jsonl")]
    assert all(recs[i]["links"] == [] for i in drop) and len(drop) == 2


def test_translate_test_errors_name_the_sentence(tmp_path, english, target):
    short = [s.tokens for s in english[:5]]
    with pytest.raises(ValueError, match="precomputed translations"):
        translate_test(target, cfg("translate-test"), translations=short, tagger=OracleTagger(english),
                       aligner=MirrorAligner(), output_dir=tmp_path / "a")
    bad = [[(0, 0)] for _ in english]
    bad[4] = [(0, len(target[4].tokens) + 3)]
    with pytest.raises(ValueError, match="sentence 4"):
        translate_test(target, cfg("translate-test", chunk_size=3), translations=[s.tokens for s in english],
                       alignments=bad, tagger=OracleTagger(english), output_dir=tmp_path / "b")
    # nothing invalid was stored: sentences 0-2 are cached, the chunk with sentence 4 is not
    assert len(lines_of(tmp_path / "b" / "alignments.jsonl")) == 3
    with pytest.raises(ValueError, match="written by"):
        translate_test(target, cfg("translate-test"), translations=[s.tokens for s in english],
                       aligner=MirrorAligner(), tagger=OracleTagger(english), output_dir=tmp_path / "b")


def test_translate_test_label_filter_and_eval_labels(tmp_path, english, target):
    c = cfg("translate-test", eval_labels=["PER", "ORG", "LOC"], projection={"labels": ["PER", "ORG", "LOC"]})
    out = translate_test(target, c, translator=MirrorTranslator(), tagger=OracleTagger(english),
                         aligner=MirrorAligner(), output_dir=tmp_path, tokenize=str.split, collect=True)
    assert all(not t.endswith("MISC") for s in out.sentences for t in s.tags)
    want = sum(1 for s in english for x in spans_from_tags(s.tags) if x[2] != "MISC")
    assert out.summary.projected_entities == want
    assert out.summary.evaluation["f1"] == 1.0 and out.summary.evaluation["labels"] == ["PER", "ORG", "LOC"]


# ---------------------------------------------------------------------------------------------
# translate-train and filtering


def test_translate_train_projects_gold_and_writes_training_data(tmp_path, english, target):
    c = cfg("translate-train", src_lang="en", tgt_lang="xx", chunk_size=4)
    out = translate_train(english, c, translator=MirrorTranslator(), aligner=MirrorAligner(),
                          output_dir=tmp_path, tokenize=str.split, collect=True)
    assert [s.tokens for s in out.sentences] == [t.tokens for t in target]
    assert [s.tags for s in out.sentences] == [t.tags for t in target]
    check_structure(tmp_path, out, english, "train.conll")
    recs = [json.loads(l) for l in lines_of(tmp_path / "train.jsonl")]
    assert len(recs) == len(english)
    for r, s in zip(recs, english):
        assert r["source_tokens"] == s.tokens
        assert len(r["tags"]) == len(r["tokens"])
        for e in r["entities"]:
            a, b = e["source"]
            assert (len(r["tokens"]) - b, len(r["tokens"]) - a) == (e["start"], e["end"])
            assert e["score"] > 0


def test_translate_train_filter_drops_exactly_the_incomplete_sentences(tmp_path, english, target):
    # remove the links of the first entity word in every third sentence that has entities
    links, broken = [], set()
    with_ents = [i for i, s in enumerate(english) if spans_from_tags(s.tags)]
    for i, s in enumerate(english):
        n = len(s.tokens)
        ls = [(k, n - 1 - k) for k in range(n)]
        if i in with_ents[::3]:
            a, b, _ = spans_from_tags(s.tags)[0]
            ls = [(x, y) for x, y in ls if not a <= x < b]
            broken.add(i)
        links.append(ls)
    c = cfg("translate-train", src_lang="en", tgt_lang="xx", filter={"min_ratio": 1.0})
    out = translate_train(english, c, translations=[t.tokens for t in target], alignments=links,
                          output_dir=tmp_path, collect=True)
    kept = [json.loads(l)["id"] for l in lines_of(tmp_path / "train.jsonl")]
    assert kept == [i for i in range(len(english)) if i not in broken]
    assert out.summary.kept_sentences == len(kept)
    spans = read_spans_jsonl(tmp_path / "spans.jsonl", lengths=[len(t.tokens) for t in target])
    assert len(spans) == len(english)


def test_keep_sentence_rules():
    from xlner.pipelines.config import FilterConfig

    sp = [0.5, 0.9]
    assert keep_sentence(2, sp, FilterConfig(min_ratio=1.0))
    assert not keep_sentence(3, sp, FilterConfig(min_ratio=1.0))
    assert keep_sentence(3, sp, FilterConfig(min_ratio=0.6))
    assert not keep_sentence(2, sp, FilterConfig(min_score=0.6))
    assert keep_sentence(0, [], FilterConfig(min_ratio=1.0, min_score=1.0))


# ---------------------------------------------------------------------------------------------
# model transfer and evaluation


class NoisyTagger(OracleTagger):
    """Gold tags with every third entity dropped and every fifth entity relabelled LOC."""

    def predict(self, sentences):
        out = []
        for tags in super().predict(sentences):
            tags = list(tags)
            for k, (a, b, lab) in enumerate(spans_from_tags(tags)):
                if k % 3 == 2:
                    tags[a:b] = ["O"] * (b - a)
                elif k % 5 == 4:
                    tags[a:b] = ["B-LOC"] + ["I-LOC"] * (b - a - 1)
            out.append(tags)
        return out


def test_model_transfer_matches_seqeval(tmp_path, english):
    seqeval = pytest.importorskip("seqeval.metrics")
    out = model_transfer(english, cfg("model-transfer"), tagger=NoisyTagger(english), output_dir=tmp_path,
                         collect=True)
    gold = [s.tags for s in english]
    pred = [s.tags for s in out.sentences]
    assert pred != gold
    ev = out.summary.evaluation
    assert ev["f1"] == pytest.approx(seqeval.f1_score(gold, pred))
    assert ev["precision"] == pytest.approx(seqeval.precision_score(gold, pred))
    assert ev["recall"] == pytest.approx(seqeval.recall_score(gold, pred))


def test_entity_counts_restricted_labels_match_seqeval_on_mapped_tags(english):
    seqeval = pytest.importorskip("seqeval.metrics")
    gold = [s.tags for s in english]
    pred = NoisyTagger(english).predict([s.tokens for s in english])
    ec = StreamingEvaluation(["PER", "ORG"])
    ec.add(gold, pred)
    m = lambda t: [x if x == "O" or x[2:] in ("PER", "ORG") else "O" for x in t]  # noqa: E731
    assert ec.report()["f1"] == pytest.approx(seqeval.f1_score([m(t) for t in gold], [m(t) for t in pred]))


# ---------------------------------------------------------------------------------------------
# marker-based


def test_marker_pipeline_recovers_mirrored_entities(tmp_path, english, target):
    from xlner.pipelines import marker_projection

    tr = MirrorTranslator()
    out = marker_projection(english, cfg("marker", src_lang="en", tgt_lang="xx"), translator=tr,
                            output_dir=tmp_path, tokenize=str.split, collect=True)
    assert [s.tokens for s in out.sentences] == [t.tokens for t in target]
    assert [s.tags for s in out.sentences] == [t.tags for t in target]
    check_structure(tmp_path, out, english, "train.conll")
    again = marker_projection(english, cfg("marker", src_lang="en", tgt_lang="xx"), translator=MirrorTranslator(),
                              output_dir=tmp_path, tokenize=str.split, collect=True)
    assert again.sentences == out.sentences and again.summary.reused["marker_translations"] == len(english)
    pre = marker_projection(english, cfg("marker", src_lang="en", tgt_lang="xx"),
                            translations=tmp_path / "marker_translations.jsonl", output_dir=tmp_path / "pre",
                            tokenize=str.split, collect=True)
    assert pre.sentences == out.sentences
    assert (tmp_path / "pre" / "train.jsonl").read_bytes() == (tmp_path / "train.jsonl").read_bytes()


def test_mark_entities():
    text, ents, labs = mark_entities(["Mr", "John", "Smith", "met", "IBM"], ["O", "B-PER", "I-PER", "O", "B-ORG"])
    assert text == "Mr [ John Smith ] met [ IBM ]"
    assert ents == ["John Smith", "IBM"] and labs == ["PER", "ORG"]


# ---------------------------------------------------------------------------------------------
# streaming, stage files, config


def test_chunk_size_does_not_change_results(tmp_path, english, target):
    runs = []
    for k, size in enumerate((1, 5, 1000)):
        c = cfg("translate-train", src_lang="en", tgt_lang="xx", chunk_size=size)
        translate_train(iter(english), c, translator=MirrorTranslator(), aligner=MirrorAligner(),
                        output_dir=tmp_path / str(k), tokenize=str.split)
        runs.append([(tmp_path / str(k) / f).read_bytes() for f in ("train.conll", "train.jsonl", "spans.jsonl")])
    assert runs[0] == runs[1] == runs[2]


def test_input_is_streamed_chunk_by_chunk(tmp_path, english, target, capsys):
    pulled = []

    def stream():
        for s in english:
            pulled.append(1)
            yield s

    class Watching(MirrorTranslator):
        seen: List[int] = []

        def translate(self, texts, src_lang, tgt_lang):
            self.seen.append(len(pulled))
            return super().translate(texts, src_lang=src_lang, tgt_lang=tgt_lang)

    tr = Watching()
    c = cfg("translate-train", src_lang="en", tgt_lang="xx", chunk_size=4, progress=True)
    out = translate_train(stream(), c, translator=tr, aligner=MirrorAligner(), output_dir=tmp_path, tokenize=str.split)
    # the k-th translation call happens when exactly k+1 chunks have been read, never the whole corpus
    assert tr.seen == [min(4 * (k + 1), len(english)) for k in range((len(english) + 3) // 4)]
    assert out.summary.sentences == len(english) and out.sentences == []  # nothing kept in memory
    assert "translate-train" in capsys.readouterr().err  # the progress bar


def test_stage_file_resume_repair_and_key(tmp_path):
    p = tmp_path / "s.jsonl"
    st = StageFile(p, {"m": 1})
    recs = st.run(0, 3, lambda pos: [{"v": q * 10} for q in pos])
    assert [r["v"] for r in recs] == [0, 10, 20]
    st.close()
    with open(p, "ab") as fh:
        fh.write(b'{"id": 3, "v"')  # interrupted write
    st = StageFile(p, {"m": 1})
    assert st.cached == 3
    calls = []
    recs = st.run(0, 2, lambda pos: calls.append(pos) or [{"v": -1} for _ in pos])
    recs += st.run(2, 3, lambda pos: calls.append(pos) or [{"v": 99} for _ in pos])
    st.close()
    assert calls == [[1, 2]]
    assert [r["v"] for r in recs] == [0, 10, 20, 99, 99]
    assert [json.loads(l)["id"] for l in lines_of(p)] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="written by"):
        StageFile(p, {"m": 2})
    st = StageFile(p, {"m": 2}, overwrite=True)
    st.close()
    assert st.cached == 0 and p.read_bytes() == b""


def test_config_toml_and_overrides(tmp_path):
    (tmp_path / "run.toml").write_text(
        'kind = "translate-train"\ninput = "data/train.conll"\noutput_dir = "out"\nchunk_size = 50\n'
        '[projection]\nmethod = "heuristic"\nlabels = ["PER"]\n[filter]\nmin_ratio = 0.5\n', encoding="utf-8")
    c = load_config(tmp_path / "run.toml")
    assert c.kind == "translate-train" and c.chunk_size == 50
    assert c.input == str(tmp_path / "data" / "train.conll") and c.output_dir == str(tmp_path / "out")
    assert c.projection.method == "heuristic" and c.projection.labels == ["PER"] and c.filter.min_ratio == 0.5
    c2 = with_overrides(c, {"projection.method": "greedy", "chunk_size": 7, "filter.min_score": None})
    assert (c2.projection.method, c2.chunk_size, c2.projection.labels) == ("greedy", 7, ["PER"])
    (tmp_path / "bad.toml").write_text('[projection]\nmethd = "greedy"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="methd"):
        load_config(tmp_path / "bad.toml")
    with pytest.raises(ValueError, match="method"):
        config_from_dict({"projection": {"method": "nope"}})
    with pytest.raises(ValueError, match="translate-test method"):
        config_from_dict({"kind": "translate-train", "projection": {"method": "backtranslation"}})


def test_cli_runs_translate_test_from_precomputed_files(tmp_path, english, target, capsys):
    from xlner.io import write_conll
    from xlner.io.talp import write_talp

    write_conll(tmp_path / "target.conll", target)
    (tmp_path / "en.txt").write_text("".join(" ".join(s.tokens) + "\n" for s in english), encoding="utf-8")
    write_talp(tmp_path / "links.talp", [[(i, len(s.tokens) - 1 - i) for i in range(len(s.tokens))] for s in english])
    write_conll(tmp_path / "en_pred.conll", english)
    (tmp_path / "run.toml").write_text(
        'input = "target.conll"\noutput_dir = "out"\nchunk_size = 8\n[precomputed]\ntranslations = "en.txt"\n'
        'alignments = "links.talp"\nsource_labels = "en_pred.conll"\n', encoding="utf-8")
    from xlner.cli import main

    rc = main(["pipeline", "translate-test", "--config", str(tmp_path / "run.toml"), "--quiet",
               "--method", "heuristic", "--eval-labels", "PER", "ORG", "LOC"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "F1 100.00" in printed and f"{len(target)} sentences" in printed
    pred = read_conll(tmp_path / "out" / "predictions.conll", with_tags=False)
    assert [p.tokens for p in pred] == [t.tokens for t in target]
    rc = main(["pipeline", "translate-test", "--config", str(tmp_path / "run.toml"), "--quiet",
               "--output-dir", str(tmp_path / "out2"), "--alignments", str(tmp_path / "missing.talp")])
    assert rc == 1
    assert "missing.talp" in capsys.readouterr().err
    rc = main(["pipeline", "translate-train", "--config", str(tmp_path / "run.toml"), "--quiet",
               "--output-dir", str(tmp_path / "out3"), "--method", "backtranslation"])
    assert rc == 1
    assert "translate-test method" in capsys.readouterr().err
