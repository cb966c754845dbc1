"""CoNLL, token-line, talp and JSON-lines formats: hand-worked cases, round trips against independently
formatted text (hypothesis), parity with a slow reference reader on the shipped files, and bad input."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner.batch import LabelVocab, ProjectionResult
from xlner.io import (Alignments, FormatError, ProjectedSpan, SentenceSpans, TokenCorpus, load_conll, load_talp,
                      load_tokens, parse_conll, parse_talp, parse_talp_line, read_conll, read_spans_jsonl, read_talp,
                      read_tokens, write_conll, write_conll_tags, write_spans_jsonl, write_talp)
from xlner.io.conll import Sentence


# ----------------------------------------------------------------------------------------------------------
# A deliberately simple reference reader (from the format's definition), for parity on real files.
# ----------------------------------------------------------------------------------------------------------
def reference_conll(path: Path, with_tags: bool = True) -> List[Tuple[List[str], List[str]]]:
    sents, toks, tags = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if toks:
                sents.append((toks, tags))
                toks, tags = [], []
            continue
        body = line.strip()
        fields = body.split("\t") if "\t" in body else body.split()
        toks.append(fields[0].strip())
        if with_tags:
            tags.append(fields[-1].strip())
    if toks:
        sents.append((toks, tags))
    return sents


def reference_talp(path: Path) -> List[List[Tuple[int, int]]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    return [[(int(a), int(b)) for a, b in (p.split("-") for p in line.split())] for line in lines]


# ----------------------------------------------------------------------------------------------------------
# CoNLL
# ----------------------------------------------------------------------------------------------------------
def test_conll_hand_worked(tmp_path):
    p = tmp_path / "a.conll"
    p.write_bytes(b"\xef\xbb\xbf-DOCSTART- -X- -X- O\r\n\r\nJohn\tNNP\tB-PER\r\nSmith I-PER\nruns  O\n\n\n"
                  b"Paris B-LOC\nand O\nRome I-LOC")  # BOM, CRLF, several blank lines, no trailing blank line
    c = load_conll(p)
    assert len(c) == 3 and c.n_tokens == 7
    assert [s.tokens for s in c] == [["-DOCSTART-"], ["John", "Smith", "runs"], ["Paris", "and", "Rome"]]
    assert c.tags(1) == ["B-PER", "I-PER", "O"] and c.tags(2) == ["B-LOC", "O", "I-LOC"]
    assert c[0].is_docstart and not c[1].is_docstart
    assert c.labels.names == ["PER", "LOC"]
    # tag ids: 0 = O, 2l+1 = B-l, 2l+2 = I-l
    assert c.tag_ids.tolist() == [0, 1, 2, 0, 3, 0, 4]
    assert c.offsets.tolist() == [0, 1, 4, 7] and c.lengths().tolist() == [1, 3, 3]
    assert read_conll(p)[2] == Sentence(["Paris", "and", "Rome"], ["B-LOC", "O", "I-LOC"])


def test_conll_initial_labels_fix_ids_and_tokens_can_be_dropped(tmp_path):
    p = tmp_path / "a.conll"
    p.write_text("a B-PER\nb I-PER\n\nc B-LOC\n", encoding="utf-8")
    c = load_conll(p, labels=["LOC", "ORG", "PER"], keep_tokens=False)
    assert c.labels.names == ["LOC", "ORG", "PER"]
    assert c.tag_ids.tolist() == [5, 6, 1]
    assert not c.has_tokens
    with pytest.raises(ValueError, match="keep_tokens"):
        c.tokens(0)


def test_conll_without_tags_and_bare_docstart(tmp_path):
    p = tmp_path / "a.conll"
    p.write_text("-DOCSTART-\n\nDas\nHaus X Y\n", encoding="utf-8")
    c = load_conll(p, with_tags=False)
    assert c.token_lists() == [["-DOCSTART-"], ["Das", "Haus"]] and not c.has_tags
    q = tmp_path / "b.conll"
    q.write_text("-DOCSTART-\n\nParis B-LOC\n", encoding="utf-8")
    assert load_conll(q).tag_lists() == [["O"], ["B-LOC"]]  # a bare -DOCSTART- is tagged O


tok = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=6)
tag = st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-MISC-X", "I-ORG"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(tok, tag), min_size=1, max_size=6), min_size=1, max_size=6),
       st.sampled_from(["\t", " ", "  ", "\t_\t"]), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_conll_roundtrip_property(sents, sep, eol, trailing_blank):
    # Format by hand (not with the writer) and read back.
    text = eol.join(eol.join(f"{t}{sep}{g}" for t, g in s) + eol for s in sents)
    if not trailing_blank:
        text = text[: -len(eol)]
    c = parse_conll(text.encode("utf-8"))
    assert c.token_lists() == [[t for t, _ in s] for s in sents]
    assert c.tag_lists() == [[g for _, g in s] for s in sents]


ws = st.sampled_from(["", " ", "  ", "\t", " \t", "\r"])
field_sep = st.sampled_from([" ", "\t", "  ", " \t ", "\t\t"])


@st.composite
def messy_conll(draw):
    """Lines with random leading/trailing whitespace, separators, extra middle fields, blank lines, CRLF."""
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(ws).replace("\r", ""))  # a blank (or whitespace-only) line
            continue
        fields = [draw(tok)] + draw(st.lists(tok, max_size=2)) + [draw(tag)]
        sep = draw(field_sep)
        if "\t" not in sep and any(" " in f for f in fields):
            sep = "\t"
        lines.append(draw(ws).replace("\r", "") + sep.join(fields) + draw(ws).replace("\r", "")
                     + draw(st.sampled_from(["", "\r"])))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=150, deadline=None)
@given(messy_conll())
def test_conll_messy_lines_match_reference_property(tmp_path_factory, text):
    p = tmp_path_factory.mktemp("m") / "m.conll"
    p.write_bytes(text.encode("utf-8"))
    ref = reference_conll(p)
    if not ref:
        with pytest.raises(FormatError, match="empty file"):
            load_conll(p)
        return
    c = load_conll(p)
    assert c.token_lists() == [t for t, _ in ref]
    assert c.tag_lists() == [g for _, g in ref]
    assert load_conll(p, with_tags=False).token_lists() == [t for t, _ in ref]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(tok, tag), min_size=1, max_size=6), min_size=1, max_size=6))
def test_conll_writer_roundtrip_property(tmp_path_factory, sents):
    p = tmp_path_factory.mktemp("w") / "out.conll"
    write_conll(p, [Sentence([t for t, _ in s], [g for _, g in s]) for s in sents])
    expected = "".join("".join(f"{t}\t{g}\n" for t, g in s) + "\n" for s in sents)
    assert p.read_text(encoding="utf-8") == expected


def test_write_conll_tags_and_corpus(tmp_path):
    c = TokenCorpus.from_lists([["a", "b"], ["c"]])
    write_conll_tags(tmp_path / "o.conll", c, np.array([1, 2, 0]), LabelVocab(["PER"]), sep=" ")
    assert (tmp_path / "o.conll").read_text() == "a B-PER\nb I-PER\n\nc O\n\n"
    with pytest.raises(ValueError, match="3 tags for 2 tokens|tags"):
        write_conll_tags(tmp_path / "o.conll", TokenCorpus.from_lists([["a", "b"]]), np.array([1, 2, 0]), ["PER"])
    with pytest.raises(ValueError, match=r"sentence 1, field tags: token 0 has tag id 3"):
        write_conll_tags(tmp_path / "o.conll", c, np.array([1, 2, 3]), ["PER"])
    with pytest.raises(ValueError, match=r"sentence 0, field tags"):
        write_conll(tmp_path / "o.conll", [Sentence(["a", "b"], ["O"])])
    with pytest.raises(ValueError, match=r"sentence 1, field tokens: token 0"):
        TokenCorpus.from_lists([["a"], ["x\ty"]])
    with pytest.raises(ValueError, match=r"sentence 0, field tags: token 1: 'S-PER' is not an IOB2 tag"):
        TokenCorpus.from_lists([["a", "b"]], [["O", "S-PER"]])


def test_token_lines_and_detection(tmp_path):
    lines = tmp_path / "t.txt"
    lines.write_text("Das ist  gut .\r\nJa\n", encoding="utf-8")
    assert read_tokens(lines) == [Sentence(["Das", "ist", "gut", "."]), Sentence(["Ja"])]
    conll = tmp_path / "t.conll"
    conll.write_text("Das O\nist O\n\nJa O\n", encoding="utf-8")  # no tab: detected by the blank line
    assert load_tokens(conll).token_lists() == [["Das", "ist"], ["Ja"]]
    # forcing the format changes the reading: as lines, the blank line is an empty sentence
    with pytest.raises(FormatError, match=r"line 3, sentence 2 \(0-based\), field tokens: empty line"):
        load_tokens(conll, format="lines")
    with pytest.raises(ValueError, match="format must be"):
        load_tokens(conll, format="xml")


@pytest.mark.parametrize("rel", ["conll2003-deepl/en/test.tsv", "conll2003-deepl/de/test.mgiza.tsv",
                                 "conll2003-deepl/it/dev.awesome.tsv", "europarl-ner/es.conll",
                                 "masakhaner2/yor/test.txt"])
def test_conll_parity_with_reference_on_shipped_files(shared_data, rel):
    path = shared_data / rel
    ref = reference_conll(path)
    c = load_conll(path)
    assert len(c) == len(ref)
    assert c.token_lists() == [t for t, _ in ref]
    assert c.tag_lists() == [g for _, g in ref]


# ----------------------------------------------------------------------------------------------------------
# talp
# ----------------------------------------------------------------------------------------------------------
def test_talp_hand_worked(tmp_path):
    p = tmp_path / "a.talp"
    p.write_text("0-0 1-2\n\n3-1\r\n2-2", encoding="utf-8")  # empty line = no links; no final newline
    a = load_talp(p)
    assert len(a) == 4
    assert a.to_lists() == [[(0, 0), (1, 2)], [], [(3, 1)], [(2, 2)]]
    assert read_talp(p) == a.to_lists()
    g = tmp_path / "g.talp"
    g.write_text("1-1 2p3\n4p1\n", encoding="utf-8")
    gold = load_talp(g, one_based=True, allow_possible=True)
    assert gold.sure(0) == [(0, 0)] and gold.possible_links(0) == [(1, 2)] and gold.possible_links(1) == [(3, 0)]
    assert parse_talp_line("0-1 2p3", allow_possible=True) == ([(0, 1)], [(2, 3)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300), st.booleans()), max_size=8),
                min_size=1, max_size=8), st.booleans(), st.sampled_from(["\n", "\r\n"]))
def test_talp_roundtrip_property(links, one_based, eol):
    off = 1 if one_based else 0
    text = eol.join(" ".join(f"{i + off}{'p' if pos else '-'}{j + off}" for i, j, pos in s) for s in links) + eol
    a = parse_talp(text, one_based=one_based, allow_possible=True)
    assert len(a) == len(links)
    for k, s in enumerate(links):
        assert a.sure(k) == [(i, j) for i, j, pos in s if not pos]
        assert a.possible_links(k) == [(i, j) for i, j, pos in s if pos]


def test_talp_write_roundtrip(tmp_path):
    a = parse_talp("0-1 2p3\n\n5-5\n", allow_possible=True)
    write_talp(tmp_path / "o.talp", a)
    assert (tmp_path / "o.talp").read_text() == "0-1 2p3\n\n5-5\n"
    write_talp(tmp_path / "l.talp", [[(0, 1)], []])
    assert (tmp_path / "l.talp").read_text() == "0-1\n\n"
    assert Alignments.from_lists([[(0, 1)], []]).to_lists() == [[(0, 1)], []]


@pytest.mark.parametrize("rel", ["conll2003-deepl/de/alignments/test.awesome.talp",
                                 "conll2003-deepl/es/alignments/dev.mgiza-gdfa.talp"])
def test_talp_parity_with_reference_on_shipped_files(shared_data, rel):
    path = shared_data / rel
    assert load_talp(path).to_lists() == reference_talp(path)


# ----------------------------------------------------------------------------------------------------------
# Bad input: each error names the file, the sentence (0-based) and the field
# ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("line,problem", [
    ("0-1-2", r"field alignment pair 1: pair '0-1-2' has 3 fields, expected 2"),
    ("5-", r"field alignment pair 1: pair '5-' has 2 fields.*|field alignment pair 1: .*'' is not"),
    ("7", r"field alignment pair 1: pair '7' has 1 field, expected 2"),
    ("a-1", r"field alignment pair 1: pair 'a-1': field 'a' is not a non-negative integer"),
    ("1.5-2", r"field alignment pair 1: .*'1.5' is not a non-negative integer"),
    ("-1-2", r"field alignment pair 1: pair '-1-2' has 3 fields"),
    ("99999999999-1", r"field alignment pair 1: .*too large"),
    ("2p3", r"field alignment pair 1: .*'p' \(possible\) links are read only from gold files"),
])
def test_talp_bad_pairs(tmp_path, line, problem):
    p = tmp_path / "bad.talp"
    p.write_text(f"0-0\n1-1 {line}\n", encoding="utf-8")
    with pytest.raises(FormatError, match=rf"bad\.talp, line 2, sentence 1 \(0-based\), {problem}") as ei:
        load_talp(p)
    assert ei.value.sentence == 1 and ei.value.path == str(p) and ei.value.field == "alignment pair 1"


def test_talp_zero_in_one_based_file(tmp_path):
    p = tmp_path / "g.talp"
    p.write_text("1-1\n0-2\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"sentence 1 \(0-based\), field alignment pair 0: .*index 0 in a 1-based"):
        load_talp(p, one_based=True)


def test_parse_talp_line_names_given_sentence():
    with pytest.raises(FormatError, match=r"x\.talp, line 8, sentence 7 \(0-based\), field alignment pair 0"):
        parse_talp_line("1-2-3", path="x.talp", sentence=7)


def test_non_utf8_bytes(tmp_path):
    p = tmp_path / "bad.conll"
    p.write_bytes(b"a O\n\nb\xff\xfe O\n")
    with pytest.raises(FormatError, match=r"bad\.conll, line 3, sentence 1 \(0-based\), field token: invalid UTF-8 "
                                          r"byte 0xff at column 2"):
        load_conll(p)
    q = tmp_path / "tag.conll"
    q.write_bytes(b"a O\nb B-P\xc3\x28\n")
    with pytest.raises(FormatError, match=r"line 2, sentence 0 \(0-based\), field tag: invalid UTF-8"):
        load_conll(q)
    t = tmp_path / "bad.talp"
    t.write_bytes(b"0-0\n\n1-1 \xed\xa0\x80\n")  # an encoded surrogate is not UTF-8
    with pytest.raises(FormatError, match=r"bad\.talp, line 3, sentence 2 \(0-based\), field alignment: invalid UTF-8"):
        load_talp(t)
    s = tmp_path / "bad.txt"
    s.write_bytes(b"ok\n\xc0\xaf\n")  # overlong form
    with pytest.raises(FormatError, match=r"sentence 1 \(0-based\), field tokens: invalid UTF-8 byte 0xc0"):
        load_tokens(s, format="lines")


def test_valid_multibyte_utf8_is_accepted(tmp_path):
    p = tmp_path / "u.conll"
    words = ["Zürich", "Ελλάδα", "東京", "𝔘", "€"]
    p.write_text("".join(f"{w} O\n" for w in words), encoding="utf-8")
    assert load_conll(p).tokens(0) == words


def test_empty_files(tmp_path):
    for name, reader in (("e.conll", load_conll), ("e.talp", load_talp), ("e.txt", load_tokens)):
        p = tmp_path / name
        p.write_bytes(b"")
        with pytest.raises(FormatError, match=rf"{name}, field file: empty file"):
            reader(p)
    blank = tmp_path / "blank.conll"
    blank.write_text("\n\n  \n", encoding="utf-8")
    with pytest.raises(FormatError, match="empty file"):
        load_conll(blank)


def test_missing_and_invalid_tags(tmp_path):
    p = tmp_path / "m.conll"
    p.write_text("a O\n\nb O\nc\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"m\.conll, line 4, sentence 1 \(0-based\), field tag: missing tag"):
        load_conll(p)
    q = tmp_path / "q.conll"
    q.write_text("a O\nb\t\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"line 2, sentence 0 \(0-based\), field tag: missing tag"):
        load_conll(q)
    r = tmp_path / "r.conll"
    r.write_text("a O\nb E-PER\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"sentence 0 \(0-based\), field tag: token 1: 'E-PER' is not an IOB2 tag"):
        load_conll(r)


def test_missing_file_is_oserror(tmp_path):
    with pytest.raises(OSError, match="cannot open"):
        load_conll(tmp_path / "nope.conll")


# ----------------------------------------------------------------------------------------------------------
# JSON lines
# ----------------------------------------------------------------------------------------------------------
def test_jsonl_hand_worked_and_roundtrip(tmp_path):
    labels = LabelVocab(["PER", "LOC"])
    res = ProjectionResult(np.array([0, 2, 2, 3]), np.array([0, 3, 1], dtype=np.int32),
                           np.array([2, 4, 5], dtype=np.int32), np.array([0, 1, 1], dtype=np.int32),
                           np.array([1, 0, 0], dtype=np.int32), np.array([1.0, 0.1 + 0.2, 2.5e-20]),
                           np.array([1.3, 0.0, float("nan")]), np.zeros(3, dtype=np.int8), labels)
    p = tmp_path / "s.jsonl"
    write_spans_jsonl(p, res, threads=2)
    lines = p.read_text(encoding="utf-8").splitlines()
    assert lines[1] == '{"objective": 0.0, "spans": []}'
    objs = [json.loads(x) for x in lines]
    assert objs[0] == {"objective": 1.3, "spans": [
        {"start": 0, "end": 2, "label": "PER", "entity": 1, "score": 1.0},
        {"start": 3, "end": 4, "label": "LOC", "entity": 0, "score": 0.1 + 0.2}]}  # exact float round trip
    assert objs[2]["spans"][0]["score"] == 2.5e-20 and objs[2]["objective"] != objs[2]["objective"]  # NaN
    back = read_spans_jsonl(p, lengths=[4, 0, 6])
    assert back[0] == SentenceSpans(1.3, [ProjectedSpan(0, 2, "PER", 1, 1.0), ProjectedSpan(3, 4, "LOC", 0, 0.1 + 0.2)])
    assert back[1] == SentenceSpans(0.0, [])
    # writing the read spans again gives the same bytes
    write_spans_jsonl(tmp_path / "t.jsonl", back)
    assert (tmp_path / "t.jsonl").read_text().splitlines()[:2] == lines[:2]


@pytest.mark.parametrize("line,field", [
    ('{"objective": 1.0, "spans": [{"start": 2, "end": 2, "label": "PER", "entity": 0, "score": 1}]}',
     r"spans\[0\]\.start/end: empty or negative span \[2, 2\)"),
    ('{"objective": 1.0, "spans": [{"start": 1, "end": 9, "label": "PER", "entity": 0, "score": 1}]}',
     r"spans\[0\]\.end: span \[1, 9\) lies past the end of the sentence \(3 tokens\)"),
    ('{"objective": 1.0, "spans": [{"start": 0, "end": 1, "label": "PER", "score": 1}]}',
     r"spans\[0\]\.entity: missing"),
    ('{"objective": 1.0, "spans": [{"start": "0", "end": 1, "label": "PER", "entity": 0, "score": 1}]}',
     r"spans\[0\]\.start: missing or not an integer"),
    ('{"spans": []}', r"objective: missing"),
    ('{"objective": 1.0, "spans": [', r"json: not JSON"),
    ('[1, 2]', r"json: expected an object"),
])
def test_jsonl_bad_input(tmp_path, line, field):
    p = tmp_path / "s.jsonl"
    p.write_text('{"objective": 0.0, "spans": []}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=rf"s\.jsonl, line 2, sentence 1 \(0-based\), field {field}"):
        read_spans_jsonl(p, lengths=[3, 3])


def test_jsonl_line_count_and_empty(tmp_path):
    p = tmp_path / "s.jsonl"
    p.write_text('{"objective": 0.0, "spans": []}\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"sentence 1 \(0-based\), field line count"):
        read_spans_jsonl(p, lengths=[3, 3])
    with pytest.raises(ValueError, match=r"sentence 0, field label"):
        write_spans_jsonl(tmp_path / "x.jsonl", ProjectionResult(
            np.array([0, 1]), np.array([0], dtype=np.int32), np.array([1], dtype=np.int32),
            np.array([4], dtype=np.int32), np.array([0], dtype=np.int32), np.array([1.0]), np.array([1.0]),
            np.zeros(1, dtype=np.int8), LabelVocab(["PER"])))
    e = tmp_path / "e.jsonl"
    e.write_text("", encoding="utf-8")
    with pytest.raises(FormatError, match="empty file"):
        read_spans_jsonl(e)


# ----------------------------------------------------------------------------------------------------------
# Punctuation mask (C++) == the heuristic's Python test
# ----------------------------------------------------------------------------------------------------------
punct_alphabet = st.sampled_from(list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + list("a1é«»–—…") +
                                 [" ", "\u00a0", "\u2009", "\u3000", "\x0b", "\x1c", "\u200b", "\ufeff"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(punct_alphabet, min_size=1, max_size=5).filter(lambda t: t.strip(" ") != ""),
                min_size=1, max_size=20))
def test_punctuation_mask_matches_heuristic_property(tokens):
    from xlner.heuristic import is_punctuation

    c = TokenCorpus.from_lists([tokens])
    assert c.punctuation_mask().tolist() == [int(is_punctuation(t)) for t in tokens]


def test_punctuation_mask_on_shipped_file(shared_data):
    from xlner.heuristic import punctuation_mask

    c = load_tokens(shared_data / "conll2003-deepl" / "it" / "test.awesome.tsv")
    assert np.array_equal(c.punctuation_mask(), punctuation_mask(c.token_lists()))
    assert c.punctuation_mask().sum() > 1000
