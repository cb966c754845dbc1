"""Model transfer (zero-shot baseline): the tagger applied to the target-language text directly.

Stage file: ``target_predictions.jsonl`` (``{"id", "tokens", "tags"}``, resumable). Outputs:
``predictions.conll`` (tokens and predicted tags, the C++ CoNLL writer) and ``summary.json`` (with the
evaluation when the input has gold tags).
"""
from __future__ import annotations

import os
from typing import Optional

from xlner.models.base import Tagger
from xlner.pipelines.chunk_stages import label_stage
from xlner.pipelines.config import PipelineConfig
from xlner.pipelines.model_calls import stage_key
from xlner.pipelines.outputs import PredictionWriter
from xlner.pipelines.runner import PipelineOutput, Run, SentencesLike, as_sentences


def model_transfer(
    sentences: SentencesLike,
    config: Optional[PipelineConfig] = None,
    *,
    tagger: Optional[Tagger] = None,
    output_dir: Optional[str | os.PathLike[str]] = None,
    collect: bool = False,
) -> PipelineOutput:
    """Tag ``sentences`` (path or iterable) with ``tagger``; evaluate against their gold tags if present.

    Entities of labels outside ``config.projection.labels`` (when set) are dropped from the predictions.
    """
    cfg = config if config is not None else PipelineConfig(kind="model-transfer")
    run = Run("model-transfer", cfg, output_dir)
    st = run.stage("target_predictions", stage_key(tagger, "tagger"))
    writer = PredictionWriter(run.output("predictions.conll"), None, cfg.eval_labels, collect)
    s = run.summary
    try:
        for start, chunk in run.chunks(as_sentences(sentences, cfg)):
            with s.stage("tag"):
                tags = label_stage(st, start, [x.tokens for x in chunk], None, tagger, cfg.tagger.batch_size,
                                   cfg.projection.labels)
            s.kept_sentences += len(chunk)
            with s.stage("write"):
                writer.write_tags(start, chunk, tags)
        s.evaluation = writer.finish()
        run.close()
    except BaseException:
        run.abort()
        raise
    return PipelineOutput(s, writer.sentences)


__all__ = ["model_transfer"]
