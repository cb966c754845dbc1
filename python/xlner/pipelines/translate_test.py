"""Translate-test: label target-language sentences through English.

target sentence ─translate→ English ─tag→ English entities ─project (alignments)→ target labels.

Stage files in the output folder (resumable, see :mod:`xlner.pipelines.stages`):

* ``translations.jsonl`` — ``{"id", "text", "translation", "tokens"}`` (English tokens);
* ``source_predictions.jsonl`` — ``{"id", "tokens", "tags"}`` (tagger output on the English side);
* ``alignments.jsonl`` — ``{"id", "links"}`` with links ``[english_index, target_index]``;
* ``backtranslations.jsonl`` (method ``backtranslation`` only) — ``{"id", "marked", "entities", "labels"}``.

Outputs, written by the C++ writers of ``xlner project`` (:mod:`xlner.pipelines.outputs`): ``predictions.conll``
(target tokens and predicted tags), ``spans.jsonl`` (the projected spans, scores and the index of their English
entity, in the one spans schema of :mod:`xlner.io.jsonl`) and ``summary.json`` (with the evaluation when the
input has gold tags). From precomputed translations, source labels and alignments, ``predictions.conll`` and
``spans.jsonl`` equal those of ``xlner project`` on the same files, byte for byte.
"""
from __future__ import annotations

import os
from typing import Callable, List, Optional, Sequence

import numpy as np

from xlner.batch import LabelVocab
from xlner.io.conll import TokenCorpus
from xlner.models.base import Aligner, AnyScorer, Links, Tagger, Translator
from xlner.pipelines import chunk_stages as cs
from xlner.pipelines.chunk_stages import LabelRecord
from xlner.pipelines.config import PipelineConfig
from xlner.pipelines.marker import mark_entities
from xlner.pipelines.model_calls import stage_key, translate
from xlner.pipelines.outputs import PredictionWriter
from xlner.pipelines.projecting import ChunkProjection
from xlner.pipelines.runner import PipelineOutput, Run, SentencesLike, as_sentences, precomputed
from xlner.pipelines.stages import PrecomputedInput, Record, default_tokenize, iter_jsonl

def translate_test(
    sentences: SentencesLike,
    config: Optional[PipelineConfig] = None,
    *,
    translator: Optional[Translator] = None,
    tagger: Optional[Tagger] = None,
    aligner: Optional[Aligner] = None,
    target_tagger: Optional[Tagger] = None,
    nmt_scorer: Optional[AnyScorer] = None,
    translations: Optional[PrecomputedInput[Sequence[str]]] = None,
    alignments: Optional[PrecomputedInput[Links]] = None,
    source_labels: Optional[PrecomputedInput[LabelRecord]] = None,
    backtranslations: Optional[PrecomputedInput[Record]] = None,
    output_dir: Optional[str | os.PathLike[str]] = None,
    tokenize: Callable[[str], List[str]] = default_tokenize,
    collect: bool = False,
) -> PipelineOutput:
    """Run translate-test over ``sentences`` (target language ``config.src_lang``, pivot ``config.tgt_lang``).

    Arguments:
        sentences: path (CoNLL with or without gold, JSON lines, token file) or iterable of sentences.
        config: the run configuration (its ``kind`` is not consulted); default: all defaults.
        translator, tagger, aligner: injected models (needed only for stages not precomputed or cached).
        translations: precomputed English tokens per sentence (iterable, or a file path; the config's
            ``precomputed.translations`` is used when not given).
        alignments: precomputed links ``(english_index, target_index)`` per sentence (iterable or path).
        source_labels: precomputed English IOB2 tags per sentence (iterable of tag lists or
            :class:`Sentence`, or a path).
        target_tagger: tagger run on the target words for the ``ner``/``ner_spans`` score components and
            ``ner`` candidates (``config.projection.scores`` / ``candidates``).
        nmt_scorer: scorer of the ``nmt`` score component.
        backtranslations: method ``backtranslation``: precomputed back-translations per sentence, dicts with
            ``marked`` (the marked back-translation) and ``entities`` (each English entity translated alone,
            in order), or a JSON-lines path (e.g. a ``backtranslations.jsonl`` of an earlier run).
        output_dir: where stage files and outputs go (default ``config.output_dir``).
        tokenize: splits a translation into tokens.
        collect: also return the labelled sentences and spans in memory.

    Returns:
        :class:`PipelineOutput` (summary with evaluation when the input has gold tags).
    """
    cfg = config if config is not None else PipelineConfig(kind="translate-test")
    run = Run("translate-test", cfg, output_dir)
    pc = cfg.precomputed
    pre_tr, pre_al, pre_lb = cs.precomputed_inputs(cfg, translations, alignments, source_labels)
    method = cfg.projection.method
    pre_bt = precomputed("backtranslations", backtranslations if backtranslations is not None
                         else pc.backtranslations, iter_jsonl)
    st_tr = cs.open_stage(run, "translations", pre_tr, stage_key(
        translator, "translator", src_lang=cfg.src_lang, tgt_lang=cfg.tgt_lang))
    st_lb = cs.open_stage(run, "source_predictions", pre_lb, stage_key(tagger, "tagger"))
    if method == "backtranslation":
        st_al = cs.open_stage(run, "backtranslations", pre_bt, stage_key(
            translator, "translator", src_lang=cfg.tgt_lang, tgt_lang=cfg.src_lang))
    else:
        st_al = cs.open_stage(run, "alignments", pre_al, stage_key(aligner, "aligner"))
    vocab = LabelVocab()
    heuristic = cfg.projection.heuristic_config()
    writer = PredictionWriter(run.output("predictions.conll"), run.output("spans.jsonl"), cfg.eval_labels, collect)
    s = run.summary
    try:
        for start, chunk in run.chunks(as_sentences(sentences, cfg)):
            tgt = [x.tokens for x in chunk]
            target = TokenCorpus.from_lists(tgt)
            # 1. translation into the pivot language
            with s.stage("translate"):
                eng = cs.translate_stage(st_tr, start, tgt, pre_tr, translator, cfg.src_lang, cfg.tgt_lang,
                                         tokenize)
            # 2. tagging the pivot side
            with s.stage("tag source"):
                src_tags = cs.label_stage(st_lb, start, eng, pre_lb, tagger, cfg.tagger.batch_size,
                                          cfg.projection.labels, what="translation tokens")
            # 3. alignment (or back-translation) and 4. projection
            if method == "backtranslation":
                with s.stage("back-translate"):
                    given_bt = pre_bt.take(len(chunk)) if pre_bt else None
                    bt = st_al.run(start, len(chunk), lambda pos: _backtranslate(
                        translator, [eng[p] for p in pos], [src_tags[p] for p in pos], cfg,
                        [given_bt[p] for p in pos] if given_bt is not None else None, start, pos))
                with s.stage("project"):
                    projection = _project_backtranslations(target, bt, start)
            else:
                projection = cs.align_and_project(s, st_al, start, cfg, eng, src_tags, tgt, pre_al, aligner,
                                                  vocab=vocab, heuristic=heuristic, target_tagger=target_tagger,
                                                  nmt_scorer=nmt_scorer, src_lang=cfg.tgt_lang,
                                                  tgt_lang=cfg.src_lang, target=target)
            cs.count_projected(s, projection)
            s.kept_sentences += len(chunk)
            # 5. outputs and evaluation
            with s.stage("write"):
                writer.write_projection(start, chunk, projection)
        s.evaluation = writer.finish()
        run.close([pre_tr, pre_al, pre_lb, pre_bt])
    except BaseException:
        run.abort()
        raise
    return PipelineOutput(s, writer.sentences, writer.spans)


def _backtranslate(translator: Optional[Translator], eng: Sequence[Sequence[str]], tags: Sequence[Sequence[str]],
                   cfg: PipelineConfig, given: Optional[Sequence[Record]] = None, start: int = 0,
                   pos: Sequence[int] = ()) -> List[Record]:
    """Translate the tagged English sentences (entities in markers) and each entity back into the
    target language (or take ``given`` precomputed back-translations, checked against the entities)."""
    from xlner.align.backtranslation import BacktranslationConfig

    bcfg = BacktranslationConfig()
    marked: List[str] = []
    ents: List[List[str]] = []
    labs: List[List[str]] = []
    for toks, tg in zip(eng, tags):
        m, e, lb = mark_entities(toks, tg, bcfg.open_marker, bcfg.close_marker)
        marked.append(m)
        ents.append(e)
        labs.append(lb)
    if given is not None:
        out: List[Record] = []
        for k, (g, lb) in enumerate(zip(given, labs)):
            if not isinstance(g, dict) or not isinstance(g.get("marked"), str) \
                    or not isinstance(g.get("entities"), list):
                raise ValueError(f"sentence {start + pos[k]}, field backtranslations: expected a record with "
                                 f"'marked' (string) and 'entities' (list)")
            if len(g["entities"]) != len(lb):
                raise ValueError(f"sentence {start + pos[k]}, field backtranslations: {len(g['entities'])} entity "
                                 f"translations for {len(lb)} English entities")
            out.append({"marked": g["marked"], "entities": list(g["entities"]), "labels": lb})
        return out
    flat = [e for es in ents for e in es]
    hyp = translate(translator, marked, cfg.tgt_lang, cfg.src_lang)
    ent_hyp = translate(translator, flat, cfg.tgt_lang, cfg.src_lang) if flat else []
    out = []
    k = 0
    for h, es, lb in zip(hyp, ents, labs):
        out.append({"marked": h, "entities": ent_hyp[k:k + len(es)], "labels": lb})
        k += len(es)
    return out


def _project_backtranslations(target: TokenCorpus, bt: Sequence[Record], start: int) -> ChunkProjection:
    from xlner.align.backtranslation import project_backtranslations

    try:
        _, res = project_backtranslations(target.token_lists(), [r["marked"] for r in bt],
                                          [r["entities"] for r in bt], [r["labels"] for r in bt])
    except (ValueError, IndexError) as exc:
        raise type(exc)(f"chunk starting at sentence {start}: {exc}") from None
    return ChunkProjection(target, res, np.array([len(r["labels"]) for r in bt], dtype=np.int64))


__all__ = ["translate_test"]
