"""Streaming projection (``xlner project``, :func:`xlner.streaming.project_files`): the same bytes as the
in-memory path for every method, block size and thread count; gzip inputs and outputs; errors numbered over
the whole file; inputs that are not text end with a one-line error."""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner import _core
from xlner.cli import main
from xlner.datasets import resolve_path
from xlner.io import FormatError, load_conll, load_projection_corpus, write_projection
from xlner.projection import MatchingConfig, project
from xlner.streaming import project_files

SAMPLE = {k: resolve_path(f"sample:{v}") for k, v in (("src", "en.conll"), ("tgt", "de.conll"),
                                                      ("aln", "en-de.talp"))}


def _in_memory(tmp: Path, method: str, preset: str | None) -> tuple:
    corpus = load_projection_corpus(SAMPLE["src"], SAMPLE["tgt"], SAMPLE["aln"], threads=1)
    kwargs: dict = {}
    if method == "heuristic":
        kwargs = {"heuristic": preset, "tgt_tokens": corpus.target}
    res = project(corpus.batch, method, matching=MatchingConfig(), threads=1, **kwargs)
    out, spans = tmp / f"mem-{method}-{preset}.conll", tmp / f"mem-{method}-{preset}.jsonl"
    write_projection(out, corpus.target, res, spans_out=spans, threads=1)
    return out.read_bytes(), spans.read_bytes()


@pytest.mark.parametrize("method,preset", [("greedy", None), ("exact", None), ("heuristic", "elp"),
                                           ("heuristic", "thesis")])
def test_streamed_output_is_byte_identical_to_the_in_memory_path(tmp_path, method, preset):
    want = _in_memory(tmp_path, method, preset)
    for chunk, threads in ((1, "1"), (7, "2"), (64, "1"), (100000, "2")):
        out, spans = tmp_path / "s.conll", tmp_path / "s.jsonl"
        args = ["project", "--source", SAMPLE["src"], "--target", SAMPLE["tgt"], "--alignments", SAMPLE["aln"],
                "--method", method, "--out", str(out), "--spans-out", str(spans), "--quiet",
                "--chunk-sentences", str(chunk), "--threads", threads]
        if preset:
            args += ["--preset", preset]
        assert main(args) == 0
        assert (out.read_bytes(), spans.read_bytes()) == want, (chunk, threads)


def test_gzip_inputs_and_outputs_round_trip(tmp_path):
    want = _in_memory(tmp_path, "greedy", None)
    gz = {}
    for key, path in SAMPLE.items():
        gz[key] = tmp_path / (Path(path).name + ".gz")
        gz[key].write_bytes(gzip.compress(Path(path).read_bytes()))
    out, spans = tmp_path / "o.conll.gz", tmp_path / "o.jsonl.gz"
    stats = project_files(gz["src"], gz["tgt"], gz["aln"], out, spans_out=spans, method="greedy", threads=2,
                          chunk_sentences=13)
    assert stats.sentences == len(load_conll(SAMPLE["src"]))
    assert out.read_bytes()[:2] == b"\x1f\x8b" and spans.read_bytes()[:2] == b"\x1f\x8b"
    assert (gzip.decompress(out.read_bytes()), gzip.decompress(spans.read_bytes())) == want
    # the compressed output is itself a valid input (read by content, whatever its name)
    again = tmp_path / "again.conll"
    project_files(gz["src"], out, gz["aln"], again, method="greedy", threads=1)
    assert again.read_bytes() == want[0]


def test_cut_sentences_matches_the_parser():
    text = b"a O\nb O\n\n \t\nc O\n\n\nd O\ne O"
    assert _core.cut_sentences(text, 1, conll=True, at_eof=False) == (len(b"a O\nb O\n\n \t\n"), 1, 4)
    assert _core.cut_sentences(text, 2, conll=True, at_eof=False) == (len(b"a O\nb O\n\n \t\nc O\n\n\n"), 2, 7)
    assert _core.cut_sentences(text, 5, conll=True, at_eof=False)[1] == 2  # the last sentence may go on
    assert _core.cut_sentences(text, 5, conll=True, at_eof=True) == (len(text), 3, 9)
    assert len(_core.parse_conll(text)) == 3
    assert _core.cut_sentences(b"0-0\n\n1-1", 5, conll=False, at_eof=False) == (5, 2, 2)
    assert _core.cut_sentences(b"0-0\n\n1-1", 5, conll=False, at_eof=True) == (8, 3, 3)


def test_errors_name_the_sentence_and_line_of_the_whole_file(tmp_path):
    src = Path(SAMPLE["src"]).read_text(encoding="utf-8").split("\n")
    # break the tag of a line far into the file
    k = next(i for i in range(len(src) // 2, len(src)) if src[i].strip())
    src[k] = src[k].rsplit(" ", 1)[0].rsplit("\t", 1)[0] + "\tB-"
    bad = tmp_path / "bad.conll"
    bad.write_text("\n".join(src), encoding="utf-8")
    with pytest.raises(FormatError) as whole:
        load_conll(bad)
    with pytest.raises(FormatError) as streamed:
        project_files(bad, SAMPLE["tgt"], SAMPLE["aln"], tmp_path / "o.conll", chunk_sentences=5, threads=1)
    assert (streamed.value.line, streamed.value.sentence, streamed.value.field) == (
        whole.value.line, whole.value.sentence, whole.value.field)
    assert whole.value.line == k + 1 and whole.value.sentence > 5
    assert not (tmp_path / "o.conll").exists()


def test_a_shorter_target_is_named_with_its_first_missing_sentence(tmp_path):
    lines = Path(SAMPLE["aln"]).read_text(encoding="utf-8").splitlines(keepends=True)
    short = tmp_path / "short.talp"
    short.write_text("".join(lines[:150]), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        project_files(SAMPLE["src"], SAMPLE["tgt"], short, tmp_path / "o.conll", chunk_sentences=32, threads=2)
    assert err.value.path == str(short) and err.value.sentence == 150 and err.value.field == "line count"
    longer = tmp_path / "long.talp"
    longer.write_text("".join(lines) + "0-0\n", encoding="utf-8")
    with pytest.raises(FormatError, match="has more alignment lines") as err:
        project_files(SAMPLE["src"], SAMPLE["tgt"], longer, tmp_path / "o.conll", chunk_sentences=32, threads=1)
    assert err.value.sentence == len(lines)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
@pytest.mark.parametrize("flag", ["--source", "--target", "--alignments"])
def test_dev_zero_as_input_is_a_one_line_error(tmp_path, capsys, flag):
    paths = {"--source": SAMPLE["src"], "--target": SAMPLE["tgt"], "--alignments": SAMPLE["aln"]}
    paths[flag] = "/dev/zero"
    args = ["project", "--method", "greedy", "--out", str(tmp_path / "o.conll"), "--quiet"]
    for k, v in paths.items():
        args += [k, v]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "/dev/zero" in err and "NUL byte" in err and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- the sentence stream's buffer


def _sentences_of(text: bytes, conll: bool) -> list:
    """The sentences of a text, by definition: runs of non-blank lines (CoNLL), or lines."""
    if not text:
        return []
    lines = text.split(b"\n")
    if text.endswith(b"\n"):
        lines.pop()
    if not conll:
        return [[ln] for ln in lines]
    out, cur = [], []
    for ln in lines:
        if ln.strip():
            cur.append(ln)
        elif cur:
            out.append(cur)
            cur = []
    return out + ([cur] if cur else [])


def _drain(path: Path, conll: bool, block_size: int, take: int):
    from xlner.io.streams import SentenceStream

    views, counts = [], []
    with SentenceStream(path, conll=conll, block_size=block_size) as s:
        head = s.head(7)
        while True:
            view, n, first, _ = s.take(take)
            if n == 0:
                break
            assert first == sum(counts)  # index of the block's first sentence
            views.append(bytes(view))
            counts.append(n)
    return head, views, counts


@settings(max_examples=120, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="ab O-", min_size=1, max_size=6).filter(str.strip), min_size=1,
                                 max_size=4), min_size=0, max_size=8),
       st.lists(st.integers(1, 3), min_size=8, max_size=8), st.booleans(), st.booleans(), st.integers(1, 23),
       st.integers(1, 4))
def test_sentence_stream_hands_out_every_sentence_whatever_the_block_size(tmp_path_factory, sents, gaps, conll,
                                                                        final_newline, block_size, take):
    tmp = tmp_path_factory.mktemp("stream")
    if conll:
        text = "".join("\n".join(s) + "\n" * (1 + g) for s, g in zip(sents, gaps)).encode()
    else:
        text = "".join(" ".join(s) + "\n" for s in sents).encode()
    if not final_newline:
        text = text.rstrip(b"\n")
    path = tmp / "in.txt"
    path.write_bytes(text)
    head, views, counts = _drain(path, conll, block_size, take)
    assert head == text[:7]
    joined = b"".join(views)
    assert text.startswith(joined) and not text[len(joined):].strip()  # all of it, up to trailing line breaks
    assert all(len(_sentences_of(v, conll)) == n for v, n in zip(views, counts))
    assert [s for v in views for s in _sentences_of(v, conll)] == _sentences_of(text, conll)
    assert all(n == take for n in counts[:-1])
    gz = tmp / "in.txt.gz"
    gz.write_bytes(gzip.compress(text, mtime=0))
    assert _drain(gz, conll, block_size, take)[1:] == (views, counts)
