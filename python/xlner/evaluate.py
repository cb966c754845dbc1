"""Entity-level evaluation with seqeval's semantics, projection ratio, bootstrap confidence intervals and
paired bootstrap comparison.

Entities are chunked from IOB2 tags as seqeval does by default (``I-X`` after ``O`` or after another type
starts an entity; the core's ``tags_to_spans``); an entity counts as correct when its sentence, start, end
and type all match. Precision, recall and F1 — micro (over all entities) and per class — are computed with
seqeval's formulas in seqeval's order of operations (0 where a denominator is 0), so the numbers are equal
to ``seqeval.metrics.classification_report`` on the same tags.

A label mapping (``{"MISC": "O"}``, ``{"DATE": "O"}``, ``{"PERSON": "PER"}``) is applied to the tags of
both sides before chunking, exactly as if the files had been rewritten.

Example:
    >>> from xlner.evaluate import evaluate
    >>> r = evaluate([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
    >>> r.micro.f1
    0.0
"""
from __future__ import annotations

import os
import sys
import types
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from xlner import _core
from xlner.batch import LabelVocab, ProjectionResult
from xlner.io.conll import TokenCorpus, load_conll
from xlner.io.errors import FormatError
from xlner.tagging import encode_tag_lists

TagInput = Union[TokenCorpus, Sequence[Sequence[str]]]
PathLike = Union[str, "os.PathLike[str]"]
METRICS = ("precision", "recall", "f1")


# --------------------------------------------------------------------------------------------------------
# Inputs: tag ids over one shared label vocabulary
# --------------------------------------------------------------------------------------------------------
@dataclass
class _Tagged:
    name: str
    offsets: np.ndarray  # int64[N+1]
    ids: np.ndarray  # int32 tag ids over `labels`
    labels: List[str]


def _tagged(x: Union[TagInput, _Tagged], name: str) -> _Tagged:
    if isinstance(x, _Tagged):
        return x
    if isinstance(x, TokenCorpus):
        if not x.has_tags:
            raise ValueError(f"{x.path}: read without tags")
        return _Tagged(x.path, np.asarray(x.offsets, dtype=np.int64), np.asarray(x.tag_ids, dtype=np.int32),
                       list(x.labels.names))
    vocab = LabelVocab()
    offsets, ids = encode_tag_lists(list(x), vocab)
    return _Tagged(name, offsets, ids, list(vocab.names))


def parse_mapping(items: Union[None, Mapping[str, str], Iterable[str]]) -> Dict[str, str]:
    """``["MISC=O", "DATE=O"]`` (or a dict) → ``{"MISC": "O", "DATE": "O"}``.

    Keys and values are entity types (without ``B-``/``I-``); the value ``O`` removes the type.
    Raises ``ValueError`` for an item without ``=`` or with an empty side.
    """
    if items is None:
        return {}
    if isinstance(items, Mapping):
        pairs = list(items.items())
    else:
        pairs = []
        for item in items:
            key, sep, value = str(item).partition("=")
            if not sep:
                raise ValueError(f"label mapping {item!r} is not of the form TYPE=NEW (e.g. MISC=O)")
            pairs.append((key, value))
    out: Dict[str, str] = {}
    for key, value in pairs:
        key, value = key.strip(), value.strip()
        if not key or not value:
            raise ValueError(f"label mapping {key}={value} has an empty side")
        if key == "O":
            raise ValueError("label mapping: O cannot be mapped")
        out[key] = value
    return out


def _remap(t: _Tagged, vocab: LabelVocab, mapping: Mapping[str, str]) -> np.ndarray:
    """Tag ids of ``t`` over ``vocab`` after the mapping (types mapped to O become O)."""
    lut = np.zeros(2 * len(t.labels) + 1, dtype=np.int32)
    for l, name in enumerate(t.labels):
        new = mapping.get(name, name)
        if new == "O":
            continue
        k = vocab.id(new)
        lut[2 * l + 1], lut[2 * l + 2] = 2 * k + 1, 2 * k + 2
    return lut[t.ids] if t.ids.size else t.ids


def _spans(offsets: np.ndarray, ids: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sentence, start, end, label) of every entity, seqeval chunking."""
    d = _core.tags_to_spans(offsets, np.ascontiguousarray(ids, dtype=np.int32), threads=-1)
    sent = np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(d["offsets"]))
    return sent, d["start"].astype(np.int64), d["end"].astype(np.int64), d["label"].astype(np.int64)


def _check_parallel(gold: _Tagged, pred: _Tagged) -> None:
    ng, np_ = len(gold.offsets) - 1, len(pred.offsets) - 1
    if ng != np_:
        raise FormatError(pred.name, min(ng, np_), "sentence count",
                          f"{np_} sentences, but {gold.name} has {ng}")
    lg, lp = np.diff(gold.offsets), np.diff(pred.offsets)
    bad = np.flatnonzero(lg != lp)
    if bad.size:
        i = int(bad[0])
        raise FormatError(pred.name, i, "tokens", f"{int(lp[i])} tokens, but sentence {i} of {gold.name} has "
                          f"{int(lg[i])}")


# --------------------------------------------------------------------------------------------------------
# Counts and scores
# --------------------------------------------------------------------------------------------------------
@dataclass
class EntityCounts:
    """Per-sentence, per-class entity counts: the sufficient statistics of every metric here.

    Attributes:
        classes: entity types (sorted), the columns of the arrays.
        correct, predicted, gold: int64[N, C].
    """

    classes: List[str]
    correct: np.ndarray
    predicted: np.ndarray
    gold: np.ndarray

    def __len__(self) -> int:
        return int(self.correct.shape[0])


def entity_counts(gold: TagInput, pred: TagInput, *, mapping: Union[None, Mapping[str, str], Iterable[str]] = None
                  ) -> EntityCounts:
    """Count gold, predicted and correct entities per sentence and class.

    ``gold`` and ``pred`` are :class:`~xlner.io.TokenCorpus` objects read with tags or lists of IOB2 tag
    lists; they must have the same number of sentences and of tokens per sentence (:class:`FormatError`
    naming the prediction, the sentence and the field otherwise).
    """
    m = parse_mapping(mapping)
    g, p = _tagged(gold, "<gold>"), _tagged(pred, "<pred>")
    _check_parallel(g, p)
    vocab = LabelVocab()
    gi, pi = _remap(g, vocab, m), _remap(p, vocab, m)
    n = len(g.offsets) - 1
    gs, ps = _spans(g.offsets, gi), _spans(p.offsets, pi)
    used = sorted({vocab.names[int(k)] for k in np.concatenate([gs[3], ps[3]]).tolist()})
    col = np.full(max(len(vocab), 1), -1, dtype=np.int64)
    for c, name in enumerate(used):
        col[vocab.id(name, add=False)] = c
    n_cls = len(used)

    def table(sent: np.ndarray, lab: np.ndarray) -> np.ndarray:
        flat = np.bincount(sent * max(n_cls, 1) + col[lab], minlength=n * max(n_cls, 1))
        return flat.reshape(n, max(n_cls, 1))[:, :n_cls].astype(np.int64)

    # An entity is identified by (global start token, length, label); the spans of one side never overlap,
    # so no key repeats within a side.
    width = int(np.diff(g.offsets).max(initial=0)) + 1
    nl = max(len(vocab), 1)

    def keys(s: Tuple[np.ndarray, ...], offsets: np.ndarray) -> np.ndarray:
        return ((offsets[s[0]] + s[1]) * width + (s[2] - s[1])) * nl + s[3]

    kg, kp = keys(gs, g.offsets), keys(ps, p.offsets)
    hit = np.isin(kp, kg, assume_unique=True)
    return EntityCounts(used, table(ps[0][hit], ps[3][hit]), table(ps[0], ps[3]), table(gs[0], gs[3]))


@dataclass
class PRF:
    """Precision, recall and F1 with the counts behind them (``support`` = gold entities)."""

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int
    correct: int

    def to_dict(self) -> Dict[str, float]:
        """All fields as a plain dict."""
        return asdict(self)


def _prf(correct: np.ndarray, predicted: np.ndarray, gold: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """seqeval's formulas, elementwise: 0 where a denominator is 0."""
    correct = np.asarray(correct, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    gold = np.asarray(gold, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, correct / np.where(predicted > 0, predicted, 1.0), 0.0)
        recall = np.where(gold > 0, correct / np.where(gold > 0, gold, 1.0), 0.0)
        denom = precision + recall
        denom = np.where(denom == 0.0, 1.0, denom)
        f1 = 2.0 * precision * recall / denom
    return precision, recall, f1


def _make_prf(c: int, p: int, g: int) -> PRF:
    pr, rc, f = _prf(np.array([c]), np.array([p]), np.array([g]))
    return PRF(float(pr[0]), float(rc[0]), float(f[0]), int(g), int(p), int(c))


@dataclass
class EvaluationReport:
    """Micro and per-class scores of one prediction against gold."""

    micro: PRF
    per_class: Dict[str, PRF]
    n_sentences: int
    mapping: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_counts(cls, counts: EntityCounts, mapping: Optional[Mapping[str, str]] = None) -> "EvaluationReport":
        """Scores from :class:`EntityCounts`."""
        c, p, g = counts.correct.sum(axis=0), counts.predicted.sum(axis=0), counts.gold.sum(axis=0)
        per = {name: _make_prf(int(c[k]), int(p[k]), int(g[k])) for k, name in enumerate(counts.classes)}
        micro = _make_prf(int(c.sum()), int(p.sum()), int(g.sum()))
        return cls(micro, per, len(counts), dict(mapping or {}))

    def to_dict(self) -> Dict[str, object]:
        """``{"micro": {...}, "per_class": {type: {...}}, "n_sentences": N, "mapping": {...}}``."""
        return {"micro": self.micro.to_dict(), "per_class": {k: v.to_dict() for k, v in self.per_class.items()},
                "n_sentences": self.n_sentences, "mapping": dict(self.mapping)}

    def format_table(self, digits: int = 4) -> str:
        """A plain-text table: one row per class and a micro row."""
        rows = [(k, v) for k, v in self.per_class.items()] + [("micro", self.micro)]
        w = max([len(k) for k, _ in rows] + [5])
        lines = [f"{'':<{w}}  {'precision':>9}  {'recall':>9}  {'f1':>9}  {'support':>8}  {'predicted':>9}"]
        for name, s in rows:
            if name == "micro":
                lines.append("")
            lines.append(f"{name:<{w}}  {s.precision:>9.{digits}f}  {s.recall:>9.{digits}f}  {s.f1:>9.{digits}f}  "
                         f"{s.support:>8d}  {s.predicted:>9d}")
        return "\n".join(lines)


def evaluate(gold: TagInput, pred: TagInput, *, mapping: Union[None, Mapping[str, str], Iterable[str]] = None
             ) -> EvaluationReport:
    """Entity-level micro and per-class precision/recall/F1 (equal to seqeval's numbers).

    Arguments:
        gold, pred: :class:`~xlner.io.TokenCorpus` with tags, or lists of IOB2 tag lists, sentence for sentence.
        mapping: entity-type mapping applied to both sides first, e.g. ``{"MISC": "O"}`` or ``["MISC=O"]``.
    """
    m = parse_mapping(mapping)
    return EvaluationReport.from_counts(entity_counts(gold, pred, mapping=m), m)


def evaluate_files(gold: PathLike, pred: PathLike, *, mapping: Union[None, Mapping[str, str], Iterable[str]] = None
                   ) -> EvaluationReport:
    """:func:`evaluate` on two CoNLL files (C++ reader; tokens are not compared, their counts are)."""
    return evaluate(load_conll(gold, keep_tokens=False), load_conll(pred, keep_tokens=False), mapping=mapping)


# --------------------------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------------------------
def _resample_weights(rng: np.random.Generator, n: int, n_samples: int) -> Iterable[np.ndarray]:
    """Bootstrap resamples of n sentences as count vectors (how often each sentence is drawn), in chunks."""
    chunk = max(1, min(n_samples, 4_000_000 // max(n, 1)))
    done = 0
    while done < n_samples:
        k = min(chunk, n_samples - done)
        idx = rng.integers(0, n, size=(k, n)) + (np.arange(k, dtype=np.int64) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=k * n).reshape(k, n).astype(np.float64)
        done += k


def _sample_sums(counts: EntityCounts, n_samples: int, seed: int) -> np.ndarray:
    """float64[S, 3, C]: correct / predicted / gold per class summed over each bootstrap resample."""
    n = len(counts)
    if n == 0:
        raise ValueError("bootstrap needs at least one sentence")
    stats = np.concatenate([counts.correct, counts.predicted, counts.gold], axis=1).astype(np.float64)
    rng = np.random.default_rng(seed)
    parts = [w @ stats for w in _resample_weights(rng, n, n_samples)]
    c = len(counts.classes)
    return np.concatenate(parts, axis=0).reshape(n_samples, 3, c)


def _interval(values: np.ndarray, confidence: float) -> Tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.percentile(values, [100.0 * alpha, 100.0 * (1.0 - alpha)])
    return float(lo), float(hi)


def _check_bootstrap_args(n_samples: int, confidence: float) -> None:
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")


@dataclass
class BootstrapResult:
    """Percentile bootstrap confidence intervals over sentences.

    Attributes:
        report: the point estimates on the full data.
        micro: metric → (low, high).
        per_class: type → metric → (low, high).
    """

    report: EvaluationReport
    micro: Dict[str, Tuple[float, float]]
    per_class: Dict[str, Dict[str, Tuple[float, float]]]
    n_samples: int
    confidence: float
    seed: int

    def to_dict(self) -> Dict[str, object]:
        """JSON-ready dict (intervals as two-element lists)."""
        return {"micro": {k: list(v) for k, v in self.micro.items()},
                "per_class": {c: {k: list(v) for k, v in d.items()} for c, d in self.per_class.items()},
                "n_samples": self.n_samples, "confidence": self.confidence, "seed": self.seed}


def bootstrap(gold: TagInput, pred: TagInput, *, n_samples: int = 1000, confidence: float = 0.95, seed: int = 0,
              mapping: Union[None, Mapping[str, str], Iterable[str]] = None) -> BootstrapResult:
    """Confidence intervals of precision, recall and F1 (micro and per class) by resampling sentences with
    replacement (percentile method). The same ``seed`` gives the same intervals."""
    _check_bootstrap_args(n_samples, confidence)
    m = parse_mapping(mapping)
    counts = entity_counts(gold, pred, mapping=m)
    report = EvaluationReport.from_counts(counts, m)
    sums = _sample_sums(counts, n_samples, seed)
    micro_vals = _prf(sums[:, 0].sum(axis=1), sums[:, 1].sum(axis=1), sums[:, 2].sum(axis=1))
    micro = {k: _interval(v, confidence) for k, v in zip(METRICS, micro_vals)}
    cls_vals = _prf(sums[:, 0], sums[:, 1], sums[:, 2])
    per = {name: {k: _interval(v[:, c], confidence) for k, v in zip(METRICS, cls_vals)}
           for c, name in enumerate(counts.classes)}
    return BootstrapResult(report, micro, per, n_samples, confidence, seed)


@dataclass
class PairedBootstrapResult:
    """Paired bootstrap comparison of two systems on the same gold (Koehn 2004; Berg-Kirkpatrick et al. 2012).

    Attributes:
        a, b: the two reports on the full data.
        metric: the compared metric (micro).
        delta: metric(a) − metric(b) on the full data.
        delta_ci: percentile interval of the difference over the resamples.
        p_value: one-sided, in the direction of the observed difference: the share of resamples in which the
            difference is zero or of the other sign (1.0 when the observed difference is 0).
        a_wins: share of resamples in which a scores strictly higher than b.
    """

    a: EvaluationReport
    b: EvaluationReport
    metric: str
    delta: float
    delta_ci: Tuple[float, float]
    p_value: float
    a_wins: float
    n_samples: int
    confidence: float
    seed: int

    def to_dict(self) -> Dict[str, object]:
        """JSON-ready dict."""
        return {"metric": self.metric, "a": getattr(self.a.micro, self.metric), "b": getattr(self.b.micro, self.metric),
                "delta": self.delta, "delta_ci": list(self.delta_ci), "p_value": self.p_value, "a_wins": self.a_wins,
                "n_samples": self.n_samples, "confidence": self.confidence, "seed": self.seed}


def paired_bootstrap(gold: TagInput, pred_a: TagInput, pred_b: TagInput, *, n_samples: int = 1000,
                     confidence: float = 0.95, seed: int = 0, metric: str = "f1",
                     mapping: Union[None, Mapping[str, str], Iterable[str]] = None) -> PairedBootstrapResult:
    """Compare two predictions on the same gold: both are scored on the same resamples of sentences."""
    _check_bootstrap_args(n_samples, confidence)
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    m = parse_mapping(mapping)
    gold_t = _tagged(gold, "<gold>")
    ca = entity_counts(gold_t, pred_a, mapping=m)  # type: ignore[arg-type]  # internal: encoded once
    cb = entity_counts(gold_t, pred_b, mapping=m)  # type: ignore[arg-type]
    ra, rb = EvaluationReport.from_counts(ca, m), EvaluationReport.from_counts(cb, m)
    # Micro statistics per sentence of both systems, resampled with the same weights.
    stats = np.stack([ca.correct.sum(1), ca.predicted.sum(1), ca.gold.sum(1),
                      cb.correct.sum(1), cb.predicted.sum(1), cb.gold.sum(1)], axis=1).astype(np.float64)
    rng = np.random.default_rng(seed)
    sums = np.concatenate([w @ stats for w in _resample_weights(rng, len(ca), n_samples)], axis=0)
    k = METRICS.index(metric)
    va = _prf(sums[:, 0], sums[:, 1], sums[:, 2])[k]
    vb = _prf(sums[:, 3], sums[:, 4], sums[:, 5])[k]
    diff = va - vb
    delta = getattr(ra.micro, metric) - getattr(rb.micro, metric)
    if delta > 0:
        p = float(np.mean(diff <= 0))
    elif delta < 0:
        p = float(np.mean(diff >= 0))
    else:
        p = 1.0
    return PairedBootstrapResult(ra, rb, metric, float(delta), _interval(diff, confidence), p,
                                 float(np.mean(diff > 0)), n_samples, confidence, seed)


# --------------------------------------------------------------------------------------------------------
# Projection ratio
# --------------------------------------------------------------------------------------------------------
@dataclass
class ProjectionRatio:
    """How many entities survive projection.

    Attributes:
        n_source, n_projected: entities on each side.
        ratio: n_projected / n_source over the corpus (0 when there are no source entities).
        mean_per_sentence: mean of projected / source over the sentences with at least one source entity.
        per_class: type → projected / source over the corpus.
    """

    n_source: int
    n_projected: int
    ratio: float
    mean_per_sentence: float
    per_class: Dict[str, float]

    def to_dict(self) -> Dict[str, object]:
        """All fields as a plain dict."""
        return asdict(self)


def _entity_table(t: _Tagged, vocab: LabelVocab, m: Mapping[str, str]) -> Tuple[np.ndarray, np.ndarray]:
    sent, _, _, lab = _spans(t.offsets, _remap(t, vocab, m))
    return sent, lab


def projection_ratio(source: TagInput, projected: Union[TagInput, ProjectionResult], *,
                     mapping: Union[None, Mapping[str, str], Iterable[str]] = None) -> ProjectionRatio:
    """Projected entities per source entity (corpus-level, per sentence and per class).

    ``source``: source tags (TokenCorpus or tag lists); ``projected``: target tags or a
    :class:`~xlner.batch.ProjectionResult`. Sentence counts must match (sentence lengths may differ).
    """
    m = parse_mapping(mapping)
    vocab = LabelVocab()
    s = _tagged(source, "<source>")
    n = len(s.offsets) - 1
    s_sent, s_lab = _entity_table(s, vocab, m)
    if isinstance(projected, ProjectionResult):
        p_name, n_p = "<projection result>", len(projected)
        # result label id -> shared vocabulary id after the mapping (-1: mapped to O)
        lut = np.array([vocab.id(m.get(x, x)) if m.get(x, x) != "O" else -1 for x in projected.labels.names] + [-1],
                       dtype=np.int64)
        all_sent = np.repeat(np.arange(n_p, dtype=np.int64), np.diff(projected.offsets))
        all_lab = lut[np.asarray(projected.label, dtype=np.int64)]
        p_sent, p_lab = all_sent[all_lab >= 0], all_lab[all_lab >= 0]
    else:
        p = _tagged(projected, "<projected>")
        p_name, n_p = p.name, len(p.offsets) - 1
        p_sent, p_lab = _entity_table(p, vocab, m)
    if n_p != n:
        raise FormatError(p_name, min(n, n_p), "sentence count", f"{n_p} sentences, but the source has {n}")
    src_per = np.bincount(s_sent, minlength=n)
    proj_per = np.bincount(p_sent, minlength=n)
    has = src_per > 0
    n_src, n_proj = int(src_per.sum()), int(proj_per.sum())
    per_class: Dict[str, float] = {}
    src_cls = np.bincount(s_lab, minlength=len(vocab))
    proj_cls = np.bincount(p_lab, minlength=len(vocab))
    for k in sorted(range(len(vocab)), key=lambda i: vocab.names[i]):
        if src_cls[k] > 0:
            per_class[vocab.names[k]] = float(proj_cls[k] / src_cls[k])
    return ProjectionRatio(n_src, n_proj, float(n_proj / n_src) if n_src else 0.0,
                           float(np.mean(proj_per[has] / src_per[has])) if has.any() else 0.0, per_class)


class _CallableModule(types.ModuleType):
    """This module, callable as :func:`evaluate`: the package ``xlner`` names both the function and the module
    ``evaluate``, and imports neither until first use, so its attribute may be either."""

    def __call__(self, *args: Any, **kwargs: Any) -> EvaluationReport:
        return evaluate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
__wrapped__ = evaluate  # inspect.signature(xlner.evaluate) is the function's, whichever of the two it is

__all__ = ["PRF", "EntityCounts", "EvaluationReport", "BootstrapResult", "PairedBootstrapResult", "ProjectionRatio",
           "parse_mapping", "entity_counts", "evaluate", "evaluate_files", "bootstrap", "paired_bootstrap",
           "projection_ratio", "METRICS"]
