"""The parsers split a text at sentence boundaries and parse the pieces on several threads: for every possible split
point (and all of them at once) the merged result, or the first error, is that of the single-threaded parse."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlner import _core
from xlner.io import FormatError

SPACE = b" \t\r\x0b\x0c"

LINES = [b"a O", b"Zo\xc3\xab\tB-PER", b"x I-PER", b"Paris B-LOC", b"b\tc\tB-ORG", b"c I-MISC", b"-DOCSTART- -X- O",
         b" ", b"", b"\t", b"\r", b"d B-NEW", b"e X-BAD", b"f", b"g \xff O", b"\xef\xbb\xbfh O"]
TALP = [b"0-0", b"0-1 2-3", b"", b" ", b"1-1\r", b"4-x", b"3-2 0-0 1-1", b"\xff", b"7-7"]
TOKENS = [b"a b c", b"Zo\xc3\xab", b"", b" x  y ", b"\t", b"z\r", b"\xff q", b"\xef\xbb\xbfw"]


def text_of(pool: List[bytes], crlf_ok: bool = True) -> Any:
    """Texts of lines drawn from the pool, with or without a final line break."""
    ends = st.sampled_from([b"\n", b"\r\n"] if crlf_ok else [b"\n"])
    line = st.tuples(st.sampled_from(pool), ends).map(b"".join)
    return st.tuples(st.lists(line, max_size=14), st.sampled_from([b"", b"tail O", b"0-0", b"t"])).map(
        lambda parts: b"".join(parts[0]) + parts[1])


def boundaries(text: bytes, conll: bool) -> List[int]:
    """Every offset a parse may be split at, found here from the definition: just after a line break and, for
    CoNLL, just after a line of whitespace only."""
    out = []
    for c in range(1, len(text)):
        if text[c - 1] != ord("\n"):
            continue
        if conll:
            start = text.rfind(b"\n", 0, c - 1) + 1
            if text[start:c - 1].strip(SPACE):
                continue
        out.append(c)
    return out


def outcome(parse: Callable[..., Any], text: bytes, **kw: Any) -> Tuple[str, Any]:
    """('ok', comparable result) or ('error', the FormatError's fields)."""
    try:
        r = parse(text, **kw)
    except FormatError as exc:
        return "error", (exc.sentence, exc.line, exc.field, exc.detail)
    if isinstance(r, dict):
        return "ok", {k: v.tolist() for k, v in r.items()}
    value: Dict[str, Any] = {"offsets": r.offsets.tolist(), "tags": r.tags.tolist(), "labels": list(r.labels)}
    if r.has_tokens:
        value["tokens"] = r.token_lists()
    return "ok", value


PARSERS: Dict[str, Tuple[Callable[..., Any], Dict[str, Any], bool, List[bytes]]] = {
    "conll tags": (_core.parse_conll, {"with_tags": True, "keep_tokens": True}, True, LINES),
    "conll tags no tokens": (_core.parse_conll, {"with_tags": True, "keep_tokens": False}, True, LINES),
    "conll tokens": (_core.parse_conll, {"with_tags": False, "keep_tokens": True}, True, LINES),
    "talp": (_core.parse_talp, {}, False, TALP),
    "token lines": (_core.parse_token_lines, {"keep_tokens": True}, False, TOKENS),
}


@pytest.mark.parametrize("name", list(PARSERS))
def test_every_split_point_gives_the_single_threaded_parse(name):
    parse, kw, conll, pool = PARSERS[name]

    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(text_of(pool), st.sampled_from([[], ["PER"], ["LOC", "NEW"]]), st.booleans())
    def check(text, labels, skip_bom):
        extra = dict(kw, skip_bom=skip_bom)
        if parse is _core.parse_conll and kw["with_tags"]:
            extra["labels"] = labels
        whole = outcome(parse, text, **extra)
        # a view of a larger buffer (token bytes after it, no terminator) is read up to its end only
        assert outcome(parse, memoryview(text + b"Zq O\n")[:len(text)], **extra) == whole
        cuts = boundaries(text, conll)
        for c in cuts:
            assert outcome(parse, text, splits=[c], **extra) == whole, c
        if cuts:
            assert outcome(parse, text, splits=cuts, threads=3, **extra) == whole
            assert outcome(parse, text, splits=cuts[::2], threads=2, **extra) == whole

    check()


@pytest.mark.parametrize("conll", [True, False])
def test_offsets_that_are_not_boundaries_are_refused(conll):
    text = b"a O\nb O\n\nc O\n" if conll else b"0-0\n1-1\n\n2-2\n"
    valid = set(boundaries(text, conll))
    parse = _core.parse_conll if conll else _core.parse_talp
    for c in range(0, len(text) + 2):
        if c in valid:
            parse(text, splits=[c])
        else:
            with pytest.raises(ValueError, match="split offset"):
                parse(text, splits=[c])
    with pytest.raises(ValueError, match="increase"):
        parse(text, splits=sorted(valid)[::-1] * 2)


def test_labels_keep_their_order_of_first_appearance_across_pieces():
    text = b"a B-PER\n\nb B-LOC\nc I-LOC\n\nd B-ORG\ne B-PER\n"
    cut = text.index(b"b B-LOC")
    c = _core.parse_conll(text, splits=[cut], labels=["MISC"])
    assert list(c.labels) == ["MISC", "PER", "LOC", "ORG"]
    names = _core.iob2_tag_names(list(c.labels))
    assert [names[t] for t in c.tags] == ["B-PER", "B-LOC", "I-LOC", "B-ORG", "B-PER"]
    assert c.offsets.tolist() == [0, 1, 3, 5]


def test_an_error_in_a_later_piece_names_its_sentence_and_line_in_the_whole_text():
    text = b"a O\n\nb O\nc O\n\nd O\ne S-PER\n"
    cut = text.index(b"d O")
    with pytest.raises(FormatError) as info:
        _core.parse_conll(text, splits=[text.index(b"b O"), cut])
    assert (info.value.sentence, info.value.line, info.value.field) == (2, 7, "tag")
    # two failing pieces: the first error in file order wins
    text = b"a X-1\n\nb X-2\n"
    with pytest.raises(FormatError) as info:
        _core.parse_conll(text, splits=[text.index(b"b")], threads=2)
    assert (info.value.sentence, info.value.line) == (0, 1)
    aln = b"0-0\n1-1\n2-x\n"
    with pytest.raises(FormatError) as info:
        _core.parse_talp(aln, splits=[4, 8])
    assert (info.value.sentence, info.value.line, info.value.field) == (2, 3, "alignment pair 0")


@pytest.mark.parametrize("conll", [True, False])
def test_automatic_splits_are_boundaries_of_similar_size(conll):
    one = b"w O\nx I-PER\n \n" if conll else b"0-0 1-1 2-2\n"
    text = one * 50_000
    for pieces in (2, 3, 8):
        cuts = _core.sentence_splits(text, pieces, conll=conll)
        assert len(cuts) == pieces - 1 and cuts == sorted(set(cuts))
        for k, c in enumerate(cuts, 1):
            assert c % len(one) == 0 and 0 < c - len(text) // pieces * k <= 2 * len(one)
            assert text[c - 1] == ord("\n")
            if conll:
                assert not text[text.rfind(b"\n", 0, c - 1) + 1:c - 1].strip(SPACE)
    assert _core.sentence_splits(b"a O\nb O\n", 4, conll=True) == []  # no blank line: nothing to split at
    big = one * 200_000  # over 1 MiB: split on all cores or on 4 threads, the same as one thread
    parse = _core.parse_conll if conll else _core.parse_talp
    assert outcome(parse, big, threads=-1) == outcome(parse, big, threads=1)
    assert outcome(parse, big, threads=4) == outcome(parse, big, threads=1)
