"""The stages the pipelines share, each run over one chunk through its resumable stage file
(:class:`~xlner.pipelines.stages.StageFile`): translation, labelling, alignment, and alignment + projection.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple, Union

from xlner.io.conll import Sentence, TokenCorpus
from xlner.io.errors import FormatError
from xlner.io.talp import Alignments
from xlner.models.base import Aligner, AnyScorer, Links, Tagger, Translator
from xlner.pipelines.config import PipelineConfig
from xlner.pipelines.model_calls import align, tag, translate
from xlner.pipelines.projecting import ChunkProjection, project_chunk, source_corpus
from xlner.pipelines.runner import Run, precomputed
from xlner.pipelines.stages import (PipelineSummary, Precomputed, PrecomputedInput, Record, StageFile, detokenize,
                                    iter_precomputed_links, iter_precomputed_tags, iter_precomputed_tokens)
from xlner.heuristic import HeuristicConfig
from xlner.batch import LabelVocab

#: Precomputed source labels of one sentence: a sentence with tags, or its tag list.
LabelRecord = Union[Sentence, Sequence[str]]


def tags_of(record: LabelRecord) -> List[str]:
    """The tag list of a precomputed label record (a :class:`Sentence` or a plain tag list)."""
    return list(record.tags if isinstance(record, Sentence) else record)


def filter_labels(tags: Sequence[str], keep: Optional[Sequence[str]]) -> List[str]:
    """Tags with every entity whose label is not in ``keep`` turned into ``O`` (``keep=None``: unchanged)."""
    if keep is None:
        return list(tags)
    allowed = set(keep)
    return [t if t == "O" or t[2:] in allowed else "O" for t in tags]


def open_stage(run: Run, name: str, pre: Optional[Precomputed], key: Optional[Record]) -> StageFile:
    """The stage file ``name`` of ``run``, keyed by the precomputed source ``pre`` when there is one, else
    by ``key`` (typically :func:`~xlner.pipelines.model_calls.stage_key` of the model computing the stage)."""
    return run.stage(name, {"precomputed": pre.name} if pre else key)


def precomputed_inputs(cfg: PipelineConfig, translations: Optional[PrecomputedInput[Sequence[str]]],
                       alignments: Optional[PrecomputedInput[Links]],
                       source_labels: Optional[PrecomputedInput[LabelRecord]]
                       ) -> Tuple[Optional[Precomputed[Sequence[str]]], Optional[Precomputed[Links]],
                                  Optional[Precomputed[LabelRecord]]]:
    """Precomputed translations, alignments and source labels: the arguments given, else those of
    ``cfg.precomputed`` (``None`` for what is given nowhere)."""
    pc = cfg.precomputed
    pre_tr = precomputed("translations", translations if translations is not None else pc.translations,
                         iter_precomputed_tokens)
    pre_al = precomputed("alignments", alignments if alignments is not None else pc.alignments,
                         lambda f: iter_precomputed_links(f, field_name=pc.alignments_field))
    pre_lb = precomputed("source labels", source_labels if source_labels is not None else pc.source_labels,
                         iter_precomputed_tags)
    return pre_tr, pre_al, pre_lb


def translate_stage(st: StageFile, start: int, src: Sequence[Sequence[str]], pre: Optional[Precomputed[Sequence[str]]],
                    translator: Optional[Translator], src_lang: str, tgt_lang: str,
                    tokenize: Callable[[str], List[str]]) -> List[List[str]]:
    """Translation stage of a chunk (records ``{"text", "translation", "tokens"}``): the tokens of the
    translations of ``src`` (from ``pre`` when given, else by ``translator``, split by ``tokenize``)."""
    given = pre.take(len(src)) if pre else None
    return [r["tokens"] for r in st.run(start, len(src), lambda pos: translation_records(
        [src[p] for p in pos], [given[p] for p in pos] if given is not None else None, translator, src_lang,
        tgt_lang, tokenize))]


def translation_records(src: Sequence[Sequence[str]], given: Optional[Sequence[Sequence[str]]],
                        translator: Optional[Translator], src_lang: str, tgt_lang: str,
                        tokenize: Callable[[str], List[str]]) -> List[Record]:
    """The translation stage of some sentences (records ``{"text", "translation", "tokens"}``): the
    precomputed tokens ``given``, else the tokens (``tokenize``) of ``translator``'s translations."""
    if given is not None:
        return [{"text": detokenize(s), "translation": None, "tokens": list(g)} for s, g in zip(src, given)]
    texts = [detokenize(s) for s in src]
    hyp = translate(translator, texts, src_lang, tgt_lang)
    return [{"text": t, "translation": h, "tokens": tokenize(h)} for t, h in zip(texts, hyp)]


def label_stage(st: StageFile, start: int, tokens: Sequence[Sequence[str]], pre: Optional[Precomputed[LabelRecord]],
                tagger: Optional[Tagger], batch_size: int, keep: Optional[Sequence[str]], *,
                input_tags: Optional[Sequence[Sequence[str]]] = None, what: str = "tokens") -> List[List[str]]:
    """Labelling stage of a chunk (records ``{"tokens", "tags"}``): IOB2 tags of ``tokens`` from ``pre``
    when given, else ``input_tags`` when every sentence asked for has them, else by ``tagger``; checked to
    have one tag per token (``what`` names the tokens in the error). Returned with the entities of labels
    outside ``keep`` turned into ``O`` (:func:`filter_labels`)."""
    given = pre.take(len(tokens)) if pre else None

    def do_labels(pos: List[int]) -> List[Record]:
        inp = [input_tags[p] for p in pos] if input_tags is not None else None
        return label_records([tokens[p] for p in pos], [tags_of(given[p]) for p in pos] if given is not None
                             else None, tagger, batch_size, inp, [start + p for p in pos], what)

    return [filter_labels(r["tags"], keep) for r in st.run(start, len(tokens), do_labels)]


def label_records(tokens: Sequence[Sequence[str]], given: Optional[Sequence[Sequence[str]]],
                  tagger: Optional[Tagger], batch_size: int, input_tags: Optional[Sequence[Sequence[str]]],
                  ids: Sequence[int], what: str = "tokens") -> List[Record]:
    """The labelling stage of some sentences (records ``{"tokens", "tags"}``): tags ``given``, else
    ``input_tags`` when every sentence has them, else ``tagger``'s; checked to have one tag per token (the
    error names sentence ``ids[k]`` and ``what`` the tokens are)."""
    if given is not None:
        tags = [list(t) for t in given]
    elif input_tags is not None and all(input_tags):
        tags = [list(t) for t in input_tags]
    else:
        tags = tag(tagger, tokens, batch_size)
    for i, toks, t in zip(ids, tokens, tags):
        if len(t) != len(toks):
            raise ValueError(f"sentence {i}, field source labels: {len(t)} tags for {len(toks)} {what}")
    return [{"tokens": list(toks), "tags": t} for toks, t in zip(tokens, tags)]


def check_chunk_links(links: Sequence[Links], src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]],
                      start: int, positions: Sequence[int]) -> None:
    """Check links against their sentence pairs with the C++ check of ``xlner project``
    (:meth:`~xlner.io.talp.Alignments.check`); the error names the global sentence ``start + positions[i]``."""
    try:
        Alignments.from_lists(links).check([len(src[p]) for p in positions], [len(tgt[p]) for p in positions],
                                           src_path=f"the source side (chunk at sentence {start})",
                                           tgt_path=f"the target side (chunk at sentence {start})")
    except FormatError as exc:
        k = start + positions[exc.sentence] if exc.sentence is not None else start
        raise ValueError(f"sentence {k}, field alignments ({exc.field}): {exc.detail}") from None


def align_stage(st: StageFile, start: int, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]],
                pre: Optional[Precomputed[Links]], aligner: Optional[Aligner]) -> Alignments:
    """Alignment stage of a chunk (records ``{"links"}``): links (src index, tgt index) from ``pre`` when
    given, else by ``aligner``; checked to lie inside their sentence pair before they are stored."""
    given = pre.take(len(src)) if pre else None

    def do_align(pos: List[int]) -> List[Record]:
        links = [given[p] for p in pos] if given is not None else None
        return link_records(src, tgt, links, aligner, start, pos)

    return Alignments.from_lists([r["links"] for r in st.run(start, len(src), do_align)])


def link_records(src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], given: Optional[Sequence[Links]],
                 aligner: Optional[Aligner], start: int, positions: Sequence[int]) -> List[Record]:
    """The alignment stage of the pairs at ``positions`` of a chunk (records ``{"links"}``): the links ``given``
    (one list per position), else ``aligner``'s; checked against their pairs (:func:`check_chunk_links`)."""
    links = list(given) if given is not None else align(aligner, [src[p] for p in positions],
                                                        [tgt[p] for p in positions])
    check_chunk_links(links, src, tgt, start, positions)
    return [{"links": [[int(a), int(b)] for a, b in ls]} for ls in links]


def align_and_project(summary: PipelineSummary, st: StageFile, start: int, cfg: PipelineConfig,
                      src: Sequence[Sequence[str]], src_tags: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]],
                      pre: Optional[Precomputed[Links]], aligner: Optional[Aligner], *, vocab: LabelVocab,
                      heuristic: Optional[HeuristicConfig], target_tagger: Optional[Tagger],
                      nmt_scorer: Optional[AnyScorer], src_lang: str, tgt_lang: str,
                      target: Optional[TokenCorpus] = None) -> ChunkProjection:
    """The ``align`` stage (:func:`align_stage`) and the ``project`` stage of a chunk (:func:`project_chunk`
    with the method, matching, scores and candidates of ``cfg.projection``), timed in ``summary``.

    ``vocab`` keeps the label ids of the run (names seen in earlier chunks keep their ids); ``target``: the
    target sentences as a corpus when the caller has one (else built from ``tgt``)."""
    with summary.stage("align"):
        links = align_stage(st, start, src, tgt, pre, aligner)
    with summary.stage("project"):
        return project_labelled(cfg, src, src_tags, tgt, links, vocab=vocab, heuristic=heuristic,
                                target_tagger=target_tagger, nmt_scorer=nmt_scorer, src_lang=src_lang,
                                tgt_lang=tgt_lang, start=start, target=target)


def project_labelled(cfg: PipelineConfig, src: Sequence[Sequence[str]], src_tags: Sequence[Sequence[str]],
                     tgt: Sequence[Sequence[str]], links: Alignments, *, vocab: LabelVocab,
                     heuristic: Optional[HeuristicConfig], target_tagger: Optional[Tagger] = None,
                     nmt_scorer: Optional[AnyScorer] = None, src_lang: str, tgt_lang: str, start: int = 0,
                     target: Optional[TokenCorpus] = None) -> ChunkProjection:
    """The ``project`` stage of a chunk: :func:`project_chunk` with the method, matching, scores and
    candidates of ``cfg.projection`` (``vocab``: label ids kept across chunks; ``target``: the target
    sentences as a corpus when the caller has one)."""
    p = cfg.projection
    source = source_corpus(src, src_tags, vocab.names)
    for name in source.labels.names[len(vocab):]:
        vocab.id(name)
    tgt_corpus = target if target is not None else TokenCorpus.from_lists(tgt)
    return project_chunk(source, tgt_corpus, links, method=p.method, matching=p.matching(), heuristic=heuristic,
                         threads=p.threads, start=start, scores=p.scores, candidates=p.candidates,
                         target_tagger=target_tagger, nmt_scorer=nmt_scorer, src_lang=src_lang, tgt_lang=tgt_lang)


def count_projected(summary: PipelineSummary, projection: ChunkProjection) -> None:
    """Add a chunk's source entities and projected spans to the run summary's counters."""
    summary.source_entities += int(projection.source_entities.sum())
    summary.projected_entities += len(projection.result.start)


__all__ = ["LabelRecord", "align_and_project", "align_stage", "check_chunk_links", "count_projected", "filter_labels",
           "label_records", "label_stage", "link_records", "open_stage", "precomputed_inputs", "project_labelled",
           "tags_of", "translate_stage", "translation_records"]
