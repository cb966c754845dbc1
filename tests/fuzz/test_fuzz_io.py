"""Fuzz the readers, writers and the block cutter: any bytes end in a result or a FormatError (never a crash or
another exception); what is read writes back to the same tokens and tags; cutting a file into blocks parses to
the same sentences as reading it at once."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlner import _core
from xlner.io import FormatError

from fuzzing import EXAMPLES, fuzz_settings

FRAGMENTS = [b"a", b"Zo\xc3\xab", b"B-PER", b"I-PER", b"B-LOC", b"O", b"B-", b"B--", b"X", b"-DOCSTART-", b" ", b"\t",
             b"\n", b"\n", b"\n\n", b"\r\n", b"\x00", b"\xff", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"0-1", b"2-0", b"1p1",
             b"-", b"12", b"99999999999", b"\x0b", b",", b"."]
texts = st.one_of(st.binary(max_size=200), st.lists(st.sampled_from(FRAGMENTS), max_size=60).map(b"".join))


def _parse_or_format_error(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except FormatError:
        return None


@pytest.mark.parametrize("examples", EXAMPLES)
def test_parsers_accept_or_raise_format_error(examples):
    @fuzz_settings(examples)
    @given(texts, st.booleans())
    def check(text, keep):
        c = _parse_or_format_error(_core.parse_conll, text, with_tags=True, keep_tokens=keep)
        if c is not None:
            assert c.n_tokens == len(c.tags) > 0 and int(c.offsets[-1]) == c.n_tokens
            assert all(label and " " not in label and not label.startswith("-") for label in c.labels)
        _parse_or_format_error(_core.parse_conll, text, with_tags=False, keep_tokens=keep)
        t = _parse_or_format_error(_core.parse_token_lines, text, keep_tokens=keep)
        if t is not None:
            assert all(n > 0 for n in t.lengths())
        a = _parse_or_format_error(_core.parse_talp, text)
        if a is not None:
            assert len(a["src"]) == len(a["tgt"]) == int(a["offsets"][-1])
            assert (a["src"] >= 0).all() and (a["tgt"] >= 0).all()
        _parse_or_format_error(_core.parse_talp, text, one_based=True, allow_possible=True)
        assert _core.looks_like_conll(text) in (True, False)

    check()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_conll_round_trip(examples):
    @fuzz_settings(examples)
    @given(texts)
    def check(text):
        c = _parse_or_format_error(_core.parse_conll, text)
        if c is None:
            return
        names = _core.iob2_tag_names(list(c.labels))
        out = _core.format_conll(c, c.tags, names, threads=1)
        again = _core.parse_conll(out, labels=list(c.labels))
        assert again.token_lists() == c.token_lists() and again.tag_lists() == c.tag_lists()

    check()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_blocks_parse_to_the_sentences_of_the_whole(examples):
    @fuzz_settings(examples)
    @given(texts, st.integers(1, 5), st.booleans())
    def check(text, per_block, conll):
        def parse(b: bytes, first: bool):
            if conll:
                return _core.parse_conll(b, with_tags=False, skip_bom=first)
            return _core.parse_token_lines(b, skip_bom=first)

        whole = _parse_or_format_error(parse, text, True)
        if whole is None:
            return
        rest, sentences = text, []
        while rest:
            nbytes, nsent, _ = _core.cut_sentences(rest, per_block, conll=conll, at_eof=True)
            assert 0 < nbytes <= len(rest) and nsent <= per_block
            if nsent:
                sentences += parse(rest[:nbytes], len(rest) == len(text)).token_lists()
            rest = rest[nbytes:]
        assert sentences == whole.token_lists()

    check()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_corpus_from_lists_and_spans_writer(examples):
    token = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=4)
    tag = st.sampled_from(["O", "B-PER", "I-PER", "B-", "B--", "I-X Y", "B-LOC"])

    @fuzz_settings(examples)
    @given(st.lists(st.lists(st.tuples(token, tag), max_size=5), max_size=4))
    def check(sents):
        tokens = [[t for t, _ in s] for s in sents]
        tags = [[g for _, g in s] for s in sents]
        try:
            c = _core.corpus_from_lists(tokens, tags)
        except ValueError:
            return
        assert c.token_lists() == tokens
        spans = _core.tags_to_spans(c.offsets, c.tags, threads=1)
        k = len(spans["start"])
        out = _core.format_spans_jsonl(spans["offsets"], spans["start"], spans["end"], spans["label"],
                                       np.zeros(k, np.int32), np.full(k, 0.5), np.zeros(len(c)), list(c.labels),
                                       threads=1)
        assert out.count(b"\n") == len(c)
        back = _core.spans_to_tags(c.lengths(), spans["offsets"], spans["start"], spans["end"], spans["label"],
                                   threads=1)
        assert len(back) == c.n_tokens

    check()
