"""The ``xlner`` command line: project and evaluate on hand-worked and shipped files, one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from xlner.cli import command_modules, main
from xlner.evaluate import evaluate_files
from xlner.datasets import resolve_path
from xlner.io import read_conll, read_spans_jsonl, read_talp

SRC = ("-DOCSTART- O\n\n"
       "John B-PER\nSmith I-PER\nvisited O\nNew I-LOC\nYork I-LOC\n\n"
       "EU B-ORG\nrejects O\nGerman B-MISC\ncall I-LOC\n")
TGT = "-DOCSTART-\nJohn Smith besuchte New York\nEU lehnt deutschen Aufruf ab\n"
ALN = "0-0\n0-0 1-1 2-2 3-3 4-4\n0-0 1-1 2-2 3-3 1-4\n"


@pytest.fixture
def job(tmp_path):
    paths = {"src": tmp_path / "src.conll", "tgt": tmp_path / "tgt.txt", "aln": tmp_path / "aln.talp"}
    for key, text in (("src", SRC), ("tgt", TGT), ("aln", ALN)):
        paths[key].write_text(text, encoding="utf-8")
    return tmp_path, paths


def _project_args(paths, out, *extra):
    return ["project", "--source", str(paths["src"]), "--target", str(paths["tgt"]), "--alignments",
            str(paths["aln"]), "--out", str(out), *extra]


def test_project_greedy_hand_worked(job, capsys):
    tmp, paths = job
    rc = main(_project_args(paths, tmp / "out.conll", "--method", "greedy", "--spans-out", str(tmp / "s.jsonl"),
                            "--threads", "1"))
    assert rc == 0
    assert (tmp / "out.conll").read_text(encoding="utf-8") == (
        "-DOCSTART-\tO\n\n"
        "John\tB-PER\nSmith\tI-PER\nbesuchte\tO\nNew\tB-LOC\nYork\tI-LOC\n\n"
        "EU\tB-ORG\nlehnt\tO\ndeutschen\tB-MISC\nAufruf\tB-LOC\nab\tO\n\n")
    spans = read_spans_jsonl(tmp / "s.jsonl", lengths=[1, 5, 5])
    assert [[(s.start, s.end, s.label, s.entity, s.score) for s in x.spans] for x in spans] == [
        [], [(0, 2, "PER", 0, 1.0), (3, 5, "LOC", 1, 1.0)],
        [(0, 1, "ORG", 0, 1.0), (2, 3, "MISC", 1, 1.0), (3, 4, "LOC", 2, 1.0)]]
    assert [x.objective for x in spans] == [0.0, 2.0, 3.0]
    err = capsys.readouterr().err
    assert "3 sentences, 5 spans projected from 5 source entities (greedy)" in err


def test_project_constraint_zero_projects_nothing(job):
    tmp, paths = job
    assert main(_project_args(paths, tmp / "o.conll", "--method", "greedy", "--constraint", "<1", "--quiet")) == 0
    assert all(t == "O" for s in read_conll(tmp / "o.conll") for t in s.tags)


def test_project_heuristic_if_available(job):
    pytest.importorskip("xlner.heuristic")
    tmp, paths = job
    assert main(_project_args(paths, tmp / "o.conll", "--method", "heuristic", "--preset", "thesis", "--quiet")) == 0
    assert read_conll(tmp / "o.conll")[1].tags == ["B-PER", "I-PER", "O", "B-LOC", "I-LOC"]


def _one_error_line(capsys, rc, *needles):
    out = capsys.readouterr()
    assert rc != 0
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert "Traceback" not in out.err
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("which,text,needles", [
    ("aln", "0-0\n0-0 1-1-1\n0-0\n", ["aln.talp", "sentence 1 (0-based)", "field alignment pair 1", "3 fields"]),
    ("aln", "0-0\n0-0 9-1\n0-0\n", ["aln.talp", "sentence 1 (0-based)", "source index 9 is past the end"]),
    ("aln", "0-0\n0-0\n", ["aln.talp", "sentence 2 (0-based)", "field line count"]),
    ("tgt", "-DOCSTART-\nJohn Smith\n", ["tgt.txt", "sentence 2 (0-based)", "field sentence count"]),
    ("src", "John B-PER\nSmith\n", ["src.conll", "sentence 0 (0-based)", "field tag: missing tag"]),
    ("src", "", ["src.conll", "field file: empty file"]),
])
def test_project_bad_input_one_line(job, capsys, which, text, needles):
    tmp, paths = job
    paths[which].write_text(text, encoding="utf-8")
    rc = main(_project_args(paths, tmp / "o.conll", "--method", "greedy"))
    assert rc == 1
    _one_error_line(capsys, rc, "xlner project: error:", *needles)
    assert not (tmp / "o.conll").exists()


def test_project_usage_errors(job, capsys):
    tmp, paths = job
    rc = main(_project_args(paths, tmp / "o.conll", "--method", "greedy", "--constraint", "~1"))
    _one_error_line(capsys, rc, "constraint '~1'")
    rc = main(_project_args(paths, tmp / "o.conll", "--method", "greedy", "--preset", "elp"))
    _one_error_line(capsys, rc, "--preset applies to --method heuristic")
    with pytest.raises(SystemExit) as ei:
        main(_project_args(paths, tmp / "o.conll", "--method", "magic"))
    _one_error_line(capsys, ei.value.code, "xlner project: error:", "invalid choice", "--help")
    assert ei.value.code == 2
    paths["src"].unlink()
    rc = main(_project_args(paths, tmp / "o.conll", "--method", "greedy"))
    _one_error_line(capsys, rc, "OSError", "src.conll: cannot open")


def test_failing_command_exit_status_in_a_real_process(job):
    tmp, paths = job
    paths["aln"].write_bytes(b"0-0\n\xff\n0-0\n")
    proc = subprocess.run([sys.executable, "-m", "xlner.cli", *_project_args(paths, tmp / "o.conll", "--method",
                                                                              "greedy")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "aln.talp, line 2, sentence 1 (0-based), field alignment: invalid UTF-8 byte 0xff" in proc.stderr


def test_evaluate_json_equals_api(shared_data, capsys):
    d = shared_data / "conll2003-deepl" / "es"
    gold, pred = d / "test.mgiza.tsv", d / "test.simalign.tsv"
    assert main(["evaluate", "--gold", str(gold), "--pred", str(pred), "--map", "MISC=O", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = evaluate_files(gold, pred, mapping={"MISC": "O"})
    assert out["micro"]["f1"] == ref.micro.f1 and out["micro"]["precision"] == ref.micro.precision
    assert set(out["per_class"]) == {"LOC", "ORG", "PER"}
    assert out["per_class"]["PER"]["recall"] == ref.per_class["PER"].recall


def test_evaluate_text_bootstrap_and_compare(shared_data, capsys):
    d = shared_data / "conll2003-deepl" / "it"
    args = ["evaluate", "--gold", str(d / "test.mgiza.tsv"), "--pred", str(d / "test.simalign.tsv"),
            "--bootstrap", "100", "--seed", "4", "--compare", str(d / "test.fast_align.tsv")]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "micro" in text and "bootstrap 95% intervals (100 resamples, seed 4)" in text and "paired bootstrap" in text
    assert main(args) == 0
    assert capsys.readouterr().out == text  # deterministic under the seed
    assert main(args + ["--json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["bootstrap"]["seed"] == 4 and js["compare"]["n_samples"] == 100
    lo, hi = js["bootstrap"]["micro"]["f1"]
    assert lo <= js["micro"]["f1"] <= hi


def test_evaluate_projection_ratio(shared_data, capsys):
    d = shared_data / "conll2003-deepl"
    args = ["evaluate", "--gold", str(d / "de" / "test.mgiza.tsv"), "--pred", str(d / "de" / "test.simalign.tsv"),
            "--source", str(d / "en" / "test.tsv")]
    assert main(args + ["--json"]) == 0
    js = json.loads(capsys.readouterr().out)["projection_ratio"]
    src = [s.tags for s in read_conll(d / "en" / "test.tsv")]
    pred = [s.tags for s in read_conll(d / "de" / "test.simalign.tsv")]

    def count(tags):
        """Entities by seqeval's rule: B-X, or I-X after O / after another type / at the start."""
        n = 0
        for sent in tags:
            prev = "O"
            for t in sent:
                n += t.startswith("B-") or (t.startswith("I-") and (prev == "O" or prev[2:] != t[2:]))
                prev = t
        return n

    assert (js["n_source"], js["n_projected"]) == (count(src), count(pred))
    assert js["ratio"] == count(pred) / count(src)
    assert main(args) == 0
    assert f"projection ratio vs {d / 'en' / 'test.tsv'}: {count(pred)} / {count(src)}" in capsys.readouterr().out


def test_evaluate_errors(tmp_path, capsys):
    g, p = tmp_path / "g.conll", tmp_path / "p.conll"
    g.write_text("a B-PER\nb O\n\nc O\n", encoding="utf-8")
    p.write_text("a B-PER\nb O\n", encoding="utf-8")
    rc = main(["evaluate", "--gold", str(g), "--pred", str(p)])
    _one_error_line(capsys, rc, "p.conll", "sentence 1 (0-based)", "field sentence count")
    rc = main(["evaluate", "--gold", str(g), "--pred", str(g), "--map", "MISC"])
    _one_error_line(capsys, rc, "label mapping 'MISC'")


def test_command_table_and_broken_module(tmp_path, monkeypatch, capsys):
    import xlner.commands as pkg

    assert {"project", "evaluate"} <= set(command_modules())
    (tmp_path / "zz_broken.py").write_text("import not_a_module_xyz\n", encoding="utf-8")
    monkeypatch.setattr(pkg, "__path__", list(pkg.__path__) + [str(tmp_path)])
    assert "zz-broken" in command_modules()
    rc = main(["zz-broken"])
    _one_error_line(capsys, rc, "xlner zz-broken: error: ImportError", "not_a_module_xyz")
    sys.modules.pop("xlner.commands.zz_broken", None)


# --- behaviour as a Unix tool: stdout, stderr, '-', pipes, flags (real processes) ------------------------------

EXPECTED_GREEDY = ("-DOCSTART-\tO\n\n"
                   "John\tB-PER\nSmith\tI-PER\nbesuchte\tO\nNew\tB-LOC\nYork\tI-LOC\n\n"
                   "EU\tB-ORG\nlehnt\tO\ndeutschen\tB-MISC\nAufruf\tB-LOC\nab\tO\n\n")


def _xlner(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "xlner", *map(str, args)], input=stdin, capture_output=True,
                          text=True, cwd=cwd)


@pytest.mark.parametrize("method", ["ilp", "exact", "greedy"])
@pytest.mark.parametrize("out", ["/dev/stdout", "-"])
def test_stdout_is_exactly_the_conll(job, method, out):
    """HiGHS prints a banner on its first construction in a process: it must not reach stdout."""
    tmp, paths = job
    proc = _xlner(*_project_args(paths, out, "--method", method, "--threads", "1"), cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == EXPECTED_GREEDY  # every method agrees on this hand-worked case
    assert "HiGHS" not in proc.stderr and "Traceback" not in proc.stderr
    assert f"3 sentences, 5 spans projected from 5 source entities ({method})" in proc.stderr
    assert not (tmp / "-").exists()


def test_every_highs_object_is_silent():
    """new_highs is the one place HiGHS objects are made (ilp, multi-source joint): a fresh process that makes
    them writes nothing to stdout, though HiGHS prints its banner on the first construction."""
    proc = subprocess.run([sys.executable, "-c", "from xlner.ilp import new_highs; new_highs(); new_highs()"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""


def test_compare_json_on_stdout_is_only_json(tmp_path):
    """xlner compare --json - with ilp: stdout is one JSON document (no solver banner inside)."""
    proc = _xlner("compare", "--source", "sample:en.conll", "--target", "sample:de.conll", "--alignments",
                  "sample:en-de.talp", "--methods", "greedy", "ilp", "--repeats", "0", "--json", "-", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["methods"]


def test_dash_reads_stdin(job):
    tmp, paths = job
    args = _project_args(paths, "-", "--method", "greedy")
    args[args.index(str(paths["src"]))] = "-"
    proc = _xlner(*args, stdin=SRC, cwd=tmp)
    assert proc.returncode == 0 and proc.stdout == EXPECTED_GREEDY, proc.stderr
    two = _project_args(paths, "-", "--method", "greedy")
    two[two.index(str(paths["src"]))] = two[two.index(str(paths["tgt"]))] = "-"
    proc = _xlner(*two, stdin=SRC)
    assert proc.returncode == 1 and "only one input can be '-'" in proc.stderr


def test_spans_to_stdout_and_evaluate_from_stdin(job):
    tmp, paths = job
    proc = _xlner(*_project_args(paths, tmp / "o.conll", "--method", "greedy", "--spans-out", "-"))
    assert proc.returncode == 0
    assert [json.loads(x)["objective"] for x in proc.stdout.splitlines()] == [0.0, 2.0, 3.0]
    proc = _xlner("evaluate", "--gold", tmp / "o.conll", "--pred", "-", "--json", stdin=EXPECTED_GREEDY)
    assert proc.returncode == 0 and json.loads(proc.stdout)["micro"]["f1"] == 1.0


def test_closed_pipe_ends_quietly(tmp_path):
    """`xlner project ... -o - | head -n 1`: the reader leaves long before the output ends."""
    n = 20000
    (tmp_path / "s.conll").write_text("John B-PER\nsleeps O\n\n" * n, encoding="utf-8")
    (tmp_path / "t.txt").write_text("John schläft\n" * n, encoding="utf-8")
    (tmp_path / "a.talp").write_text("0-0 1-1\n" * n, encoding="utf-8")
    for out in ("-", "/dev/stdout"):
        with subprocess.Popen([sys.executable, "-m", "xlner", "project", "--source", str(tmp_path / "s.conll"),
                               "--target", str(tmp_path / "t.txt"), "--alignments", str(tmp_path / "a.talp"),
                               "--method", "greedy", "-o", out], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) as proc:
            assert proc.stdout.readline() == "John\tB-PER\n".encode()
            proc.stdout.close()  # like `head -n 1` exiting
            err = proc.stderr.read().decode()
            proc.wait()
        assert "Traceback" not in err and "error" not in err, err
        assert proc.returncode in (0, 141)


def test_verbosity_flags_before_or_after_the_command(job):
    tmp, paths = job
    base = _project_args(paths, tmp / "o.conll", "--method", "greedy")
    loud = _xlner(*base)
    assert loud.returncode == 0 and loud.stderr.startswith("xlner project: 3 sentences")
    for args in (["-q", *base], [*base, "-q"], [*base, "--quiet"]):
        proc = _xlner(*args)
        assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == "", args
    proc = _xlner("-v", *base)
    assert proc.returncode == 0 and "3 sentences" in proc.stderr


def test_threads_zero_is_rejected(job):
    tmp, paths = job
    for bad in ("0", "-2"):
        proc = _xlner(*_project_args(paths, tmp / "o.conll", "--method", "greedy", "--threads", bad))
        assert proc.returncode == 2
        assert f"--threads {bad}: give a positive number of threads, or -1 for all cores" in proc.stderr
        assert not (tmp / "o.conll").exists()


def test_python_dash_m_xlner():
    proc = _xlner("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("xlner ")
    proc = _xlner()
    assert proc.returncode == 2 and "usage: xlner" in proc.stderr


def _help(*cmd):
    from xlner.cli import build_parser

    parser = build_parser()
    for name in cmd:
        parser = next(a for a in parser._actions if isinstance(a, __import__("argparse")._SubParsersAction)
                      ).choices[name]
    return parser.format_help()


def test_one_spelling_for_outputs_old_ones_hidden():
    from xlner.cli import build_parser

    parser = build_parser()
    cases = [
        (["align", "--input", "p.txt", "--output", "x.talp"], "out", "x.talp"),
        (["align", "--input", "p.txt", "-o", "x.talp"], "out", "x.talp"),
        (["report", "--out", "r"], "out", "r"),
        (["report", "--out-dir", "r"], "out", "r"),
        (["pipeline", "marker", "--output-dir", "d"], "output_dir", "d"),
        (["pipeline", "marker", "--out-dir", "d"], "output_dir", "d"),
        (["train-tagger", "--train", "t", "-o", "m"], "out", "m"),
        (["project", "--source", "s", "--target", "t", "--alignments", "a", "--method", "greedy", "-o", "x"],
         "out", "x"),
    ]
    for argv, dest, value in cases:
        assert getattr(parser.parse_args(argv), dest) == value, argv
    assert "--output " not in _help("align") and "-o OUT.talp, --out OUT.talp" in _help("align")
    assert "--out-dir DIR" in _help("report") and "--out " not in _help("report")
    assert "--out-dir DIR" in _help("pipeline", "marker") and "--output-dir" not in _help("pipeline", "marker")


def test_help_shows_defaults_and_no_markup():
    from xlner.cli import command_modules

    assert "(default: auto)" in _help("align")
    assert "(default: -1)" in _help("project")
    assert "(default: None)" not in _help("project")
    for name in command_modules():
        if name == "pipeline":
            texts = [_help("pipeline", k) for k in ("translate-test", "marker")] + [_help("pipeline")]
        else:
            texts = [_help(name)]
        for text in texts:
            assert "``" not in text and ":class:" not in text and ":mod:" not in text, name


def test_train_tagger_keeps_stdout_clean(tmp_path):
    """crfsuite's training log went to stdout; now only with -v, on stderr. No bar when stderr is a pipe."""
    pytest.importorskip("pycrfsuite")
    (tmp_path / "t.conll").write_text("John B-PER\nsleeps O\n\nMary B-PER\nruns O\n\n", encoding="utf-8")
    args = ["train-tagger", "--train", tmp_path / "t.conll", "-o", tmp_path / "m.crf", "--max-iterations", "5"]
    proc = _xlner(*args)
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr.startswith("xlner train-tagger: trained on 2 sentences") and "\r" not in proc.stderr
    proc = _xlner("-v", *args)
    assert proc.returncode == 0 and proc.stdout == "" and "Iteration" in proc.stderr


def test_progress_bar_only_on_a_terminal_and_not_quiet(monkeypatch):
    import io
    import logging

    from xlner.log import cli_logging, level_for, progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    for stream, level, shown in ((Tty(), level_for(0, 0), True), (Tty(), level_for(0, 1), False),
                                 (io.StringIO(), level_for(0, 0), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        with cli_logging("x", level):
            for _ in progress(range(3), desc="step"):
                pass
        assert ("step" in stream.getvalue()) == shown
    assert level_for(1, 0) == logging.DEBUG and level_for(0, 2) == logging.ERROR


def test_crf_training_reports_each_iteration():
    """The train-tagger progress bar advances on crfsuite's iterations (callback 1..max_iterations)."""
    pytest.importorskip("pycrfsuite")
    from xlner.models.crf import CRFConfig, CRFTagger

    seen = []
    CRFTagger.train([["John", "sleeps"], ["Mary", "runs"]], [["B-PER", "O"], ["B-PER", "O"]],
                    CRFConfig(max_iterations=4), on_iteration=seen.append)
    assert seen == [1, 2, 3, 4]


def test_a_command_may_keep_its_own_quiet_switch():
    """A command that still defines ``--quiet`` itself (store_true) keeps it; ``-q`` and ``-v`` stay global."""
    import argparse
    import types

    from xlner.cli import build_parser

    def add_parser(sub):
        p = sub.add_parser("own")
        p.add_argument("--quiet", action="store_true")
        return p

    mod = types.SimpleNamespace(add_parser=add_parser, run=lambda args: 0)
    parser = build_parser({"own": mod})  # type: ignore[dict-item]
    assert parser.parse_args(["own", "--quiet"]).quiet is True
    assert parser.parse_args(["own", "-v"]).verbose == 1
    assert parser.parse_args(["-q", "own"]).quiet == 1
    assert isinstance(parser, argparse.ArgumentParser)


def test_every_declared_input_takes_sample_names(tmp_path, capsys):
    """`sample:NAME` works beyond project/evaluate, e.g. for train-tagger's --train and aer's --hyp."""
    pytest.importorskip("pycrfsuite")
    from xlner.models.crf import CRFTagger

    assert main(["-q", "train-tagger", "--train", "sample:de.conll", "-o", str(tmp_path / "m.crf"),
                 "--max-iterations", "2"]) == 0
    assert "B-PER" in CRFTagger.load(tmp_path / "m.crf").tags
    one_based = tmp_path / "gold.talp"
    one_based.write_text("".join(" ".join(f"{s + 1}-{t + 1}" for s, t in links) + "\n"
                                 for links in read_talp(resolve_path("sample:en-de.talp"))), encoding="utf-8")
    capsys.readouterr()
    assert main(["aer", "--hyp", "sample:en-de.talp", "--gold", str(one_based), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["aer"] == 0.0  # the sample's links against themselves


def _python(code: str, **env: str) -> str:
    import os

    base = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**base, **env},
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_import_xlner_loads_no_numpy_and_evaluate_stays_callable():
    assert _python("import sys, xlner, xlner.cli; print('numpy' in sys.modules)") == "False"
    # the package attribute is the function on first use, the (callable) module once the module was imported
    gold, pred = [["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]]
    for first in ("import xlner", "from xlner.evaluate import evaluate_files; import xlner"):
        out = _python(f"{first}; r = xlner.evaluate({gold!r}, {pred!r}); print(r.micro.f1, r.micro.support); "
                      "import inspect; print(list(inspect.signature(xlner.evaluate).parameters)[:2])")
        assert out == "0.0 1\n['gold', 'pred']"


def test_one_commands_parser_loads_neither_numpy_nor_the_aligners_nor_the_other_commands():
    # `xlner project` shows the aligner's defaults in its help: they come from xlner.align.defaults, which imports
    # nothing, so a projection run does not pay for the aligners (and their numpy) at start-up
    probe = ("import sys; from xlner.cli import build_parser, command_modules; "
             "t = command_modules(only={cmd!r}); p = build_parser(t); "
             "print(sorted(t), [m for m in ('numpy', 'xlner.align.gibbs', 'xlner.align.recipe', 'inspect') "
             "if m in sys.modules])")
    assert _python(probe.format(cmd="project")) == "['project'] []"
    assert _python(probe.format(cmd="align")) == "['align'] []"
    # anything that is not a command's name gets the whole table, for argparse's error and help
    for other in ("frobnicate", "_stdio", "train_tagger", "a.b", "--help"):
        table = _python(probe.format(cmd=other)).split("] ")[0] + "]"
        assert "'project'" in table and "'train-tagger'" in table and "_stdio" not in table


def test_the_command_starts_openblas_with_one_thread_unless_told_otherwise():
    probe = "import os, xlner.cli; {pre}xlner.cli._one_blas_thread(); print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    assert _python(probe.format(pre="")) == "1"
    assert _python(probe.format(pre=""), OPENBLAS_NUM_THREADS="3") == "3"
    assert _python(probe.format(pre="import numpy; ")) == "None"  # too late to matter: left alone
