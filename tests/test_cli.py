"""The ``xlner`` command line: project and evaluate on hand-worked and shipped files, one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from xlner.cli import command_modules, main
from xlner.evaluate import evaluate_files
from xlner.io import read_conll, read_spans_jsonl

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
