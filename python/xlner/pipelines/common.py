"""Pieces shared by the pipelines: model calls in batches, projection of a chunk through the C++ core,
marker insertion, and streaming entity-level evaluation.

The model objects are duck-typed, so that any implementation (the package's own, a user's, a test's)
can be injected:

* translator: ``translate(texts, *, src_lang, tgt_lang) -> list[str]`` (:class:`xlner.models.translator.Translator`);
* tagger (:class:`xlner.models.base.Tagger`): ``predict(sentences) -> list[list[str]]``;
* aligner: ``align_batch(src_tokens_list, tgt_tokens_list) -> list[links]`` (links are
  ``(src_index, tgt_index)`` pairs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from xlner.batch import LabelVocab, ProjectionBatch, ProjectionResult
from xlner.io.conll import Sentence
from xlner.pipelines.config import PipelineConfig
from xlner.pipelines.runner import PipelineOutput, Run, precomputed
from xlner.pipelines.stages import (Links, PipelineSummary, Precomputed, StageFile, detokenize, iter_precomputed_links,
                                    iter_precomputed_tags, iter_precomputed_tokens)
from xlner.tagging import batch_spans_to_tags, batch_tags_to_spans


def model_key(obj: Any) -> str:
    """A best-effort description of a model object, stored with the stage files it produced."""
    for attr in ("cache_key", "model_name", "name_or_path", "name"):
        v = getattr(obj, attr, None)
        if isinstance(v, str) and v:
            return f"{type(obj).__qualname__}:{v}"
    return type(obj).__qualname__


def stage_key(model: Any, role: str, **extra: Any) -> Optional[Dict[str, Any]]:
    """The stage-file key of a stage computed by ``model`` (``None`` when no model is given: the stage
    can then only be served from its cache)."""
    if model is None:
        return None
    return {role: model_key(model), **extra}


def in_batches(items: Sequence[Any], size: int, fn: Callable[[List[Any]], List[Any]],
               on_progress: Optional[Callable[[int], None]] = None) -> List[Any]:
    """Apply ``fn`` to consecutive slices of ``items`` and concatenate (checks one output per input)."""
    out: List[Any] = []
    for a in range(0, len(items), max(1, size)):
        part = list(items[a:a + size])
        res = list(fn(part))
        if len(res) != len(part):
            raise RuntimeError(f"model call returned {len(res)} results for {len(part)} inputs")
        out.extend(res)
        if on_progress is not None:
            on_progress(len(part))
    return out


def translate(translator: Any, texts: Sequence[str], src_lang: str, tgt_lang: str, batch_size: int = 256
              ) -> List[str]:
    """Translate ``texts`` with an injected translator, in slices of ``batch_size`` (the translator sorts
    and batches each slice itself)."""
    if translator is None:
        raise ValueError("this stage needs a translator (or precomputed translations)")
    return in_batches(texts, batch_size, lambda part: translator.translate(part, src_lang=src_lang, tgt_lang=tgt_lang))


def tag(tagger: Any, sentences: Sequence[Sequence[str]], batch_size: int = 256) -> List[List[str]]:
    """IOB2 tags from an injected tagger, checked to have one tag per token."""
    if tagger is None:
        raise ValueError("this stage needs a tagger (or precomputed source labels)")
    full = [k for k, s in enumerate(sentences) if len(s)]  # empty sentences (e.g. empty translations) get []
    res = in_batches([list(sentences[k]) for k in full], batch_size, tagger.predict)
    out: List[List[str]] = [[] for _ in sentences]
    for k, t in zip(full, res):
        if len(sentences[k]) != len(t):
            raise RuntimeError(f"sentence {k}: tagger returned {len(t)} tags for {len(sentences[k])} tokens")
        out[k] = list(t)
    return out


def align(aligner: Any, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], batch_size: int = 1024
          ) -> List[Links]:
    """Word alignments (src, tgt) from an injected aligner (``align_batch``)."""
    if aligner is None:
        raise ValueError("this stage needs an aligner (or precomputed alignments)")
    fn = getattr(aligner, "align_batch", None)
    if fn is None:
        raise TypeError(f"aligner {type(aligner).__name__} has no align_batch(src, tgt) method")
    full = [k for k, (a, b) in enumerate(zip(src, tgt)) if len(a) and len(b)]  # an empty side has no links
    pairs = [(list(src[k]), list(tgt[k])) for k in full]
    if getattr(aligner, "whole_chunk", False):  # statistical aligners learn from the whole chunk
        batch_size = max(1, len(pairs))
    res = in_batches(pairs, batch_size, lambda part: fn([p[0] for p in part], [p[1] for p in part]))
    out: List[Links] = [[] for _ in src]
    for k, links in zip(full, res):
        out[k] = [(int(a), int(b)) for a, b in links]
    return out


def check_links(links: Sequence[Links], src_lens: Sequence[int], tgt_lens: Sequence[int], start: int,
                what: str = "alignments", positions: Optional[Sequence[int]] = None) -> None:
    """Raise ``ValueError`` naming the (global) sentence whose links point outside its sentences
    (sentence ``start + positions[i]``, or ``start + i`` without ``positions``)."""
    for i, (ls, n, m) in enumerate(zip(links, src_lens, tgt_lens)):
        for a, b in ls:
            if not (0 <= a < n and 0 <= b < m):
                k = start + (positions[i] if positions is not None else i)
                raise ValueError(f"sentence {k}, field {what}: link ({a}, {b}) outside the sentence pair "
                                 f"of {n} source and {m} target words")


def filter_labels(tags: Sequence[str], keep: Optional[Sequence[str]]) -> List[str]:
    """Tags with every entity whose label is not in ``keep`` turned into ``O`` (``keep=None``: unchanged)."""
    if keep is None:
        return list(tags)
    allowed = set(keep)
    return [t if t == "O" or t[2:] in allowed else "O" for t in tags]


@dataclass
class ChunkProjection:
    """Projection of one chunk: target tags and spans per sentence, and counts."""

    tags: List[List[str]]
    spans: List[List[Dict[str, Any]]]
    source_entities: List[int]


def project_chunk(src_tokens: Sequence[Sequence[str]], src_tags: Sequence[Sequence[str]],
                  tgt_tokens: Sequence[Sequence[str]], links: Sequence[Links], *, method: str,
                  matching: Any = None, heuristic: Any = None, labels: Optional[Sequence[str]] = None,
                  vocab: Optional[LabelVocab] = None, threads: int = -1, start: int = 0,
                  scores: Union[None, str, Mapping[str, float]] = None, candidates: str = "ngrams",
                  target_tagger: Any = None, nmt_scorer: Any = None, src_lang: Optional[str] = None,
                  tgt_lang: Optional[str] = None) -> ChunkProjection:
    """Project the source entities of a chunk onto its target sentences with one core call per step.

    ``src_tags`` are IOB2 tags on ``src_tokens`` (entities whose label is not in ``labels`` are dropped);
    ``links`` are (source word, target word) pairs. ``method`` is any method of
    :func:`xlner.projection.project`. Errors name the global sentence (``start`` + position).

    Matching methods score candidates with the alignment score unless ``scores`` names a fusion preset
    of :func:`xlner.scores.preset_weights` or gives weights (``{"align": 0.5, "ner_spans": 0.5}``): the
    ``ner``/``ner_spans`` components need ``target_tagger`` (a Tagger with ``predict_proba`` run on the
    target words), ``nmt`` needs ``nmt_scorer`` (``score_pairs`` or a ``pairs -> scores`` callable; the
    languages are ``src_lang``/``tgt_lang``). ``candidates='ner'`` restricts candidates to the spans the
    target tagger predicts (and their sub-ranges).
    """
    from xlner.projection import project

    n = len(src_tokens)
    for name, seq in (("tags", src_tags), ("tgt_tokens", tgt_tokens), ("links", links)):
        if len(seq) != n:
            raise ValueError(f"chunk at sentence {start}: {len(seq)} {name} for {n} sentences")
    for i in range(n):
        if len(src_tags[i]) != len(src_tokens[i]):
            raise ValueError(f"sentence {start + i}, field source tags: {len(src_tags[i])} tags for "
                             f"{len(src_tokens[i])} tokens")
    src_lens = [len(s) for s in src_tokens]
    tgt_lens = [len(t) for t in tgt_tokens]
    check_links(links, src_lens, tgt_lens, start)
    vocab = vocab if vocab is not None else LabelVocab()
    eo, es, ee, el = batch_tags_to_spans([filter_labels(t, labels) for t in src_tags], vocab, threads=threads)
    ao = np.zeros(n + 1, dtype=np.int64)
    ao[1:] = np.cumsum([len(ls) for ls in links])
    flat = np.array([p for ls in links for p in ls], dtype=np.int32).reshape(-1, 2)
    batch = ProjectionBatch(np.asarray(src_lens, dtype=np.int32), np.asarray(tgt_lens, dtype=np.int32),
                            np.asarray(eo, dtype=np.int64), np.asarray(es, dtype=np.int32),
                            np.asarray(ee, dtype=np.int32), np.asarray(el, dtype=np.int32), ao,
                            np.ascontiguousarray(flat[:, 0]), np.ascontiguousarray(flat[:, 1]), labels=vocab)
    kw: Dict[str, Any] = {"threads": threads}
    if matching is not None:
        kw["matching"] = matching
    try:
        if method == "heuristic":
            kw["heuristic"] = heuristic
            kw["tgt_tokens"] = [list(t) for t in tgt_tokens]
        elif scores is not None or candidates != "ngrams":
            batch, kw["scores"], kw["matching"] = _fused_scores(
                batch, src_tokens, tgt_tokens, vocab, matching, scores, candidates, target_tagger, nmt_scorer,
                src_lang, tgt_lang, threads)
        res: ProjectionResult = project(batch, method, **kw)
    except (ValueError, IndexError) as exc:
        raise type(exc)(f"chunk starting at sentence {start}: {exc}") from None
    tags = batch_spans_to_tags(np.asarray(tgt_lens, dtype=np.int32), res.offsets, res.start, res.end, res.label,
                               vocab, threads=threads)
    spans: List[List[Dict[str, Any]]] = []
    for i in range(n):
        ents = batch.entities(i)
        row = []
        for s, e, lab, ent, score in res.spans(i):
            es_, ee_, _ = ents[ent]
            row.append({"start": s, "end": e, "label": vocab.name(lab), "score": round(score, 6),
                        "source": [es_, ee_], "source_text": " ".join(src_tokens[i][es_:ee_])})
        spans.append(row)
    counts = np.diff(np.asarray(eo)).astype(int).tolist()
    return ChunkProjection(tags, spans, counts)


def _fused_scores(batch: ProjectionBatch, src_tokens: Sequence[Sequence[str]], tgt_tokens: Sequence[Sequence[str]],
                  vocab: LabelVocab, matching: Any, scores: Union[None, str, Mapping[str, float]], candidates: str,
                  target_tagger: Any, nmt_scorer: Any, src_lang: Optional[str], tgt_lang: Optional[str],
                  threads: int) -> Tuple[ProjectionBatch, Any, Any]:
    """Candidates and (fused) score matrices of a chunk: ``(batch, ScoreMatrix, MatchingConfig)``."""
    from dataclasses import replace

    from xlner import scores as sc
    from xlner.projection import MatchingConfig

    m = matching if matching is not None else MatchingConfig()
    weights = {"align": 1.0} if scores is None else (
        sc.preset_weights(scores) if isinstance(scores, str) else {k: float(v) for k, v in scores.items()})
    weights = {k: v for k, v in weights.items() if v != 0.0}
    unknown = sorted(set(weights) - set(sc.FUSION_COMPONENTS))
    if unknown:
        raise ValueError(f"unknown score components {unknown}; known: {list(sc.FUSION_COMPONENTS)}")
    probs = None
    if candidates == "ner" or "ner" in weights or "ner_spans" in weights:
        if target_tagger is None or not hasattr(target_tagger, "predict_proba"):
            raise ValueError("NER scores and NER candidates need a target tagger with predict_proba")
        probs = sc.tagger_probabilities(target_tagger, [list(t) for t in tgt_tokens], vocab)
    cand = "ngrams"
    if candidates == "ner":
        batch = sc.ner_candidates(batch, probs, subranges=True, max_len=m.max_len, threads=threads)
        cand = "external"
    elif candidates != "ngrams":
        raise ValueError(f"candidates must be 'ngrams' or 'ner', got {candidates!r}")
    mats: Dict[str, Any] = {}
    if "align" in weights:
        mats["align"] = sc.alignment_scores(batch, candidates=cand, max_len=m.max_len, threads=threads)
    if "ner" in weights:
        mats["ner"] = sc.ner_scores(batch, probs, variant="class", candidates=cand, max_len=m.max_len,
                                    threads=threads)
    if "ner_spans" in weights:
        mats["ner_spans"] = sc.ner_scores(batch, probs, variant="spans", candidates=cand, max_len=m.max_len,
                                          threads=threads)
    if "nmt" in weights:
        if nmt_scorer is None:
            raise ValueError("NMT scores need an nmt_scorer")
        kw = {"src_lang": src_lang, "tgt_lang": tgt_lang} if hasattr(nmt_scorer, "score_pairs") else {}
        mats["nmt"] = sc.nmt_scores(batch, nmt_scorer, src_tokens, tgt_tokens, candidates=cand, max_len=m.max_len,
                                    **kw)
    fused = sc.fuse(mats, weights, batch=batch, threads=threads) if len(mats) > 1 or set(weights.values()) != {1.0} \
        else next(iter(mats.values()))
    return batch, fused, replace(m, candidates=cand)


def spans_from_tags(tags: Sequence[str]) -> List[Tuple[int, int, str]]:
    """Entities (start, end, label) of one IOB2 sentence, seqeval semantics."""
    vocab = LabelVocab()
    _, s, e, l = batch_tags_to_spans([list(tags)], vocab, threads=1)
    return [(int(a), int(b), vocab.name(int(c))) for a, b, c in zip(s, e, l)]


def mark_entities(tokens: Sequence[str], tags: Sequence[str], open_marker: str = "[", close_marker: str = "]"
                  ) -> Tuple[str, List[str], List[str]]:
    """EasyProject-style marked text (:func:`xlner.models.translator.insert_markers`): each entity of the
    IOB2 ``tags`` wrapped in markers; also returns the entity texts and labels, in order."""
    from xlner.models.translator import insert_markers

    spans = spans_from_tags(tags)
    text = insert_markers(list(tokens), [(s, e) for s, e, _ in spans], open_marker=open_marker,
                          close_marker=close_marker)
    return text, [" ".join(tokens[s:e]) for s, e, _ in spans], [lab for _, _, lab in spans]


@dataclass
class StreamingEvaluation:
    """Entity-level P/R/F1 accumulated chunk by chunk with :func:`xlner.evaluate.entity_counts` (seqeval
    semantics); only per-class totals are kept, so memory does not grow with the corpus.

    ``labels`` restricts the evaluation to these classes: every other class is mapped to ``O`` on both
    sides (gold and prediction) before chunking.
    """

    labels: Optional[List[str]] = None
    correct: Dict[str, int] = field(default_factory=dict)
    predicted: Dict[str, int] = field(default_factory=dict)
    gold: Dict[str, int] = field(default_factory=dict)
    sentences: int = 0
    mapped: set = field(default_factory=set)

    def add(self, gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], start: int = 0) -> None:
        """Count one chunk of sentences (gold and predicted IOB2 tags, sentence for sentence)."""
        from xlner.evaluate import entity_counts

        if len(gold) != len(pred):
            raise ValueError(f"chunk at sentence {start}: {len(gold)} gold sentences but {len(pred)} predicted")
        mapping: Dict[str, str] = {}
        if self.labels is not None:
            keep = set(self.labels)
            names = {t[2:] for side in (gold, pred) for ts in side for t in ts if t != "O"}
            mapping = {n: "O" for n in sorted(names - keep)}
            self.mapped |= set(mapping)
        try:
            c = entity_counts([list(g) for g in gold], [list(p) for p in pred], mapping=mapping or None)
        except ValueError as exc:
            raise ValueError(f"chunk at sentence {start}: {exc}") from None
        for k, name in enumerate(c.classes):
            self.correct[name] = self.correct.get(name, 0) + int(c.correct[:, k].sum())
            self.predicted[name] = self.predicted.get(name, 0) + int(c.predicted[:, k].sum())
            self.gold[name] = self.gold.get(name, 0) + int(c.gold[:, k].sum())
        self.sentences += len(gold)

    def report(self) -> Dict[str, Any]:
        """``precision``, ``recall``, ``f1`` (micro), ``per_class`` (dicts with counts), ``labels`` and the
        classes mapped to ``O`` (``mapped_to_O``), computed by :class:`xlner.evaluate.EvaluationReport`."""
        from xlner.evaluate import EntityCounts, EvaluationReport

        classes = sorted(set(self.gold) | set(self.predicted))
        row = lambda d: np.array([[d.get(n, 0) for n in classes]], dtype=np.int64)  # noqa: E731
        rep = EvaluationReport.from_counts(EntityCounts(classes, row(self.correct), row(self.predicted),
                                                        row(self.gold)))
        out: Dict[str, Any] = rep.micro.to_dict()
        out["per_class"] = {k: v.to_dict() for k, v in rep.per_class.items()}
        out["labels"] = list(self.labels) if self.labels is not None else None
        out["mapped_to_O"] = sorted(self.mapped)
        out["sentences"] = self.sentences
        return out


# ---------------------------------------------------------------------------------------------
# Stages shared by the pipelines: each runs one resumable stage file over a chunk


def tags_of(record: Any) -> List[str]:
    """The tag list of a precomputed label record (a :class:`Sentence` or a plain tag list)."""
    return list(record.tags if isinstance(record, Sentence) else record)


def open_stage(run: Run, name: str, pre: Optional[Precomputed], key: Optional[Dict[str, Any]]) -> StageFile:
    """The stage file ``name`` of ``run``, keyed by the precomputed source ``pre`` when there is one, else
    by ``key`` (typically :func:`stage_key` of the model computing the stage)."""
    return run.stage(name, {"precomputed": pre.name} if pre else key)


def precomputed_inputs(cfg: PipelineConfig, translations: Any, alignments: Any, source_labels: Any
                       ) -> Tuple[Optional[Precomputed], Optional[Precomputed], Optional[Precomputed]]:
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


def translate_stage(st: StageFile, start: int, src: Sequence[Sequence[str]], pre: Optional[Precomputed],
                    translator: Any, src_lang: str, tgt_lang: str, tokenize: Callable[[str], List[str]]
                    ) -> List[List[str]]:
    """Translation stage of a chunk (records ``{"text", "translation", "tokens"}``): the tokens of the
    translations of ``src`` (from ``pre`` when given, else by ``translator``, split by ``tokenize``)."""
    given = pre.take(len(src)) if pre else None

    def do_translate(pos: List[int]) -> List[Dict[str, Any]]:
        if given is not None:
            return [{"text": detokenize(src[p]), "translation": None, "tokens": list(given[p])} for p in pos]
        texts = [detokenize(src[p]) for p in pos]
        hyp = translate(translator, texts, src_lang, tgt_lang)
        return [{"text": t, "translation": h, "tokens": tokenize(h)} for t, h in zip(texts, hyp)]

    return [r["tokens"] for r in st.run(start, len(src), do_translate)]


def label_stage(st: StageFile, start: int, tokens: Sequence[Sequence[str]], pre: Optional[Precomputed],
                tagger: Any, batch_size: int, keep: Optional[Sequence[str]], *,
                input_tags: Optional[Sequence[Sequence[str]]] = None, what: str = "tokens") -> List[List[str]]:
    """Labelling stage of a chunk (records ``{"tokens", "tags"}``): IOB2 tags of ``tokens`` from ``pre``
    when given, else ``input_tags`` when every sentence asked for has them, else by ``tagger``; checked to
    have one tag per token (``what`` names the tokens in the error). Returned with the entities of labels
    outside ``keep`` turned into ``O`` (:func:`filter_labels`)."""
    given = pre.take(len(tokens)) if pre else None

    def do_labels(pos: List[int]) -> List[Dict[str, Any]]:
        if given is not None:
            tags = [tags_of(given[p]) for p in pos]
        elif input_tags is not None and all(input_tags[p] for p in pos):
            tags = [list(input_tags[p]) for p in pos]
        else:
            tags = tag(tagger, [tokens[p] for p in pos], batch_size)
        for p, t in zip(pos, tags):
            if len(t) != len(tokens[p]):
                raise ValueError(f"sentence {start + p}, field source labels: {len(t)} tags for "
                                 f"{len(tokens[p])} {what}")
        return [{"tokens": tokens[p], "tags": t} for p, t in zip(pos, tags)]

    return [filter_labels(r["tags"], keep) for r in st.run(start, len(tokens), do_labels)]


def align_stage(st: StageFile, start: int, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]],
                pre: Optional[Precomputed], aligner: Any, batch_size: int) -> List[Links]:
    """Alignment stage of a chunk (records ``{"links"}``): links (src index, tgt index) from ``pre`` when
    given, else by ``aligner``; checked to lie inside their sentence pair."""
    given = pre.take(len(src)) if pre else None

    def do_align(pos: List[int]) -> List[Dict[str, Any]]:
        if given is not None:
            links = [given[p] for p in pos]
        else:
            links = align(aligner, [src[p] for p in pos], [tgt[p] for p in pos], batch_size)
        check_links(links, [len(src[p]) for p in pos], [len(tgt[p]) for p in pos], start, positions=pos)
        return [{"links": [[int(a), int(b)] for a, b in ls]} for ls in links]

    return [[tuple(x) for x in r["links"]] for r in st.run(start, len(src), do_align)]


def align_and_project(summary: PipelineSummary, st: StageFile, start: int, cfg: PipelineConfig,
                      src: Sequence[Sequence[str]], src_tags: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]],
                      pre: Optional[Precomputed], aligner: Any, *, vocab: LabelVocab, heuristic: Any,
                      target_tagger: Any, nmt_scorer: Any, src_lang: str, tgt_lang: str) -> ChunkProjection:
    """The ``align`` stage (:func:`align_stage`) and the ``project`` stage of a chunk (:func:`project_chunk`
    with the method, matching, scores and candidates of ``cfg.projection``), timed in ``summary``."""
    with summary.stage("align"):
        links = align_stage(st, start, src, tgt, pre, aligner, cfg.aligner.batch_size)
    with summary.stage("project"):
        p = cfg.projection
        return project_chunk(src, src_tags, tgt, links, method=p.method, matching=p.matching(),
                             heuristic=heuristic, vocab=vocab, threads=p.threads, start=start, scores=p.scores,
                             candidates=p.candidates, target_tagger=target_tagger, nmt_scorer=nmt_scorer,
                             src_lang=src_lang, tgt_lang=tgt_lang)


def count_projected(summary: PipelineSummary, source_entities: Sequence[int],
                    spans: Sequence[Sequence[Any]]) -> None:
    """Add a chunk's source entities and projected spans to the run summary's counters."""
    summary.source_entities += sum(source_entities)
    summary.projected_entities += sum(len(x) for x in spans)


@dataclass
class PredictionWriter:
    """Writes ``predictions.conll`` (tokens, predicted tags, gold as a third column when the input has it),
    evaluates against the gold tags with a :class:`StreamingEvaluation` and collects the predictions
    into ``out`` when ``collect`` is set; :meth:`finish` stores the evaluation in the summary when every
    chunk had gold tags."""

    run: Run
    out: PipelineOutput
    labels: Optional[List[str]] = None
    collect: bool = False
    counts: StreamingEvaluation = field(init=False)
    have_gold: Optional[bool] = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.counts = StreamingEvaluation(self.labels)

    def write(self, start: int, chunk: Sequence[Sentence], tags: Sequence[Sequence[str]],
              spans: Optional[Sequence[Sequence[Dict[str, Any]]]] = None) -> None:
        """Write one chunk of predictions (``spans`` are collected too when given)."""
        gold_here = all(x.tags for x in chunk)
        self.have_gold = gold_here if self.have_gold is None else (self.have_gold and gold_here)
        fh = self.run.writer("predictions.conll")
        for x, t in zip(chunk, tags):
            cols = zip(x.tokens, t, x.tags) if gold_here else zip(x.tokens, t)
            fh.write("".join("\t".join(c) + "\n" for c in cols) + "\n")
        if gold_here:
            self.counts.add([x.tags for x in chunk], tags, start)
        if self.collect:
            self.out.sentences.extend(Sentence(list(x.tokens), list(t)) for x, t in zip(chunk, tags))
            if spans is not None:
                self.out.spans.extend(spans)

    def finish(self) -> None:
        """Store the evaluation in the run summary when every chunk had gold tags."""
        if self.have_gold:
            self.run.summary.evaluation = self.counts.report()


__all__ = ["ChunkProjection", "PredictionWriter", "StreamingEvaluation", "align", "align_and_project", "align_stage", "check_links",
           "count_projected", "filter_labels", "in_batches", "label_stage", "mark_entities", "model_key",
           "open_stage", "precomputed_inputs", "project_chunk", "spans_from_tags", "stage_key",
           "tag", "tags_of", "translate", "translate_stage"]
