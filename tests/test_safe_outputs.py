"""Safe outputs: refused same-path outputs, all-or-nothing commits, untouched old files on write errors, full
disks, file-size limits and SIGTERM (``xlner.io.atomic`` and the commands that use it)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from xlner.cli import main
from xlner.io.atomic import atomic_open, atomic_outputs, check_outputs

SRC = "John B-PER\nSmith I-PER\nvisited O\nNew B-LOC\nYork I-LOC\n\nEU B-ORG\nrejects O\n\n"
TGT = "John Smith besuchte New York\nEU lehnt ab\n"
ALN = "0-0 1-1 2-2 3-3 4-4\n0-0 1-1\n"


def _job(tmp_path: Path, copies: int = 1) -> dict:
    paths = {"src": tmp_path / "src.conll", "tgt": tmp_path / "tgt.txt", "aln": tmp_path / "aln.talp"}
    for key, text in (("src", SRC), ("tgt", TGT), ("aln", ALN)):
        paths[key].write_text(text * copies, encoding="utf-8")
    return paths


def _args(paths: dict, out: Path, *extra: str) -> list:
    return ["project", "--source", str(paths["src"]), "--target", str(paths["tgt"]), "--alignments",
            str(paths["aln"]), "--method", "greedy", "--out", str(out), "--quiet", *extra]


def _leftovers(folder: Path) -> list:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_out_equal_to_spans_out_is_refused(tmp_path, capsys):
    paths = _job(tmp_path)
    out = tmp_path / "x"
    out.write_text("OLD", encoding="utf-8")
    assert main(_args(paths, out, "--spans-out", str(out))) == 1
    err = capsys.readouterr().err
    assert "--spans-out" in err and "same file" in err and len(err.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "OLD"
    # the same file through another spelling of its path
    assert main(_args(paths, out, "--spans-out", str(tmp_path / "." / "x"))) == 1
    assert out.read_text(encoding="utf-8") == "OLD"


@pytest.mark.parametrize("which", ["src", "tgt", "aln"])
def test_out_equal_to_an_input_is_refused(tmp_path, capsys, which):
    paths = _job(tmp_path)
    before = paths[which].read_bytes()
    assert main(_args(paths, paths[which])) == 1
    err = capsys.readouterr().err
    flag = {"src": "--source", "tgt": "--target", "aln": "--alignments"}[which]
    assert f"is the same file as the input {flag}" in err
    assert paths[which].read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_out_hard_link_to_an_input_is_refused(tmp_path):
    paths = _job(tmp_path)
    link = tmp_path / "alias.conll"
    os.link(paths["src"], link)
    with pytest.raises(ValueError, match="same file as the input --source"):
        check_outputs({"--out": link}, {"--source": paths["src"]})
    assert main(_args(paths, link)) == 1
    assert paths["src"].read_text(encoding="utf-8") == SRC


def test_directory_as_output_is_refused(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        check_outputs({"--out": tmp_path})


def test_atomic_outputs_commit_together_or_not_at_all(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_outputs([a, b]) as (ta, tb):
            Path(ta).write_text("new a", encoding="utf-8")
            Path(tb).write_text("partial", encoding="utf-8")
            raise RuntimeError("second writer failed")
    assert a.read_text(encoding="utf-8") == "old a" and not b.exists()
    assert _leftovers(tmp_path) == []
    with atomic_outputs([a, None, b]) as (ta, none, tb):
        assert none is None and ta != str(a) and os.path.dirname(ta) == str(tmp_path)
        Path(ta).write_text("new a", encoding="utf-8")
        Path(tb).write_text("new b", encoding="utf-8")
        assert a.read_text(encoding="utf-8") == "old a"  # nothing is visible before the block ends
    assert (a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")) == ("new a", "new b")
    assert _leftovers(tmp_path) == []


def test_atomic_open_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    p = tmp_path / "m.txt"
    p.write_text("x", encoding="utf-8")
    os.chmod(p, 0o640)
    with atomic_open(p, "w") as fh:
        fh.write("y")
    assert p.read_text(encoding="utf-8") == "y" and (os.stat(p).st_mode & 0o777) == 0o640


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_full_disk_fails_cleanly_and_commits_nothing(tmp_path, capsys):
    paths = _job(tmp_path)
    out = tmp_path / "out.conll"
    out.write_text("OLD", encoding="utf-8")
    assert main(_args(paths, out, "--spans-out", "/dev/full")) == 1
    err = capsys.readouterr().err
    assert "No space left" in err and len(err.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "OLD"  # the CoNLL is not committed when the spans fail
    assert _leftovers(tmp_path) == []
    assert main(_args(paths, Path("/dev/full"))) == 1
    assert "No space left" in capsys.readouterr().err


def _run_python(code: str, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          timeout=120, **kw)


@pytest.mark.parametrize("threads", ["1", "2"])
def test_file_size_limit_leaves_the_old_output(tmp_path, threads):
    paths = _job(tmp_path, copies=3000)  # about 100 KB of output
    out = tmp_path / "out.conll"
    out.write_text("OLD", encoding="utf-8")
    args = _args(paths, out, "--threads", threads, "--chunk-sentences", "500")
    proc = _run_python(f"""
        import resource, sys
        from xlner.cli import main
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
        sys.exit(main({args!r}))
    """)
    assert proc.returncode == 1, proc.stderr
    assert "File too large" in proc.stderr
    assert out.read_text(encoding="utf-8") == "OLD"
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_sigterm_during_the_run_removes_the_temporary_file(tmp_path):
    paths = _job(tmp_path, copies=50)
    fifo = tmp_path / "tgt.fifo"
    os.mkfifo(fifo)
    out = tmp_path / "out.conll"
    out.write_text("OLD", encoding="utf-8")
    args = _args(paths, out, "--threads", "1", "--chunk-sentences", "2", "--target-format", "lines")
    args[args.index(str(paths["tgt"]))] = str(fifo)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen([sys.executable, "-c", f"import sys; from xlner.cli import main; sys.exit(main({args!r}))"],
                            stderr=subprocess.PIPE, text=True, env=env)
    with open(fifo, "w", encoding="utf-8") as feed:
        feed.write(TGT * 3)  # a few blocks' worth; the reader then waits for more
        feed.flush()
        deadline = time.monotonic() + 60
        while not _leftovers(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _leftovers(tmp_path), "the run never created its temporary output"
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "terminated" in err
    assert out.read_text(encoding="utf-8") == "OLD"
    assert _leftovers(tmp_path) == []


def test_align_output_equal_to_its_input_is_refused(tmp_path, capsys):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("a b ||| x y\n", encoding="utf-8")
    assert main(["align", "--input", str(pairs), "-o", str(pairs), "--aligner", "lexical"]) == 1
    assert "same file as the input --input" in capsys.readouterr().err
    assert pairs.read_text(encoding="utf-8") == "a b ||| x y\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_write_projection_commits_both_files_or_neither(tmp_path):
    from xlner.io import load_projection_corpus, write_projection
    from xlner.projection import project

    paths = _job(tmp_path)
    corpus = load_projection_corpus(paths["src"], paths["tgt"], paths["aln"], threads=1)
    res = project(corpus.batch, "greedy", threads=1)
    out = tmp_path / "api.conll"
    out.write_text("OLD", encoding="utf-8")
    with pytest.raises(OSError, match="No space left"):
        write_projection(out, corpus.target, res, spans_out="/dev/full", threads=2)
    assert out.read_text(encoding="utf-8") == "OLD" and _leftovers(tmp_path) == []
    with pytest.raises(ValueError, match="same file"):
        write_projection(paths["tgt"], corpus.target, res)
    write_projection(out, corpus.target, res, spans_out=tmp_path / "api.jsonl.gz", threads=2)
    assert out.read_text(encoding="utf-8").startswith("John\tB-PER\n")
    assert (tmp_path / "api.jsonl.gz").read_bytes()[:2] == b"\x1f\x8b"
