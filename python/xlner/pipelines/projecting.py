"""Projection of one chunk, on the route of ``xlner project``: a source :class:`~xlner.io.conll.TokenCorpus`
with tags, a target :class:`~xlner.io.conll.TokenCorpus` and :class:`~xlner.io.talp.Alignments` →
:func:`~xlner.io.corpus.build_batch` (validated once, in C++) → :func:`~xlner.projection.project` → the C++
writers (:mod:`xlner.pipelines.outputs`). Optional fused scores (NER, NMT) and NER candidates are computed
here, from the models of :mod:`xlner.models.base`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from xlner import scores as sc
from xlner.batch import ProjectionBatch, ProjectionResult, ScoreMatrix
from xlner.heuristic import HeuristicConfig
from xlner.io.conll import TokenCorpus
from xlner.io.corpus import build_batch, result_tag_ids
from xlner.io.jsonl import ProjectedSpan, SentenceSpans
from xlner.io.talp import Alignments
from xlner.models.base import AnyScorer, ProbabilisticTagger, Tagger
from xlner.projection import MatchingConfig, project
from xlner.tagging import split_tags

ScoreWeights = Union[None, str, Mapping[str, float]]


@dataclass
class ChunkProjection:
    """Projection of one chunk: the target sentences, the projection result and the number of source entities
    of each sentence (int64[N])."""

    target: TokenCorpus
    result: ProjectionResult
    source_entities: np.ndarray

    def tag_ids(self) -> np.ndarray:
        """int32 IOB2 tag ids (over ``result.labels``) of every target token."""
        return result_tag_ids(self.target, self.result, threads=1)

    def tags(self, tag_ids: Optional[np.ndarray] = None) -> List[List[str]]:
        """IOB2 tag strings of every target sentence (from ``tag_ids`` when already computed)."""
        ids = self.tag_ids() if tag_ids is None else tag_ids
        return split_tags(ids, self.target.lengths(), self.result.labels)

    def spans(self) -> List[SentenceSpans]:
        """The projected spans of every sentence, in the form of ``spans.jsonl`` (:mod:`xlner.io.jsonl`)."""
        r = self.result
        names = r.labels.names
        off = r.offsets.tolist()
        start, end, label, entity, score = (r.start.tolist(), r.end.tolist(), r.label.tolist(), r.entity.tolist(),
                                            r.score.tolist())
        return [SentenceSpans(float(r.objective[i]), [ProjectedSpan(start[k], end[k], names[label[k]], entity[k],
                                                                    score[k]) for k in range(off[i], off[i + 1])])
                for i in range(len(r))]


def project_chunk(source: TokenCorpus, target: TokenCorpus, alignments: Alignments, *, method: str,
                  matching: Optional[MatchingConfig] = None, heuristic: Optional[HeuristicConfig] = None,
                  threads: int = -1, start: int = 0, scores: ScoreWeights = None, candidates: str = "ngrams",
                  target_tagger: Optional[Tagger] = None, nmt_scorer: Optional[AnyScorer] = None,
                  src_lang: Optional[str] = None, tgt_lang: Optional[str] = None) -> ChunkProjection:
    """Project the source entities of a chunk onto its target sentences (the route of ``xlner project``).

    ``source`` carries IOB2 tags; ``alignments`` are (source word, target word) links, checked against both
    sides in C++. ``method`` is any method of :func:`xlner.projection.project`. Errors name the global sentence
    (``start`` + position).

    Matching methods score candidates with the alignment score unless ``scores`` names a fusion preset
    of :func:`xlner.scores.preset_weights` or gives weights (``{"align": 0.5, "ner_spans": 0.5}``): the
    ``ner``/``ner_spans`` components need ``target_tagger`` (a :class:`~xlner.models.base.ProbabilisticTagger`
    run on the target words), ``nmt`` needs ``nmt_scorer`` (a :class:`~xlner.models.base.Scorer`, then the
    languages are ``src_lang``/``tgt_lang``, or a ``pairs -> scores`` callable). ``candidates='ner'`` restricts
    candidates to the spans the target tagger predicts (and their sub-ranges).
    """
    try:
        batch = build_batch(source, target, alignments, threads=threads)
        score_matrix: Optional[ScoreMatrix] = None
        if method != "heuristic" and (scores is not None or candidates != "ngrams"):
            batch, score_matrix, matching = _fused_scores(batch, source, target, matching, scores, candidates,
                                                          target_tagger, nmt_scorer, src_lang, tgt_lang, threads)
        result = project(batch, method, matching=matching, heuristic=heuristic, scores=score_matrix,
                         tgt_tokens=target if method == "heuristic" else None, threads=threads)
    except (ValueError, IndexError) as exc:
        raise type(exc)(f"chunk starting at sentence {start}: {exc}") from None
    return ChunkProjection(target, result, np.diff(np.asarray(batch.ent_offsets)).astype(np.int64))


def _fused_scores(batch: ProjectionBatch, source: TokenCorpus, target: TokenCorpus,
                  matching: Optional[MatchingConfig], scores: ScoreWeights, candidates: str,
                  target_tagger: Optional[Tagger], nmt_scorer: Optional[AnyScorer], src_lang: Optional[str],
                  tgt_lang: Optional[str], threads: int) -> Tuple[ProjectionBatch, ScoreMatrix, MatchingConfig]:
    """Candidates and (fused) score matrices of a chunk: ``(batch, ScoreMatrix, MatchingConfig)``."""
    m = matching if matching is not None else MatchingConfig()
    weights = {"align": 1.0} if scores is None else (
        sc.preset_weights(scores) if isinstance(scores, str) else {k: float(v) for k, v in scores.items()})
    weights = {k: v for k, v in weights.items() if v != 0.0}
    unknown = sorted(set(weights) - set(sc.FUSION_COMPONENTS))
    if unknown:
        raise ValueError(f"unknown score components {unknown}; known: {list(sc.FUSION_COMPONENTS)}")
    probs = None
    if candidates == "ner" or "ner" in weights or "ner_spans" in weights:
        if not isinstance(target_tagger, ProbabilisticTagger):
            raise ValueError("NER scores and NER candidates need a target tagger with predict_proba")
        probs = sc.tagger_probabilities(target_tagger, target.token_lists(), batch.labels)
    cand = "ngrams"
    if candidates == "ner":
        assert probs is not None
        batch = sc.ner_candidates(batch, probs, subranges=True, max_len=m.max_len, threads=threads)
        cand = "external"
    elif candidates != "ngrams":
        raise ValueError(f"candidates must be 'ngrams' or 'ner', got {candidates!r}")
    mats: Dict[str, ScoreMatrix] = {}
    if "align" in weights:
        mats["align"] = sc.alignment_scores(batch, candidates=cand, max_len=m.max_len, threads=threads)
    for name, variant in (("ner", "class"), ("ner_spans", "spans")):
        if name in weights:
            assert probs is not None
            mats[name] = sc.ner_scores(batch, probs, variant=variant, candidates=cand, max_len=m.max_len,
                                       threads=threads)
    if "nmt" in weights:
        if nmt_scorer is None:
            raise ValueError("NMT scores need an nmt_scorer")
        mats["nmt"] = sc.nmt_scores(batch, nmt_scorer, source.token_lists(), target.token_lists(), candidates=cand,
                                    max_len=m.max_len, src_lang=src_lang, tgt_lang=tgt_lang)
    fused = sc.fuse(mats, weights, batch=batch, threads=threads) if len(mats) > 1 or set(weights.values()) != {1.0} \
        else next(iter(mats.values()))
    return batch, fused, replace(m, candidates=cand)


def source_corpus(tokens: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], labels: Sequence[str] = ()
                  ) -> TokenCorpus:
    """The source side of a chunk as a :class:`TokenCorpus` with tags (the C++ tag encoder; ``labels`` fixes
    the ids of known label names)."""
    return TokenCorpus.from_lists(tokens, tags, labels=list(labels))


__all__ = ["ChunkProjection", "ScoreWeights", "project_chunk", "source_corpus"]
