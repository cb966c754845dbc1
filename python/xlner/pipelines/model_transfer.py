"""Model transfer (zero-shot baseline): the tagger applied to the target-language text directly.

Stage file: ``target_predictions.jsonl`` (``{"id", "tokens", "tags"}``, resumable). Outputs:
``predictions.conll`` (tokens, predicted tags, gold as a third column when the input has it) and
``summary.json`` (with evaluation when gold is present).
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from xlner.io.conll import Sentence
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
    counts = common.StreamingEvaluation(cfg.eval_labels)
    have_gold = None
    out = PipelineOutput(run.summary)
    s = run.summary
    try:
        for start, chunk in run.chunks(as_sentences(sentences, cfg)):
            toks = [x.tokens for x in chunk]
            with s.stage("tag"):
                def do_tag(pos: List[int]) -> List[Dict[str, Any]]:
                    tags = common.tag(tagger, [toks[p] for p in pos], cfg.tagger.batch_size)
                    return [{"tokens": toks[p], "tags": t} for p, t in zip(pos, tags)]

                tags = [common.filter_labels(r["tags"], cfg.projection.labels)
                        for r in st.run(start, len(chunk), do_tag)]
            s.kept_sentences += len(chunk)
            with s.stage("write"):
                gold_here = all(x.tags for x in chunk)
                have_gold = gold_here if have_gold is None else (have_gold and gold_here)
                fh = run.writer("predictions.conll")
                for x, t in zip(chunk, tags):
                    cols = zip(x.tokens, t, x.tags) if gold_here else zip(x.tokens, t)
                    fh.write("".join("\t".join(c) + "\n" for c in cols) + "\n")
                if gold_here:
                    counts.add([x.tags for x in chunk], tags, start)
                if collect:
                    out.sentences.extend(Sentence(list(x.tokens), list(t)) for x, t in zip(chunk, tags))
        if have_gold:
            s.evaluation = counts.report()
        run.close()
    except BaseException:
        run.abort()
        raise
    return out


__all__ = ["model_transfer"]
