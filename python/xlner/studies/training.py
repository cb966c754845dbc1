"""Translate-train study: a CRF trained on projected data, scored on another domain's gold.

For each target language (de, es, it): the English gold of ``conll2003-deepl/en/train.tsv`` is projected
onto its DeepL translation ``conll2003-deepl/<lang>/train.awesome.tsv`` with the shipped awesome-align
alignments by the heuristic (presets ``elp`` and ``thesis``), ``greedy`` and ``exact`` (alignment score,
M=10, ``<=1``); the shipped silver labels of the translation (Easy-Label-Projection's own projection of
the same alignments) are a fifth training set. A CRF (:class:`xlner.models.crf.CRFTagger`, the same
options for all) is trained on each and scored on the Europarl-NER gold of that language (parliament
debates: a different domain from the Reuters news it was trained on), beside the model-transfer
baseline: the English CRF (trained on the English gold) applied to the target text.

``-DOCSTART-`` pseudo-sentences are dropped by position (the English side), so the translation's
``-OCSTART-`` variants go too. F1: entity micro F1 over PER, ORG, LOC and MISC (xlner's evaluator),
95 % bootstrap intervals over the test sentences, and a paired bootstrap of every route against the
shipped silver labels (same resamples for both systems; p is the share of resamples where the
difference has the other sign). Then the robustness of each trained tagger: F1 drop (points) under the
project's perturbations of the Europarl-NER test set (:func:`xlner.robustness.evaluate_robustness`;
entity replacements swap in names of the same class from other Europarl-NER sentences, as
``xlner robustness --pool`` does, so that no route has seen the substitutes in training; seed 0).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from xlner.datasets import conll_deepl_paths
from xlner.io import read_conll, read_talp
from xlner.io.conll import Sentence
from xlner.studies.common import StudyResult, Table, gold_batch, result_tags
from xlner.studies.route_robustness import EUROPARL_LANGS

LANGS = ("de", "es", "it")
#: Projection routes: name → (method, heuristic preset or None).
ROUTES: Dict[str, Tuple[str, Optional[str]]] = {
    "heuristic (elp)": ("heuristic", "elp"), "heuristic (thesis)": ("heuristic", "thesis"),
    "greedy": ("greedy", None), "exact": ("exact", None),
}
SILVER = "shipped silver"
TRANSFER = "model transfer (English CRF)"
#: Perturbations of the robustness table (all of ``standard_suite`` that needs no embedding neighbours).
PERTURBATIONS = ("entity", "context", "mask_entity", "mask_context", "token_noise", "char_noise", "lowercase",
                 "casing_random")


def projected_training_sets(root: Path, lang: str, *, limit: Optional[int] = None,
                            threads: int = -1) -> Dict[str, List[Sentence]]:
    """Route name → labelled target sentences (``-DOCSTART-`` dropped by the English side's position)."""
    from xlner.projection import MatchingConfig, project

    sp, tp, ap = conll_deepl_paths(root, lang, "train", "awesome")
    src, tgt, aln = read_conll(sp), read_conll(tp), read_talp(ap)
    if not len(src) == len(tgt) == len(aln):
        raise ValueError(f"{lang}: {len(src)} English, {len(tgt)} translated sentences, {len(aln)} alignment lines")
    keep = [i for i, s in enumerate(src) if not s.is_docstart][: limit if limit else None]
    src, tgt, aln = [src[i] for i in keep], [tgt[i] for i in keep], [aln[i] for i in keep]
    lens = [len(s.tokens) for s in tgt]
    batch = gold_batch(src, tgt, aln)
    out: Dict[str, List[Sentence]] = {SILVER: tgt}
    for name, (method, preset) in ROUTES.items():
        if method == "heuristic":
            res = project(batch, "heuristic", heuristic=preset, tgt_tokens=[s.tokens for s in tgt], threads=threads)
        else:
            res = project(batch, method, matching=MatchingConfig(constraint="<=1"), threads=threads)
        out[name] = [Sentence(list(s.tokens), tags) for s, tags in zip(tgt, result_tags(res, lens))]
    return out


class SharedFeatures:
    """CRF features of each distinct sentence computed once and shared by every CRF with ``config``
    (feature extraction, not Viterbi, dominates CRF tagging)."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self._memo: Dict[Tuple[str, ...], Any] = {}

    def features(self, sentences: Sequence[Sequence[str]]) -> List[Any]:
        """The feature dictionaries of each sentence (computed on first use)."""
        from xlner.models.crf import sentence_features

        out = []
        for s in sentences:
            key = tuple(s)
            if key not in self._memo:
                self._memo[key] = sentence_features(s, self.config)
            out.append(self._memo[key])
        return out

    def predictor(self, tagger: Any) -> Callable[[List[List[str]]], List[List[str]]]:
        """``tagger.predict`` through the shared features (``tagger.predict`` itself for other feature options)."""
        if tagger.config != self.config:
            return tagger.predict
        return lambda sentences: tagger.predict_features(self.features(sentences))


def _crf(sentences: Sequence[Sentence], cache: Optional[Path], max_iterations: int) -> Any:
    """A CRF trained on ``sentences``; with ``cache`` (``DIR/NAME.crf``), stored as ``DIR/NAME.<digest>.crf``
    keyed on the sentences and the configuration (:mod:`xlner.studies.cache`), and reused when they match."""
    from xlner.models.crf import CRFConfig, CRFTagger
    from xlner.studies.cache import keyed_path

    data = [s for s in sentences if s.tokens]
    config = CRFConfig(max_iterations=max_iterations)
    if cache is not None:
        cache = keyed_path(cache.parent, cache.stem, cache.suffix, [(s.tokens, s.tags) for s in data], config)
    if cache is not None and cache.is_file():
        return CRFTagger.load(cache)
    tagger = CRFTagger.train([s.tokens for s in data], [s.tags for s in data], config)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tagger.save(cache)
    return tagger


def run(root: Path, out_dir: Path, *, langs: Sequence[str] = LANGS, limit: Optional[int] = None,
        cache_dir: Optional[Path] = None, max_iterations: int = 100, bootstrap_samples: int = 1000,
        robustness: bool = True, distill: bool = True, routes: bool = True, threads: int = -1) -> StudyResult:
    """Run the study (``limit``: first N training and unlabeled sentences per language, for smoke runs;
    ``cache_dir`` (default ``out_dir/cache``): trained CRFs and alignments are stored there under names that
    carry a digest of their training data and options (:mod:`xlner.studies.cache`), and reused only when these
    match; ``robustness``: also the perturbation table; ``distill``: also the teacher–student
    table (:mod:`xlner.studies.teacher_student`); ``routes``: also the robustness-by-route table and plot
    (:mod:`xlner.studies.route_robustness`; needs ``distill``))."""
    from xlner.evaluate import bootstrap, evaluate, paired_bootstrap
    from xlner.robustness import NamePool, evaluate_robustness, standard_suite

    res = StudyResult("training")
    cache = cache_dir if cache_dir is not None else out_dir / "cache"
    tag = f"n{limit or 'all'}.it{max_iterations}"
    en = [s for s in read_conll(root / "conll2003-deepl" / "en" / "train.tsv") if not s.is_docstart]
    en_tagger = _crf(en[: limit if limit else None], cache / f"crf.en.{tag}.crf", max_iterations)
    rows: List[List[object]] = []
    rob_rows: List[List[object]] = []
    plot_data: Dict[str, Dict[str, Tuple[float, float, float]]] = {}
    ts_rows: List[List[object]] = []
    route_tables: Dict[str, Any] = {}
    ts_notes: List[str] = []
    europarl = {x: read_conll(root / "europarl-ner" / f"{x}.conll") for x in EUROPARL_LANGS} if routes else {}
    for lang in langs:
        gold = read_conll(root / "europarl-ner" / f"{lang}.conll")
        gold_tags = [s.tags for s in gold]
        tokens = [s.tokens for s in gold]
        sets = projected_training_sets(root, lang, limit=limit, threads=threads)
        taggers: Dict[str, Any] = {TRANSFER: en_tagger}
        for name, sents in sets.items():
            slug = name.replace(" ", "_").replace("(", "").replace(")", "")
            taggers[name] = _crf(sents, cache / f"crf.{lang}.{slug}.{tag}.crf", max_iterations)
        shared = SharedFeatures(en_tagger.config)
        preds = {name: shared.predictor(t)(tokens) for name, t in taggers.items()}
        plot_data[lang] = {}
        for name, pred in preds.items():
            rep = evaluate(gold_tags, pred)
            ci = bootstrap(gold_tags, pred, n_samples=bootstrap_samples, seed=0).micro["f1"]
            row: List[object] = [lang, name, rep.micro.precision, rep.micro.recall, rep.micro.f1,
                                 f"[{ci[0]:.3f}, {ci[1]:.3f}]"]
            row += [rep.per_class[c].f1 if c in rep.per_class else 0.0 for c in ("PER", "ORG", "LOC", "MISC")]
            if name == SILVER:
                row += ["-", "-"]
            else:
                pb = paired_bootstrap(gold_tags, pred, preds[SILVER], n_samples=bootstrap_samples, seed=0)
                row += [f"{pb.delta:+.3f} [{pb.delta_ci[0]:+.3f}, {pb.delta_ci[1]:+.3f}]", pb.p_value]
            n_ents = sum(t.startswith("B-") for s in sets.get(name, []) for t in s.tags) if name in sets else "-"
            rows.append(row + [n_ents])
            plot_data[lang][name] = (rep.micro.f1, ci[0], ci[1])
        if distill:
            students = _teacher_student(root, lang, gold, taggers, en_tagger, sets["greedy"], shared, cache, tag,
                                        ts_rows, ts_notes, limit=limit, max_iterations=max_iterations,
                                        bootstrap_samples=bootstrap_samples)
            if routes:
                route_tables[lang] = _route_robustness(root, lang, europarl, taggers, students, en, sets["greedy"],
                                                       shared, cache, limit=limit, max_iterations=max_iterations,
                                                       threads=threads, notes=ts_notes)
        if not robustness:
            continue
        pool = NamePool.from_sentences(gold)
        vocab = sorted({w for s in gold for w, t in zip(s.tokens, s.tags) if t == "O"})
        suite = standard_suite(pool=pool, vocab=vocab, only=PERTURBATIONS)
        for name, t in taggers.items():
            rob = evaluate_robustness(shared.predictor(t), gold, suite, seed=0)
            rob_rows.append([lang, name, rob.clean.f1] + [rob.drop(r) for r in rob.rows])
    res.tables.append(Table(
        "Translate-train with a CRF: trained on projected conll2003-deepl train, scored on Europarl-NER gold",
        ["lang", "training data", "P", "R", "F1", "F1 95% CI", "PER", "ORG", "LOC", "MISC",
         "ΔF1 vs silver [95% CI]", "p", "train entities"], rows,
        f"CRF (python-crfsuite, {max_iterations} L-BFGS iterations, default features) trained on "
        f"{'all' if not limit else limit} conll2003-deepl train sentences per route; entity micro F1 over PER/ORG/LOC/"
        f"MISC on the 799 Europarl-NER sentences; {bootstrap_samples} bootstrap resamples (seed 0). "
        "Projection: awesome-align alignments as shipped; greedy/exact with the alignment score, M=10, <=1."))
    if rob_rows:
        res.tables.append(Table(
            "Robustness: F1 drop (points) of each trained tagger under perturbations of the Europarl-NER test",
            ["lang", "training data", "clean F1"] + list(PERTURBATIONS), rob_rows,
            "Drop = clean F1 − perturbed F1, x100. Perturbations from xlner.robustness.standard_suite (rate 0.3 "
            "per token, every entity for entity ones), seed 0; entity replacement draws names of the same class "
            "from the Europarl-NER gold of the language, context replacement words from its O tokens."))
    try:
        res.plots.append(_plot(plot_data, out_dir))
    except ImportError:
        res.notes.append("matplotlib not installed: no plot")
    if ts_rows:
        res.tables.append(Table(
            "Teacher-student (Wu et al. 2020): CRF students of CRF teachers on unlabeled DeepL text, scored on the "
            "reported half of Europarl-NER",
            ["lang", "tagger", "student labels (chosen on the selection half)", "selection-half F1 per choice",
             "teacher weights", "training sequences", "P", "R", "F1", "F1 95% CI",
             "ΔF1 vs translate-train [95% CI]", "p", "ΔF1 vs model transfer [95% CI]", "p"], ts_rows,
            "Teachers: the translate-train CRF (greedy projection, the table above), the English CRF (model "
            "transfer), or both translate-train CRFs (greedy, exact) and the English CRF weighted by agreement on "
            "the unlabeled text. Unlabeled text: the DeepL translation of conll2003 dev and test (tokens only; "
            "-DOCSTART- dropped). Student: a CRF (same options) trained on pseudo-labels from the teachers' "
            "marginals: the arg-max sequence, the arg-max of the sentences whose every word reaches 0.9, or 2 "
            "sequences sampled per sentence from the distributions (seed 0); the translate-train teacher's student "
            "may also learn from that teacher's projected training data besides the arg-max pseudo-labels "
            "(self-training; 'training sequences' counts the pseudo-labelled ones). The choice is made per language "
            "and teacher set on the selection half of Europarl-NER (even 0-based indices, 400 sentences); "
            "every P/R/F1 and paired bootstrap (1000 resamples, seed 0) is on the reported half (odd indices, "
            "399 sentences), so figures differ from the all-sentence table above."))
    if route_tables:
        from xlner.studies.route_robustness import ROUTE_PERTURBATIONS

        rows_r: List[List[object]] = []
        for lang, tab in route_tables.items():
            rows_r += [[lang] + r for r in tab.rows()]
        routes_all = next(iter(route_tables.values())).routes
        res.tables.append(Table(
            "Robustness by route: F1 drop (points) by perturbation x route on the perturbed reported half of "
            "Europarl-NER",
            ["lang", "perturbation"] + routes_all, rows_r,
            "First row per language: clean F1 (x100); then clean F1 - perturbed F1 (points) per perturbation; "
            "last: the mean drop. Every route tags the same perturbed sentences (xlner.robustness.compare_routes, "
            f"seed 0, rate 0.3 per token, every entity): {', '.join(ROUTE_PERTURBATIONS)}. Entity replacements "
            "draw names of the same class from the Europarl-NER gold of all four languages; unknown_entity only "
            "names that occur in none of the routes' training data (English conll2003 train, the projected "
            "translate-train data, the Europarl-NER selection half); context words from the target's O tokens. "
            "Multi-source / single best source: CRFs trained on the 400 selection-half target sentences labelled "
            "by projection (in-domain text, hence their higher clean F1); the combination and the single source "
            "were chosen by projection F1 on that half. Translate-train, model transfer and students: as in the "
            "tables above."))
        try:
            res.plots.append(_plot_routes(route_tables, out_dir))
        except ImportError:
            res.notes.append("matplotlib not installed: no route plot")
    res.notes += ts_notes
    return res


def _teacher_student(root: Path, lang: str, gold: Sequence[Sentence], taggers: Dict[str, Any], en_tagger: Any,
                     tt_train: Sequence[Sentence], shared: "SharedFeatures", cache: Path, tag: str,
                     rows: List[List[object]], notes: List[str], *,
                     limit: Optional[int], max_iterations: int, bootstrap_samples: int) -> Dict[str, Any]:
    """Students of :mod:`xlner.studies.teacher_student` for ``lang``; appends the table rows (reported half)
    and returns route name → student."""
    from xlner.evaluate import bootstrap, evaluate, paired_bootstrap
    from xlner.studies.europarl import split_halves
    from xlner.studies.teacher_student import train_students, unlabeled_text

    sel, rep = split_halves(len(gold))
    unlabeled = unlabeled_text(root, lang, limit=limit)
    runs = train_students({"greedy": taggers["greedy"], "exact": taggers["exact"], "en": en_tagger}, unlabeled,
                          [gold[i] for i in sel], cache, f"{lang}.{tag}", max_iterations=max_iterations,
                          predict=lambda t, toks: shared.predictor(t)(toks), hard=tt_train)
    test = [gold[i] for i in rep]
    g = [s.tags for s in test]
    toks = [s.tokens for s in test]
    base = {"translate-train (greedy)": shared.predictor(taggers["greedy"])(toks),
            "model transfer (English CRF)": shared.predictor(en_tagger)(toks)}
    preds = dict(base)
    info: Dict[str, List[object]] = {k: ["-", "-", "-", "-"] for k in base}
    for r in runs:
        preds[r.name] = shared.predictor(r.student)(toks)
        info[r.name] = [r.chosen.name, ", ".join(f"{k} {v:.3f}" for k, v in r.selection_f1.items()),
                        ", ".join(f"{w:.3f}" for w in r.weights), r.sequences]
    for name, pred in preds.items():
        m = evaluate(g, pred).micro
        ci = bootstrap(g, pred, n_samples=bootstrap_samples, seed=0).micro["f1"]
        row: List[object] = [lang, name] + info[name] + [m.precision, m.recall, m.f1, f"[{ci[0]:.3f}, {ci[1]:.3f}]"]
        for ref in base:
            if name == ref:
                row += ["-", "-"]
                continue
            pb = paired_bootstrap(g, pred, preds[ref], n_samples=bootstrap_samples, seed=0)
            row += [f"{pb.delta:+.3f} [{pb.delta_ci[0]:+.3f}, {pb.delta_ci[1]:+.3f}]", pb.p_value]
        rows.append(row)
    notes.append(f"{lang}: {len(unlabeled)} unlabeled sentences (DeepL conll2003 dev + test).")
    return {r.name: r.student for r in runs}


def _route_robustness(root: Path, lang: str, europarl: Dict[str, List[Sentence]], taggers: Dict[str, Any],
                      students: Dict[str, Any], en_train: Sequence[Sentence], tt_train: Sequence[Sentence],
                      shared: "SharedFeatures", cache: Path, *, limit: Optional[int], max_iterations: int,
                      threads: int, notes: List[str]) -> Any:
    """The :class:`~xlner.robustness.RouteRobustness` table of ``lang`` (see
    :mod:`xlner.studies.route_robustness`)."""
    from xlner.robustness import NamePool, build_vocabulary, compare_routes, standard_suite
    from xlner.studies.europarl import split_halves
    from xlner.studies.route_robustness import (
        EUROPARL_LANGS,
        ROUTE_PERTURBATIONS,
        europarl_links,
        projected_selection_half,
    )

    gold = europarl[lang]
    sel, rep = split_halves(len(gold))
    th = 1 if threads < 0 else threads
    links = {src: europarl_links(root, europarl, src, lang, cache, limit=limit, threads=th)
             for src in EUROPARL_LANGS if src != lang}
    multi, combine, single, best_src, f1 = projected_selection_half(europarl, lang, links, sel, threads=th)
    tag = f"{lang}.europarl-sel.n{limit or 'all'}.it{max_iterations}"
    multi_crf = _crf(multi, cache / f"crf.{tag}.multi-{combine}.crf", max_iterations)
    single_crf = _crf(single, cache / f"crf.{tag}.single-{best_src}.crf", max_iterations)
    models: Dict[str, Any] = {
        "model transfer": taggers[TRANSFER], "translate-train (greedy)": taggers["greedy"],
        **{name.replace("student of ", "student: "): t for name, t in students.items()},
        "multi-source projection": multi_crf, "single best source": single_crf}
    test = [gold[i] for i in rep]
    pool = NamePool.from_sentences([s for x in EUROPARL_LANGS for s in europarl[x]])
    known = NamePool.from_sentences(list(en_train) + list(tt_train) + [gold[i] for i in sel])
    vocab = build_vocabulary(test)
    suite = standard_suite(pool=pool, known=known, vocab=vocab, only=ROUTE_PERTURBATIONS)
    table = compare_routes({k: shared.predictor(t) for k, t in models.items()}, test, suite, seed=0, title=lang)
    notes.append(f"{lang}: projection F1 on the selection half: " + ", ".join(f"{k} {v:.3f}" for k, v in f1.items())
                 + f"; chosen: multi-source {combine}, single source {best_src}.")
    return table


def _plot_routes(tables: Dict[str, Any], out_dir: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xlner.robustness.routes import draw_route_bars

    out_dir.mkdir(parents=True, exist_ok=True)
    first = next(iter(tables.values()))
    fig, axes = plt.subplots(len(tables), 1, figsize=(2 + 0.32 * len(first.perturbations) * len(first.routes),
                                                      3.6 * len(tables)), squeeze=False)
    for ax, (lang, tab) in zip(axes[:, 0], tables.items()):
        draw_route_bars(ax, tab)
        ax.set_title(f"{lang}: F1 drop on the perturbed reported half of Europarl-NER")
    fig.tight_layout()
    name = "robustness_routes.png"
    fig.savefig(out_dir / name, dpi=110)
    plt.close(fig)
    return name


def _plot(data: Dict[str, Dict[str, Tuple[float, float, float]]], out_dir: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    langs = list(data)
    names = list(next(iter(data.values())))
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(langs) * len(names) / 3, 3.6))
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        xs = [i + k * width for i in range(len(langs))]
        f1 = [data[lg][name][0] for lg in langs]
        err = [[data[lg][name][0] - data[lg][name][1] for lg in langs], [data[lg][name][2] - data[lg][name][0]
                                                                          for lg in langs]]
        ax.bar(xs, f1, width, yerr=err, capsize=2, label=name)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(langs))], langs)
    ax.set_ylabel("entity F1 on Europarl-NER")
    ax.set_ylim(0, 1.25 * max(v[2] for d in data.values() for v in d.values()))
    ax.legend(fontsize=7, ncol=3, loc="upper center")
    fig.tight_layout()
    name = "training_f1.png"
    fig.savefig(out_dir / name, dpi=120)
    plt.close(fig)
    return name


__all__ = ["run", "projected_training_sets", "SharedFeatures", "LANGS", "ROUTES", "SILVER", "TRANSFER", "PERTURBATIONS"]
