"""Marker-based projection (EasyProject style), a translate-train method without word alignment.

Each labelled source sentence is translated with its entities wrapped in markers (``[ John Smith ]``),
each entity is also translated on its own, and the target spans are recovered from the markers, with
labels assigned by fuzzy matching of the entity translations against the marked spans (the matching is
:func:`xlner.align.backtranslation.recover_entities`: best score first, one span per entity; entities
whose markers were lost are searched among unmarked n-grams).

Stage file: ``marker_translations.jsonl`` (``{"id", "marked_source", "translation", "entities",
"entity_translations", "labels"}``, resumable). Outputs as translate-train: ``spans.jsonl``,
``train.conll``, ``train.jsonl`` (per-entity matching scores), ``summary.json``.
"""
from __future__ import annotations

import os
from typing import Callable, List, Optional, Sequence, Tuple

from xlner.align.backtranslation import BacktranslationConfig, parse_marked, recover_entities
from xlner.io.jsonl import ProjectedSpan, SentenceSpans, spans_to_result
from xlner.models.base import Translator
from xlner.pipelines.chunk_stages import LabelRecord, filter_labels, tags_of
from xlner.pipelines.config import PipelineConfig
from xlner.pipelines.model_calls import stage_key, translate
from xlner.pipelines.runner import PipelineOutput, Run, SentencesLike, as_sentences, precomputed
from xlner.pipelines.stages import PrecomputedInput, Record, default_tokenize, iter_jsonl, iter_precomputed_tags
from xlner.pipelines.translate_train import TrainingDataWriter
from xlner.tagging import iob2_to_spans, spans_to_iob2

def mark_entities(tokens: Sequence[str], tags: Sequence[str], open_marker: str = "[", close_marker: str = "]"
                  ) -> Tuple[str, List[str], List[str]]:
    """EasyProject-style marked text (:func:`xlner.models.translator.insert_markers`): each entity of the
    IOB2 ``tags`` wrapped in markers; also returns the entity texts and labels, in order."""
    from xlner.models.translator import insert_markers

    spans = iob2_to_spans(tags)
    text = insert_markers(list(tokens), [(s, e) for s, e, _ in spans], open_marker=open_marker,
                          close_marker=close_marker)
    return text, [" ".join(tokens[s:e]) for s, e, _ in spans], [lab for _, _, lab in spans]


def recover_marked(translation: str, entity_translations: Sequence[str], labels: Sequence[str],
                   config: Optional[BacktranslationConfig] = None,
                   tokenize: Callable[[str], List[str]] = default_tokenize
                   ) -> Tuple[List[str], List[str], SentenceSpans]:
    """Target tokens (markers removed), IOB2 tags and spans of one marker translation (``entity``: the index of
    the source entity; ``score``: the matching score; the objective is their sum).

    ``tokenize`` splits the translation and the entity translations (markers must come out as tokens
    of their own). Recovered entities that overlap a better-scoring one are dropped.
    """
    cfg = config or BacktranslationConfig()
    words, marked = parse_marked(tokenize(translation), cfg.open_marker, cfg.close_marker)
    rec = recover_entities(words, marked, [tokenize(e) for e in entity_translations], list(labels), cfg)
    taken = [False] * len(words)
    kept = []
    for r in sorted(rec, key=lambda r: (-r.score, r.start, r.entity)):
        if any(taken[r.start:r.end]):
            continue
        for k in range(r.start, r.end):
            taken[k] = True
        kept.append(r)
    kept.sort(key=lambda r: r.start)
    tags = spans_to_iob2(len(words), [(r.start, r.end, r.label) for r in kept])
    spans = [ProjectedSpan(r.start, r.end, r.label, r.entity, float(r.score)) for r in kept]
    return words, tags, SentenceSpans(sum(x.score for x in spans), spans)


def _given_marker_record(g: Record, mark: Tuple[str, List[str], List[str]], sentence: int) -> Record:
    if not isinstance(g, dict) or not isinstance(g.get("translation"), str) \
            or not isinstance(g.get("entity_translations"), list):
        raise ValueError(f"sentence {sentence}, field translations: expected a record with 'translation' (string) "
                         f"and 'entity_translations' (list)")
    if len(g["entity_translations"]) != len(mark[1]):
        raise ValueError(f"sentence {sentence}, field translations: {len(g['entity_translations'])} entity "
                         f"translations for {len(mark[1])} source entities")
    return {"marked_source": mark[0], "translation": g["translation"], "entities": mark[1],
            "entity_translations": list(g["entity_translations"]), "labels": mark[2]}


def marker_projection(
    sentences: SentencesLike,
    config: Optional[PipelineConfig] = None,
    *,
    translator: Optional[Translator] = None,
    translations: Optional[PrecomputedInput[Record]] = None,
    source_labels: Optional[PrecomputedInput[LabelRecord]] = None,
    output_dir: Optional[str | os.PathLike[str]] = None,
    tokenize: Callable[[str], List[str]] = default_tokenize,
    collect: bool = False,
) -> PipelineOutput:
    """Run the marker-based pipeline over a labelled source corpus (``config.src_lang`` →
    ``config.tgt_lang``); the filter of ``config.filter`` applies as in translate-train. ``tokenize``
    splits translations into words (markers as tokens of their own). ``translations``: precomputed marker
    translations per sentence, dicts with ``translation`` (the marked translation) and
    ``entity_translations`` (each entity translated alone, in order), or a JSON-lines path (e.g. the
    ``marker_translations.jsonl`` of an earlier run; default ``config.precomputed.translations``)."""
    bcfg = BacktranslationConfig()
    cfg = config if config is not None else PipelineConfig(kind="marker")
    run = Run("marker", cfg, output_dir)
    pre_lb = precomputed("source labels", source_labels if source_labels is not None
                         else cfg.precomputed.source_labels, iter_precomputed_tags)
    pre_tr = precomputed("marker translations", translations if translations is not None
                         else cfg.precomputed.translations, iter_jsonl)
    st = run.stage("marker_translations", {"precomputed": pre_tr.name} if pre_tr else
                   stage_key(translator, "translator", src_lang=cfg.src_lang, tgt_lang=cfg.tgt_lang,
                                    labels=pre_lb.name if pre_lb else "input"))
    writer = TrainingDataWriter(run, cfg.filter, collect)
    s = run.summary
    try:
        for start, chunk in run.chunks(as_sentences(sentences, cfg)):
            src = [x.tokens for x in chunk]
            given_lb = pre_lb.take(len(chunk)) if pre_lb else None
            src_tags: List[List[str]] = []
            for p, x in enumerate(chunk):
                t = tags_of(given_lb[p] if given_lb is not None else x.tags)
                if len(t) != len(x.tokens):
                    raise ValueError(f"sentence {start + p}, field source labels: {len(t)} tags for "
                                     f"{len(x.tokens)} tokens (the marker pipeline needs labelled input)")
                src_tags.append(filter_labels(t, cfg.projection.labels))
            with s.stage("translate"):
                given = pre_tr.take(len(chunk)) if pre_tr else None

                def do_translate(pos: List[int]) -> List[Record]:
                    marks = [mark_entities(src[p], src_tags[p], bcfg.open_marker, bcfg.close_marker)
                             for p in pos]
                    if given is not None:
                        return [_given_marker_record(given[p], m, start + p) for p, m in zip(pos, marks)]
                    hyp = translate(translator, [m[0] for m in marks], cfg.src_lang, cfg.tgt_lang)
                    flat = [e for m in marks for e in m[1]]
                    ent_hyp = translate(translator, flat, cfg.src_lang, cfg.tgt_lang) if flat else []
                    recs: List[Record] = []
                    k = 0
                    for m, h in zip(marks, hyp):
                        recs.append({"marked_source": m[0], "translation": h, "entities": m[1],
                                     "entity_translations": ent_hyp[k:k + len(m[1])], "labels": m[2]})
                        k += len(m[1])
                    return recs

                recs = st.run(start, len(chunk), do_translate)
            with s.stage("recover"):
                tgt: List[List[str]] = []
                tags: List[List[str]] = []
                spans: List[SentenceSpans] = []
                n_src: List[int] = []
                for p, r in enumerate(recs):
                    try:
                        w, t, sp = recover_marked(r["translation"], r["entity_translations"], r["labels"], bcfg,
                                                  tokenize)
                    except ValueError as exc:
                        raise ValueError(f"sentence {start + p}: {exc}") from None
                    tgt.append(w)
                    tags.append(t)
                    spans.append(sp)
                    n_src.append(len(r["labels"]))
            s.source_entities += sum(n_src)
            s.projected_entities += sum(len(x.spans) for x in spans)
            with s.stage("write"):
                writer.write(start, src, src_tags, tgt, tags, spans_to_result(spans), spans, n_src)
        run.close([pre_lb, pre_tr])
    except BaseException:
        run.abort()
        raise
    return PipelineOutput(s, writer.sentences, writer.spans)


__all__ = ["mark_entities", "marker_projection", "recover_marked"]
