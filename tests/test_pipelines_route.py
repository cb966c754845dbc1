"""The pipelines take the route of ``xlner project``: the same readers (one format detection), the same
batch builder, ``project`` and the same C++ writers. Checked on the bundled sample (no shared data needed):
translate-test from precomputed translations, source labels and alignments writes exactly the files
``xlner project`` writes for those files.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Sequence

import pytest

from xlner.cli import main
from xlner.datasets import resolve_path
from xlner.io import load_tokens, read_conll, read_spans_jsonl
from xlner.pipelines import AlignerConfig, build_aligner, config_from_dict, translate_train
from xlner.pipelines.stages import iter_sentences

SAMPLE = {name: str(resolve_path(f"sample:{name}")) for name in ("en.conll", "de.conll", "en-de.talp")}


@pytest.mark.parametrize("method", ["greedy", "exact", "heuristic"])
def test_translate_test_from_precomputed_files_equals_xlner_project(tmp_path, method):
    src, tgt, aln = SAMPLE["en.conll"], SAMPLE["de.conll"], SAMPLE["en-de.talp"]
    out, spans = tmp_path / "project.conll", tmp_path / "project.spans.jsonl"
    assert main(["project", "--source", src, "--target", tgt, "--alignments", aln, "--method", method,
                 "--out", str(out), "--spans-out", str(spans), "--quiet"]) == 0
    run = tmp_path / "run"
    # chunks of 37 sentences: the pipeline's files are appended chunk by chunk, the CLI's written at once
    assert main(["pipeline", "translate-test", "--input", tgt, "--translations", src, "--source-labels", src,
                 "--alignments", aln, "--method", method, "--output-dir", str(run), "--chunk-size", "37",
                 "--quiet"]) == 0
    assert (run / "predictions.conll").read_bytes() == out.read_bytes()
    assert (run / "spans.jsonl").read_bytes() == spans.read_bytes()
    n = len(read_conll(tgt))
    assert len(read_spans_jsonl(spans)) == n and n > 37 * 2


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name,text", [
    ("x.tok", "Das ist gut .\n\nJa .\n"),            # a blank line after text: CoNLL for both readers
    ("x.tok", "Das ist gut .\nJa .\n"),              # one sentence per line
    ("x.txt", "Peter B-PER\nkam O\n\nJa O\n"),       # MasakhaNER-style space-separated CoNLL
    ("x.conll", "Peter\tB-PER\nkam\tO\n"),           # a tab on the first line
])
def test_pipeline_input_reader_and_xlner_project_detect_the_same_format(tmp_path, name, text):
    p = _write(tmp_path / name, text)
    want = [s.tokens for s in load_tokens(p)]
    assert [s.tokens for s in iter_sentences(p)] == want


def test_pipeline_input_reader_reads_tags_of_conll_input(tmp_path):
    p = _write(tmp_path / "x.txt", "Peter B-PER\nkam O\n\nJa O\n")
    assert [(s.tokens, s.tags) for s in iter_sentences(p)] == [(["Peter", "kam"], ["B-PER", "O"]), (["Ja"], ["O"])]


class _Recorder:
    """Stands in for eflomal: records the number of sentence pairs of every training call."""

    def __init__(self) -> None:
        self.sizes: List[int] = []

    def __call__(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], config=None):
        from xlner.align.statistical import StatisticalAlignment

        self.sizes.append(len(src))
        links = [[(0, 0)] for _ in src]
        return StatisticalAlignment(links, links, links)


def test_eflomal_aligner_trains_on_the_whole_chunk(tmp_path, monkeypatch):
    from xlner.align import statistical

    rec = _Recorder()
    monkeypatch.setattr(statistical, "align_eflomal", rec)
    src = [[f"w{i}", "a"] for i in range(300)]
    cfg = config_from_dict({"kind": "translate-train", "progress": False, "chunk_size": 10000,
                            "aligner": {"kind": "eflomal"}})
    translate_train([list(s) for s in src], cfg, translations=[["x", "y"] for _ in src],
                    source_labels=[["B-PER", "O"] for _ in src], aligner=build_aligner(AlignerConfig(kind="eflomal")),
                    output_dir=tmp_path)
    assert rec.sizes == [300]  # one call with the whole chunk (the pipeline once sliced it: [64, 64, 64, 64, 44])
    cfg2 = config_from_dict({"kind": "translate-train", "progress": False, "chunk_size": 120,
                             "aligner": {"kind": "eflomal"}})
    translate_train([list(s) for s in src], cfg2, translations=[["x", "y"] for _ in src],
                    source_labels=[["B-PER", "O"] for _ in src], aligner=build_aligner(AlignerConfig(kind="eflomal")),
                    output_dir=tmp_path / "b")
    assert rec.sizes == [300, 120, 120, 60]
