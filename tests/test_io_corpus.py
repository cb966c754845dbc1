"""Files → ProjectionBatch → files: hand-worked batches, seqeval entity parity on the shipped files, and bad
input between the three files (counts, alignment indices, spans)."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from xlner.batch import LabelVocab, ProjectionBatch, ProjectionResult
from xlner.io import (FormatError, build_batch, load_projection_corpus, load_talp, load_tokens,
                      read_conll, read_spans_jsonl, write_projection)


def _files(tmp_path, src: str, tgt: str, aln: str):
    paths = tmp_path / "src.conll", tmp_path / "tgt.txt", tmp_path / "aln.talp"
    for p, text in zip(paths, (src, tgt, aln)):
        p.write_text(text, encoding="utf-8")
    return paths


SRC = ("-DOCSTART- O\n\n"
       "John B-PER\nSmith I-PER\nvisited O\nNew I-LOC\nYork I-LOC\n\n"  # I- after O starts an entity
       "EU B-ORG\nrejects O\nGerman B-MISC\ncall I-LOC\n")  # type change starts an entity; no trailing blank
TGT = "-DOCSTART-\nJohn Smith besuchte New York\nEU lehnt deutschen Aufruf ab\n"
ALN = "0-0\n0-0 1-1 2-2 3-3 4-4\n0-0 1-1 2-2 3-3 1-4\n"


def test_build_batch_hand_worked(tmp_path):
    corpus = load_projection_corpus(*_files(tmp_path, SRC, TGT, ALN))
    b = corpus.batch
    assert len(b) == 3
    assert b.src_len.tolist() == [1, 5, 4] and b.tgt_len.tolist() == [1, 5, 5]
    names = b.labels.names
    assert [[(s, e, names[l]) for s, e, l in b.entities(i)] for i in range(3)] == [
        [], [(0, 2, "PER"), (3, 5, "LOC")], [(0, 1, "ORG"), (2, 3, "MISC"), (3, 4, "LOC")]]
    assert b.links(1) == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)] and b.links(2)[-1] == (1, 4)
    assert not corpus.source.has_tokens and corpus.target.tokens(2)[-1] == "ab"


def test_entities_equal_seqeval_on_shipped_source(shared_data):
    from seqeval.metrics.sequence_labeling import get_entities

    d = shared_data / "conll2003-deepl"
    corpus = load_projection_corpus(d / "en" / "dev.tsv", d / "es" / "dev.awesome.tsv",
                                    d / "es" / "alignments" / "dev.awesome.talp")
    b = corpus.batch
    tags = [s.tags for s in read_conll(d / "en" / "dev.tsv")]
    names = b.labels.names
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, t in enumerate(tags):
            expected = [(s, e + 1, typ) for typ, s, e in get_entities(t)]
            assert [(s, e, names[l]) for s, e, l in b.entities(i)] == expected, i
    assert b.tgt_len.tolist() == [len(s.tokens) for s in read_conll(d / "es" / "dev.awesome.tsv")]
    talp_lines = (d / "es/alignments/dev.awesome.talp").read_text().splitlines()
    assert len(b) == 3466 and int(b.aln_offsets[-1]) == sum(len(x.split()) for x in talp_lines)


def test_sentence_count_mismatch_names_file_and_sentence(tmp_path):
    src, tgt, aln = _files(tmp_path, SRC, "-DOCSTART-\nJohn Smith besuchte New York\n", ALN)
    with pytest.raises(FormatError, match=r"tgt\.txt, sentence 2 \(0-based\), field sentence count: 2 sentences, "
                                          r"but .*src\.conll has 3"):
        load_projection_corpus(src, tgt, aln)
    src, tgt, aln = _files(tmp_path, SRC, TGT, "0-0\n0-0\n")
    with pytest.raises(FormatError, match=r"aln\.talp, sentence 2 \(0-based\), field line count: 2 alignment lines"):
        load_projection_corpus(src, tgt, aln)
    src, tgt, aln = _files(tmp_path, SRC, TGT, ALN + "0-0\n")
    with pytest.raises(FormatError, match=r"aln\.talp, sentence 3 \(0-based\), field line count: 4 alignment lines"):
        load_projection_corpus(src, tgt, aln)


def test_alignment_index_past_the_sentence(tmp_path):
    src, tgt, aln = _files(tmp_path, SRC, TGT, "0-0\n0-0 5-1\n0-0\n")
    with pytest.raises(FormatError, match=r"aln\.talp, line 2, sentence 1 \(0-based\), field alignment pair 1 "
                                          r"\(source index\): link 5-1: source index 5 is past the end of sentence 1 "
                                          r"of .*src\.conll \(5 tokens\)") as ei:
        load_projection_corpus(src, tgt, aln)
    assert ei.value.sentence == 1
    src, tgt, aln = _files(tmp_path, SRC, TGT, "0-0\n0-0\n0-0 3-5\n")
    with pytest.raises(FormatError, match=r"sentence 2 \(0-based\), field alignment pair 1 \(target index\): link "
                                          r"3-5: target index 5 is past the end of sentence 2 of .*tgt\.txt"):
        load_projection_corpus(src, tgt, aln)


def test_source_without_tags_is_refused(tmp_path):
    src, tgt, aln = _files(tmp_path, SRC, TGT, ALN)
    with pytest.raises(ValueError, match="needs IOB2 tags"):
        build_batch(load_tokens(tgt), load_tokens(tgt), load_talp(aln))


def test_entity_span_past_the_end_or_empty_in_a_batch():
    with pytest.raises(IndexError, match=r"sentence 1, field ent_start/ent_end: entity \[2, 5\) lies past"):
        ProjectionBatch.from_lists([2, 3], [2, 3], [[], [(2, 5, 0)]], [[], []])
    with pytest.raises(ValueError, match=r"sentence 0, field ent_start/ent_end: empty entity span \[1, 1\)"):
        ProjectionBatch.from_lists([2], [2], [[(1, 1, 0)]], [[]])


def _result(offsets, spans, labels):
    arr = np.array(spans, dtype=np.float64).reshape(-1, 5)
    return ProjectionResult(np.array(offsets, dtype=np.int64), arr[:, 0].astype(np.int32), arr[:, 1].astype(np.int32),
                            arr[:, 2].astype(np.int32), arr[:, 3].astype(np.int32), arr[:, 4],
                            np.array([0.0, 2.0, 0.5]), np.zeros(3, dtype=np.int8), labels)


def test_write_projection_hand_worked(tmp_path):
    corpus = load_projection_corpus(*_files(tmp_path, SRC, TGT, ALN))
    labels = corpus.batch.labels  # PER, LOC, ORG, MISC
    res = _result([0, 0, 2, 3], [(0, 2, labels.id("PER"), 0, 1.0), (3, 5, labels.id("LOC"), 1, 1.0),
                                 (2, 4, labels.id("MISC"), 1, 0.5)], labels)
    write_projection(tmp_path / "out.conll", corpus.target, res, spans_out=tmp_path / "out.jsonl")
    assert (tmp_path / "out.conll").read_text(encoding="utf-8") == (
        "-DOCSTART-\tO\n\n"
        "John\tB-PER\nSmith\tI-PER\nbesuchte\tO\nNew\tB-LOC\nYork\tI-LOC\n\n"
        "EU\tO\nlehnt\tO\ndeutschen\tB-MISC\nAufruf\tI-MISC\nab\tO\n\n")
    spans = read_spans_jsonl(tmp_path / "out.jsonl", lengths=corpus.target.lengths())
    assert [[(s.start, s.end, s.label, s.entity) for s in x.spans] for x in spans] == [
        [], [(0, 2, "PER", 0), (3, 5, "LOC", 1)], [(2, 4, "MISC", 1)]]
    assert json.loads((tmp_path / "out.jsonl").read_text().splitlines()[1])["objective"] == 2.0


def test_write_projection_rejects_bad_spans(tmp_path):
    corpus = load_projection_corpus(*_files(tmp_path, SRC, TGT, ALN))
    labels = LabelVocab(["PER"])
    with pytest.raises(IndexError, match=r"sentence 2"):
        write_projection(tmp_path / "o.conll", corpus.target, _result([0, 0, 0, 1], [(3, 9, 0, 0, 1.0)], labels))
    with pytest.raises(ValueError, match=r"sentence 1"):
        write_projection(tmp_path / "o.conll", corpus.target,
                         _result([0, 0, 2, 2], [(0, 2, 0, 0, 1.0), (1, 3, 0, 1, 1.0)], labels))
    with pytest.raises(ValueError, match="2 sentences of spans for 3"):
        write_projection(tmp_path / "o.conll", corpus.target,
                         ProjectionResult(np.array([0, 0, 0]), *(np.zeros(0, dtype=np.int32),) * 4, np.zeros(0),
                                          np.zeros(2), np.zeros(2, dtype=np.int8), labels))


def test_projection_of_shipped_files_roundtrips_through_writer(shared_data, tmp_path):
    from xlner.projection import project

    d = shared_data / "conll2003-deepl"
    corpus = load_projection_corpus(d / "en" / "test.tsv", d / "it" / "test.mgiza.tsv",
                                    d / "it" / "alignments" / "test.mgiza-gdfa.talp")
    res = project(corpus.batch, "greedy", threads=2)
    write_projection(tmp_path / "o.conll", corpus.target, res, spans_out=tmp_path / "o.jsonl")
    out = read_conll(tmp_path / "o.conll")
    tgt = read_conll(d / "it" / "test.mgiza.tsv")
    assert [s.tokens for s in out] == [s.tokens for s in tgt]  # sentence for sentence, -DOCSTART- kept
    spans = read_spans_jsonl(tmp_path / "o.jsonl", lengths=corpus.target.lengths())
    for i in (1, 2, 3, 100, len(out) - 1):
        tags = ["O"] * len(out[i].tokens)
        for sp in spans[i].spans:
            tags[sp.start:sp.end] = [f"B-{sp.label}"] + [f"I-{sp.label}"] * (sp.end - sp.start - 1)
        assert out[i].tags == tags
    assert sum(len(s.spans) for s in spans) == len(res.start)
