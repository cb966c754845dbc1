"""Score matrices between source entities and target candidates.

The alignment score c(e, t) = 2·|links(e, t)| / (|e| + |t|) is computed in C++ with prefix sums.
The NER-probability score (:func:`ner_scores`), the embedding-similarity score (:func:`similarity_scores`)
and fusion (:func:`fuse`, :func:`preset_weights`) run in C++ too; the translation score
(:func:`nmt_scores`) collects the (entity, candidate) phrase pairs of a batch for any pair scorer.
NER-model candidates (:func:`ner_candidates`) are the spans a tagger predicts on the target side.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from xlner import _core
from xlner.batch import LabelVocab, ProjectionBatch, ScoreMatrix
from xlner.models.base import AnyScorer, PairScoreFunction, ProbabilisticTagger, Scorer
from xlner.tagging import encode_tag_lists


def alignment_scores(batch: ProjectionBatch, *, candidates: str = "ngrams", max_len: int = 10,
                     threads: int = -1) -> ScoreMatrix:
    """Positive alignment scores of every (entity, candidate) pair of every sentence.

    Arguments:
        batch: the sentence pairs.
        candidates: ``'ngrams'`` (all n-grams up to ``max_len``), ``'aligned'`` (per entity, the n-grams
            whose first and last words are aligned to it) or ``'external'`` (the batch's candidates).
        max_len: longest candidate M.
        threads: worker threads, -1 = all cores.
    """
    return ScoreMatrix.from_core(_core.alignment_scores(batch.core, candidates=candidates, max_len=max_len,
                                                        threads=threads))


__all__ = ["alignment_scores"]


# ---------------------------------------------------------------------------------------------------
# NER-probability score and NER-model candidates
# ---------------------------------------------------------------------------------------------------

@dataclass
class TagProbabilities:
    """Per-target-word IOB2 tag probabilities of a batch, CSR over sentences.

    Rows ``offsets[i] .. offsets[i+1]`` of ``probs`` (float64 ``[words, 1 + 2·n_classes]``) belong to
    sentence i, one row per target word. Columns follow the tag ids of :mod:`xlner.tagging`:
    ``0 = O``, ``2l+1 = B-<l>``, ``2l+2 = I-<l>`` for label id ``l`` of the batch's :class:`LabelVocab`.
    """

    offsets: np.ndarray
    probs: np.ndarray

    @classmethod
    def from_arrays(cls, arrays: Sequence[np.ndarray]) -> "TagProbabilities":
        """Stack one ``[n_words, n_tags]`` array per sentence (columns already in tag-id order)."""
        widths = {np.asarray(a).shape[1] for a in arrays if np.asarray(a).ndim == 2}
        for i, a in enumerate(arrays):
            if np.asarray(a).ndim != 2:
                raise ValueError(f"sentence {i}, field probs: expected a 2-D array [words, tags], "
                                 f"got shape {np.asarray(a).shape}")
        if len(widths) > 1:
            raise ValueError(f"field probs: sentences have different numbers of tag columns {sorted(widths)}")
        width = widths.pop() if widths else 3
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        for i, a in enumerate(arrays):
            offsets[i + 1] = offsets[i] + np.asarray(a).shape[0]
        probs = (np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays], axis=0) if arrays
                 else np.zeros((0, width), dtype=np.float64))
        return cls(offsets, np.ascontiguousarray(probs.reshape(-1, width)))

    def __len__(self) -> int:
        return int(self.offsets.shape[0]) - 1

    @property
    def n_classes(self) -> int:
        """Number of entity classes (``(n_tags - 1) / 2``)."""
        return (int(self.probs.shape[1]) - 1) // 2

    def sentence(self, i: int) -> np.ndarray:
        """Probabilities of sentence ``i``: ``[n_words, n_tags]``."""
        return self.probs[int(self.offsets[i]):int(self.offsets[i + 1])]

    def argmax_tags(self) -> np.ndarray:
        """Most probable tag id of every word (flat int32, CSR by :attr:`offsets`)."""
        if self.probs.shape[0] == 0:
            return np.zeros(0, dtype=np.int32)
        return np.argmax(self.probs, axis=1).astype(np.int32)


def tag_columns(tags: Sequence[str], labels: LabelVocab) -> np.ndarray:
    """Target column (tag id of :mod:`xlner.tagging`) of every tag of a tagger, in its column order.

    Class names the vocabulary does not know yet are added to ``labels``. Raises ``ValueError`` for a tag
    that is not ``O``, ``B-X`` or ``I-X`` and for a tag listed twice.
    """
    _, ids = encode_tag_lists([list(tags)], labels)
    cols = ids.astype(np.int64)
    seen: Dict[int, str] = {}
    for tag, c in zip(tags, cols.tolist()):
        if c in seen:
            raise ValueError(f"field tags: tagger columns {seen[c]!r} and {tag!r} map to the same tag")
        seen[c] = tag
    return cols


def reorder_probabilities(arrays: Sequence[np.ndarray], tags: Sequence[str], labels: LabelVocab, *,
                          lengths: Optional[Sequence[int]] = None) -> TagProbabilities:
    """Per-sentence probabilities in a tagger's column order (``tags``) → :class:`TagProbabilities` in
    tag-id order of ``labels`` (classes the tagger lacks get zero columns; classes the vocabulary lacks
    are added to it). ``lengths`` (words per sentence), when given, is checked against the row counts.
    """
    cols = tag_columns(tags, labels)
    width = 1 + 2 * len(labels)
    out: List[np.ndarray] = []
    for i, a in enumerate(arrays):
        a = np.asarray(a, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != len(tags):
            raise ValueError(f"sentence {i}, field probs: expected shape [words, {len(tags)}], got {a.shape}")
        if lengths is not None and a.shape[0] != int(lengths[i]):
            raise ValueError(f"sentence {i}, field probs: {a.shape[0]} rows for a sentence of {int(lengths[i])} words")
        r = np.zeros((a.shape[0], width), dtype=np.float64)
        r[:, cols] = a
        out.append(r)
    if not out:
        return TagProbabilities(np.zeros(1, dtype=np.int64), np.zeros((0, width), dtype=np.float64))
    return TagProbabilities.from_arrays(out)


def tagger_probabilities(tagger: ProbabilisticTagger, sentences: Sequence[Sequence[str]],
                         labels: LabelVocab) -> TagProbabilities:
    """Run a :class:`xlner.models.base.ProbabilisticTagger` (``predict_proba`` + ``tags``) on target sentences and
    return its word probabilities in the tag-id order of ``labels``."""
    arrays = tagger.predict_proba(sentences)
    if len(arrays) != len(sentences):
        raise ValueError(f"field probs: the tagger returned {len(arrays)} arrays for {len(sentences)} sentences")
    return reorder_probabilities(arrays, list(tagger.tags), labels,
                                 lengths=[len(s) for s in sentences])


def _as_tag_probabilities(probs: Union[TagProbabilities, Sequence[np.ndarray]]) -> TagProbabilities:
    return probs if isinstance(probs, TagProbabilities) else TagProbabilities.from_arrays(list(probs))


def ner_scores(batch: ProjectionBatch, probs: Union[TagProbabilities, Sequence[np.ndarray]], *,
               variant: str = "class", candidates: str = "ngrams", max_len: int = 10, alpha: float = 1.15,
               threshold: float = 0.05, alpha_scope: str = "all", threads: int = -1) -> ScoreMatrix:
    """NER-probability scores (Shkalikov 2024): for candidate ``t = [s, e)`` of ``n`` words and class ``l``,

    ``c_l(t) = alpha**(n-1) * (p[s, B-l] + sum(p[k, I-l] for k in s+1..e-1)) / n``;

    ``variant='class'`` scores entity ``x`` with ``c_{label(x)}``, ``variant='spans'`` with ``max_l c_l``.
    Scores ``<= threshold`` are left out.

    Arguments:
        batch: the sentence pairs (entity label ids index the classes of ``probs``).
        probs: :class:`TagProbabilities` (or one ``[tgt_len, 1 + 2·n_classes]`` array per sentence) with
            columns ``O, B-l0, I-l0, B-l1, …`` (use :func:`tagger_probabilities` for a tagger).
        variant: ``'class'`` or ``'spans'``.
        candidates: ``'ngrams'`` (all n-grams up to ``max_len``) or ``'external'`` (the batch's candidates,
            e.g. from :func:`ner_candidates`).
        max_len: longest n-gram candidate.
        alpha: length scaling (> 0; the thesis uses 1.15).
        threshold: scores ``<=`` it count as zero.
        alpha_scope: ``'all'`` (the published equation) or ``'predicted'`` (the thesis' released code:
            ``alpha**(n-1)`` only for the class ``l`` whose argmax tags on the candidate read
            ``B-l I-l … I-l``, i.e. the candidate is a prefix of an entity the tagger predicts; the plain
            average elsewhere).
        threads: worker threads, -1 = all cores.
    """
    p = _as_tag_probabilities(probs)
    return ScoreMatrix.from_core(_core.ner_scores(
        batch.core, p.offsets, p.probs, variant=variant, candidates=candidates, max_len=max_len, alpha=alpha,
        threshold=threshold, alpha_scope=alpha_scope, threads=threads))


def predicted_spans(probs: Union[TagProbabilities, Sequence[np.ndarray]], *,
                    threads: int = -1) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The entities a tagger predicts (argmax tag of every word, chunked with seqeval semantics by
    :mod:`xlner.tagging`): CSR arrays ``(offsets, start, end, label_id)``."""
    p = _as_tag_probabilities(probs)
    d = _core.tags_to_spans(p.offsets, p.argmax_tags(), threads=threads)
    return d["offsets"], d["start"], d["end"], d["label"]


def ner_candidates(batch: ProjectionBatch, probs: Union[TagProbabilities, Sequence[np.ndarray]], *,
                   subranges: bool = False, max_len: Optional[int] = None, keep_existing: bool = False,
                   threads: int = -1) -> ProjectionBatch:
    """A copy of ``batch`` whose external candidates are the spans a tagger predicts on each target sentence.

    Arguments:
        batch: the sentence pairs.
        probs: the tagger's word probabilities on the target sentences (see :func:`tagger_probabilities`).
        subranges: also add every sub-range ``[a, b)`` of each predicted span.
        max_len: drop candidates longer than this (``None``: keep all).
        keep_existing: keep the batch's own external candidates too (union, duplicates removed).
        threads: worker threads for chunking.

    Returns:
        A new :class:`ProjectionBatch` (same entities, alignments and labels) with ``cand_*`` arrays, the
        candidates of a sentence sorted by start, then end.
    """
    p = _as_tag_probabilities(probs)
    if len(p) != len(batch):
        raise ValueError(f"field probs: {len(p)} sentences, but the batch has {len(batch)}")
    rows = np.diff(p.offsets)
    bad = np.nonzero(rows != batch.tgt_len)[0]
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"sentence {i}, field probs: {int(rows[i])} probability rows for a target of "
                         f"{int(batch.tgt_len[i])} words")
    if max_len is not None and max_len < 1:
        raise ValueError(f"max_len must be >= 1 or None, got {max_len}")
    off, st, en, _ = predicted_spans(p, threads=threads)
    per: List[List[Tuple[int, int]]] = []
    for i in range(len(batch)):
        spans = set()
        for k in range(int(off[i]), int(off[i + 1])):
            s, e = int(st[k]), int(en[k])
            if subranges:
                for a in range(s, e):
                    for b in range(a + 1, e + 1):
                        spans.add((a, b))
            else:
                spans.add((s, e))
        if keep_existing and batch.cand_offsets is not None:
            assert batch.cand_start is not None and batch.cand_end is not None
            a, b = int(batch.cand_offsets[i]), int(batch.cand_offsets[i + 1])
            spans.update(zip(batch.cand_start[a:b].tolist(), batch.cand_end[a:b].tolist()))
        per.append(sorted(x for x in spans if max_len is None or x[1] - x[0] <= max_len))
    co = np.zeros(len(per) + 1, dtype=np.int64)
    co[1:] = np.cumsum([len(x) for x in per]) if per else []
    flat = np.array([x for row in per for x in row], dtype=np.int32).reshape(-1, 2)
    return ProjectionBatch(batch.src_len, batch.tgt_len, batch.ent_offsets, batch.ent_start, batch.ent_end,
                           batch.ent_label, batch.aln_offsets, batch.aln_src, batch.aln_tgt, labels=batch.labels,
                           cand_offsets=co, cand_start=np.ascontiguousarray(flat[:, 0]),
                           cand_end=np.ascontiguousarray(flat[:, 1]))


# ---------------------------------------------------------------------------------------------------
# Embedding-similarity score
# ---------------------------------------------------------------------------------------------------

def _stack_similarities(batch: ProjectionBatch, sims: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    if len(sims) != len(batch):
        raise ValueError(f"field sim: {len(sims)} matrices, but the batch has {len(batch)} sentences")
    offsets = np.zeros(len(sims) + 1, dtype=np.int64)
    flat = []
    for i, m in enumerate(sims):
        a = np.asarray(m, dtype=np.float64)
        want = (int(batch.src_len[i]), int(batch.tgt_len[i]))
        if a.shape != want:
            raise ValueError(f"sentence {i}, field sim: expected a {want[0]} x {want[1]} matrix, got shape {a.shape}")
        flat.append(a.ravel())
        offsets[i + 1] = offsets[i] + a.size
    return offsets, (np.concatenate(flat) if flat else np.zeros(0, dtype=np.float64))


def similarity_scores(batch: ProjectionBatch, sims: Sequence[np.ndarray], *, candidates: str = "ngrams",
                      max_len: int = 10, threshold: float = 0.65, reduction: str = "mean",
                      threads: int = -1) -> ScoreMatrix:
    """Embedding-similarity scores from word-level similarity matrices (one ``[src_len, tgt_len]`` array per
    sentence), e.g. from subword embeddings of any encoder with the one subword→word reduction,
    ``xlner.align.embedding.word_similarity(..., pooling='max')`` (per word pair, the maximum cosine
    similarity over their subword pairs, as in the thesis).

    For entity ``e`` and candidate ``t`` (``S`` the sentence's matrix, ``R`` the reduction)::

        cs = R(max(S[a, b] for b in t) for a in e)     # each entity word's best match in t
        ct = R(max(S[a, b] for a in e) for b in t)     # each candidate word's best match in e
        c  = max(cs, ct) - threshold                   # kept only when > 0

    This is Shkalikov's (2024) word-pair cost (``compute_cosine_similarity_based_cost``, mean reduction,
    threshold 0.65) applied one level up: entity and candidate words in place of subwords.
    """
    offsets, flat = _stack_similarities(batch, sims)
    return ScoreMatrix.from_core(_core.similarity_scores(
        batch.core, offsets, flat, candidates=candidates, max_len=max_len, threshold=threshold,
        reduction=reduction, threads=threads))


# ---------------------------------------------------------------------------------------------------
# Translation-probability (NMT) score matrix from any pair scorer
# ---------------------------------------------------------------------------------------------------

PairScorer = PairScoreFunction


def candidate_spans(batch: ProjectionBatch, *, candidates: str = "ngrams", max_len: int = 10
                    ) -> List[List[Tuple[int, int]]]:
    """Candidate spans of every target sentence, in candidate order: all n-grams up to ``max_len``
    (``'ngrams'``) or the batch's external candidates (``'external'``)."""
    if candidates == "ngrams":
        if max_len < 1:
            raise ValueError(f"max_len must be >= 1, got {max_len}")
        return [[(s, e) for s in range(int(n)) for e in range(s + 1, min(int(n), s + max_len) + 1)]
                for n in batch.tgt_len]
    if candidates == "external":
        off, cs, ce = batch.cand_offsets, batch.cand_start, batch.cand_end
        if off is None or cs is None or ce is None:
            raise ValueError("external candidates requested but the batch has none")
        return [list(zip(cs[off[i]:off[i + 1]].tolist(), ce[off[i]:off[i + 1]].tolist())) for i in range(len(batch))]
    raise ValueError(f"candidates must be 'ngrams' or 'external', got {candidates!r}")


def nmt_scores(batch: ProjectionBatch, scorer: AnyScorer, src_tokens: Sequence[Sequence[str]],
               tgt_tokens: Sequence[Sequence[str]], *, candidates: str = "ngrams", max_len: int = 10,
               threshold: float = 0.1, join: Callable[[Sequence[str]], str] = " ".join,
               src_lang: Optional[str] = None, tgt_lang: Optional[str] = None) -> ScoreMatrix:
    """Translation-probability score matrix: every (entity string, candidate string) pair of the batch is
    handed to ``scorer`` in one call (it deduplicates and batches), and the scores come back as a
    :class:`ScoreMatrix`; scores ``<= threshold`` (thesis: 0.1) are left out.

    Arguments:
        batch: the sentence pairs.
        scorer: ``pairs -> float array`` with one score per ``(source phrase, target phrase)`` pair, or an
            object with ``score_pairs(a, b, *, a_lang, b_lang)`` such as
            :class:`xlner.models.nmt_scorer.NMTScorer` (then ``src_lang`` and ``tgt_lang`` are required).
        src_tokens, tgt_tokens: the words of the source and target sentences.
        candidates, max_len: as in :func:`candidate_spans`.
        threshold: scores ``<=`` it count as zero.
        join: how words become a phrase (default: joined by spaces).
        src_lang, tgt_lang: language codes for a ``score_pairs`` scorer.
    """
    n = len(batch)
    call: PairScoreFunction
    if isinstance(scorer, Scorer):
        if src_lang is None or tgt_lang is None:
            raise ValueError("src_lang and tgt_lang are required for a scorer with score_pairs()")
        obj, a_lang, b_lang = scorer, src_lang, tgt_lang

        def call_scorer(pairs: Sequence[Tuple[str, str]]) -> np.ndarray:
            return obj.score_pairs([a for a, _ in pairs], [b for _, b in pairs], a_lang=a_lang, b_lang=b_lang)

        call = call_scorer
    elif callable(scorer):
        call = scorer
    else:
        raise TypeError(f"scorer must be callable or have score_pairs(), got {type(scorer).__name__}")
    for name, toks, lens in (("src_tokens", src_tokens, batch.src_len), ("tgt_tokens", tgt_tokens, batch.tgt_len)):
        if len(toks) != n:
            raise ValueError(f"field {name}: {len(toks)} sentences, but the batch has {n}")
        for i in range(n):
            if len(toks[i]) != int(lens[i]):
                raise ValueError(f"sentence {i}, field {name}: {len(toks[i])} tokens, but the batch says "
                                 f"{int(lens[i])}")
    cands = candidate_spans(batch, candidates=candidates, max_len=max_len)
    pairs: List[Tuple[str, str]] = []
    keys: List[Tuple[int, int, int]] = []  # (entity, start, end) per pair
    pair_off = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        phrases = [join(list(tgt_tokens[i][s:e])) for s, e in cands[i]]
        for k, (s, e, _) in enumerate(batch.entities(i)):
            ent = join(list(src_tokens[i][s:e]))
            for (cs, ce), ph in zip(cands[i], phrases):
                pairs.append((ent, ph))
                keys.append((k, cs, ce))
        pair_off[i + 1] = len(pairs)
    raw = np.asarray(call(pairs) if pairs else np.zeros(0), dtype=np.float64)
    if raw.shape != (len(pairs),):
        raise ValueError(f"field nmt_score: the scorer returned shape {raw.shape} for {len(pairs)} pairs")
    bad = np.nonzero(~np.isfinite(raw))[0]
    if bad.size:
        j = int(bad[0])
        i = int(np.searchsorted(pair_off, j, side="right") - 1)
        raise ValueError(f"sentence {i}, field nmt_score: score of pair {pairs[j]!r} is {raw[j]}")
    keep = raw > threshold
    key_arr = np.array(keys, dtype=np.int32).reshape(-1, 3)
    kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])  # kept pairs before pair j
    offsets = kept_before[pair_off].astype(np.int64)
    kept = key_arr[keep]
    return ScoreMatrix(offsets, np.ascontiguousarray(kept[:, 0]), np.ascontiguousarray(kept[:, 1]),
                       np.ascontiguousarray(kept[:, 2]), np.ascontiguousarray(raw[keep]))


# ---------------------------------------------------------------------------------------------------
# Fusion
# ---------------------------------------------------------------------------------------------------

FUSION_COMPONENTS = ("align", "ner", "ner_spans", "nmt")
"""Score names of the thesis' fused score: alignment, NER per class, NER spans (max over classes), NMT."""


def fusion_presets() -> List[str]:
    """Names of the fusion presets of the thesis' MasakhaNER2 table, in its order."""
    return list(_core.fusion_preset_names())


def preset_weights(name: str) -> Dict[str, float]:
    """Weights of a named preset, keyed by :data:`FUSION_COMPONENTS` (zeros included).

    Presets (align / ner / ner_spans / nmt): ``align`` 1/0/0/0, ``ner`` 0/1/0/0, ``nmt`` 0/0/0/1,
    ``align_ner`` 0.5/0.5/0/0, ``align_ner_spans`` 0.5/0/0.5/0, ``align_nmt`` 0.5/0/0/1,
    ``ner_spans_nmt`` 0/0/0.5/1, ``all_fusion`` 0.5/0/0.5/1 (Shkalikov 2024, Evaluation chapter).
    """
    return {k: float(v) for k, v in _core.fusion_preset(name).items()}


def fuse(matrices: Mapping[str, ScoreMatrix], weights: Union[str, Mapping[str, float]], *,
         batch: Optional[ProjectionBatch] = None, threads: int = -1) -> ScoreMatrix:
    """Weighted sum of named score matrices over the same batch: ``Σ_k weights[k] · matrices[k]``
    (sparse union of entries, absent entries count 0; fused zeros are left out; a sentence's entries come
    out sorted by entity, then span).

    Arguments:
        matrices: score matrices by name, e.g. ``{'align': …, 'ner_spans': …, 'nmt': …}``.
        weights: a weight (finite, ``>= 0``) for every matrix, or a preset name (:func:`preset_weights`).
            A matrix without a weight, or a nonzero weight without a matrix, raises ``ValueError``.
        batch: when given, every matrix is also checked against it (entity indices, spans in the target).
        threads: worker threads, -1 = all cores.
    """
    w = preset_weights(weights) if isinstance(weights, str) else {k: float(v) for k, v in weights.items()}
    unweighted = sorted(set(matrices) - set(w))
    if unweighted:
        raise ValueError(f"no weight for score matrices {unweighted}; weights given for {sorted(w)}")
    missing = sorted(k for k, v in w.items() if v != 0.0 and k not in matrices)
    if missing:
        raise ValueError(f"weights {missing} are nonzero but no such score matrix was given "
                         f"(have {sorted(matrices)})")
    names = list(matrices)
    if not names:
        raise ValueError("fuse needs at least one score matrix")
    n = len(matrices[names[0]])
    for k in names:
        if len(matrices[k]) != n:
            raise ValueError(f"field {k}.offsets: {len(matrices[k])} sentences, but {names[0]} has {n}")
        if batch is not None:
            m = matrices[k]
            try:
                _core.check_scores(batch.core, m.offsets, m.ent, m.start, m.end, m.score)
            except (ValueError, IndexError) as exc:
                raise type(exc)(f"score matrix {k!r}: {exc}") from None
    ms = [matrices[k] for k in names]
    d = _core.fuse_scores(n, [m.offsets for m in ms], [m.ent for m in ms], [m.start for m in ms],
                          [m.end for m in ms], [m.score for m in ms], [w[k] for k in names], names, threads=threads)
    return ScoreMatrix.from_core(d)


__all__ += ["TagProbabilities", "tag_columns", "reorder_probabilities", "tagger_probabilities", "ner_scores",
            "predicted_spans", "ner_candidates", "similarity_scores", "candidate_spans",
            "nmt_scores", "PairScorer", "FUSION_COMPONENTS", "fusion_presets", "preset_weights", "fuse"]
