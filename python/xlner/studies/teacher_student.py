"""Teacher–student learning (Wu et al., ACL 2020) in the training study (``xlner report training``).

For a target language: CRF *teachers* label the unlabeled target-language text, the DeepL translation of
conll2003 dev and test (``conll2003-deepl/<lang>/{dev,test}.awesome.tsv``, tokens only; ``-DOCSTART-`` lines
dropped by the English side's position), with their per-word marginals (:func:`xlner.distill.soft_labels`),
and a CRF *student* learns from pseudo-labels drawn from them (:func:`xlner.distill.train_crf_student`).
Teacher sets (:data:`TEACHER_SETS`):

* the translate-train CRF (greedy projection of conll2003-deepl train) alone;
* the English CRF alone (model transfer as the teacher: Wu et al.'s single-source setting);
* three teachers (translate-train greedy, translate-train exact, English CRF) combined by their agreement
  on the unlabeled text (:func:`xlner.distill.agreement_weights`).

A CRF cannot learn soft labels, so the student's *labels* (:data:`VARIANTS`) are a knob: the arg-max
sequence, the arg-max of only the sentences whose every word the teachers give ≥ 0.9, or two sequences
sampled per sentence from the distributions (the soft labels in expectation); the translate-train teacher's
student may also learn from the teacher's own projected training data (self-training). The knob is chosen per
language and teacher set on the selection half of Europarl-NER (even 0-based sentence indices,
:func:`xlner.studies.europarl.split_halves`); every figure of the table is on the other half (odd indices).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from xlner.datasets import conll_deepl_paths
from xlner.io import read_conll
from xlner.io.conll import Sentence


@dataclass(frozen=True)
class StudentLabels:
    """How a CRF student turns the teachers' distributions into training sequences
    (:func:`xlner.distill.crf_pseudo_labels`)."""

    name: str
    mode: str = "argmax"
    samples: int = 1
    min_confidence: float = 0.0
    #: also train on the teacher's own (projected) training data: self-training
    with_hard: bool = False


#: The student-label knob, chosen on the selection half.
VARIANTS: Tuple[StudentLabels, ...] = (
    StudentLabels("argmax"),
    StudentLabels("argmax, confidence >= 0.9", min_confidence=0.9),
    StudentLabels("2 samples", mode="sample", samples=2),
)
#: The translate-train teacher's student may also learn from the projected data the teacher learnt from.
SELF_TRAINING = StudentLabels("argmax + projected train", with_hard=True)

#: Teacher set name → (teacher keys, weighting, variants tried). Keys: ``greedy`` / ``exact`` (translate-train
#: CRFs of those projections), ``en`` (the English CRF).
TEACHER_SETS: Dict[str, Tuple[Tuple[str, ...], str, Tuple[StudentLabels, ...]]] = {
    "student of translate-train (greedy)": (("greedy",), "uniform", VARIANTS + (SELF_TRAINING,)),
    "student of the English CRF": (("en",), "uniform", VARIANTS[:1]),
    "student of 3 teachers (greedy, exact, English; agreement)": (("greedy", "exact", "en"), "agreement", VARIANTS),
}


def unlabeled_text(root: Path, lang: str, splits: Sequence[str] = ("dev", "test"),
                   limit: Optional[int] = None) -> List[List[str]]:
    """Tokens of the DeepL ``lang`` translation of conll2003 ``splits`` (no tags used), without the sentences
    whose English side is ``-DOCSTART-`` and without empty ones; the first ``limit`` when given."""
    out: List[List[str]] = []
    for split in splits:
        sp, tp, _ = conll_deepl_paths(root, lang, split, "awesome")
        src, tgt = read_conll(sp), read_conll(tp)
        if len(src) != len(tgt):
            raise ValueError(f"conll2003-deepl {split}: {len(src)} English, {len(tgt)} {lang} sentences")
        out += [list(t.tokens) for s, t in zip(src, tgt) if not s.is_docstart and t.tokens]
    return out[: limit if limit else None]


@dataclass
class StudentRun:
    """One teacher set's students: the chosen variant, selection-half F1 per variant, the chosen student, the
    teacher weights and the number of pseudo-labelled sequences it learnt from."""

    name: str
    chosen: StudentLabels
    selection_f1: Dict[str, float]
    student: Any
    weights: List[float]
    sequences: int


def train_students(teachers: Dict[str, Any], unlabeled: Sequence[Sequence[str]], selection: Sequence[Sentence],
                   cache: Optional[Path], tag: str, *, max_iterations: int = 100, seed: int = 0,
                   predict: Any = None, hard: Optional[Sequence[Sentence]] = None) -> List[StudentRun]:
    """For each teacher set of :data:`TEACHER_SETS`: students for each variant, the one with the best micro F1
    on ``selection`` (ties: the earlier variant) kept; a variant no sentence qualifies for scores NaN and is
    never chosen. ``teachers``: key → CRF (``greedy``, ``exact``, ``en``);
    ``cache``/``tag``: students are stored as ``cache/student.<tag>.<set>.<variant>.<digest>.crf`` (keyed on
    the teachers' labels, the unlabeled text, the variant and the options: :mod:`xlner.studies.cache`) and reused;
    ``predict(tagger, token lists)``: how a tagger is run (default ``tagger.predict``); ``hard``: the labelled
    data of the variants ``with_hard`` (the translate-train teacher's projected training data; those variants
    are skipped without it)."""
    from xlner.distill import soft_labels, train_crf_student
    from xlner.evaluate import evaluate
    from xlner.models.crf import CRFConfig, CRFTagger
    from xlner.studies.cache import keyed_path

    run = predict or (lambda t, toks: t.predict(toks))
    gold = [s.tags for s in selection]
    toks = [list(s.tokens) for s in selection]
    out: List[StudentRun] = []
    for k, (name, (keys, weighting, variants)) in enumerate(TEACHER_SETS.items()):
        labels = soft_labels([teachers[x] for x in keys], weighting, unlabeled)
        best: Optional[StudentRun] = None
        scores: Dict[str, float] = {}
        confidence = labels.confidence()
        for j, v in enumerate(variants):
            used = int((confidence >= v.min_confidence).sum()) * (v.samples if v.mode == "sample" else 1)
            if v.with_hard and not hard:
                continue
            if used == 0:  # no sentence reaches the confidence: no student of this variant
                scores[v.name] = float("nan")
                continue
            hard_key = [(s.tokens, s.tags) for s in hard] if v.with_hard and hard else None
            path = keyed_path(cache, f"student.{tag}.t{k}.v{j}", ".crf", labels, [list(t) for t in unlabeled], v,
                              max_iterations, seed, hard_key)
            if path is not None and path.is_file():
                student: Any = CRFTagger.load(path)
            else:
                student, _ = train_crf_student(unlabeled, labels, config=CRFConfig(max_iterations=max_iterations),
                                               crf_labels=v.mode, samples=v.samples, min_confidence=v.min_confidence,
                                               seed=seed, hard=hard if v.with_hard else None)
                if path is not None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    student.save(path)
            scores[v.name] = evaluate(gold, run(student, toks)).micro.f1
            if best is None or scores[v.name] > best.selection_f1[best.chosen.name]:
                best = StudentRun(name, v, scores, student, list(labels.weights), used)
        if best is None:
            raise ValueError(f"{name}: no student could be trained (no unlabeled sentence for any variant)")
        out.append(best)
    return out


__all__ = ["StudentLabels", "VARIANTS", "SELF_TRAINING", "TEACHER_SETS", "unlabeled_text", "StudentRun",
           "train_students"]
