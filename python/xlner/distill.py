"""Teacher–student distillation on unlabeled target-language text (Wu et al., ACL 2020, "Single-/Multi-Source
Cross-Lingual NER via Teacher-Student Learning on Unlabeled Data in Target Language").

One or more *teachers* (any tagger with ``predict_proba`` and ``tags``: a transformers
:class:`~xlner.models.token_tagger.TokenTagger` gives softmax probabilities, a
:class:`~xlner.models.crf.CRFTagger` its marginals) label unlabeled sentences with per-word class
distributions (:func:`soft_labels`); a *student* learns from them (:func:`distill`):

* a CRF student learns from hard pseudo-labels (crfsuite has no soft-label loss): the arg-max of the
  combined distribution per word, or several sequences sampled from it per sentence (the soft labels in
  expectation), optionally only the sentences the teachers are confident about (:func:`crf_pseudo_labels`);
* a transformers student (``full`` or ``lora``) learns with the soft cross-entropy of
  :func:`soft_cross_entropy` through the project's Trainer (:mod:`xlner.training.trainer`), optionally mixed
  with projected hard labels: loss = λ·CE(hard) + (1−λ)·soft.

Teachers are combined per word, ``p = Σ_k w_k p_k``, with uniform weights, given weights, or ``"agreement"``
weights (see :func:`agreement_weights`). Teachers may order their tags differently; they are aligned by name
onto one tag set (``O``, then ``B-X``/``I-X`` per class, classes sorted), and every teacher must know every
class.

Temperature: a teacher's distribution ``p`` is softened as ``p^(1/T)`` renormalised, which for a softmax
teacher is exactly ``softmax(z/T)`` of its logits ``z``; the student's logits are divided by the same T and
the loss is scaled by T² (Hinton et al. 2015), so gradients keep their size across temperatures.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

import numpy as np

from xlner.io.conll import Sentence

if TYPE_CHECKING:  # pragma: no cover
    import torch

log = logging.getLogger(__name__)

#: Teacher weighting schemes of :func:`soft_labels` (besides explicit weights).
WEIGHTINGS = ("uniform", "agreement")


def tag_set(teachers: Sequence[Any]) -> List[str]:
    """The shared IOB2 tag set of ``teachers`` (``O``, then ``B-X``/``I-X`` per class, classes sorted).

    Raises ``ValueError`` when a teacher lacks a class another teacher has, naming both."""
    if not teachers:
        raise ValueError("distillation needs at least one teacher")
    classes = [{t[2:] for t in teacher.tags if t != "O"} for teacher in teachers]
    union = set().union(*classes)
    for k, cls in enumerate(classes):
        missing = sorted(union - cls)
        if missing:
            other = next(j for j, c in enumerate(classes) if set(missing) & c)
            raise ValueError(f"teacher {k} has no class {', '.join(missing)} (teacher {other} has); teachers must "
                             f"share one tag set (map labels with --label-map or retrain)")
    return ["O"] + [f"{p}-{c}" for c in sorted(union) for p in ("B", "I")]


def _aligned(teacher: Any, probs: Sequence[np.ndarray], tags: Sequence[str], k: int) -> List[np.ndarray]:
    """``probs`` over ``teacher.tags`` as columns of ``tags`` (a tag the teacher lacks, e.g. a missing I-X, gets 0)."""
    cols = list(teacher.tags)
    for t in cols:
        if t not in tags:
            raise ValueError(f"teacher {k}: tag {t!r} is not an IOB2 tag of the shared set {list(tags)}")
    idx = [tags.index(t) for t in cols]
    out = []
    for p in probs:
        a = np.zeros((p.shape[0], len(tags)), dtype=np.float64)
        a[:, idx] = p
        out.append(a)
    return out


def temper(p: np.ndarray, temperature: float) -> np.ndarray:
    """``p^(1/T)`` renormalised per row (``softmax(z/T)`` for ``p = softmax(z)``); T = 1 returns ``p``."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if temperature == 1.0 or p.size == 0:
        return p
    logp = np.log(np.clip(p, 1e-300, None)) / temperature
    logp -= logp.max(axis=-1, keepdims=True)
    e = np.exp(logp)
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


def agreement_weights(per_teacher: Sequence[Sequence[np.ndarray]]) -> np.ndarray:
    """Teacher weights from agreement on the unlabeled text: teacher k's score is
    ``a_k = 1 − mean_{j≠k} mean_words TV(p_k, p_j)`` (TV: total-variation distance, ½·Σ|p − q|, in [0, 1]);
    weights are the scores normalised to sum 1 (uniform when all are 0 or there is one teacher).

    Why agreement and not the paper's language-similarity weighting: the latter needs a language-ID
    classifier over the source languages and assumes one teacher per source language, whereas teachers here
    may be any taggers (CRF and transformers, several methods in one language). Agreement needs only the
    unlabeled text: a teacher that departs from the consensus of the others on the target text is, with
    independent errors, the likelier to be wrong (the reasoning behind ensembles and majority voting), so it
    gets less weight. No gold data is used.
    """
    n = len(per_teacher)
    if n < 2:
        return np.ones(n) / max(n, 1)
    tv = np.zeros((n, n))
    words = sum(p.shape[0] for p in per_teacher[0])
    if words == 0:
        return np.ones(n) / n
    for i in range(n):
        for j in range(i + 1, n):
            d = sum(float(0.5 * np.abs(a - b).sum()) for a, b in zip(per_teacher[i], per_teacher[j])) / words
            tv[i, j] = tv[j, i] = d
    score = 1.0 - tv.sum(axis=1) / (n - 1)
    score = np.clip(score, 0.0, None)
    if score.sum() <= 0:
        return np.ones(n) / n
    out: np.ndarray = score / score.sum()
    return out


def _weights(weights: Union[str, Sequence[float], None], per_teacher: Sequence[Sequence[np.ndarray]]) -> np.ndarray:
    n = len(per_teacher)
    if weights is None or (isinstance(weights, str) and weights == "uniform"):
        return np.ones(n) / n
    if isinstance(weights, str):
        if weights in ("agreement", "auto"):
            return agreement_weights(per_teacher)
        raise ValueError(f"teacher weights must be uniform, agreement/auto or numbers, got {weights!r}")
    w = np.asarray([float(x) for x in weights], dtype=np.float64)
    if len(w) != n:
        raise ValueError(f"{len(w)} teacher weights for {n} teachers")
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError(f"teacher weights must be finite, >= 0 and not all 0, got {list(w)}")
    out: np.ndarray = w / w.sum()
    return out


@dataclass
class SoftLabels:
    """Combined teacher distributions: ``tags`` (column order), ``probs`` (one ``[n_words, len(tags)]`` array
    per sentence, rows sum to 1) and the normalised teacher ``weights`` used."""

    tags: List[str]
    probs: List[np.ndarray]
    weights: List[float] = field(default_factory=list)

    def hard(self) -> List[List[str]]:
        """Pseudo-labels: the arg-max tag per word, made valid IOB2 (an orphan ``I-X`` becomes ``B-X``)."""
        from xlner.models.token_tagger import repair_iob2

        return [repair_iob2([self.tags[i] for i in p.argmax(axis=1)]) if len(p) else [] for p in self.probs]

    def confidence(self) -> np.ndarray:
        """Per sentence, the smallest arg-max probability over its words (1.0 for an empty sentence): a
        sentence whose every word the teachers agree on with at least this probability."""
        return np.array([float(p.max(axis=1).min()) if len(p) else 1.0 for p in self.probs], dtype=np.float64)

    def sample(self, k: int, seed: int = 0) -> List[List[List[str]]]:
        """``k`` pseudo-label sequences per sentence, each tag drawn per word from the word's distribution
        (independently, seeded: sentence i uses ``numpy.random.default_rng([seed, i])``), made valid IOB2.

        A CRF cannot learn from soft labels; ``k`` samples weight each tag by its probability in expectation
        (as ``k`` grows, the share of copies with tag t at a word tends to ``p(t)``)."""
        from xlner.models.token_tagger import repair_iob2

        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        out: List[List[List[str]]] = []
        for i, p in enumerate(self.probs):
            rng = np.random.default_rng([seed, i])
            cum = np.cumsum(p, axis=1)
            draws = []
            for _ in range(k):
                u = np.asarray(rng.random(p.shape[0]))[:, None] * cum[:, -1:]
                idx = np.minimum((cum <= u).sum(axis=1), p.shape[1] - 1)
                draws.append(repair_iob2([self.tags[j] for j in idx]) if len(p) else [])
            out.append(draws)
        return out


#: How a CRF student turns the combined distributions into training sequences (:func:`crf_pseudo_labels`).
CRF_LABELS = ("argmax", "sample")


def crf_pseudo_labels(sentences: Sequence[Sequence[str]], labels: SoftLabels, *, mode: str = "argmax",
                      samples: int = 1, min_confidence: float = 0.0,
                      seed: int = 0) -> tuple[List[List[str]], List[List[str]]]:
    """The (tokens, tags) training sequences of a CRF student from the teachers' combined distributions.

    ``mode``: ``argmax`` (one sequence per sentence, :meth:`SoftLabels.hard`) or ``sample`` (``samples``
    sequences per sentence drawn from the distributions, :meth:`SoftLabels.sample`). ``min_confidence``:
    keep only the sentences whose :meth:`SoftLabels.confidence` reaches it (0 keeps all)."""
    if mode not in CRF_LABELS:
        raise ValueError(f"CRF pseudo-labels must be one of {CRF_LABELS}, got {mode!r}")
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must be in [0, 1], got {min_confidence}")
    if len(sentences) != len(labels.probs):
        raise ValueError(f"{len(sentences)} sentences but {len(labels.probs)} distributions")
    keep = [int(i) for i in np.flatnonzero(labels.confidence() >= min_confidence)]
    toks: List[List[str]] = []
    tags: List[List[str]] = []
    if mode == "argmax":
        hard = labels.hard()
        for i in keep:
            toks.append(list(sentences[i]))
            tags.append(hard[i])
    else:
        drawn = labels.sample(samples, seed)
        for i in keep:
            for seq in drawn[i]:
                toks.append(list(sentences[i]))
                tags.append(seq)
    return toks, tags


def combine(per_teacher: Sequence[Sequence[np.ndarray]], weights: Union[str, Sequence[float], None] = "uniform",
            temperature: float = 1.0) -> tuple[List[np.ndarray], np.ndarray]:
    """Weighted mixture of aligned teacher distributions (each teacher: one array per sentence, same shapes).

    Weights are computed on the untempered distributions; each teacher is then tempered (:func:`temper`) and
    the mixture taken. Returns (combined arrays, normalised weights)."""
    w = _weights(weights, per_teacher)
    n_sent = len(per_teacher[0])
    for k, pt in enumerate(per_teacher):
        if len(pt) != n_sent or any(a.shape != b.shape for a, b in zip(pt, per_teacher[0])):
            raise ValueError(f"teacher {k}: distributions do not match teacher 0's sentences / tag columns")
    out: List[np.ndarray] = []
    for s in range(n_sent):
        out.append(np.einsum("k,kwc->wc", w, np.stack([temper(pt[s], temperature) for pt in per_teacher])))
    return out, w


def soft_labels(teachers: Sequence[Any], weights: Union[str, Sequence[float], None],
                sentences: Sequence[Sequence[str]], temperature: float = 1.0) -> SoftLabels:
    """Per-word class distributions of ``sentences``, combined over ``teachers`` (taggers with ``tags`` and
    ``predict_proba``) with ``weights``: ``"uniform"``, ``"agreement"`` (alias ``"auto"``;
    :func:`agreement_weights`) or one non-negative number per teacher (normalised)."""
    tags = tag_set(teachers)
    per_teacher = []
    for k, t in enumerate(teachers):
        probs = t.predict_proba(sentences)
        for si, (p, s) in enumerate(zip(probs, sentences)):
            if p.shape[0] != len(s):
                raise ValueError(f"teacher {k}, sentence {si}: {p.shape[0]} distributions for {len(s)} words")
        per_teacher.append(_aligned(t, probs, tags, k))
    probs, w = combine(per_teacher, weights, temperature)
    return SoftLabels(tags, probs, [float(x) for x in w])


def soft_cross_entropy(student_logits: "torch.Tensor", teacher_probs: "torch.Tensor", temperature: float = 1.0,
                       mask: Optional["torch.Tensor"] = None) -> "torch.Tensor":
    """``T² · mean over positions of −Σ_c q_c · log softmax(z/T)_c`` for student logits ``z`` ``[..., C]`` and
    teacher distributions ``q`` ``[..., C]`` (already tempered). ``mask`` (``[...]``, bool): the positions
    that count (default all); no position → 0. Equals KL(q‖softmax(z/T))·T² plus the teacher entropy, a
    constant, so the gradients are those of the KL loss."""
    import torch

    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    logp = torch.log_softmax(student_logits.float() / temperature, dim=-1)
    per = -(teacher_probs.float() * logp).sum(dim=-1)
    if mask is not None:
        per = per[mask]
    if per.numel() == 0:
        return student_logits.sum() * 0.0
    return per.mean() * temperature ** 2


# ---------------------------------------------------------------------------------------- students
@dataclass
class DistillResult:
    """What :func:`distill` did: the output (CRF file or model directory), the tag set, the teacher weights,
    the number of unlabeled / hard sentences used."""

    out: str
    tags: List[str]
    weights: List[float]
    unlabeled: int
    hard: int = 0
    train: Any = None


def _soft_features(sentences: Sequence[Sequence[str]], probs: Sequence[np.ndarray], hard: Sequence[Sentence],
                   tokenizer: Any, label2id: Dict[str, int], max_length: int) -> List[Dict[str, Any]]:
    """Training windows: the unlabeled sentences (labels: pseudo-labels on first subwords, ``soft``: the
    teacher rows of those words in order, ``is_soft`` 1) and the hard sentences (``is_soft`` 0)."""
    from xlner.training.data import encode_sentences

    tags = list(label2id)
    feats: List[Dict[str, Any]] = []
    for si, (toks, p) in enumerate(zip(sentences, probs)):
        pseudo = [tags[i] for i in p.argmax(axis=1)]
        rows = 0
        for w in encode_sentences([Sentence(list(toks), pseudo)], tokenizer, label2id, max_length=max_length):
            f = w.as_features()
            n = sum(1 for x in f["labels"] if x != -100)
            f["soft"] = p[rows:rows + n].astype(np.float32).tolist()
            f["is_soft"] = 1
            rows += n
            feats.append(f)
        if rows != len(toks):
            raise ValueError(f"unlabeled sentence {si}: {len(toks)} words but {rows} labelled subwords")
    for w in encode_sentences(hard, tokenizer, label2id, max_length=max_length):
        f = w.as_features()
        f["soft"] = []
        f["is_soft"] = 0
        feats.append(f)
    return feats


class _SoftCollator:
    """Pads like ``DataCollatorForTokenClassification`` and adds ``soft`` ``[B, L, C]`` (teacher rows at the
    labelled positions of soft windows, zeros elsewhere) and ``is_soft`` ``[B]``."""

    def __init__(self, tokenizer: Any, n_labels: int) -> None:
        from transformers import DataCollatorForTokenClassification

        self.base = DataCollatorForTokenClassification(tokenizer)
        self.n_labels = n_labels

    def __call__(self, features: List[Dict[str, Any]]) -> Dict[str, Any]:
        import torch

        soft = [f["soft"] for f in features]
        is_soft = torch.tensor([int(f["is_soft"]) for f in features], dtype=torch.bool)
        batch = self.base([{k: v for k, v in f.items() if k not in ("soft", "is_soft")} for f in features])
        labels = batch["labels"]
        target = torch.zeros((*labels.shape, self.n_labels), dtype=torch.float32)
        for r, rows in enumerate(soft):
            if rows:
                pos = (labels[r] != -100).nonzero(as_tuple=True)[0]
                target[r, pos] = torch.tensor(rows, dtype=torch.float32)
        batch["soft"] = target
        batch["is_soft"] = is_soft
        return batch


def _soft_trainer_class(temperature: float, mix: float) -> type:
    """The project's F1-evaluating Trainer with the distillation loss
    ``mix · CE(hard windows) + (1 − mix) · soft_cross_entropy(soft windows)``, each term the mean over its
    tokens in the batch (0 when the batch has none); without hard data ``mix`` is 0."""
    import torch

    from xlner.training.trainer import _F1Trainer

    class SoftTrainer(_F1Trainer):
        """Trainer with the soft (distillation) loss."""

        def _set_signature_columns_if_needed(self) -> None:
            super()._set_signature_columns_if_needed()  # keep the soft targets when unused columns are removed
            cols: List[str] = list(getattr(self, "_signature_columns", None) or [])
            if "soft" not in cols:
                setattr(self, "_signature_columns", cols + ["soft", "is_soft"])

        def compute_loss(self, model: Any, inputs: Dict[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            soft = inputs.pop("soft")
            is_soft = inputs.pop("is_soft")
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            logits = outputs.logits
            valid = labels != -100
            soft_mask = valid & is_soft[:, None]
            hard_mask = valid & ~is_soft[:, None]
            loss = (1.0 - mix) * soft_cross_entropy(logits, soft.to(logits.device), temperature, soft_mask)
            if mix > 0 and bool(hard_mask.any()):
                loss = loss + mix * torch.nn.functional.cross_entropy(logits[hard_mask].float(), labels[hard_mask])
            return (loss, outputs) if return_outputs else loss

    return SoftTrainer


def train_crf_student(sentences: Sequence[Sequence[str]], labels: SoftLabels, *,
                      hard: Optional[Sequence[Sentence]] = None, config: Any = None, crf_labels: str = "argmax",
                      samples: int = 1, min_confidence: float = 0.0, seed: int = 0) -> tuple[Any, int]:
    """A CRF student (:class:`~xlner.models.crf.CRFTagger` with ``config``) trained on the pseudo-labels of
    :func:`crf_pseudo_labels` plus the ``hard`` sentences; returns (tagger, pseudo-labelled sequences used)."""
    from xlner.models.crf import CRFConfig, CRFTagger

    hard = list(hard or [])
    toks, pseudo = crf_pseudo_labels(sentences, labels, mode=crf_labels, samples=samples,
                                     min_confidence=min_confidence, seed=seed)
    if not toks and not hard:
        raise ValueError(f"no unlabeled sentence reaches min_confidence {min_confidence}")
    model = CRFTagger.train(toks + [s.tokens for s in hard], pseudo + [s.tags for s in hard], config or CRFConfig())
    return model, len(toks)


def distill(teachers: Sequence[Any], unlabeled: Sequence[Sequence[str]], student: str,
            out: Union[str, "os.PathLike[str]"], *, weights: Union[str, Sequence[float], None] = "uniform",
            temperature: float = 1.0, hard: Optional[Sequence[Sentence]] = None, mix: float = 0.5,
            mode: str = "full", epochs: float = 3.0, lr: Optional[float] = None, seed: int = 0,
            batch_size: int = 16, dev: Optional[Sequence[Sentence]] = None,
            crf_config: Any = None, crf_labels: str = "argmax", samples: int = 1,
            min_confidence: float = 0.0) -> DistillResult:
    """Train ``student`` (``"crf"`` or a transformers base model) from ``teachers`` on ``unlabeled`` sentences.

    CRF student: pseudo-labels (:func:`crf_pseudo_labels`: ``crf_labels`` ``argmax`` or ``sample`` with
    ``samples`` draws per sentence from the distributions tempered at ``temperature``; sentences below
    ``min_confidence`` left out) plus the ``hard`` sentences, if any, saved to the file ``out``.
    Transformers student: :func:`xlner.training.trainer.train_token_classifier` with the soft loss
    (``mode`` full or lora; ``temperature``; ``hard`` with weight ``mix``), saved to directory ``out``.
    ``dev``: labelled sentences for per-epoch F1 and best-epoch selection (transformers only).
    """
    if not 0.0 <= mix <= 1.0:
        raise ValueError(f"mix must be in [0, 1], got {mix}")
    sents = [list(s) for s in unlabeled if len(s)]
    if not sents:
        raise ValueError("no unlabeled sentences")
    hard = list(hard or [])
    sampled = student == "crf" and crf_labels == "sample"
    sl = soft_labels(teachers, weights, sents, temperature if student != "crf" or sampled else 1.0)
    log.info("soft labels for %d sentences from %d teachers (weights %s)", len(sents), len(teachers),
             ", ".join(f"{w:.3f}" for w in sl.weights))
    if student == "crf":
        model, used = train_crf_student(sents, sl, hard=hard, config=crf_config, crf_labels=crf_labels,
                                        samples=samples, min_confidence=min_confidence, seed=seed)
        model.save(out)
        return DistillResult(os.fspath(out), sl.tags, sl.weights, used, len(hard))
    if mode not in ("full", "lora"):
        raise ValueError(f"a transformers student is trained in mode full or lora, got {mode!r}")
    from xlner.training.data import label_list
    from xlner.training.trainer import TrainConfig, TrainerHooks, train_token_classifier

    extra = label_list(hard)
    if set(extra) - set(sl.tags):
        raise ValueError(f"the hard labels have tags {sorted(set(extra) - set(sl.tags))} the teachers do not know")
    tags = sl.tags
    pseudo_sents = [Sentence(s, t) for s, t in zip(sents, sl.hard())]
    hooks = TrainerHooks(
        labels=tags,
        features=lambda tok, label2id, max_len: _soft_features(sents, sl.probs, hard, tok, label2id, max_len),
        collator=lambda tok: _SoftCollator(tok, len(tags)),
        trainer_class=_soft_trainer_class(temperature, mix if hard else 0.0))
    cfg = TrainConfig(mode=mode, epochs=epochs, lr=lr, seed=seed, batch_size=batch_size)
    res = train_token_classifier(pseudo_sents + hard, student, Path(out), cfg, dev=dev, hooks=hooks)
    return DistillResult(os.fspath(out), tags, sl.weights, len(sents), len(hard), res)


__all__ = ["WEIGHTINGS", "CRF_LABELS", "SoftLabels", "crf_pseudo_labels", "DistillResult", "tag_set", "temper",
           "agreement_weights", "combine", "soft_labels", "soft_cross_entropy", "train_crf_student", "distill"]
