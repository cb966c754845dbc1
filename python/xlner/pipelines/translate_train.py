"""Translate-train: turn a labelled source corpus into labelled target-language training data.

source sentence + labels ─translate→ target sentence ─align→ links ─project→ target labels.

Stage files (resumable): ``translations.jsonl`` (``{"id", "text", "translation", "tokens"}``, target
tokens), ``source_labels.jsonl`` (``{"id", "tokens", "tags"}``: the corpus's labels, precomputed labels or
the tagger's), ``alignments.jsonl`` (``{"id", "links"}``, links ``[source_index, target_index]``).

Outputs: ``spans.jsonl`` (every sentence, projected spans with scores), ``train.conll`` and
``train.jsonl`` (the sentences kept by the filter; JSON lines carry per-entity scores and the source
entity), ``summary.json``.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional, Sequence

from xlner.batch import LabelVocab
from xlner.io.conll import Sentence
from xlner.pipelines import common
from xlner.pipelines.config import FilterConfig, PipelineConfig
from xlner.pipelines.runner import PipelineOutput, Run, SentencesLike, as_sentences
from xlner.pipelines.stages import default_tokenize


def keep_sentence(n_source: int, spans: Sequence[Dict[str, Any]], flt: FilterConfig) -> bool:
    """Whether a projected sentence passes the filter: projected/source entities ≥ ``min_ratio`` (a
    sentence without source entities has ratio 1) and every span scores ≥ ``min_score``."""
    ratio = len(spans) / n_source if n_source else 1.0
    if ratio < flt.min_ratio:
        return False
    return all(sp["score"] >= flt.min_score for sp in spans)


def translate_train(
    sentences: SentencesLike,
    config: Optional[PipelineConfig] = None,
    *,
    translator: Any = None,
    tagger: Any = None,
    aligner: Any = None,
    target_tagger: Any = None,
    nmt_scorer: Any = None,
    translations: Any = None,
    alignments: Any = None,
    source_labels: Any = None,
    output_dir: Optional[str | os.PathLike[str]] = None,
    tokenize: Any = default_tokenize,
    collect: bool = False,
) -> PipelineOutput:
    """Run translate-train over a labelled source corpus (language ``config.src_lang``) into
    ``config.tgt_lang``.

    Arguments:
        sentences: path or iterable of sentences; their tags are the source labels unless
            ``source_labels`` is given; untagged input needs ``tagger``.
        translator, tagger, aligner: injected models (needed only for stages not precomputed or cached).
        translations: precomputed target tokens per sentence (iterable or path).
        alignments: precomputed links ``(source_index, target_index)`` per sentence (iterable or path).
        source_labels: precomputed source IOB2 tags (iterable or path), replacing the input's tags.
        target_tagger, nmt_scorer, output_dir, tokenize, collect: as in :func:`xlner.pipelines.translate_test`.

    Returns:
        :class:`PipelineOutput`; ``sentences`` (with ``collect``) holds the kept target sentences.
    """
    cfg = config if config is not None else PipelineConfig(kind="translate-train")
    run = Run("translate-train", cfg, output_dir)
    pre_tr, pre_al, pre_lb = common.precomputed_inputs(cfg, translations, alignments, source_labels)
    st_tr = common.open_stage(run, "translations", pre_tr, common.stage_key(
        translator, "translator", src_lang=cfg.src_lang, tgt_lang=cfg.tgt_lang))
    st_lb = common.open_stage(run, "source_labels", pre_lb,
                              {"input_or_tagger": common.model_key(tagger) if tagger is not None else "input"})
    st_al = common.open_stage(run, "alignments", pre_al, common.stage_key(aligner, "aligner"))
    vocab = LabelVocab()
    heuristic = cfg.projection.heuristic_config()
    out = PipelineOutput(run.summary)
    s = run.summary
    try:
        for start, chunk in run.chunks(as_sentences(sentences, cfg)):
            src = [x.tokens for x in chunk]
            with s.stage("source labels"):
                src_tags = common.label_stage(st_lb, start, src, pre_lb, tagger, cfg.tagger.batch_size,
                                              cfg.projection.labels, input_tags=[x.tags for x in chunk])
            with s.stage("translate"):
                tgt = common.translate_stage(st_tr, start, src, pre_tr, translator, cfg.src_lang, cfg.tgt_lang,
                                             tokenize)
            pr = common.align_and_project(s, st_al, start, cfg, src, src_tags, tgt, pre_al, aligner, vocab=vocab,
                                          heuristic=heuristic, target_tagger=target_tagger, nmt_scorer=nmt_scorer,
                                          src_lang=cfg.src_lang, tgt_lang=cfg.tgt_lang)
            common.count_projected(s, pr.source_entities, pr.spans)
            with s.stage("write"):
                write_training_data(run, start, src, tgt, pr.tags, pr.spans, pr.source_entities, cfg.filter, out,
                                    collect)
        run.close([pre_tr, pre_al, pre_lb])
    except BaseException:
        run.abort()
        raise
    return out


def write_training_data(run: Run, start: int, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]],
                        tags: Sequence[Sequence[str]], spans: Sequence[Sequence[Dict[str, Any]]],
                        n_source: Sequence[int], flt: FilterConfig, out: PipelineOutput, collect: bool) -> None:
    """Write ``spans.jsonl`` for every sentence and ``train.conll``/``train.jsonl`` for those kept."""
    run.write_jsonl("spans.jsonl", ({"id": start + i, "tokens": list(tgt[i]), "n_source_entities": n_source[i],
                                     "spans": list(spans[i])} for i in range(len(tgt))))
    keep = [keep_sentence(n_source[i], spans[i], flt) for i in range(len(tgt))]
    idx = [i for i in range(len(tgt)) if keep[i]]
    run.write_conll("train.conll", [tgt[i] for i in idx], [tags[i] for i in idx])
    run.write_jsonl("train.jsonl", ({"id": start + i, "tokens": list(tgt[i]), "tags": list(tags[i]),
                                     "source_tokens": list(src[i]), "entities": list(spans[i])} for i in idx))
    run.summary.kept_sentences += len(idx)
    if collect:
        out.sentences.extend(Sentence(list(tgt[i]), list(tags[i])) for i in idx)
        out.spans.extend(list(spans[i]) for i in idx)


__all__ = ["keep_sentence", "translate_train", "write_training_data"]
