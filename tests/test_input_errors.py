"""Questionable inputs end with a clear error naming the file and the field, or are read correctly: tags with
NUL bytes, spaces or a bare '-' as label, NUL bytes in tokens and alignments, a directory as input, numbers too
large for the core, a one-sentence space-separated CoNLL target."""
from __future__ import annotations

import pytest

from xlner import _core
from xlner.cli import main
from xlner.io import FormatError, load_conll, load_talp, load_tokens, parse_conll, read_conll


@pytest.mark.parametrize("text,field,needle", [
    (b"JAPAN B-PER\x00\n", "tag", "NUL byte"),
    (b"JAPAN\tB-LOC x\n", "tag", "'B-LOC x' is not an IOB2 tag"),
    (b"JAPAN B--\n", "tag", "'B--' is not an IOB2 tag"),
    (b"JAPAN\tB-LOC\x01\n", "tag", "is not an IOB2 tag"),
    (b"JA\x00PAN B-LOC\n", "token", "NUL byte at column 3"),
    (b"ok O\n\nJAPAN I-\n", "tag", "'I-' is not an IOB2 tag"),
])
def test_bad_tags_and_nul_bytes_in_conll(tmp_path, text, field, needle):
    with pytest.raises(FormatError) as err:
        parse_conll(text, path="x.conll")
    assert err.value.field == field and needle in str(err.value) and err.value.path == "x.conll"
    f = tmp_path / "x.conll"
    f.write_bytes(text)
    with pytest.raises(FormatError, match=needle.replace("(", r"\(")):
        load_conll(f)


def test_well_formed_labels_are_still_read():
    c = parse_conll(b"a B-PER-X\nb I-PER-X\nc B-LOC_2\nd O\n")
    assert c.labels.names == ["PER-X", "LOC_2"] and c.tags(0) == ["B-PER-X", "I-PER-X", "B-LOC_2", "O"]


def test_nul_bytes_in_target_lines_and_alignments(tmp_path):
    lines, talp = tmp_path / "t.txt", tmp_path / "a.talp"
    lines.write_bytes(b"ein Satz\nzwei\x00 Saetze\n")
    talp.write_bytes(b"0-0\n0-0 1\x00-1\n")
    with pytest.raises(FormatError) as err:
        load_tokens(lines, format="lines")
    assert (err.value.path, err.value.sentence, err.value.field) == (str(lines), 1, "tokens")
    assert "NUL byte" in str(err.value)
    with pytest.raises(FormatError) as err:
        load_talp(talp)
    assert (err.value.sentence, err.value.field) == (1, "alignment") and "NUL byte" in str(err.value)


def test_a_directory_as_input_names_the_path(tmp_path, capsys):
    with pytest.raises(OSError, match="is a directory"):
        read_conll(tmp_path)
    with pytest.raises(OSError, match="is a directory"):
        load_talp(tmp_path)
    f = tmp_path / "f.conll"
    f.write_text("a O\n", encoding="utf-8")
    rc = main(["project", "--source", str(tmp_path), "--target", str(f), "--alignments", str(f), "--method", "greedy",
               "--out", str(tmp_path / "o.conll")])
    err = capsys.readouterr().err
    assert rc == 1 and f"{tmp_path}: is a directory" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("flag,value", [("--max-len", "2147483648"), ("--max-len", "0"), ("--chunk-sentences", "-1"),
                                        ("--time-limit", "nan"), ("--max-len", "ten")])
def test_out_of_range_numbers_are_usage_errors(tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit) as ei:
        main(["project", "--source", "s", "--target", "t", "--alignments", "a", "--method", "greedy",
              "--out", str(tmp_path / "o"), flag, value])
    err = capsys.readouterr().err
    assert ei.value.code == 2 and flag in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_one_sentence_space_separated_conll_target_is_read_as_conll(tmp_path):
    src, tgt, aln = tmp_path / "s.conll", tmp_path / "t.conll", tmp_path / "a.talp"
    src.write_text("Japan B-LOC\nwins O\n", encoding="utf-8")
    tgt.write_text("Japan B-LOC\ngewinnt O\n", encoding="utf-8")
    aln.write_text("0-0 1-1\n", encoding="utf-8")
    assert _core.looks_like_conll(tgt.read_bytes())
    assert load_tokens(tgt).token_lists() == [["Japan", "gewinnt"]]
    out = tmp_path / "o.conll"
    assert main(["project", "--source", str(src), "--target", str(tgt), "--alignments", str(aln), "--method",
                 "greedy", "--out", str(out), "--quiet"]) == 0
    assert out.read_text(encoding="utf-8") == "Japan\tB-LOC\ngewinnt\tO\n\n"
    # one sentence per line stays one sentence per line
    assert not _core.looks_like_conll(b"Japan gewinnt\nHeute nicht\n")
    assert not _core.looks_like_conll(b"Japan gewinnt heute\n")


@pytest.mark.skipif(not __import__("os").path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_through_the_in_memory_readers_is_a_format_error():
    for read in (load_conll, load_talp, lambda p: load_tokens(p, format="lines")):
        with pytest.raises(FormatError, match="NUL byte at byte offset 0"):
            read("/dev/zero")
