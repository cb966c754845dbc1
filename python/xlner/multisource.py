"""Multi-source projection: the entities of several source languages projected onto one target and combined.

Every source i comes as a :class:`~xlner.batch.ProjectionBatch` pairing source i with the *same* target
sentences (same count, same target lengths) through its own word alignments. Label vocabularies are united by
name, sorted: a "label id" in the tie-breaks below orders labels by name, whichever source or sentence names them
first (so a corpus combined block by block, :func:`xlner.streaming.project_multi_files`, gives the whole corpus's
result).

Three combinations (:func:`project_multi`):

``vote``
    Each source is projected on its own with :func:`xlner.projection.project` (any method). Per target
    sentence and label, the projected spans of that label are grouped into *clusters*: the connected
    components of the overlap relation (two spans overlap when they share a target token; chains count, so
    ``[0,2)``, ``[1,3)``, ``[2,4)`` form one cluster). A cluster's *votes* are the summed weights of the
    distinct sources with a span in it (weight 1 each by default). A cluster is kept when its votes reach
    ``min_votes`` (default: a strict majority of the total weight, i.e. k = ⌊n/2⌋+1 of n unit-weight
    sources). **Boundary rule**: the kept span is the (start, end) proposed by the largest weight of
    sources in the cluster; ties → the larger summed score of the sources proposing it, then the proposal of
    the lowest source index, then the leftmost, then the shortest (``boundary="mode"``, the default). With
    ``boundary="median"`` the start is the weighted lower median of the cluster's starts (the smallest s with
    the weights of spans starting at or before s reaching half the cluster's span weight) and the end the
    weighted upper median of its ends (the largest e with the weights of spans ending at or after e reaching
    half), each span counting with its source's weight: a boundary two of three sources agree on wins even
    when no source proposes the whole resulting span, and an even split widens the span. The medians never
    cross: the spans starting at or after the start median weigh more than half and all end after it.
    **Overlaps between kept spans** (only
    possible across labels) are resolved greedily and deterministically: spans in order of votes (desc),
    summed score (desc), start, end, label id; a span overlapping one already kept is dropped.
    **Per-label weights** (``label_weights``): each label's clusters may weigh the sources differently (votes,
    boundaries and the default majority all use that label's weights). :func:`vote_clusters` clusters once,
    :meth:`VoteClusters.select` applies any threshold.
    **Reliability-weighted vote** (:func:`fit_reliability`, in the spirit of weighted majority voting with
    per-source reliabilities, Nitzan & Paroush 1982, as used for multi-source transfer by Rahimi et al.
    2019): on target sentences with gold, count per label how often each source is in a correct and in a
    wrong cluster; with the sources independent given correctness, a cluster's log posterior odds is a
    weighted vote (:class:`Reliability`), and keeping the clusters whose posterior reaches τ is
    ``combine_votes(label_weights=rel.label_weights(), min_votes=rel.min_votes(τ))``.

``priority``
    Back-off union (:func:`combine_priority`): the spans of one *primary* source, each kept when other sources
    project its label onto overlapping tokens with at least ``corroboration`` weight (default 0: all), with
    the primary's boundaries and label; then the ``vote`` of the other sources among themselves (``min_votes``,
    default a strict majority of their weight) fills in where no kept primary span is.

``joint``
    One matching of the entities of *all* sources to the target candidate spans that rewards agreement.
    Variables: a labelled target span (t, L) is *opened* or not; an entity e of source s (label L) is
    matched to at most one opened span with its label (``<=n`` constraints allow n), each source supports
    an opened span with at most one of its entities, opened spans are disjoint. Objective: the sum over
    matched (e, t) of w_s · score_s(e, t) minus ``span_cost`` per opened span. So a span's value is the sum
    over sources of their matched scores: sources that agree on a span add up, and ``span_cost`` (λ) sets
    how much agreement a span needs (λ ≥ 1 with alignment scores in [0, 1]: one source alone never pays).
    The per-entity cap matters: without it a two-word entity aligned to two words would score more split
    in two one-word spans (2·2/3 > 1) than whole.
    Solved greedily (repeatedly open the (t, L) of largest positive value Σ_s max over s's unused
    entities − λ; ties: start, end, label id) or exactly: the engine's dynamic program over target positions
    (keys by end), whose state counts the uses of the *coupled* entities, those with entries on two spans that
    can both be opened (an entity whose spans all overlap is used at most once anyway); among optimal
    solutions the first found wins (keys by end, start, label; per source its best uncoupled entity before
    the coupled ones; a span opens only when it gains more than 1e-9). A sentence that would need more than
    :data:`JOINT_EXACT_MAX_STATES` states at one position is solved as the integer program above by HiGHS
    (``highspy``, many sentences per model; :func:`joint_exact_sentences`). Scores: the alignment score of
    every n-gram up to ``max_len`` by default, or any precomputed :class:`~xlner.batch.ScoreMatrix` per source
    (e.g. fused scores, :func:`xlner.scores.fuse`). With the alignment score the candidates are narrowed to the
    spans whose first and last words a one-word entry of their label covers (no optimum is lost: see ``_joint``).

Results (:class:`MultiSourceResult`) keep, for every span, the sources and source entities that support it;
:meth:`MultiSourceResult.to_result` gives a plain :class:`~xlner.batch.ProjectionResult` for the writers.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from xlner import _core
from xlner.batch import LabelVocab, ProjectionBatch, ProjectionResult, ScoreMatrix
from xlner.ilp import new_highs
from xlner.projection import MatchingConfig, parse_constraint, project

COMBINE_METHODS = ("vote", "joint", "priority")
#: Boundary rules of ``vote`` (module docstring).
BOUNDARY_RULES = ("mode", "median")
JOINT_METHODS = ("greedy", "exact")
_EPS = 1e-9
_TIE = 1e-7  # exact: a span of net value exactly 0 is left closed, as greedy does
#: ``joint`` exact: most states of the engine's dynamic program at one position; a sentence that needs more is
#: solved as an integer program by HiGHS.
JOINT_EXACT_MAX_STATES = 1 << 16
_STRICT = 1e-6  # "more than half" as a non-strict threshold (labels missing from a per-label min_votes)

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class SupportedSpan:
    """One combined span of a target sentence.

    Attributes:
        start, end: target tokens ``[start, end)``.
        label: label id in the result's vocabulary.
        score: ``vote``: summed (weighted) scores of the cluster's spans; ``joint``: summed weighted matched
            scores (before the span cost).
        votes: summed weights of the supporting sources.
        support: (source index, entity index within that source's sentence) of every supporting projection,
            sorted.
    """

    start: int
    end: int
    label: int
    score: float
    votes: float
    support: Tuple[Tuple[int, int], ...]

    @property
    def sources(self) -> Tuple[int, ...]:
        """Distinct supporting source indices, ascending."""
        return tuple(sorted({s for s, _ in self.support}))


class MultiSourceResult:
    """Combined spans per target sentence, their label vocabulary and per-sentence objective.

    The engine returns flat arrays (CSR over sentences, :attr:`arrays`); :attr:`spans` builds the
    :class:`SupportedSpan` lists from them on first use, so a caller that only writes the result
    (:meth:`to_result`) never makes a Python object per span.
    """

    def __init__(self, spans: Optional[List[List[SupportedSpan]]], labels: LabelVocab, objective: np.ndarray,
                 arrays: Optional[Mapping[str, np.ndarray]] = None) -> None:
        if spans is None and arrays is None:
            raise ValueError("MultiSourceResult needs spans or arrays")
        self._spans = spans
        self._arrays = dict(arrays) if arrays is not None else None
        self.labels = labels
        self.objective = np.asarray(objective, dtype=np.float64)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], labels: LabelVocab) -> "MultiSourceResult":
        """A result from the engine's arrays (offsets, start, end, label, score, votes, support_offsets,
        support_source, support_entity, objective)."""
        return cls(None, labels, arrays["objective"], arrays)

    def __len__(self) -> int:
        return len(self.objective)

    @property
    def spans(self) -> List[List[SupportedSpan]]:
        """Per sentence, its combined spans in text order."""
        if self._spans is None:
            assert self._arrays is not None
            d = self._arrays
            so = d["support_offsets"].tolist()
            src = d["support_source"].tolist()
            ent = d["support_entity"].tolist()
            flat = [SupportedSpan(a, b, lab, sc, v, tuple(zip(src[so[k]:so[k + 1]], ent[so[k]:so[k + 1]])))
                    for k, (a, b, lab, sc, v) in enumerate(zip(d["start"].tolist(), d["end"].tolist(),
                                                               d["label"].tolist(), d["score"].tolist(),
                                                               d["votes"].tolist()))]
            off = d["offsets"].tolist()
            self._spans = [flat[off[i]:off[i + 1]] for i in range(len(off) - 1)]
        return self._spans

    @property
    def arrays(self) -> Dict[str, np.ndarray]:
        """The spans as flat arrays, CSR over sentences: offsets, start, end, label, score, votes, and the
        support of span k at ``support_*[support_offsets[k]:support_offsets[k+1]]`` (source, entity)."""
        if self._arrays is None:
            assert self._spans is not None
            flat = [sp for sent in self._spans for sp in sent]
            offsets = np.zeros(len(self._spans) + 1, dtype=np.int64)
            offsets[1:] = np.cumsum([len(x) for x in self._spans]) if self._spans else []
            so = np.zeros(len(flat) + 1, dtype=np.int64)
            so[1:] = np.cumsum([len(sp.support) for sp in flat]) if flat else []
            self._arrays = {
                "offsets": offsets,
                "start": np.array([sp.start for sp in flat], dtype=np.int32),
                "end": np.array([sp.end for sp in flat], dtype=np.int32),
                "label": np.array([sp.label for sp in flat], dtype=np.int32),
                "score": np.array([sp.score for sp in flat], dtype=np.float64),
                "votes": np.array([sp.votes for sp in flat], dtype=np.float64),
                "support_offsets": so,
                "support_source": np.array([s for sp in flat for s, _ in sp.support], dtype=np.int32),
                "support_entity": np.array([e for sp in flat for _, e in sp.support], dtype=np.int32),
                "objective": self.objective,
            }
        return self._arrays

    def to_result(self) -> ProjectionResult:
        """A plain :class:`ProjectionResult` (``entity``: the entity of the first supporting source)."""
        d = self.arrays
        so = d["support_offsets"]
        has = so[1:] > so[:-1]
        first = np.full(len(d["start"]), -1, dtype=np.int32)
        first[has] = d["support_entity"][so[:-1][has]]
        return ProjectionResult(
            np.asarray(d["offsets"], dtype=np.int64), np.asarray(d["start"], dtype=np.int32),
            np.asarray(d["end"], dtype=np.int32), np.asarray(d["label"], dtype=np.int32), first,
            np.asarray(d["score"], dtype=np.float64), self.objective, np.zeros(len(self), dtype=np.int8),
            self.labels,
        )

    def write_spans_jsonl(self, path: PathLike, source_names: Optional[Sequence[str]] = None) -> None:
        """One JSON object per sentence: ``{"objective", "spans": [{"start", "end", "label", "score", "votes",
        "sources", "entities"}]}``; ``sources`` holds ``source_names[i]`` (default: the indices) and
        ``entities`` the entity index (within its source sentence) of each supporting projection, in
        the same order (a source appears once per supporting span). Formatted by the engine (UTF-8 text, floats
        in the shortest form that reads back exactly, NaN / Infinity as Python's ``json`` writes them). The file
        appears only when written completely (:mod:`xlner.io.atomic`); a name ending in ``.gz`` is
        gzip-compressed."""
        from xlner.io.atomic import atomic_outputs

        with atomic_outputs([path]) as (tmp,):
            assert tmp is not None
            self.write_spans_jsonl_to(tmp, source_names, gz=os.fspath(path).endswith(".gz"))

    def write_spans_jsonl_to(self, path: PathLike, source_names: Optional[Sequence[str]] = None, *,
                             gz: bool = False) -> None:
        """:meth:`write_spans_jsonl` straight to ``path`` (no temporary file), for writers that manage it
        themselves (:func:`xlner.io.atomic.atomic_outputs`); ``gz``: gzip-compress."""
        from xlner.io.streams import open_output

        names = [] if source_names is None else [str(x) for x in source_names]
        data = _core.format_multi_spans_jsonl(self.arrays, list(self.labels.names), names)
        with open_output(path, gz=gz) as fh:
            fh.write(data)


def _unite_labels(batches: Sequence[Union[ProjectionBatch, ProjectionResult]]) -> Tuple[LabelVocab, List[np.ndarray]]:
    """United vocabulary (the labels of all batches or results, sorted by name) and, per batch or result, the map
    from its label ids to the united ids.

    Sorted, not in the order labels first appear: the last tie-break of the rules is the united label id, and a
    sorted vocabulary makes it the label name, so the results do not depend on which source or which sentence
    first names a label (a file read in blocks combines each block exactly as the whole file)."""
    vocab = LabelVocab(sorted({n for b in batches for n in b.labels.names}))
    return vocab, [np.array([vocab.id(n, add=False) for n in b.labels.names], dtype=np.int64) for b in batches]


def _source_weights(weights: Optional[Sequence[float]], n: int) -> np.ndarray:
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"weights: {w.size} values for {n} sources")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"weights must be finite and >= 0, got {list(w)}")
    return w


def _check_sources(batches: Sequence[ProjectionBatch], weights: Optional[Sequence[float]]) -> np.ndarray:
    if not batches:
        raise ValueError("project_multi needs at least one source")
    n = len(batches[0])
    tl = batches[0].tgt_len
    for k, b in enumerate(batches[1:], start=1):
        if len(b) != n:
            raise ValueError(f"source {k}: {len(b)} sentences, but source 0 has {n} (all sources pair with one target)")
        bad = np.nonzero(np.asarray(b.tgt_len) != np.asarray(tl))[0]
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"source {k}, sentence {i}, field tgt_len: {int(b.tgt_len[i])} target tokens, but "
                             f"source 0 says {int(tl[i])} (all sources pair with one target)")
    return _source_weights(weights, len(batches))


# ---------------------------------------------------------------------------------------------------
# vote
# ---------------------------------------------------------------------------------------------------

_Proj = Tuple[int, int, int, int, float, int]  # (source, start, end, label, score, entity)


def _need_array(need: Mapping[int, float], n_labels: int) -> np.ndarray:
    out = np.zeros(n_labels, dtype=np.float64)
    for lab, v in need.items():
        out[lab] = v
    return out


def _weight_matrix(weights: Mapping[int, Sequence[float]], n_labels: int, n_sources: int) -> np.ndarray:
    """float64[labels, sources] from label id → weight of each source (labels without an entry: 0)."""
    w = np.zeros((n_labels, n_sources), dtype=np.float64)
    for lab, ws in weights.items():
        w[lab] = ws
    return w


def _source_arrays(results: Sequence[ProjectionResult], maps: Sequence[np.ndarray]) -> List[Tuple[np.ndarray, ...]]:
    """Per result, the arrays the engine's vote and priority read: its spans and its map to the united labels."""
    return [(r.offsets, r.start, r.end, r.label, r.entity, r.score, np.asarray(m, dtype=np.int32))
            for r, m in zip(results, maps)]


def _cluster_set(results: Sequence[ProjectionResult], maps: Sequence[np.ndarray],
                 weights: Mapping[int, Sequence[float]], n_labels: int, boundary: str,
                 threads: int = -1) -> "_core.VoteClusterSet":
    """The engine's clusters of the results (labels mapped to the united ids by ``maps``)."""
    if boundary not in BOUNDARY_RULES:
        raise ValueError(f"boundary must be one of {BOUNDARY_RULES}, got {boundary!r}")
    return _core.vote_clusters(_source_arrays(results, maps), _weight_matrix(weights, n_labels, len(results)),
                               boundary=boundary, threads=threads)


def _select(clusters: "_core.VoteClusterSet", labels: LabelVocab, need: Mapping[int, float], strict: bool = False,
            threads: int = -1) -> MultiSourceResult:
    return MultiSourceResult.from_arrays(
        clusters.select(_need_array(need, clusters.n_labels), strict=strict, threads=threads), labels)


def vote_sentence(projs: Sequence[_Proj], weights: Union[Sequence[float], Mapping[int, Sequence[float]]],
                  threshold: Union[float, Mapping[int, float]], strict: bool = False,
                  boundary: str = "mode") -> List[SupportedSpan]:
    """Combine the projected spans of one sentence by voting (rule in the module docstring; the engine's
    :func:`vote_clusters` on one sentence).

    Arguments:
        projs: (source, start, end, united label id, score, entity) of every projected span of every source.
        weights: weight of each source, or a mapping united label id → weight of each source for that label
            (every projected label must be in it).
        threshold: votes a cluster needs (``strict``: needs more than that); a mapping gives it per united
            label id (every projected label must be in it).
        boundary: ``'mode'`` or ``'median'`` (:data:`BOUNDARY_RULES`).
    """
    if boundary not in BOUNDARY_RULES:
        raise ValueError(f"boundary must be one of {BOUNDARY_RULES}, got {boundary!r}")
    if isinstance(weights, Mapping):
        table = {int(k): [float(x) for x in v] for k, v in weights.items()}
        n_src = len(next(iter(table.values()))) if table else 0
    else:
        n_src = len(weights)
        table = {}
    n_labels = 1 + max([p[3] for p in projs] + list(table) + [-1])
    for p in projs:
        if not 0 <= p[0] < n_src:
            raise ValueError(f"span {p}: source {p[0]} has no weight ({n_src} sources)")
        if isinstance(weights, Mapping) and p[3] not in table:
            raise ValueError(f"span {p}: label {p[3]} has no weights")
        if isinstance(threshold, Mapping) and p[3] not in threshold:
            raise ValueError(f"span {p}: label {p[3]} has no threshold")
    if not isinstance(weights, Mapping):
        table = {lab: [float(x) for x in weights] for lab in range(n_labels)}
    need = ({int(k): float(v) for k, v in threshold.items() if 0 <= int(k) < n_labels}
            if isinstance(threshold, Mapping) else {lab: float(threshold) for lab in range(n_labels)})
    sources = []
    for s in range(max(n_src, 1)):
        mine = [p for p in projs if p[0] == s]
        sources.append((np.array([0, len(mine)], dtype=np.int64), np.array([p[1] for p in mine], dtype=np.int32),
                        np.array([p[2] for p in mine], dtype=np.int32), np.array([p[3] for p in mine], dtype=np.int32),
                        np.array([p[5] for p in mine], dtype=np.int32),
                        np.array([p[4] for p in mine], dtype=np.float64), np.arange(n_labels, dtype=np.int32)))
    clusters = _core.vote_clusters(sources, _weight_matrix(table, n_labels, max(n_src, 1)), boundary=boundary,
                                   threads=1)
    return _select(clusters, LabelVocab(), need, strict=strict, threads=1).spans[0]


def _united(results: Sequence[ProjectionResult], what: str) -> Tuple[LabelVocab, List[np.ndarray]]:
    """Checks that the results cover the same sentences; the united label vocabulary and, per result, the
    map from its label ids to the united ones."""
    if not results:
        raise ValueError(f"{what} needs at least one result")
    n = len(results[0])
    for k, r in enumerate(results):
        if len(r) != n:
            raise ValueError(f"result {k}: {len(r)} sentences, but result 0 has {n}")
    return _unite_labels(results)


def _label_weight_table(vocab: LabelVocab, w: np.ndarray,
                        label_weights: Optional[Mapping[str, Sequence[float]]]) -> Dict[int, List[float]]:
    """Per united label id, the weight of each source: ``label_weights[name]`` or ``w``."""
    table = {vocab.id(nm): [float(x) for x in w] for nm in vocab.names}
    if label_weights is None:
        return table
    unknown = sorted(set(label_weights) - set(vocab.names))
    if unknown:
        raise ValueError(f"label_weights: labels {unknown} are not labels of the sources ({vocab.names})")
    for nm, ws in label_weights.items():
        table[vocab.id(nm)] = [float(x) for x in _source_weights(ws, len(w))]
    return table


class VoteClusters:
    """The clusters of ``vote`` for every target sentence before any threshold (:func:`vote_clusters`): what
    stays fixed while ``min_votes`` varies, so that many thresholds cost one clustering (the clusters stay
    in the engine; :meth:`select` thresholds them there).

    Attributes:
        labels: the united label vocabulary.
        weights: per united label id, the weight of each source.
    """

    def __init__(self, clusters: "_core.VoteClusterSet", labels: LabelVocab, weights: Dict[int, List[float]],
                 threads: int = -1) -> None:
        self._clusters = clusters
        self.labels = labels
        self.weights = weights
        self._threads = threads
        self._spans: Optional[List[List[SupportedSpan]]] = None

    @property
    def spans(self) -> List[List[SupportedSpan]]:
        """Per sentence, one :class:`SupportedSpan` per cluster (its boundaries by the boundary rule, ``votes``
        the summed weights of its distinct sources for its label), in label then start order."""
        if self._spans is None:
            d = dict(self._clusters.arrays())
            d["objective"] = np.zeros(len(d["offsets"]) - 1)
            self._spans = MultiSourceResult.from_arrays(d, self.labels).spans
        return self._spans

    def select(self, min_votes: Optional[Union[float, Mapping[str, float]]] = None) -> MultiSourceResult:
        """The clusters whose votes reach ``min_votes``, overlaps across labels resolved (module docstring).

        ``min_votes``: a number, or label name → votes (labels it leaves out, and the default: more than
        half the total weight of the label). A threshold <= 0 keeps every cluster.
        """
        half = {lab: sum(ws) / 2.0 + _STRICT for lab, ws in self.weights.items()}  # strict majority
        if min_votes is None:
            need: Dict[int, float] = half
        elif isinstance(min_votes, Mapping):
            unknown = sorted(set(min_votes) - set(self.labels.names))
            if unknown:
                raise ValueError(f"min_votes: labels {unknown} are not labels of the sources ({self.labels.names})")
            need = {lab: float(min_votes[self.labels.name(lab)]) if self.labels.name(lab) in min_votes else h
                    for lab, h in half.items()}
        else:
            need = {lab: float(min_votes) for lab in half}
        return _select(self._clusters, self.labels, need, threads=self._threads)


def vote_clusters(results: Sequence[ProjectionResult], *, weights: Optional[Sequence[float]] = None,
                  boundary: str = "mode",
                  label_weights: Optional[Mapping[str, Sequence[float]]] = None, threads: int = -1) -> VoteClusters:
    """Every ``vote`` cluster of every target sentence, with its boundaries and votes (no threshold), computed
    by the engine (threads over sentences, -1: all cores).

    Arguments: as :func:`combine_votes`; ``combine_votes(r, min_votes=k, ...)`` is
    ``vote_clusters(r, ...).select(k)``.
    """
    if boundary not in BOUNDARY_RULES:
        raise ValueError(f"boundary must be one of {BOUNDARY_RULES}, got {boundary!r}")
    vocab, maps = _united(results, "vote")
    w = _source_weights(weights, len(results))
    table = _label_weight_table(vocab, w, label_weights)
    return VoteClusters(_cluster_set(results, maps, table, len(vocab), boundary, threads), vocab, table, threads)


def combine_votes(results: Sequence[ProjectionResult], *, weights: Optional[Sequence[float]] = None,
                  min_votes: Optional[Union[float, Mapping[str, float]]] = None,
                  boundary: str = "mode",
                  label_weights: Optional[Mapping[str, Sequence[float]]] = None,
                  threads: int = -1) -> MultiSourceResult:
    """Combine per-source projections of the same target sentences by voting (rule in the module docstring).

    Arguments:
        results: one :class:`ProjectionResult` per source (labels united by name).
        weights: one weight >= 0 per source (default 1 each).
        min_votes: votes a cluster needs (default: more than half the total weight of its label); a mapping
            label name → votes sets it per label (labels it leaves out: more than half the total weight of
            that label). A threshold <= 0 keeps every cluster.
        boundary: boundary rule of a kept cluster, ``'mode'`` or ``'median'`` (:data:`BOUNDARY_RULES`).
        label_weights: label name → one weight >= 0 per source, used for that label's clusters instead of
            ``weights`` (e.g. :meth:`Reliability.label_weights`).
        threads: worker threads of the engine (-1: all cores).
    """
    return vote_clusters(results, weights=weights, boundary=boundary, label_weights=label_weights,
                         threads=threads).select(min_votes)


# ---------------------------------------------------------------------------------------------------
# reliability-weighted vote
# ---------------------------------------------------------------------------------------------------

def _logit(p: float) -> float:
    return float(np.log(p) - np.log1p(-p))


@dataclass(frozen=True)
class Reliability:
    """Per-label source reliabilities fitted on target sentences with gold (:func:`fit_reliability`).

    For label L: ``prior[L]`` = P(a cluster of L is a gold entity), ``hit[L][s]`` = P(source s is in a
    cluster | the cluster is a gold entity), ``false[L][s]`` = P(source s is in it | it is not). With the
    sources independent given correctness (naive Bayes), the log posterior odds of a cluster supported by
    the set S is ``logit(prior) + Σ_{s∈S} log(hit/false) + Σ_{s∉S} log((1-hit)/(1-false))``, i.e. a weighted
    vote: weights :meth:`label_weights` ``log(hit·(1-false) / (false·(1-hit)))`` and threshold
    :meth:`min_votes` for a posterior of at least τ. A source with ``hit <= false`` for L says nothing about
    L and gets weight 0 (neither its support nor its absence counts).
    """

    labels: Tuple[str, ...]
    n_sources: int
    prior: Dict[str, float]
    hit: Dict[str, Tuple[float, ...]]
    false: Dict[str, Tuple[float, ...]]

    def label_weights(self) -> Dict[str, List[float]]:
        """Label → the vote weight of each source (``label_weights`` of :func:`combine_votes`)."""
        return {L: [max(0.0, _logit(h) - _logit(f)) for h, f in zip(self.hit[L], self.false[L])]
                for L in self.labels}

    def min_votes(self, tau: float = 0.5) -> Dict[str, float]:
        """Label → the votes a cluster needs for a posterior of at least ``tau`` (0 < tau < 1)."""
        if not 0.0 < tau < 1.0:
            raise ValueError(f"tau must be in (0, 1), got {tau}")
        w = self.label_weights()
        out = {}
        for L in self.labels:
            absent = sum(float(np.log1p(-h) - np.log1p(-f))
                         for h, f, x in zip(self.hit[L], self.false[L], w[L]) if x > 0)
            out[L] = _logit(tau) - _logit(self.prior[L]) - absent
        return out

    def posterior(self, label: str, sources: Sequence[int]) -> float:
        """P(gold entity) of a cluster of ``label`` supported by ``sources`` (sources of weight 0 ignored)."""
        w = self.label_weights()[label]
        z = _logit(self.prior[label])
        for s, (h, f) in enumerate(zip(self.hit[label], self.false[label])):
            if w[s] > 0:
                z += (np.log(h) - np.log(f)) if s in sources else (np.log1p(-h) - np.log1p(-f))
        return float(1.0 / (1.0 + np.exp(-z)))


def fit_reliability(results: Sequence[ProjectionResult], gold: Sequence[Sequence[str]],
                    sentences: Optional[Sequence[int]] = None, *, boundary: str = "mode", per_label: bool = True,
                    smoothing: float = 1.0) -> Reliability:
    """Fit :class:`Reliability` on target sentences with gold tags.

    The clusters are those of ``vote`` with unit weights and ``boundary`` (every cluster, no threshold); a
    cluster is correct when its (start, end, label) is a gold entity. Estimates are smoothed counts:
    ``prior = (c + α) / (n + 2α)``, ``hit[s] = (c_s + α) / (c + 2α)``, ``false[s] = (n_s - c_s + α) / (n - c + 2α)``
    with n clusters, c correct, n_s and c_s of them with source s, α = ``smoothing`` (> 0).

    Arguments:
        results: one :class:`ProjectionResult` per source (the same target sentences).
        gold: IOB2 tags of every target sentence (one list per sentence of ``results``).
        sentences: the sentence indices to fit on (default all).
        per_label: one set of estimates per label; ``False``: one pooled over labels, shared by all.
    """
    from xlner.tagging import iob2_to_spans

    if not smoothing > 0:
        raise ValueError(f"smoothing must be > 0, got {smoothing}")
    vocab, maps = _united(results, "fit_reliability")
    n = len(results[0])
    if len(gold) != n:
        raise ValueError(f"gold: {len(gold)} sentences, the results have {n}")
    idx = range(n) if sentences is None else sentences
    unit = {lab: [1.0] * len(results) for lab in range(len(vocab))}
    counts: Dict[str, List[float]] = {}  # key → [n, c, n_s..., c_s...]
    m = len(results)
    d = _cluster_set(results, maps, unit, len(vocab), boundary).arrays()
    off, so, src = d["offsets"].tolist(), d["support_offsets"].tolist(), d["support_source"].tolist()
    starts, ends, labs = d["start"].tolist(), d["end"].tolist(), d["label"].tolist()
    for i in idx:
        if not 0 <= i < n:
            raise IndexError(f"sentences: {i} is not a sentence index (0..{n - 1})")
        truth = set(iob2_to_spans(gold[i]))
        for k in range(off[i], off[i + 1]):
            srcs = sorted(set(src[so[k]:so[k + 1]]))
            name = vocab.name(labs[k])
            ok = (starts[k], ends[k], name) in truth
            row = counts.setdefault(name if per_label else "", [0.0] * (2 + 2 * m))
            row[0] += 1
            row[1] += ok
            for s in srcs:
                row[2 + s] += 1
                row[2 + m + s] += ok
    a = float(smoothing)
    names = tuple(vocab.names)
    prior, hit, false = {}, {}, {}
    for L in names:
        r = counts.get(L if per_label else "", [0.0] * (2 + 2 * m))
        nn, c = r[0], r[1]
        prior[L] = (c + a) / (nn + 2 * a)
        hit[L] = tuple((r[2 + m + s] + a) / (c + 2 * a) for s in range(m))
        false[L] = tuple((r[2 + s] - r[2 + m + s] + a) / (nn - c + 2 * a) for s in range(m))
    return Reliability(names, m, prior, hit, false)


# ---------------------------------------------------------------------------------------------------
# priority (back-off union)
# ---------------------------------------------------------------------------------------------------

def combine_priority(results: Sequence[ProjectionResult], primary: int = 0, *, corroboration: float = 0.0,
                     weights: Optional[Sequence[float]] = None,
                     min_votes: Optional[float] = None, boundary: str = "mode",
                     threads: int = -1) -> MultiSourceResult:
    """The primary source's spans, and where it has none, what the other sources agree on (back-off union),
    computed by the engine.

    1. Each span p of source ``primary`` is kept, with its own boundaries and label, when the other sources
       with a span of p's label overlapping p weigh at least ``corroboration`` (default 0: every span kept).
       Its support: p and those overlapping spans.
    2. The other sources are combined by ``vote`` among themselves (``weights`` of the others, ``min_votes``
       default: more than half their total weight, ``boundary``); each such span overlapping no span kept in
       step 1 is added (a dropped, uncorroborated primary span does not block it).

    Arguments:
        results: one :class:`ProjectionResult` per source; ``primary``: index of the primary one.
        corroboration: weight of other sources a primary span needs (0: none).
        weights: one weight >= 0 per source (default 1 each); the primary's own weight only enters ``votes``.
        threads: worker threads of the engine (-1: all cores).
    """
    if boundary not in BOUNDARY_RULES:
        raise ValueError(f"boundary must be one of {BOUNDARY_RULES}, got {boundary!r}")
    vocab, maps = _united(results, "combine_priority")
    if not 0 <= primary < len(results):
        raise ValueError(f"primary: source {primary} of {len(results)}")
    if len(results) < 2:
        raise ValueError("combine_priority needs the primary and at least one other source")
    if not np.isfinite(corroboration):
        raise ValueError(f"corroboration must be finite, got {corroboration}")
    w = _source_weights(weights, len(results))
    ow = [float(w[s]) for s in range(len(results)) if s != primary]
    need = sum(ow) / 2.0 + _STRICT if min_votes is None else float(min_votes)
    return MultiSourceResult.from_arrays(_core.priority_combine(
        _source_arrays(results, maps), w, primary=primary, corroboration=float(corroboration), need=need,
        n_labels=len(vocab), boundary=boundary, threads=threads), vocab)


# ---------------------------------------------------------------------------------------------------
# joint
# ---------------------------------------------------------------------------------------------------

@dataclass
class JointSentence:
    """The joint problem of one sentence: weighted scores of (source, entity, start, end) with entity labels.

    Attributes:
        entries: (source, entity, start, end, weighted score > 0).
        ent_label: (source, entity) → united label id.
        cap: most spans one entity may be matched to.
        span_cost: cost λ of opening a span.
    """

    entries: List[Tuple[int, int, int, int, float]]
    ent_label: Dict[Tuple[int, int], int]
    cap: int = 1
    span_cost: float = 0.0

    def value(self, spans: Sequence[SupportedSpan]) -> float:
        """Objective of a solution (checks feasibility; ``ValueError`` if it breaks a constraint)."""
        sc = {(s, e, a, b): v for s, e, a, b, v in self.entries}
        used: Dict[Tuple[int, int], int] = {}
        total = 0.0
        for k, sp in enumerate(spans):
            for o in spans[:k]:
                if sp.start < o.end and o.start < sp.end:
                    raise ValueError(f"spans {o} and {sp} overlap")
            srcs = [s for s, _ in sp.support]
            if len(set(srcs)) != len(srcs):
                raise ValueError(f"span {sp} has two entities of one source")
            for s, e in sp.support:
                if self.ent_label[(s, e)] != sp.label:
                    raise ValueError(f"entity {(s, e)} has another label than span {sp}")
                used[(s, e)] = used.get((s, e), 0) + 1
                if used[(s, e)] > self.cap:
                    raise ValueError(f"entity {(s, e)} matched more than {self.cap} times")
                total += sc.get((s, e, sp.start, sp.end), 0.0)
            total -= self.span_cost
        return total


def _joint_exact_block(probs: Sequence[JointSentence]) -> List[List[SupportedSpan]]:
    """Solve the integer programs of several sentences in one HiGHS model (independent blocks)."""
    import highspy

    cost: List[float] = []
    upper: List[float] = []
    rows: List[Tuple[List[int], List[float], float]] = []  # (cols, vals, upper bound); lower -inf
    decode: List[Tuple[int, List[Tuple[int, Tuple[int, int, int], List[Tuple[int, int, int, float]]]]]] = []
    for i, prob in enumerate(probs):
        y_col: Dict[Tuple[int, int, int], int] = {}
        x_of_y: Dict[Tuple[int, int, int], List[Tuple[int, int, int, float]]] = {}
        per_ent: Dict[Tuple[int, int], List[int]] = {}
        per_src_span: Dict[Tuple[int, int, int, int], List[int]] = {}
        for s, e, a, b, v in prob.entries:
            lab = prob.ent_label[(s, e)]
            key = (a, b, lab)
            if key not in y_col:
                y_col[key] = len(cost)
                cost.append(-prob.span_cost - _TIE)
                upper.append(1.0)
            xc = len(cost)
            cost.append(v)
            upper.append(1.0)
            x_of_y.setdefault(key, []).append((xc, s, e, v))
            per_ent.setdefault((s, e), []).append(xc)
            per_src_span.setdefault((s, a, b, lab), []).append(xc)
        for (s, a, b, lab), cols in per_src_span.items():  # Σ_e x(s, e, t) <= y(t): one entity per source
            rows.append((cols + [y_col[(a, b, lab)]], [1.0] * len(cols) + [-1.0], 0.0))
        for cols in per_ent.values():
            if len(cols) > prob.cap:
                rows.append((cols, [1.0] * len(cols), float(prob.cap)))
        length = max((k[1] for k in y_col), default=0)
        for j in range(length):
            cols = [c for k, c in y_col.items() if k[0] <= j < k[1]]
            if len(cols) > 1:
                rows.append((cols, [1.0] * len(cols), 1.0))
        decode.append((i, [(c, k, [(xc, s, e, 0) for xc, s, e, _ in x_of_y[k]]) for k, c in y_col.items()]))
    out: List[List[SupportedSpan]] = [[] for _ in probs]
    if not cost:
        return out
    a_start = np.zeros(len(rows) + 1, dtype=np.int32)
    a_start[1:] = np.cumsum([len(r[0]) for r in rows])
    a_index = np.array([c for r in rows for c in r[0]], dtype=np.int32)
    a_value = np.array([v for r in rows for v in r[1]], dtype=np.float64)
    h = new_highs()
    n_col = len(cost)
    status = h.passModel(n_col, len(rows), int(a_start[-1]), 2, -1, 0.0,  # row-wise, maximise
                         np.array(cost), np.zeros(n_col), np.array(upper),
                         np.full(len(rows), -highspy.kHighsInf), np.array([r[2] for r in rows]),
                         a_start, a_index, a_value, np.ones(n_col, dtype=np.int32))
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the joint multi-source model")
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS ended with {h.getModelStatus()} on the joint multi-source model")
    x = np.asarray(h.getSolution().col_value)
    for i, ys in decode:
        for c, (a, b, lab), xs in ys:
            picks = [(s, e, xc) for xc, s, e, _ in xs if x[xc] > 0.5]
            if x[c] > 0.5 and picks:  # an opened span without entities (value 0 at span_cost 0) is not a span
                out[i].append(SupportedSpan(a, b, lab, float(sum(cost[xc] for _, _, xc in picks)), 0.0,
                                            tuple(sorted((s, e) for s, e, _ in picks))))
        out[i].sort(key=lambda sp: (sp.start, sp.end))
    return out


def joint_exact_sentences(probs: Sequence[JointSentence], block_size: int = 256) -> List[List[SupportedSpan]]:
    """Optimal joint matchings (HiGHS, ``block_size`` sentences per model)."""
    out: List[List[SupportedSpan]] = []
    for lo in range(0, len(probs), block_size):
        out += _joint_exact_block(probs[lo:lo + block_size])
    return out


def _joint_sources(batches: Sequence[ProjectionBatch], mats: Sequence[ScoreMatrix], maps: Sequence[np.ndarray],
                   weights: Union[Sequence[float], np.ndarray]) -> List[Tuple[object, ...]]:
    """Per source, what the engine's joint functions read: its batch, score matrix, united labels and weight."""
    return [(b.core, m.offsets, m.ent, m.start, m.end, m.score, np.asarray(mp, dtype=np.int32), float(w))
            for b, m, mp, w in zip(batches, mats, maps, weights)]


def _joint_problems(entries: Mapping[str, np.ndarray], batches: Sequence[ProjectionBatch], maps: Sequence[np.ndarray],
                    cap: int, span_cost: float, sentences: Sequence[int]) -> List[JointSentence]:
    """The :class:`JointSentence` of each of ``sentences`` from the engine's entries (``_core.joint_entries``)."""
    off, src, ent = entries["offsets"].tolist(), entries["source"].tolist(), entries["entity"].tolist()
    st, en, val = entries["start"].tolist(), entries["end"].tolist(), entries["value"].tolist()
    ent_off = [b.ent_offsets.tolist() for b in batches]
    ent_lab = [[int(mp[x]) for x in b.ent_label.tolist()] for b, mp in zip(batches, maps)]
    probs: List[JointSentence] = []
    for i in sentences:
        rows = list(zip(src[off[i]:off[i + 1]], ent[off[i]:off[i + 1]], st[off[i]:off[i + 1]],
                        en[off[i]:off[i + 1]], val[off[i]:off[i + 1]]))
        ent_label = {(s, e): ent_lab[s][ent_off[s][i] + e]
                     for s in range(len(batches)) for e in range(ent_off[s][i + 1] - ent_off[s][i])}
        probs.append(JointSentence(rows, ent_label, cap, span_cost))
    return probs


def _joint(batches: Sequence[ProjectionBatch], maps: Sequence[np.ndarray], vocab: LabelVocab, weights: np.ndarray,
           method: str, cfg: MatchingConfig, span_cost: float, scores: Optional[Sequence[ScoreMatrix]],
           threads: int) -> MultiSourceResult:
    """``joint``: the entries (weighted scores, narrowed to the aligned ranges with the alignment score: no
    optimum is lost, since a span whose first or last word no one-word entry of its label covers scores less
    than the span without that word, with the same links, and overlaps more) built by the engine; greedy and
    exact in the engine, HiGHS for the sentences too large for the exact dynamic program."""
    from xlner.scores import alignment_scores

    if method not in JOINT_METHODS:
        raise ValueError(f"combine='joint' solves with {JOINT_METHODS}, not {method!r}")
    op, cap = parse_constraint(cfg.constraint)
    if op not in ("<", "<="):
        raise ValueError(f"combine='joint' takes an upper-bound constraint (<n, <=n), not {cfg.constraint!r}")
    if op == "<":
        cap -= 1
    if scores is not None and len(scores) != len(batches):
        raise ValueError(f"scores: {len(scores)} score matrices for {len(batches)} sources")
    mats = list(scores) if scores is not None else [
        alignment_scores(b, candidates="ngrams", max_len=cfg.max_len, threads=threads) for b in batches]
    n = len(batches[0])
    for k, m in enumerate(mats):
        if len(m) != n:
            raise ValueError(f"scores of source {k}: {len(m)} sentences, the batch has {n}")
    sources = _joint_sources(batches, mats, maps, weights)
    aligned_only = scores is None
    if method == "greedy":
        return MultiSourceResult.from_arrays(_core.joint_greedy(
            sources, n_labels=len(vocab), max_len=cfg.max_len, aligned_only=aligned_only, cap=cap,
            span_cost=span_cost, threads=threads), vocab)
    exact = _core.joint_exact(sources, n_labels=len(vocab), max_len=cfg.max_len, aligned_only=aligned_only, cap=cap,
                              span_cost=span_cost, max_states=JOINT_EXACT_MAX_STATES, threads=threads)
    hard = np.flatnonzero(exact["status"]).tolist()
    result = MultiSourceResult.from_arrays(exact, vocab)
    if not hard:
        return result
    # sentences too large for the dynamic program: the integer program through HiGHS
    d = _core.joint_entries(sources, n_labels=len(vocab), max_len=cfg.max_len, aligned_only=aligned_only,
                            threads=threads)
    probs = _joint_problems(d, batches, maps, cap, span_cost, hard)
    spans = list(result.spans)
    objective = np.array(result.objective, dtype=np.float64)
    for i, sent in zip(hard, joint_exact_sentences(probs, cfg.block_size)):
        spans[i] = [SupportedSpan(sp.start, sp.end, sp.label, sp.score, float(sum(weights[s] for s in sp.sources)),
                                  sp.support) for sp in sent]
        objective[i] = sum(sp.score - span_cost for sp in spans[i])
    return MultiSourceResult(spans, vocab, objective)


def project_multi(
    sources: Sequence[ProjectionBatch],
    method: str = "greedy",
    combine: str = "vote",
    *,
    min_votes: Optional[Union[float, Mapping[str, float]]] = None,
    weights: Optional[Sequence[float]] = None,
    span_cost: float = 1.0,
    boundary: str = "mode",
    label_weights: Optional[Mapping[str, Sequence[float]]] = None,
    primary: int = 0,
    corroboration: float = 0.0,
    matching: Optional[MatchingConfig] = None,
    heuristic: Optional[object] = None,
    scores: Optional[Sequence[ScoreMatrix]] = None,
    tgt_tokens: Optional[Sequence[Sequence[str]]] = None,
    threads: int = -1,
) -> MultiSourceResult:
    """Project the entities of several sources onto one target and combine them.

    Arguments:
        sources: one batch per source language, each pairing that source with the same target sentences
            (a :class:`~xlner.io.ProjectionCorpus` works too: its ``batch`` is used).
        method: ``vote``: any method of :func:`xlner.projection.project`; ``joint``: ``'greedy'`` or ``'exact'``.
        combine: ``'vote'``, ``'joint'`` or ``'priority'`` (see the module docstring).
        min_votes: ``vote``: votes (summed source weights) a cluster needs, or a mapping label name → votes;
            default a strict majority of the total weight. ``priority``: votes of the other sources a
            back-off span needs (a number; default a strict majority of their weight).
        weights: one weight >= 0 per source (default 1 each): votes in ``vote``, score factors in ``joint``.
        span_cost: ``joint``: cost λ of each chosen span (1.0: a span needs more than one source's full
            alignment score).
        boundary: ``vote``, ``priority``: boundary rule of a kept cluster, ``'mode'`` or ``'median'``.
        label_weights: ``vote``: label name → one weight per source for that label (instead of ``weights``;
            e.g. :meth:`Reliability.label_weights`).
        primary, corroboration: ``priority``: index of the primary source, and the weight of other sources
            a primary span needs (:func:`combine_priority`).
        matching: candidate / constraint options (``joint`` needs an upper bound, default ``<=1``).
        heuristic, tgt_tokens: passed to :func:`project` for ``vote`` with the heuristic.
        scores: ``joint``: one precomputed score matrix per source (default: alignment scores).
        threads: worker threads (-1: all cores).

    Returns:
        A :class:`MultiSourceResult` (labels united by name; spans with their supporting sources).
    """
    batches = [getattr(b, "batch", b) for b in sources]
    for k, b in enumerate(batches):
        if not isinstance(b, ProjectionBatch):
            raise TypeError(f"source {k}: expected a ProjectionBatch or ProjectionCorpus, got {type(b).__name__}")
    if combine not in COMBINE_METHODS:
        raise ValueError(f"combine must be one of {COMBINE_METHODS}, got {combine!r}")
    w = _check_sources(batches, weights)
    for need in (min_votes.values() if isinstance(min_votes, Mapping) else [min_votes]):
        if need is not None and not need > 0:
            raise ValueError(f"min_votes must be > 0, got {min_votes}")
    if not (np.isfinite(span_cost) and span_cost >= 0):
        raise ValueError(f"span_cost must be finite and >= 0, got {span_cost}")
    cfg = matching if matching is not None else MatchingConfig()
    vocab, maps = _unite_labels(batches)
    if combine != "joint":
        results = [project(b, method, matching=cfg, heuristic=heuristic, tgt_tokens=tgt_tokens, threads=threads)
                   for b in batches]
        if combine == "priority":
            if isinstance(min_votes, Mapping):
                raise ValueError("combine='priority' takes one min_votes for its back-off, not one per label")
            return combine_priority(results, primary, corroboration=corroboration, weights=[float(x) for x in w],
                                    min_votes=min_votes, boundary=boundary, threads=threads)
        return combine_votes(results, weights=[float(x) for x in w], min_votes=min_votes, boundary=boundary,
                             label_weights=label_weights, threads=threads)
    return _joint(batches, maps, vocab, w, method, cfg, span_cost, scores, threads)


__all__ = ["BOUNDARY_RULES", "COMBINE_METHODS", "JOINT_METHODS", "SupportedSpan", "MultiSourceResult", "JointSentence",
           "VoteClusters", "Reliability", "vote_sentence", "vote_clusters", "combine_votes", "fit_reliability",
           "combine_priority", "joint_exact_sentences", "project_multi"]
