"""Model transfer (zero-shot baseline): the tagger applied to the target-language text directly.

Stage file: ``target_predictions.jsonl`` (``{"id", "tokens", "tags"}``, resumable). Outputs:
``predictions.conll`` (tokens, predicted tags, gold as a third column when the input has it) and
``summary.json`` (with evaluation when gold is present).
"""
from __future__ import annotations

import os
from typing import Any, Optional

from xlner.pipelines import common
from xlner.pipelines.config import PipelineConfig
from xlner.pipelines.runner import PipelineOutput, Run, SentencesLike, as_sentences


def model_transfer(
    sentences: SentencesLike,
    config: Optional[PipelineConfig] = None,
    *,
    tagger: Any = None,
    output_dir: Optional[str | os.PathLike[str]] = None,
    collect: bool = False,
) -> PipelineOutput:
    """Tag ``sentences`` (path or iterable) with ``tagger``; evaluate against their gold tags if present.

    Entities of labels outside ``config.projection.labels`` (when set) are dropped from the predictions.
    """
    cfg = config if config is not None else PipelineConfig(kind="model-transfer")
    run = Run("model-transfer", cfg, output_dir)
    st = run.stage("target_predictions", common.stage_key(tagger, "tagger"))
    out = PipelineOutput(run.summary)
    writer = common.PredictionWriter(run, out, cfg.eval_labels, collect)
    s = run.summary
    try:
        for start, chunk in run.chunks(as_sentences(sentences, cfg)):
            with s.stage("tag"):
                tags = common.label_stage(st, start, [x.tokens for x in chunk], None, tagger, cfg.tagger.batch_size,
                                          cfg.projection.labels)
            s.kept_sentences += len(chunk)
            with s.stage("write"):
                writer.write(start, chunk, tags)
        writer.finish()
        run.close()
    except BaseException:
        run.abort()
        raise
    return out


__all__ = ["model_transfer"]
