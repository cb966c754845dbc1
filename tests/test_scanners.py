"""The readers' fast paths scan 64 bytes at a time (token, tag and line ends, blank lines): on long texts of many
lines, with tokens and tags across the 16- and 64-byte steps, the block cutter, the CoNLL and talp parsers and the
CoNLL writer give what slow line-by-line references written here from the format's definition give."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlner import _core
from xlner.io import FormatError

SPACE = b" \t\r\x0b\x0c"  # what the readers strip (str.isspace of ASCII, without the line break)

WORDS = [b"a", b"Paris", b"Zo\xc3\xab", b"x" * 15, b"y" * 16, b"z" * 17, b"w" * 40, b"-DOCSTART-", b"\xe2\x82\xac5",
         b"q\x01r"]
TAGS = [b"O", b"B-PER", b"I-PER", b"B-LOC", b"I-LOC", b"B-" + b"L" * 20, b"I-" + b"L" * 20]
BLANKS = [b"", b" ", b"\t", b" \t ", b"\r", b"\x0b"]


def cut_reference(buf: bytes, max_sentences: int, conll: bool, at_eof: bool) -> Tuple[int, int, int]:
    """(bytes, sentences, lines) of the longest prefix with at most max_sentences whole sentences, line by line."""
    n = len(buf)
    pos = sentences = lines = 0
    if not conll:
        while sentences < max_sentences and pos < n:
            nl = buf.find(b"\n", pos)
            if nl < 0:
                return (n, sentences + 1, lines + 1) if at_eof else (pos, sentences, lines)
            pos, sentences, lines = nl + 1, sentences + 1, lines + 1
        return pos, sentences, lines
    cut = (0, 0, 0)
    in_sentence = False
    while pos < n:
        nl = buf.find(b"\n", pos)
        end, nxt = (n, n) if nl < 0 else (nl, nl + 1)
        if end == n and not at_eof:
            break
        blank = not buf[pos:end].strip(SPACE)
        if blank and in_sentence:
            in_sentence = False
            sentences += 1
        elif not blank:
            if not in_sentence and sentences == max_sentences:
                break
            in_sentence = True
        pos, lines = nxt, lines + 1
        if not in_sentence:
            cut = (pos, sentences, lines)
    if in_sentence and at_eof and pos >= n:
        cut = (n, sentences + 1, lines)
    return cut


def conll_reference(text: bytes) -> Tuple[List[List[bytes]], List[List[bytes]]]:
    """Tokens and tags per sentence of valid CoNLL: a line stripped of SPACE is blank or `token ... tag` (fields
    split at tabs when the line has one, else at spaces; the token is the first field, the tag the last)."""
    sents: List[List[bytes]] = [[]]
    tags: List[List[bytes]] = [[]]
    for line in text.split(b"\n"):
        line = line.strip(SPACE)
        if not line:
            if sents[-1]:
                sents.append([])
                tags.append([])
            continue
        fields = line.split(b"\t") if b"\t" in line else line.split(b" ")
        sents[-1].append(fields[0].strip(SPACE))
        tags[-1].append(fields[-1].strip(SPACE))
    if not sents[-1]:
        sents.pop()
        tags.pop()
    return sents, tags


def talp_reference(text: bytes) -> List[List[Tuple[int, int]]]:
    """Links per line of a valid talp text."""
    lines = text.split(b"\n")
    if lines[-1] == b"" and len(lines) > 1:
        lines.pop()
    return [[(int(i), int(j)) for i, j in (pair.split(b"-") for pair in line.split())] for line in lines]


def conll_line() -> Any:
    word, tag = st.sampled_from(WORDS), st.sampled_from(TAGS)
    sep = st.sampled_from([b" ", b"\t", b"  ", b" \t"])
    token_line = st.tuples(word, sep, tag, st.sampled_from([b"", b" ", b"\r"])).map(b"".join)
    three = st.tuples(word, st.just(b"\t"), word, st.just(b"\t"), tag).map(b"".join)
    return st.one_of(token_line, token_line, token_line, three, st.sampled_from(BLANKS))


def conll_text() -> Any:
    return st.tuples(st.lists(conll_line(), min_size=1, max_size=120), st.booleans()).map(
        lambda t: b"\n".join(t[0]) + (b"\n" if t[1] else b""))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conll_text(), st.integers(0, 40), st.booleans())
def test_cut_sentences_of_long_conll_texts_is_the_line_by_line_cut(text, max_sentences, at_eof):
    assert _core.cut_sentences(text, max_sentences, conll=True, at_eof=at_eof) == \
        cut_reference(text, max_sentences, True, at_eof)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"0-0", b"12-3 4-5", b"", b"1-1 " * 30, b"x" * 70]), max_size=60),
       st.booleans(), st.integers(0, 70), st.booleans())
def test_cut_sentences_of_long_line_texts_is_the_line_by_line_cut(lines, final_break, max_sentences, at_eof):
    text = b"\n".join(lines) + (b"\n" if final_break and lines else b"")
    assert _core.cut_sentences(text, max_sentences, conll=False, at_eof=at_eof) == \
        cut_reference(text, max_sentences, False, at_eof)


def _sentences(corpus: Any, text: bytes, values: np.ndarray) -> List[List[Any]]:
    offsets = corpus.offsets.tolist()
    return [values[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conll_text())
def test_conll_parse_of_long_texts_is_the_line_by_line_reading(text):
    want_tokens, want_tags = conll_reference(text)
    if not want_tokens:
        return
    corpus = _core.parse_conll(text, with_tags=True, keep_tokens=True)
    assert [[t.encode() for t in s] for s in corpus.token_lists()] == want_tokens
    labels = list(corpus.labels)
    names = ["O"] + [f"{p}-{lab}" for lab in labels for p in "BI"]
    got_tags = [[names[k].encode() for k in s] for s in _sentences(corpus, text, corpus.tags.tolist())]
    assert got_tags == want_tags
    # labels in order of first appearance
    seen: List[bytes] = []
    for tag in (t for s in want_tags for t in s if t != b"O"):
        if tag[2:] not in seen:
            seen.append(tag[2:])
    assert [lab.encode() for lab in labels] == seen


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(st.integers(0, 12000), st.integers(0, 999)), max_size=25), min_size=1,
                max_size=30), st.sampled_from([b" ", b"  ", b"\t"]), st.booleans())
def test_talp_parse_of_long_texts_is_the_line_by_line_reading(links, sep, final_break):
    text = b"\n".join(sep.join(b"%d-%d" % p for p in line) for line in links) + (b"\n" if final_break else b"")
    if not text:
        with pytest.raises(FormatError, match="empty file"):
            _core.parse_talp(text)
        return
    got = _core.parse_talp(text)
    offsets, src, tgt = got["offsets"].tolist(), got["src"].tolist(), got["tgt"].tolist()
    parsed = [list(zip(src[offsets[i]:offsets[i + 1]], tgt[offsets[i]:offsets[i + 1]]))
              for i in range(len(offsets) - 1)]
    assert parsed == talp_reference(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conll_text(), st.randoms(use_true_random=False), st.sampled_from(["\t", " "]))
def test_conll_writer_writes_token_sep_tag_lines(text, rnd, sep):
    want_tokens, _ = conll_reference(text)
    if not want_tokens:
        return
    corpus = _core.parse_conll(text, with_tags=False, keep_tokens=True)
    names = ["O", "B-PER", "I-PER", "B-" + "L" * 30, "I-" + "L" * 30]
    n_tokens = sum(len(s) for s in want_tokens)
    tags = np.array([rnd.randrange(len(names)) for _ in range(n_tokens)], dtype=np.int32)
    out: Optional[bytes] = _core.format_conll(corpus, tags, names, sep=sep, threads=1)
    it = iter(tags.tolist())
    want = b"".join(b"".join(tok + sep.encode() + names[next(it)].encode() + b"\n" for tok in s) + b"\n"
                    for s in want_tokens)
    assert out == want
