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
from typing import Any, Dict, List, Optional, Sequence

from xlner.batch import LabelVocab
from xlner.io.conll import Sentence
from xlner.pipelines import common
from xlner.pipelines.config import FilterConfig, PipelineConfig
from xlner.pipelines.runner import PipelineOutput, Run, SentencesLike, as_sentences, precomputed
from xlner.pipelines.stages import (default_tokenize, detokenize, iter_precomputed_links, iter_precomputed_tags,
                                    iter_precomputed_tokens)


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
    pc = cfg.precomputed
    pre_tr = precomputed("translations", translations if translations is not None else pc.translations,
                         iter_precomputed_tokens)
    pre_al = precomputed("alignments", alignments if alignments is not None else pc.alignments,
                         lambda f: iter_precomputed_links(f, field_name=pc.alignments_field))
    pre_lb = precomputed("source labels", source_labels if source_labels is not None else pc.source_labels,
                         iter_precomputed_tags)
    st_tr = run.stage("translations", {"precomputed": pre_tr.name} if pre_tr else
                      common.stage_key(translator, "translator", src_lang=cfg.src_lang, tgt_lang=cfg.tgt_lang))
    st_lb = run.stage("source_labels", {"precomputed": pre_lb.name} if pre_lb else
                      {"input_or_tagger": common.model_key(tagger) if tagger is not None else "input"})
    st_al = run.stage("alignments", {"precomputed": pre_al.name} if pre_al else common.stage_key(aligner, "aligner"))
    vocab = LabelVocab()
    heuristic = cfg.projection.heuristic_config()
    out = PipelineOutput(run.summary)
    s = run.summary
    try:
        for start, chunk in run.chunks(as_sentences(sentences, cfg)):
            src = [x.tokens for x in chunk]
            with s.stage("source labels"):
                given_lb = pre_lb.take(len(chunk)) if pre_lb else None

                def do_labels(pos: List[int]) -> List[Dict[str, Any]]:
                    if given_lb is not None:
                        tags = [list(given_lb[p].tags if isinstance(given_lb[p], Sentence) else given_lb[p])
                                for p in pos]
                    elif all(chunk[p].tags for p in pos):
                        tags = [list(chunk[p].tags) for p in pos]
                    else:
                        tags = common.tag(tagger, [src[p] for p in pos], cfg.tagger.batch_size)
                    for p, t in zip(pos, tags):
                        if len(t) != len(src[p]):
                            raise ValueError(f"sentence {start + p}, field source labels: {len(t)} tags for "
                                             f"{len(src[p])} tokens")
                    return [{"tokens": src[p], "tags": t} for p, t in zip(pos, tags)]

                src_tags = [common.filter_labels(r["tags"], cfg.projection.labels)
                            for r in st_lb.run(start, len(chunk), do_labels)]
            with s.stage("translate"):
                given = pre_tr.take(len(chunk)) if pre_tr else None

                def do_translate(pos: List[int]) -> List[Dict[str, Any]]:
                    if given is not None:
                        return [{"text": detokenize(src[p]), "translation": None, "tokens": list(given[p])}
                                for p in pos]
                    texts = [detokenize(src[p]) for p in pos]
                    hyp = common.translate(translator, texts, cfg.src_lang, cfg.tgt_lang)
                    return [{"text": t, "translation": h, "tokens": tokenize(h)} for t, h in zip(texts, hyp)]

                tgt = [r["tokens"] for r in st_tr.run(start, len(chunk), do_translate)]
            with s.stage("align"):
                given_al = pre_al.take(len(chunk)) if pre_al else None

                def do_align(pos: List[int]) -> List[Dict[str, Any]]:
                    if given_al is not None:
                        links = [given_al[p] for p in pos]
                    else:
                        links = common.align(aligner, [src[p] for p in pos], [tgt[p] for p in pos],
                                             cfg.aligner.batch_size)
                    common.check_links(links, [len(src[p]) for p in pos], [len(tgt[p]) for p in pos], start,
                                       positions=pos)
                    return [{"links": [[int(a), int(b)] for a, b in ls]} for ls in links]

                links = [[tuple(x) for x in r["links"]] for r in st_al.run(start, len(chunk), do_align)]
            with s.stage("project"):
                pr = common.project_chunk(src, src_tags, tgt, links, method=cfg.projection.method,
                                          matching=cfg.projection.matching(), heuristic=heuristic,
                                          vocab=vocab, threads=cfg.projection.threads, start=start,
                                          scores=cfg.projection.scores, candidates=cfg.projection.candidates,
                                          target_tagger=target_tagger, nmt_scorer=nmt_scorer,
                                          src_lang=cfg.src_lang, tgt_lang=cfg.tgt_lang)
            s.source_entities += sum(pr.source_entities)
            s.projected_entities += sum(len(x) for x in pr.spans)
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
