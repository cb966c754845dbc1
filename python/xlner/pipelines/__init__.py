"""End-to-end pipelines: translate-test, translate-train, model transfer, marker-based (EasyProject).

Each pipeline streams its input in chunks (``chunk_size`` sentences), calls the injected models in
batches and the C++ core once per chunk, writes every intermediate result as a resumable JSON-lines
stage file next to its outputs, can start from precomputed translations / alignments / source labels,
and returns a :class:`PipelineOutput` whose summary holds counts, the projection ratio, time per stage
and (when the input has gold tags) entity-level P/R/F1.

Example (translate-test on MasakhaNER Bambara from shipped NLLB translations and AccAlign alignments)::

    from xlner.models.crf import CRFTagger
    from xlner.pipelines import config_from_dict, translate_test
    data = "../shared/data/masakhaner2-translate-test/bam-en.nllb.accalign.jsonl"
    cfg = config_from_dict({
        "src_lang": "bam", "tgt_lang": "eng", "eval_labels": ["PER", "ORG", "LOC"],
        "input_format": {"tokens_field": "org_tokens", "tags_field": "org_ner_tags",
                         "tag_names": ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-DATE", "I-DATE"]},
        "precomputed": {"translations": data, "alignments": data, "alignments_field": "alignment"},
        "projection": {"method": "greedy", "labels": ["PER", "ORG", "LOC"]}})
    out = translate_test(data, cfg, tagger=CRFTagger.load("en.crf"), output_dir="runs/bam")
    print(out.summary.format())
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from xlner.models.base import Aligner, AnyScorer, Tagger, Translator
from xlner.pipelines.config import (AlignerConfig, FilterConfig, InputConfig, NMTScorerConfig, PipelineConfig,
                                    PrecomputedConfig, ProjectionConfig, TaggerConfig, TranslatorConfig, build_aligner,
                                    build_nmt_scorer, build_tagger, build_translator, config_from_dict, load_config,
                                    with_overrides)
from xlner.pipelines.evaluation import StreamingEvaluation
from xlner.pipelines.marker import mark_entities, marker_projection, recover_marked
from xlner.pipelines.model_transfer import model_transfer
from xlner.pipelines.projecting import ChunkProjection, project_chunk
from xlner.pipelines.runner import PipelineOutput
from xlner.pipelines.stages import PipelineSummary, StageFile, chunked, default_tokenize, iter_sentences
from xlner.pipelines.translate_test import translate_test
from xlner.pipelines.translate_train import keep_sentence, translate_train


def run_pipeline(config: PipelineConfig, *, translator: Optional[Translator] = None,
                 tagger: Optional[Tagger] = None, aligner: Optional[Aligner] = None,
                 target_tagger: Optional[Tagger] = None, nmt_scorer: Optional[AnyScorer] = None,
                 collect: bool = False) -> PipelineOutput:
    """Run the pipeline ``config.kind`` on ``config.input``; models not given are built from the config
    when a stage needs them (a stage fully precomputed or cached needs none)."""
    if config.input is None:
        raise ValueError("no input given (input = ... in the config, or --input)")
    pc = config.precomputed
    kind = config.kind
    needs_tr = (kind == "marker" and pc.translations is None) \
        or (kind in ("translate-test", "translate-train") and pc.translations is None) \
        or (config.projection.method == "backtranslation" and pc.backtranslations is None)
    needs_tg = kind in ("model-transfer",) or (kind == "translate-test" and pc.source_labels is None)
    needs_al = kind in ("translate-test", "translate-train") and pc.alignments is None \
        and config.projection.method != "backtranslation"
    if translator is None and needs_tr and config.translator.model:
        cache = None
        if config.output_dir:
            Path(config.output_dir).mkdir(parents=True, exist_ok=True)
            cache = str(Path(config.output_dir) / "translation_cache.sqlite")
        translator = build_translator(config.translator, cache=cache, progress=config.progress)
    if tagger is None and needs_tg and config.tagger.path:
        tagger = build_tagger(config.tagger)
    if tagger is None and kind == "translate-train" and config.tagger.path:
        tagger = build_tagger(config.tagger)
    if aligner is None and needs_al:
        aligner = build_aligner(config.aligner)
    if kind in ("translate-test", "translate-train") and config.projection.method != "heuristic":
        from xlner.scores import preset_weights

        sc = config.projection.scores
        w = preset_weights(sc) if isinstance(sc, str) else dict(sc or {})
        if target_tagger is None and config.target_tagger.path and (
                w.get("ner") or w.get("ner_spans") or config.projection.candidates == "ner"):
            target_tagger = build_tagger(config.target_tagger)
        if nmt_scorer is None and w.get("nmt"):
            nmt_scorer = build_nmt_scorer(config.nmt_scorer)
    if kind == "translate-test":
        return translate_test(config.input, config, translator=translator, tagger=tagger, aligner=aligner,
                              target_tagger=target_tagger, nmt_scorer=nmt_scorer, collect=collect)
    if kind == "translate-train":
        return translate_train(config.input, config, translator=translator, tagger=tagger, aligner=aligner,
                               target_tagger=target_tagger, nmt_scorer=nmt_scorer, collect=collect)
    if kind == "model-transfer":
        return model_transfer(config.input, config, tagger=tagger, collect=collect)
    return marker_projection(config.input, config, translator=translator, collect=collect)


__all__ = ["AlignerConfig", "ChunkProjection", "FilterConfig", "InputConfig", "NMTScorerConfig", "PipelineConfig",
           "PipelineOutput",
           "PipelineSummary", "PrecomputedConfig", "ProjectionConfig", "StageFile", "StreamingEvaluation",
           "TaggerConfig", "TranslatorConfig", "build_aligner", "build_nmt_scorer", "build_tagger",
           "build_translator", "chunked", "config_from_dict", "default_tokenize", "iter_sentences",
           "keep_sentence", "load_config", "mark_entities", "marker_projection", "model_transfer",
           "project_chunk", "recover_marked", "run_pipeline", "translate_test", "translate_train",
           "with_overrides"]
