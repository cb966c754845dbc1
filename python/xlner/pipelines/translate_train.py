"""Translate-train: turn a labelled source corpus into labelled target-language training data.

source sentence + labels ─translate→ target sentence ─align→ links ─project→ target labels.

Stage files (resumable): ``translations.jsonl`` (``{"id", "text", "translation", "tokens"}``, target
tokens), ``source_labels.jsonl`` (``{"id", "tokens", "tags"}``: the corpus's labels, precomputed labels or
the tagger's), ``alignments.jsonl`` (``{"id", "links"}``, links ``[source_index, target_index]``).

Outputs: ``spans.jsonl`` (every sentence, projected spans with scores, the one spans schema of
:mod:`xlner.io.jsonl`), ``train.conll`` and ``train.jsonl`` (the sentences kept by the filter; JSON lines carry
the spans of ``spans.jsonl`` with the ``source`` span of their entity), ``summary.json``.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Callable, List, Optional, Sequence

from xlner.batch import LabelVocab, ProjectionResult
from xlner.io.conll import Sentence, TokenCorpus
from xlner.io.jsonl import SentenceSpans
from xlner.models.base import Aligner, AnyScorer, Links, Tagger, Translator
from xlner.pipelines import chunk_stages as cs
from xlner.pipelines.chunk_stages import LabelRecord
from xlner.pipelines.config import FilterConfig, PipelineConfig
from xlner.pipelines.model_calls import model_key, stage_key
from xlner.pipelines.outputs import append_conll, append_spans
from xlner.pipelines.projecting import ChunkProjection
from xlner.pipelines.runner import PipelineOutput, Run, SentencesLike, as_sentences
from xlner.pipelines.stages import PrecomputedInput, Record, default_tokenize
from xlner.tagging import batch_tags_to_spans


def keep_sentence(n_source: int, scores: Sequence[float], flt: FilterConfig) -> bool:
    """Whether a projected sentence passes the filter: projected/source entities ≥ ``min_ratio`` (a
    sentence without source entities has ratio 1) and every span (given by its ``scores``) scores ≥
    ``min_score``."""
    ratio = len(scores) / n_source if n_source else 1.0
    if ratio < flt.min_ratio:
        return False
    return all(x >= flt.min_score for x in scores)


def translate_train(
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
    output_dir: Optional[str | os.PathLike[str]] = None,
    tokenize: Callable[[str], List[str]] = default_tokenize,
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
    pre_tr, pre_al, pre_lb = cs.precomputed_inputs(cfg, translations, alignments, source_labels)
    st_tr = cs.open_stage(run, "translations", pre_tr, stage_key(
        translator, "translator", src_lang=cfg.src_lang, tgt_lang=cfg.tgt_lang))
    st_lb = cs.open_stage(run, "source_labels", pre_lb,
                          {"input_or_tagger": model_key(tagger) if tagger is not None else "input"})
    st_al = cs.open_stage(run, "alignments", pre_al, stage_key(aligner, "aligner"))
    vocab = LabelVocab()
    heuristic = cfg.projection.heuristic_config()
    writer = TrainingDataWriter(run, cfg.filter, collect)
    s = run.summary
    try:
        for start, chunk in run.chunks(as_sentences(sentences, cfg)):
            src = [x.tokens for x in chunk]
            with s.stage("source labels"):
                src_tags = cs.label_stage(st_lb, start, src, pre_lb, tagger, cfg.tagger.batch_size,
                                          cfg.projection.labels, input_tags=[x.tags for x in chunk])
            with s.stage("translate"):
                tgt = cs.translate_stage(st_tr, start, src, pre_tr, translator, cfg.src_lang, cfg.tgt_lang,
                                         tokenize)
            pr = cs.align_and_project(s, st_al, start, cfg, src, src_tags, tgt, pre_al, aligner, vocab=vocab,
                                      heuristic=heuristic, target_tagger=target_tagger, nmt_scorer=nmt_scorer,
                                      src_lang=cfg.src_lang, tgt_lang=cfg.tgt_lang)
            cs.count_projected(s, pr)
            with s.stage("write"):
                writer.write_projection(start, src, src_tags, pr)
        run.close([pre_tr, pre_al, pre_lb])
    except BaseException:
        run.abort()
        raise
    return PipelineOutput(s, writer.sentences, writer.spans)


@dataclass
class TrainingDataWriter:
    """Writes ``spans.jsonl`` for every sentence (the one spans schema, C++ writer) and ``train.conll`` (C++
    writer) and ``train.jsonl`` for the sentences the filter keeps; collects the kept sentences and spans."""

    run: Run
    filter: FilterConfig
    collect: bool = False
    sentences: List[Sentence] = field(default_factory=list)
    spans: List[SentenceSpans] = field(default_factory=list)

    def write_projection(self, start: int, src: Sequence[Sequence[str]], src_tags: Sequence[Sequence[str]],
                         projection: ChunkProjection) -> None:
        """Write one projected chunk (source tokens and tags: the source entities the spans point to)."""
        self.write(start, src, src_tags, projection.target.token_lists(), projection.tags(), projection.result,
                   projection.spans(), projection.source_entities.tolist())

    def write(self, start: int, src: Sequence[Sequence[str]], src_tags: Sequence[Sequence[str]],
              tgt: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], result: ProjectionResult,
              spans: Sequence[SentenceSpans], n_source: Sequence[int]) -> None:
        """Write one chunk: target tokens and tags, its spans (as the result and as :class:`SentenceSpans`) and
        the number of source entities per sentence."""
        run = self.run
        append_spans(run.output("spans.jsonl"), result)
        idx = [i for i in range(len(tgt)) if keep_sentence(n_source[i], [x.score for x in spans[i].spans],
                                                            self.filter)]
        append_conll(run.output("train.conll"), TokenCorpus.from_lists([tgt[i] for i in idx],
                                                                       [tags[i] for i in idx]))
        off, ent_start, ent_end, _ = batch_tags_to_spans([src_tags[i] for i in idx], LabelVocab(), threads=1)

        def record(j: int, i: int) -> Record:
            a = int(off[j])
            ents = [dict(asdict(x), source=[int(ent_start[a + x.entity]), int(ent_end[a + x.entity])])
                    for x in spans[i].spans]
            return {"id": start + i, "tokens": list(tgt[i]), "tags": list(tags[i]), "source_tokens": list(src[i]),
                    "entities": ents}

        run.write_jsonl("train.jsonl", (record(j, i) for j, i in enumerate(idx)))
        run.summary.kept_sentences += len(idx)
        if self.collect:
            self.sentences.extend(Sentence(list(tgt[i]), list(tags[i])) for i in idx)
            self.spans.extend(spans[i] for i in idx)


__all__ = ["TrainingDataWriter", "keep_sentence", "translate_train"]
