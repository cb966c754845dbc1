"""``xlner pipeline translate-test|translate-train|model-transfer|marker``: run a whole pipeline.

Options come from a TOML file (``--config``, see :mod:`xlner.pipelines.config`) and flags; flags win.

Example::

    xlner pipeline translate-test --input bam.jsonl --tag-names O B-PER I-PER B-ORG I-ORG B-LOC I-LOC B-DATE I-DATE \\
        --tokens-field org_tokens --tags-field org_ner_tags --translations bam.jsonl --alignments bam.jsonl \\
        --tagger en.crf --method greedy --eval-labels PER ORG LOC --out-dir runs/bam

Over a folder of Parquet shards, in this process or on Ray (``--engine``, :mod:`xlner.engines.pipeline`)::

    xlner pipeline translate-test --engine ray --input shards/ --tokens-field org_tokens --tags-field org_ner_tags \
        --translations-column tokens --alignments-column alignment --tagger en.crf --out-dir runs/bam-ray
"""
from __future__ import annotations

import argparse
from typing import Any, Dict

from xlner.commands._stdio import file_args
from xlner.methods import METHODS

KINDS = ("translate-test", "translate-train", "model-transfer", "marker")

# flag dest -> dotted config key
_FLAGS: Dict[str, str] = {
    "input": "input", "output_dir": "output_dir", "src_lang": "src_lang", "tgt_lang": "tgt_lang",
    "chunk_size": "chunk_size", "overwrite": "overwrite", "eval_labels": "eval_labels",
    "tokens_field": "input_format.tokens_field", "tags_field": "input_format.tags_field",
    "tag_names": "input_format.tag_names",
    "translations": "precomputed.translations", "alignments": "precomputed.alignments",
    "source_labels": "precomputed.source_labels",
    "alignments_field": "precomputed.alignments_field", "backtranslations": "precomputed.backtranslations",
    "translator_model": "translator.model", "beam_size": "translator.beam_size",
    "translator_batch_size": "translator.batch_size", "max_length": "translator.max_length",
    "device": "translator.device", "dtype": "translator.dtype", "translation_cache": "translator.cache",
    "translator_backend": "translator.backend", "compute_type": "translator.compute_type",
    "ct2_dir": "translator.ct2_dir",
    "tagger": "tagger.path", "tagger_kind": "tagger.kind", "tagger_batch_size": "tagger.batch_size",
    "aligner": "aligner.kind", "aligner_model": "aligner.model",
    "method": "projection.method", "constraint": "projection.constraint", "max_len": "projection.max_len",
    "heuristic": "projection.heuristic", "labels": "projection.labels", "threads": "projection.threads",
    "scores": "projection.scores", "candidates": "projection.candidates", "time_limit": "projection.time_limit",
    "target_tagger": "target_tagger.path", "target_tagger_kind": "target_tagger.kind",
    "nmt_scorer": "nmt_scorer.model", "nmt_scorer_backend": "nmt_scorer.backend",
    "min_ratio": "filter.min_ratio", "min_score": "filter.min_score",
}


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="TOML configuration file (flags override it)")
    g = p.add_argument_group("data")
    g.add_argument("--input", help="input: CoNLL, JSON lines, one sentence per line, Parquet or a datasets folder")
    g.add_argument("--out-dir", dest="output_dir", metavar="DIR", help="folder for intermediate files and outputs")
    g.add_argument("--output-dir", dest="output_dir", help=argparse.SUPPRESS)
    g.add_argument("--src-lang", help="language of the input (ISO 639 or FLORES-200 code)")
    g.add_argument("--tgt-lang", help="language the input is translated into")
    g.add_argument("--chunk-size", type=int, help="sentences per streamed chunk (default 10000)")
    g.add_argument("--overwrite", action="store_true", default=None,
                   help="recompute stage files written with other models instead of failing")
    g.add_argument("--eval-labels", nargs="+", help="evaluate only these classes (others mapped to O)")
    g.add_argument("--tokens-field", help="JSON-lines input: field of the tokens")
    g.add_argument("--tags-field", help="JSON-lines input: field of the tags")
    g.add_argument("--tag-names", nargs="+", help="JSON-lines input: names of integer tag ids, in id order")
    g = p.add_argument_group("precomputed intermediate files")
    g.add_argument("--translations", help="translations (JSON lines with 'tokens', CoNLL or token file)")
    g.add_argument("--alignments", help="alignments (JSON lines with 'links', or talp); source = projection source")
    g.add_argument("--alignments-field", help="links field of JSON-lines alignments (default 'links')")
    g.add_argument("--backtranslations", help="method backtranslation: JSON lines with 'marked' and 'entities'")
    g.add_argument("--source-labels", help="source labels (JSON lines with 'tokens'/'tags', or CoNLL)")
    g = p.add_argument_group("models")
    g.add_argument("--translator-model", help="NLLB / M2M100 model folder or hub id")
    g.add_argument("--beam-size", type=int)
    g.add_argument("--translator-batch-size", type=int)
    g.add_argument("--max-length", type=int)
    g.add_argument("--device", help="auto, cpu or cuda")
    g.add_argument("--dtype", help="auto, float32, bfloat16 or float16")
    g.add_argument("--translation-cache", help="translation cache file (SQLite; default: in the output folder)")
    g.add_argument("--translator-backend", choices=("transformers", "ctranslate2"),
                   help="translation engine (ctranslate2: the checkpoint is converted with CTranslate2's converter)")
    g.add_argument("--compute-type", help="ctranslate2: default, int8, int8_float16, float16, bfloat16 or float32")
    g.add_argument("--ct2-dir", help="ctranslate2: folder of the converted model (converted there when missing)")
    g.add_argument("--tagger", help="tagger model (CRF file or transformers folder)")
    g.add_argument("--tagger-kind", choices=("crf", "transformers"))
    g.add_argument("--tagger-batch-size", type=int)
    g.add_argument("--aligner", choices=("embedding", "lexical", "eflomal"))
    g.add_argument("--aligner-model", help="encoder of the embedding aligner")
    g = p.add_argument_group("projection")
    g.add_argument("--method", choices=METHODS + ("backtranslation",))
    g.add_argument("--constraint", help="per-entity projection count, e.g. '<=1'")
    g.add_argument("--max-len", type=int, help="longest candidate span")
    g.add_argument("--heuristic", choices=("thesis", "elp"), help="heuristic preset")
    g.add_argument("--scores", help="score fusion preset (align, ner, ner_spans, align_ner_spans, all_fusion, ...)")
    g.add_argument("--candidates", choices=("ngrams", "ner"), help="candidate spans (ner: target tagger's spans)")
    g.add_argument("--time-limit", type=float, help="exact/ilp: seconds for the HiGHS solves of a chunk")
    g.add_argument("--target-tagger", help="tagger on the target words (ner scores / candidates)")
    g.add_argument("--target-tagger-kind", choices=("crf", "transformers"))
    g.add_argument("--nmt-scorer", help="seq2seq model of the nmt score component")
    g.add_argument("--nmt-scorer-backend", choices=("transformers", "ctranslate2"),
                   help="engine of the nmt scorer (ctranslate2: Translator.score_batch)")
    g.add_argument("--labels", nargs="+", help="source labels to project (others dropped)")
    g.add_argument("--threads", type=int, help="core threads (-1: all)")
    g.add_argument("--min-ratio", type=float, help="translate-train: drop sentences below this projection ratio")
    g.add_argument("--min-score", type=float, help="translate-train: drop sentences with a span scoring below")
    g = p.add_argument_group("shard engines (translate-test, translate-train; --input: Parquet shards)")
    g.add_argument("--engine", choices=("local", "ray"),
                   help="run over a folder of Parquet shards, in this process (local) or with Ray Data (ray); "
                        "outputs per shard in OUT/shards/, resumable per shard")
    g.add_argument("--ray-address", help="ray: address of a running cluster (default: start a local instance)")
    g.add_argument("--num-cpus", type=int, help="ray: CPUs of the local instance (default: all)")
    g.add_argument("--actors", type=int, default=1, help="ray: actors per model stage and project tasks at once")
    g.add_argument("--num-gpus-per-actor", type=float, default=0.0,
                   help="ray: GPUs of each translator / transformers tagger / embedding aligner actor")
    g.add_argument("--cpus-per-actor", type=float, default=1.0,
                   help="ray: CPUs reserved by each model actor on CPU (e.g. 0.5: two share a CPU)")
    g.add_argument("--retries", type=int, default=2, help="attempts after a failed one, over the shards not done")
    g.add_argument("--translations-column", help="shard column of precomputed translation tokens")
    g.add_argument("--source-labels-column", help="shard column of precomputed source IOB2 tags")
    g.add_argument("--alignments-column", help="shard column of precomputed links [[source, target], ...]")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``pipeline`` and its four sub-commands."""
    p = subparsers.add_parser("pipeline", help="run an end-to-end pipeline",
                              description="Run translate-test, translate-train, model transfer or the marker "
                                          "baseline end to end; intermediate files go next to the outputs.")
    sub = p.add_subparsers(dest="pipeline_kind", metavar="KIND", required=True)
    helps = {"translate-test": "label target sentences through English and project back",
             "translate-train": "translate a labelled corpus and project its labels",
             "model-transfer": "apply a tagger to the target text directly",
             "marker": "EasyProject-style translation with entity markers"}
    for kind in KINDS:
        kp = sub.add_parser(kind, help=helps[kind])
        _add_common(kp)
        file_args(kp, inputs=("input", "translations", "alignments", "source_labels", "backtranslations"))
    return p


def config_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~xlner.pipelines.PipelineConfig` of parsed arguments (config file, then flags)."""
    from xlner.pipelines.config import PipelineConfig, load_config, with_overrides

    cfg = load_config(args.config) if getattr(args, "config", None) else PipelineConfig()
    over: Dict[str, Any] = {"kind": args.pipeline_kind}
    for dest, key in _FLAGS.items():
        over[key] = getattr(args, dest, None)
    from xlner.log import progress_enabled

    if getattr(args, "quiet", 0) or not progress_enabled():
        over["progress"] = False
    return with_overrides(cfg, over)


def run(args: argparse.Namespace) -> int:
    """Run the pipeline and print its summary (bad input raises; :mod:`xlner.cli` prints it on one line)."""
    from xlner.pipelines import run_pipeline

    if getattr(args, "engine", None):
        return _run_engine(args)
    out = run_pipeline(config_from_args(args))
    print(out.summary.format())
    return 0


def _run_engine(args: argparse.Namespace) -> int:
    """``--engine local|ray``: the shard engines of :mod:`xlner.engines.pipeline`."""
    from xlner.engines.pipeline import EngineOptions, run_sharded

    opts = EngineOptions(engine=args.engine, address=args.ray_address, num_cpus=args.num_cpus, actors=args.actors,
                         num_gpus_per_actor=args.num_gpus_per_actor, cpus_per_actor=args.cpus_per_actor,
                         retries=args.retries,
                         translations_column=args.translations_column,
                         source_labels_column=args.source_labels_column, alignments_column=args.alignments_column)
    summary = run_sharded(config_from_args(args), opts)
    print(summary.format())
    return 0


__all__ = ["add_parser", "config_from_args", "run"]
