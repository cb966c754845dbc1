"""Corpus-level perturbation and the robustness evaluation of taggers and projection pipelines.

- :func:`perturb_sentences`: apply one perturbation to token lists (target sentences before
  alignment/projection; tags optional) — the plain-function API of the projection studies.
- :func:`perturb_corpus` / :func:`write_perturbed`: perturb labelled sentences, write CoNLL files and a
  manifest (seed, parameters, every change).
- :func:`standard_suite`: the named perturbation set of the CLI.
- :func:`evaluate_robustness`: entity F1 (:mod:`xlner.evaluate`) of a tagger — or of any predictor callable,
  e.g. a projection pipeline — on the clean set and on every perturbation; a
  :class:`RobustnessReport` renders the F1-drop table (Markdown, JSON) and a plot.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from xlner.io import Sentence, write_conll
from xlner.io.atomic import atomic_open, check_outputs
from xlner.robustness.perturbations import (
    Casing,
    CharNoise,
    Compose,
    ContextReplacement,
    EntityReplacement,
    Masking,
    Perturbation,
    Perturbed,
    TokenNoise,
    UnknownEntityReplacement,
    sentence_rng,
)
from xlner.robustness.resources import NamePool, validate_sentence

Predictor = Callable[[List[List[str]]], List[List[str]]]


def perturb_sentences(
    sentences: Sequence[Sequence[str]],
    perturbation: Perturbation,
    *,
    tags: Optional[Sequence[Sequence[str]]] = None,
    seed: int = 0,
) -> List[Perturbed]:
    """Perturb token lists (optionally with their IOB2 tags); sentence ``i`` uses
    :func:`~xlner.robustness.perturbations.sentence_rng` ``(seed, perturbation.name, i)``.

    ``Perturbed.origin`` maps each output token back to its input slot, so alignments or labels of
    the original sentence can be carried over to the perturbed one.
    """
    if tags is not None and len(tags) != len(sentences):
        raise ValueError(f"{len(sentences)} sentences but {len(tags)} tag sequences")
    out: List[Perturbed] = []
    for i, toks in enumerate(sentences):
        tg = tags[i] if tags is not None else None
        validate_sentence(toks, tg, f"sentence {i}")
        out.append(perturbation.apply(list(toks), list(tg) if tg is not None else None,
                                      sentence_rng(seed, perturbation.name, i)))
    return out


def carry_alignment(
    links: Sequence[Tuple[int, int]], perturbed: Perturbed, *, side: str = "tgt"
) -> List[Tuple[int, int]]:
    """Carry word-alignment links ``(src, tgt)`` over to a perturbed sentence through
    ``perturbed.origin``: links to tokens that kept their slot are renumbered; links to deleted or
    length-changed tokens are dropped (``side``: which side of the links was perturbed).

    For projection studies that keep the original alignments (to isolate the projection step from
    the aligner); re-aligning the perturbed text tests the aligner as well.
    """
    if side not in ("src", "tgt"):
        raise ValueError(f"side must be 'src' or 'tgt', got {side!r}")
    new_pos: Dict[int, List[int]] = {}
    for j, i in enumerate(perturbed.origin):
        if i >= 0:
            new_pos.setdefault(i, []).append(j)
    out: List[Tuple[int, int]] = []
    for s_i, t_i in links:
        old = t_i if side == "tgt" else s_i
        for j in new_pos.get(old, []):
            out.append((s_i, j) if side == "tgt" else (j, t_i))
    return sorted(out)


def _edits(log: Sequence[Dict[str, object]]) -> int:
    """Number of edits in a perturbation log (the ``changes`` of every changed sentence)."""
    return sum(len(c) for e in log if isinstance(c := e["changes"], list))


def perturb_corpus(
    sentences: Sequence[Sentence], perturbation: Perturbation, *, seed: int = 0
) -> Tuple[List[Sentence], List[Dict[str, object]]]:
    """Perturb labelled sentences. Returns the perturbed sentences and, for each changed sentence,
    ``{"sentence": i, "changes": [...]}``. ``-DOCSTART-`` and empty sentences pass through unchanged."""
    out: List[Sentence] = []
    log: List[Dict[str, object]] = []
    for i, s in enumerate(sentences):
        if s.is_docstart or not s.tokens:
            out.append(Sentence(list(s.tokens), list(s.tags)))
            continue
        tags = list(s.tags) if s.tags else None
        validate_sentence(s.tokens, tags, f"sentence {i}")
        p = perturbation.apply(list(s.tokens), tags, sentence_rng(seed, perturbation.name, i))
        out.append(Sentence(p.tokens, p.tags if p.tags is not None else []))
        if p.changes:
            log.append({"sentence": i, "changes": [c.to_dict() for c in p.changes]})
    return out, log


def standard_suite(
    *,
    pool: Optional[NamePool] = None,
    known: Optional[NamePool] = None,
    vocab: Sequence[str] = (),
    neighbours: Optional[Callable[[str], Sequence[str]]] = None,
    rate: float = 0.3,
    entity_rate: float = 1.0,
    only: Optional[Iterable[str]] = None,
) -> Dict[str, Perturbation]:
    """The named perturbations of ``xlner perturb``/``xlner robustness``.

    Entity perturbations need ``pool``; ``unknown_entity`` also needs ``known`` (names of the
    tagger's training set); context replacement needs ``vocab`` or ``neighbours``
    (``context_nn`` is added when ``neighbours`` is given). ``rate`` is the per-token rate of the
    context, noise and casing perturbations; ``entity_rate`` the per-entity rate. ``only`` keeps the
    named subset (unknown names raise).
    """
    suite: Dict[str, Perturbation] = {}
    if pool is not None:
        suite["entity"] = EntityReplacement(pool, rate=entity_rate)
        if known is not None:
            suite["unknown_entity"] = UnknownEntityReplacement(pool, rate=entity_rate, known=known)
    if vocab:
        suite["context"] = ContextReplacement(vocab=vocab, rate=rate)
    if neighbours is not None:
        suite["context_nn"] = ContextReplacement(neighbours=neighbours, rate=rate, name="context_nn")
    if pool is not None and "context" in suite:
        suite["entity+context"] = Compose(
            [EntityReplacement(pool, rate=entity_rate), ContextReplacement(vocab=vocab, rate=rate)],
            name="entity+context")
    suite["mask_entity"] = Masking("entity", rate=entity_rate)
    suite["mask_context"] = Masking("context", rate=rate)
    suite["token_noise"] = TokenNoise(rate=rate, vocab=list(vocab))
    suite["char_noise"] = CharNoise(rate=rate)
    suite["char_noise_entity"] = CharNoise(rate=entity_rate, target="entity", name="char_noise_entity")
    suite["lowercase"] = Casing(rate=1.0, mode="lower", name="lowercase")
    suite["casing_random"] = Casing(rate=rate, mode="random")
    if only is not None:
        names = list(only)
        missing = [n for n in names if n not in suite]
        if missing:
            raise ValueError(f"unknown or unavailable perturbation(s) {missing}; available: {sorted(suite)}"
                             " (entity ones need a name pool, unknown_entity a training file, context a vocabulary)")
        suite = {n: suite[n] for n in names}
    return suite


def write_perturbed(
    out_dir: str | os.PathLike[str],
    sentences: Sequence[Sentence],
    suite: Mapping[str, Perturbation],
    *,
    seed: int = 0,
    source: str = "",
) -> Dict[str, object]:
    """Write ``<name>.conll`` per perturbation and ``manifest.json`` (seed, source, parameters,
    counts, every change) into ``out_dir``. Returns the manifest.

    Raises ``ValueError`` before writing anything when one of these files is ``source`` (or two perturbation names
    map to the same file)."""
    os.makedirs(os.fspath(out_dir), exist_ok=True)
    files = [os.path.join(os.fspath(out_dir), f"{_safe(name)}.conll") for name in suite] + [
        os.path.join(os.fspath(out_dir), "manifest.json")]
    check_outputs(files, {"--input": source} if source and not source.startswith("sample:") else {})
    manifest: Dict[str, object] = {"seed": seed, "source": source, "sentences": len(sentences), "perturbations": {}}
    for name, pert in suite.items():
        pert_sents, log = perturb_corpus(sentences, pert, seed=seed)
        fname = f"{_safe(name)}.conll"
        write_conll(os.path.join(os.fspath(out_dir), fname), pert_sents)
        manifest["perturbations"][name] = {  # type: ignore[index]
            "file": fname,
            "params": pert.describe(),
            "sentences_changed": len(log),
            "edits": _edits(log),
            "changes": log,
        }
    with atomic_open(os.path.join(os.fspath(out_dir), "manifest.json"), "w") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
    return manifest


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


# --------------------------------------------------------------------------- evaluation
def as_predictor(model: object) -> Predictor:
    """A predictor from a :class:`~xlner.models.base.Tagger` (its ``predict``) or a callable
    ``List[List[str]] -> List[List[str]]`` (e.g. a projection pipeline that closes over the source
    side and maps perturbed target sentences, in corpus order, to IOB2 tags)."""
    if hasattr(model, "predict") and callable(getattr(model, "predict")):
        return model.predict
    if callable(model):
        return model
    raise TypeError(f"expected a Tagger (with predict) or a callable, got {type(model).__name__}")


@dataclass
class ScoreRow:
    """Entity F1 of one condition: overall (micro) and per class, with supports."""

    name: str
    f1: float
    precision: float
    recall: float
    per_class: Dict[str, float]
    support: Dict[str, int]
    sentences_changed: int = 0
    edits: int = 0


def entity_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], name: str = "") -> ScoreRow:
    """Micro entity P/R/F1 and per-class F1 through :func:`xlner.evaluate.evaluate` (seqeval's numbers)."""
    from xlner.evaluate import evaluate

    if len(gold) != len(pred):
        raise ValueError(f"{name}: {len(gold)} gold sentences but {len(pred)} predictions")
    for i, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise ValueError(f"{name}: sentence {i}, field tags: {len(g)} gold tags but {len(p)} predicted")
    rep = evaluate([list(x) for x in gold], [list(x) for x in pred])
    per = {k: float(v.f1) for k, v in rep.per_class.items()}
    sup = {k: int(v.support) for k, v in rep.per_class.items()}
    return ScoreRow(name, float(rep.micro.f1), float(rep.micro.precision), float(rep.micro.recall), per, sup)


@dataclass
class RobustnessReport:
    """Clean and perturbed scores; F1 drops are clean minus perturbed, in points (x100)."""

    clean: ScoreRow
    rows: List[ScoreRow] = field(default_factory=list)
    title: str = ""

    @property
    def classes(self) -> List[str]:
        """Classes present in the clean gold."""
        return sorted(self.clean.per_class)

    def drop(self, row: ScoreRow, cls: Optional[str] = None) -> float:
        """F1 drop in points of ``row`` vs clean (overall, or of class ``cls``)."""
        if cls is None:
            return 100.0 * (self.clean.f1 - row.f1)
        return 100.0 * (self.clean.per_class.get(cls, 0.0) - row.per_class.get(cls, 0.0))

    def to_dict(self) -> Dict[str, object]:
        """JSON-able form: F1s in [0, 1], drops in points."""
        def row(r: ScoreRow) -> Dict[str, object]:
            return {"name": r.name, "f1": r.f1, "precision": r.precision, "recall": r.recall,
                    "per_class": r.per_class, "support": r.support,
                    "sentences_changed": r.sentences_changed, "edits": r.edits}

        return {
            "title": self.title,
            "clean": row(self.clean),
            "perturbations": [dict(row(r), drop=self.drop(r), drop_per_class={c: self.drop(r, c) for c in self.classes})
                              for r in self.rows],
        }

    def to_markdown(self) -> str:
        """The F1 table: F1 x100 per condition and class, with the drop vs clean in parentheses."""
        cls = self.classes
        head = "| perturbation | sentences changed | F1 | drop | " + " | ".join(cls) + " |"
        sep = "|---|---:|---:|---:|" + "---:|" * len(cls)
        lines = [f"**{self.title}**", ""] if self.title else []
        lines += [head, sep]
        lines.append(f"| clean | 0 | {100 * self.clean.f1:.2f} | – | "
                     + " | ".join(f"{100 * self.clean.per_class[c]:.2f}" for c in cls) + " |")
        for r in self.rows:
            cells = " | ".join(f"{100 * r.per_class.get(c, 0.0):.2f} ({-self.drop(r, c):+.1f})" for c in cls)
            lines.append(f"| {r.name} | {r.sentences_changed} | {100 * r.f1:.2f} | {self.drop(r):.2f} | {cells} |")
        return "\n".join(lines) + "\n"

    def plot(self, path: str | os.PathLike[str]) -> bool:
        """Bar chart of the F1 drop per perturbation and class; ``False`` when matplotlib is missing."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return False
        import numpy as np

        names = [r.name for r in self.rows]
        groups = ["all"] + self.classes
        x = np.arange(len(names))
        width = 0.8 / max(1, len(groups))
        fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(names) + 2), 4.5))
        for k, g in enumerate(groups):
            vals = [self.drop(r, None if g == "all" else g) for r in self.rows]
            ax.bar(x + (k - (len(groups) - 1) / 2) * width, vals, width, label=g)
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=30, ha="right")
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_ylabel("F1 drop (points)")
        ax.set_title(self.title or "robustness")
        ax.legend(fontsize="small")
        fig.tight_layout()
        with atomic_open(path, "wb") as fh:
            fig.savefig(fh, format="png", dpi=120)
        plt.close(fig)
        return True

    def write(self, out_dir: str | os.PathLike[str], *, plot: bool = True) -> Dict[str, str]:
        """Write ``robustness.md``, ``robustness.json`` and (when possible) ``robustness.png``."""
        return write_tables(self, out_dir, plot=plot)


def write_tables(report: Any, out_dir: str | os.PathLike[str], *, plot: bool = True) -> Dict[str, str]:
    """Write ``report`` (with ``to_markdown``, ``to_dict`` and ``plot(path) -> bool``) as ``robustness.md``,
    ``robustness.json`` and (when ``plot`` and matplotlib allow) ``robustness.png`` in ``out_dir``; returns the
    paths written by kind."""
    d = os.fspath(out_dir)
    os.makedirs(d, exist_ok=True)
    paths = {"markdown": os.path.join(d, "robustness.md"), "json": os.path.join(d, "robustness.json")}
    with atomic_open(paths["markdown"], "w") as fh:
        fh.write(report.to_markdown())
    with atomic_open(paths["json"], "w") as fh:
        json.dump(report.to_dict(), fh, indent=1)
    if plot and report.plot(os.path.join(d, "robustness.png")):
        paths["plot"] = os.path.join(d, "robustness.png")
    return paths


def _predict_checked(predict: Predictor, sentences: Sequence[Sentence], name: str) -> List[List[str]]:
    toks = [list(s.tokens) for s in sentences]
    pred = predict(toks)
    if len(pred) != len(toks):
        raise ValueError(f"{name}: predictor returned {len(pred)} sentences for {len(toks)}")
    for i, (t, p) in enumerate(zip(toks, pred)):
        if len(p) != len(t):
            raise ValueError(f"{name}: sentence {i}, field tags: predictor returned {len(p)} tags for {len(t)} tokens")
    return [list(p) for p in pred]


def evaluate_robustness(
    model: Union[object, Predictor],
    sentences: Sequence[Sentence],
    suite: Mapping[str, Perturbation],
    *,
    seed: int = 0,
    perturbed: Optional[Mapping[str, Sequence[Sentence]]] = None,
    title: str = "",
    progress: bool = False,
) -> RobustnessReport:
    """Score ``model`` (a Tagger or a predictor callable) on the clean labelled ``sentences`` and on
    each perturbation of ``suite`` (or on precomputed ``perturbed`` sets with the same sentence count,
    e.g. read back from ``xlner perturb`` output). ``-DOCSTART-`` sentences are left out of scoring."""
    predict = as_predictor(model)
    keep = [i for i, s in enumerate(sentences) if not s.is_docstart and s.tokens]
    for i in keep:
        if len(sentences[i].tags) != len(sentences[i].tokens):
            raise ValueError(f"sentence {i}, field tags: evaluation needs gold tags "
                             f"({len(sentences[i].tokens)} tokens, "
                             f"{len(sentences[i].tags)} tags)")
    clean = [sentences[i] for i in keep]
    report = RobustnessReport(entity_scores([s.tags for s in clean], _predict_checked(predict, clean, "clean"),
                                            "clean"),
                              title=title)
    items: List[Tuple[str, List[Sentence], int, int]] = []
    for name, pert in suite.items():
        pert_sents, log = perturb_corpus(sentences, pert, seed=seed)
        items.append((name, pert_sents, len(log), _edits(log)))
    for name, sents in (perturbed or {}).items():
        if len(sents) != len(sentences):
            raise ValueError(f"perturbed set {name!r}: {len(sents)} sentences, clean set has {len(sentences)}")
        changed = sum(1 for a, b in zip(sentences, sents) if a.tokens != b.tokens)
        items.append((name, list(sents), changed, -1))
    it: Iterable[Tuple[str, List[Sentence], int, int]] = items
    if progress:
        from tqdm import tqdm

        it = tqdm(items, desc="robustness")
    for name, pert_sents, changed, edits in it:
        sub = [pert_sents[i] for i in keep]
        row = entity_scores([s.tags for s in sub], _predict_checked(predict, sub, name), name)
        row.sentences_changed, row.edits = changed, edits
        report.rows.append(row)
    return report


__all__ = [
    "Predictor", "perturb_sentences", "carry_alignment", "perturb_corpus", "standard_suite", "write_perturbed",
    "as_predictor",
    "ScoreRow", "entity_scores", "RobustnessReport", "evaluate_robustness",
]
