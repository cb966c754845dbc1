"""Compare projection methods on one corpus: how far each falls short of the optimum, how the methods agree,
what it does to entity F1, and what it costs in time — ``xlner compare`` and :func:`compare` (public as
``xlner.compare``; this module is private so that ``import xlner`` does not load it).

Everything runs through the ordinary route: :func:`xlner.projection.project` on a
:class:`~xlner.batch.ProjectionBatch`, optionally with precomputed (fused) score matrices.

Objective. For the matching methods (``greedy``, ``exact``, ``ilp``) the objective of a sentence is the sum of
the scores of its chosen (entity, span) pairs — ``ProjectionResult.objective``, the value written as
``objective`` by ``xlner project --spans-out``. The heuristic does not optimise that score; its objective here
is defined as the sum, over its spans, of the matching score (the same score matrix the matching methods use:
the alignment score by default) of the span for the source entity the heuristic attributes it to (0 for a
pair absent from the matrix). Its own ``score`` field (the fraction of aligned words) is not used.

The optimum is the ``exact`` result (``ilp`` when only it is asked for; ``exact`` is computed anyway, untimed,
when neither is). A method is *compared* with the optimum on a sentence when the optimum is solved there
(status 0) and the method's assignment is feasible for the constraint: solved (status 0), every entity's span
count within the constraint's bounds (greedy never forces lower bounds, so for ``=n``/``>=n`` it is compared only
where it happens to meet them), every span a candidate (at most ``max_len`` words). A method is *below* the
optimum on a sentence when the gap (optimum − objective) exceeds 1e-9.

Throughput is measured in the same run, interleaved (each repeat times every method on 1 thread, then every
method on all threads), best and median of the repeats; ``vs greedy`` is the method's best time over greedy's.
Bootstrap intervals (per method, and paired between methods) resample sentences with the given seed.
"""
from __future__ import annotations

import functools
import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from xlner.batch import ProjectionBatch, ProjectionResult, ScoreMatrix
from xlner.evaluate import PRF, TagInput, bootstrap, paired_bootstrap
from xlner.io.conll import TokenCorpus
from xlner.io.errors import FormatError
from xlner.projection import MatchingConfig, parse_constraint, project
from xlner.tagging import batch_spans_to_tags

#: Gaps at or below this count as equal to the optimum.
GAP_TOLERANCE = 1e-9
MATCHING_METHODS = ("greedy", "exact", "ilp")
#: Tokens of a corpus: a TokenCorpus or one list of words per sentence.
Tokens = Union[TokenCorpus, Sequence[Sequence[str]]]


# --------------------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Throughput:
    """Sentences per second of one method on the compared corpus (best and median of the repeats).

    Attributes:
        threads: worker threads of the "all threads" measurement.
        best_1, median_1: on 1 thread.
        best_all, median_all: on ``threads`` threads.
        vs_greedy_1, vs_greedy_all: best time of the method / best time of greedy (None without greedy).
    """

    threads: int
    repeats: int
    best_1: float
    median_1: float
    best_all: float
    median_all: float
    vs_greedy_1: Optional[float] = None
    vs_greedy_all: Optional[float] = None


@dataclass(frozen=True)
class GapStats:
    """How a method's objective compares with the optimum (see the module docstring for the definitions).

    Attributes:
        compared: sentences where both are defined.
        below: sentences where the method is strictly below the optimum; ``share`` = below / compared.
        mean_gap, max_gap: over the ``below`` sentences (0 when there are none).
        mean_gap_compared: mean gap over all compared sentences.
        above: sentences where the method exceeds the optimum by more than the tolerance (always 0 unless
            something is wrong).
        objective_compared, optimum_compared: sums over the compared sentences.
        gaps: (sentence, gap) of every sentence below the optimum, in sentence order.
    """

    compared: int
    below: int
    share: float
    mean_gap: float
    max_gap: float
    mean_gap_compared: float
    above: int
    objective_compared: float
    optimum_compared: float
    gaps: List[Tuple[int, float]] = field(default_factory=list)


@dataclass(frozen=True)
class MethodReport:
    """One method under one constraint.

    Attributes:
        objective: total objective over all sentences (see the module docstring for the heuristic).
        unsolved: sentences with a nonzero status (infeasible, time limit) for this method.
        n_projected: projected spans; ``projection_ratio`` = n_projected / source entities;
            ``entities_projected``: share of source entities with at least one span.
        f1: entity P/R/F1 against the gold target labels (None without gold); ``f1_ci``: bootstrap interval
            of F1.
        throughput: None when timing was off (``repeats=0``).
    """

    method: str
    objective: float
    unsolved: int
    gap: GapStats
    n_projected: int
    projection_ratio: float
    entities_projected: float
    f1: Optional[PRF] = None
    f1_ci: Optional[Tuple[float, float]] = None
    throughput: Optional[Throughput] = None


@dataclass(frozen=True)
class PairReport:
    """Two methods under one constraint: sentences with identical spans (start, end, label) and, with gold,
    the paired bootstrap of F1(a) − F1(b)."""

    a: str
    b: str
    identical: int
    identical_share: float
    f1_delta: Optional[float] = None
    f1_delta_ci: Optional[Tuple[float, float]] = None
    p_value: Optional[float] = None


@dataclass(frozen=True)
class ChosenSpan:
    """A target span chosen for a source entity (``text``: the target words, when tokens were given)."""

    start: int
    end: int
    label: str
    score: float
    text: str = ""


@dataclass(frozen=True)
class ExampleEntity:
    """A source entity of an example sentence and the spans each method chose for it."""

    entity: int
    start: int
    end: int
    label: str
    text: str
    chosen: Dict[str, List[ChosenSpan]]


@dataclass(frozen=True)
class Example:
    """A sentence where ``method`` falls below the optimum: every method's gap and objective there, and the
    source entities whose chosen spans differ between the methods (with each method's choice)."""

    method: str
    sentence: int
    gaps: Dict[str, float]
    objectives: Dict[str, float]
    entities: List[ExampleEntity]


@dataclass(frozen=True)
class ConstraintReport:
    """All methods under one projection-count constraint; ``optimum`` names the method taken as optimum and
    ``optimum_solved`` counts the sentences it solved."""

    constraint: str
    optimum: str
    optimum_total: float
    optimum_solved: int
    methods: List[MethodReport]
    pairs: List[PairReport]
    examples: List[Example]

    def method(self, name: str) -> MethodReport:
        """The report of method ``name``."""
        for m in self.methods:
            if m.method == name:
                return m
        raise KeyError(f"method {name!r} not compared; have {[m.method for m in self.methods]}")


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`."""

    n_sentences: int
    n_entities: int
    methods: List[str]
    max_len: int
    scores: str
    threads: int
    repeats: int
    seed: int
    n_bootstrap: int
    gold: bool
    constraints: List[ConstraintReport]

    def constraint(self, c: str) -> ConstraintReport:
        """The report of constraint ``c`` (as given)."""
        for r in self.constraints:
            if r.constraint == c:
                return r
        raise KeyError(f"constraint {c!r} not compared; have {[r.constraint for r in self.constraints]}")

    def to_dict(self) -> Dict[str, Any]:
        """Every figure as a JSON-ready dict (tuples become lists)."""
        return asdict(self)

    def to_markdown(self, *, examples: bool = True) -> str:
        """Markdown tables: per constraint the methods, their agreement, F1 differences and examples."""
        return format_markdown(self, examples=examples)

    def plot(self, path: str) -> None:
        """Save a PNG: histogram of the greedy–optimum gaps and a time/quality scatter (needs matplotlib,
        ``pip install 'xlner[plot]'``)."""
        plot_comparison(self, path)


# --------------------------------------------------------------------------------------------------------
# Computation
# --------------------------------------------------------------------------------------------------------
def constraint_bounds(constraint: str) -> Tuple[int, float]:
    """(lowest, highest) projection count per entity allowed by ``constraint`` (highest may be ``inf``)."""
    op, n = parse_constraint(constraint)
    op = str(getattr(op, "value", op))
    return {"<": (0, n - 1), "<=": (0, n), "=": (n, n), ">=": (n, float("inf")),
            ">": (n + 1, float("inf"))}[op]


def _sentence_of_spans(r: ProjectionResult) -> np.ndarray:
    return np.repeat(np.arange(len(r), dtype=np.int64), np.diff(np.asarray(r.offsets)))


def _feasible(batch: ProjectionBatch, r: ProjectionResult, constraint: str, max_len: int) -> np.ndarray:
    """bool[N]: the method solved the sentence and its assignment meets the constraint with candidate spans."""
    lo, hi = constraint_bounds(constraint)
    n = len(batch)
    ent_off = np.asarray(batch.ent_offsets, dtype=np.int64)
    sent = _sentence_of_spans(r)
    counts = np.bincount(ent_off[sent] + np.asarray(r.entity, dtype=np.int64), minlength=int(ent_off[-1]))
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(ent_off))
    bad = np.zeros(n, dtype=bool)
    bad[owner[(counts < lo) | (counts > hi)]] = True
    long_span = (np.asarray(r.end) - np.asarray(r.start)) > max_len
    bad[sent[long_span]] = True
    return ~bad & (np.asarray(r.status) == 0)


def _score_lookup(batch: ProjectionBatch, scores: ScoreMatrix, r: ProjectionResult) -> np.ndarray:
    """float64[spans of r]: the score-matrix entry of each (entity, span) pair of r (0 where absent)."""
    width = int(max(np.max(batch.tgt_len, initial=0), 0)) + 1
    ent_off = np.asarray(batch.ent_offsets, dtype=np.int64)

    def keys(sent: np.ndarray, ent: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        g = ent_off[sent] + ent.astype(np.int64)
        return (g * width + start.astype(np.int64)) * width + end.astype(np.int64)

    ssent = np.repeat(np.arange(len(scores), dtype=np.int64), np.diff(np.asarray(scores.offsets)))
    mk = keys(ssent, np.asarray(scores.ent), np.asarray(scores.start), np.asarray(scores.end))
    order = np.argsort(mk, kind="stable")
    mk, mv = mk[order], np.asarray(scores.score, dtype=np.float64)[order]
    rsent = _sentence_of_spans(r)
    rk = keys(rsent, np.asarray(r.entity), np.asarray(r.start), np.asarray(r.end))
    pos = np.clip(np.searchsorted(mk, rk), 0, max(len(mk) - 1, 0))
    hit = (mk[pos] == rk) if len(mk) else np.zeros(len(rk), dtype=bool)
    return np.where(hit, mv[pos] if len(mk) else 0.0, 0.0).astype(np.float64)


def _identical(a: ProjectionResult, b: ProjectionResult) -> np.ndarray:
    """bool[N]: sentences whose (start, end, label) span sets are equal."""
    def sorted_spans(r: ProjectionResult) -> Tuple[np.ndarray, ...]:
        sent = _sentence_of_spans(r)
        order = np.lexsort((np.asarray(r.label), np.asarray(r.end), np.asarray(r.start), sent))
        return sent[order], np.asarray(r.start)[order], np.asarray(r.end)[order], np.asarray(r.label)[order]

    ca, cb = np.diff(np.asarray(a.offsets)), np.diff(np.asarray(b.offsets))
    same = ca == cb
    sa, sb = sorted_spans(a), sorted_spans(b)
    ma, mb = same[sa[0]], same[sb[0]]
    diff = np.zeros(int(ma.sum()), dtype=bool)
    for xa, xb in zip(sa[1:], sb[1:]):
        diff |= xa[ma] != xb[mb]
    same[np.unique(sa[0][ma][diff])] = False
    return same


def _gap_stats(obj: np.ndarray, opt: np.ndarray, comparable: np.ndarray) -> GapStats:
    gap = opt - obj
    g = gap[comparable]
    below = comparable & (gap > GAP_TOLERANCE)
    above = comparable & (gap < -GAP_TOLERANCE)
    gb = gap[below]
    idx = np.flatnonzero(below)
    return GapStats(
        compared=int(comparable.sum()), below=int(below.sum()),
        share=float(below.sum() / comparable.sum()) if comparable.any() else 0.0,
        mean_gap=float(gb.mean()) if gb.size else 0.0, max_gap=float(gb.max()) if gb.size else 0.0,
        mean_gap_compared=float(g.mean()) if g.size else 0.0, above=int(above.sum()),
        objective_compared=float(obj[comparable].sum()), optimum_compared=float(opt[comparable].sum()),
        gaps=[(int(i), float(gap[i])) for i in idx])


def _time_interleaved(fns: Dict[str, Callable[[int], object]], threads: int, repeats: int
                      ) -> Dict[str, Tuple[List[float], List[float]]]:
    """Per method: (times on 1 thread, times on ``threads``), each repeat running every method in turn."""
    out: Dict[str, Tuple[List[float], List[float]]] = {m: ([], []) for m in fns}
    for _ in range(repeats):
        for k, th in ((0, 1), (1, threads)):
            for m, fn in fns.items():
                t = time.perf_counter()
                fn(th)
                out[m][k].append(time.perf_counter() - t)
    return out


def _throughput(times: Dict[str, Tuple[List[float], List[float]]], n: int, threads: int, repeats: int
                ) -> Dict[str, Throughput]:
    def rate(t: float) -> float:
        return n / t if t > 0 else float("inf")

    out: Dict[str, Throughput] = {}
    g = times.get("greedy")
    for m, (t1, tn) in times.items():
        out[m] = Throughput(
            threads, repeats, rate(min(t1)), rate(statistics.median(t1)), rate(min(tn)), rate(statistics.median(tn)),
            (min(t1) / min(g[0])) if g and min(g[0]) > 0 else None,
            (min(tn) / min(g[1])) if g and min(g[1]) > 0 else None)
    return out


def _check_gold(gold: TagInput, batch: ProjectionBatch) -> None:
    """FormatError naming the gold file, sentence and field when ``gold`` does not match the target sentences."""
    name = gold.path if isinstance(gold, TokenCorpus) else "<gold>"
    lengths = gold.lengths() if isinstance(gold, TokenCorpus) else np.array([len(t) for t in gold], dtype=np.int64)
    if len(lengths) != len(batch):
        raise FormatError(name, min(len(lengths), len(batch)), "sentence count",
                          f"{len(lengths)} sentences of gold labels, but the target has {len(batch)}")
    bad = np.flatnonzero(np.asarray(lengths) != np.asarray(batch.tgt_len))
    if bad.size:
        i = int(bad[0])
        raise FormatError(name, i, "tokens", f"{int(lengths[i])} gold labels, but target sentence {i} has "
                          f"{int(batch.tgt_len[i])} tokens")


def _text(tokens: Optional[Tokens], i: int, s: int, e: int) -> str:
    if tokens is None:
        return f"[{s},{e})"
    words = tokens.tokens(i) if isinstance(tokens, TokenCorpus) else tokens[i]
    return " ".join(words[s:e])


def _examples(batch: ProjectionBatch, results: Dict[str, ProjectionResult], span_scores: Dict[str, np.ndarray],
              objectives: Dict[str, np.ndarray], opt: np.ndarray, gap_stats: Dict[str, GapStats], n_examples: int,
              src_tokens: Optional[Tokens], tgt_tokens: Optional[Tokens]
              ) -> List[Example]:
    """Per method, the ``n_examples`` sentences where it is furthest below the optimum (ties: lower index)."""
    names = batch.labels
    out: List[Example] = []
    picks = [(m, i) for m, st in gap_stats.items()
             for i, _ in sorted(st.gaps, key=lambda x: (-x[1], x[0]))[:n_examples]]
    for method, i in picks:
        ents = []
        spans = {m: [(a, b, l, ent, float(span_scores[m][int(r.offsets[i]) + j]))
                     for j, (a, b, l, ent, _) in enumerate(r.spans(i))] for m, r in results.items()}
        for k, (s, e, lab) in enumerate(batch.entities(i)):
            chosen = {m: [ChosenSpan(a, b, names.name(l), round(sc, 6), _text(tgt_tokens, i, a, b))
                          for a, b, l, ent, sc in sp if ent == k] for m, sp in spans.items()}
            if len({tuple((c.start, c.end, c.label) for c in v) for v in chosen.values()}) > 1:
                ents.append(ExampleEntity(k, s, e, names.name(lab), _text(src_tokens, i, s, e), chosen))
        gaps = {m: float(opt[i] - objectives[m][i]) for m in results}
        out.append(Example(method, i, gaps, {m: float(objectives[m][i]) for m in results}, ents))
    return out


def compare(
    batch: ProjectionBatch,
    *,
    methods: Sequence[str] = ("heuristic", "greedy", "exact", "ilp"),
    constraints: Sequence[str] = ("<=1",),
    max_len: int = 10,
    scores: Optional[ScoreMatrix] = None,
    scores_name: str = "align",
    heuristic: Optional[object] = None,
    tgt_tokens: Optional[Tokens] = None,
    src_tokens: Optional[Tokens] = None,
    gold: Optional[TagInput] = None,
    n_examples: int = 3,
    repeats: int = 3,
    threads: int = -1,
    seed: int = 0,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
) -> Comparison:
    """Compare projection methods on ``batch`` under each constraint.

    Arguments:
        batch: the sentence pairs (source entities, alignments).
        methods: any of ``heuristic``, ``greedy``, ``exact``, ``ilp`` (each at most once).
        constraints: projection-count constraints of the matching methods, e.g. ``['<=1', '=1']``.
        max_len: longest candidate span M.
        scores: precomputed (e.g. fused) score matrices for the matching methods over n-gram candidates up to
            ``max_len``; default: the alignment score (the solvers' own route, as ``xlner project``).
        scores_name: how to name the scores in the report.
        heuristic: the heuristic's :class:`~xlner.heuristic.HeuristicConfig` or preset name (default thesis).
        tgt_tokens: target tokens: the heuristic's punctuation filter and the example texts use them.
        src_tokens: source tokens, for the example texts only.
        gold: gold target labels (TokenCorpus with tags or IOB2 tag lists, sentence for sentence): adds entity
            P/R/F1 with bootstrap intervals and paired bootstraps between methods.
        n_examples: example sentences per constraint (largest gaps first).
        repeats: timing rounds; 0 skips timing.
        threads: threads of every projection and of the "all threads" timing (-1: all cores).
        seed: bootstrap seed (the same seed gives the same intervals).
        n_bootstrap: bootstrap resamples.
        confidence: level of the intervals.

    Raises:
        ValueError: unknown or repeated methods, no constraint, bad constraint, negative repeats.
        FormatError: gold labels whose sentence count or sentence lengths differ from the target's.
    """
    from xlner.projection import METHODS

    methods = list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods or len(set(methods)) != len(methods):
        raise ValueError(f"methods must be distinct names among {list(METHODS)}, got {methods}")
    if not constraints:
        raise ValueError("compare needs at least one constraint")
    for c in constraints:
        parse_constraint(c)
    if repeats < 0:
        raise ValueError(f"repeats must be >= 0, got {repeats}")
    if n_examples < 0:
        raise ValueError(f"n_examples must be >= 0, got {n_examples}")
    if scores is not None and len(scores) != len(batch):
        raise ValueError(f"field scores: {len(scores)} sentences, but the batch has {len(batch)}")
    if gold is not None:
        _check_gold(gold, batch)
    n_threads = (os.cpu_count() or 1) if threads == -1 else threads
    n = len(batch)
    n_ent = int(np.asarray(batch.ent_offsets)[-1])
    lookup_scores = scores
    if "heuristic" in methods and lookup_scores is None:
        from xlner.scores import alignment_scores

        lookup_scores = alignment_scores(batch, candidates="ngrams", max_len=max_len, threads=threads)

    gold_tags = gold
    reports: List[ConstraintReport] = []
    for c in constraints:
        cfg = MatchingConfig(max_len=max_len, constraint=c)

        def run(m: str, th: int, cfg: MatchingConfig = cfg) -> ProjectionResult:
            if m == "heuristic":
                return project(batch, m, heuristic=heuristic, threads=th,
                               tgt_tokens=tgt_tokens)  # a TokenCorpus works too
            return project(batch, m, matching=cfg, scores=scores, threads=th)

        results = {m: run(m, threads) for m in methods}
        opt_name = "exact" if "exact" in methods else ("ilp" if "ilp" in methods else "exact")
        opt_result = results[opt_name] if opt_name in results else run("exact", threads)
        opt_solved = np.asarray(opt_result.status) == 0
        opt = np.asarray(opt_result.objective, dtype=np.float64)
        objectives: Dict[str, np.ndarray] = {}
        span_scores: Dict[str, np.ndarray] = {}
        gap_stats: Dict[str, GapStats] = {}
        for m, r in results.items():
            if m == "heuristic":  # the matching score of its spans (its own score field is another quantity)
                assert lookup_scores is not None
                span_scores[m] = _score_lookup(batch, lookup_scores, r)
                objectives[m] = np.bincount(_sentence_of_spans(r), weights=span_scores[m],
                                            minlength=n).astype(np.float64)
            else:
                span_scores[m] = np.asarray(r.score, dtype=np.float64)
                objectives[m] = np.asarray(r.objective, dtype=np.float64)
            comparable = opt_solved & _feasible(batch, r, c, max_len)
            gap_stats[m] = _gap_stats(objectives[m], opt, comparable)

        through: Dict[str, Throughput] = {}
        if repeats > 0:
            fns: Dict[str, Callable[[int], object]] = {m: functools.partial(run, m) for m in methods}
            through = _throughput(_time_interleaved(fns, threads, repeats), n, n_threads, repeats)

        preds: Dict[str, List[List[str]]] = {}
        if gold_tags is not None:
            preds = {m: batch_spans_to_tags(batch.tgt_len, r.offsets, r.start, r.end, r.label, batch.labels,
                                            threads=threads) for m, r in results.items()}
        mreports: List[MethodReport] = []
        for m, r in results.items():
            f1: Optional[PRF] = None
            ci: Optional[Tuple[float, float]] = None
            if gold_tags is not None:
                b = bootstrap(gold_tags, preds[m], n_samples=n_bootstrap, confidence=confidence, seed=seed)
                f1, ci = b.report.micro, b.micro["f1"]
            ent_off = np.asarray(batch.ent_offsets, dtype=np.int64)
            g_ent = np.unique(ent_off[_sentence_of_spans(r)] + np.asarray(r.entity, dtype=np.int64))
            mreports.append(MethodReport(
                m, float(objectives[m].sum()), int(np.sum(np.asarray(r.status) != 0)), gap_stats[m],
                int(len(r.start)), float(len(r.start) / n_ent) if n_ent else 0.0,
                float(len(g_ent) / n_ent) if n_ent else 0.0, f1, ci, through.get(m)))
        pairs: List[PairReport] = []
        for ia, a in enumerate(methods):
            for b_ in methods[ia + 1:]:
                same = _identical(results[a], results[b_])
                delta = dci = p = None
                if gold_tags is not None:
                    pb = paired_bootstrap(gold_tags, preds[a], preds[b_], n_samples=n_bootstrap,
                                          confidence=confidence, seed=seed)
                    delta, dci, p = pb.delta, pb.delta_ci, pb.p_value
                pairs.append(PairReport(a, b_, int(same.sum()), float(same.mean()) if n else 0.0, delta, dci, p))
        examples = _examples(batch, results, span_scores, objectives, opt, gap_stats, n_examples, src_tokens,
                             tgt_tokens)
        reports.append(ConstraintReport(c, opt_name, float(opt[opt_solved].sum()), int(opt_solved.sum()),
                                        mreports, pairs, examples))
    return Comparison(n, n_ent, methods, max_len, scores_name if scores is not None else "align", n_threads,
                      repeats, seed, n_bootstrap, gold is not None, reports)


# --------------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------------
def _fmt(x: Optional[float], spec: str = ".4f") -> str:
    return "n/a" if x is None else format(x, spec)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    return (["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
            + ["| " + " | ".join(r) + " |" for r in rows])


def format_markdown(cmp: Comparison, *, examples: bool = True) -> str:
    """The Markdown report of a :class:`Comparison` (what ``xlner compare`` prints)."""
    lines = [f"# xlner compare: {cmp.n_sentences} sentences, {cmp.n_entities} source entities, M={cmp.max_len}, "
             f"scores: {cmp.scores}", ""]
    for r in cmp.constraints:
        lines += [f"## constraint `{r.constraint}` (optimum: {r.optimum}, solved on {r.optimum_solved} sentences, "
                  f"total {r.optimum_total:.4f})", ""]
        headers = ["method", "objective", "compared", "below opt", "share %", "mean gap", "max gap", "proj. ratio",
                   "entities proj."]
        if cmp.gold:
            headers += ["P", "R", "F1", "F1 CI"]
        if cmp.repeats:
            headers += ["sent/s 1 thr best", "median", f"sent/s {cmp.threads} thr best", "median", "time/greedy 1 thr",
                        f"time/greedy {cmp.threads} thr"]
        rows = []
        for m in r.methods:
            g = m.gap
            row = [m.method, f"{m.objective:.4f}", str(g.compared), str(g.below), f"{100 * g.share:.3f}",
                   f"{g.mean_gap:.4f}", f"{g.max_gap:.4f}", f"{m.projection_ratio:.4f}",
                   f"{100 * m.entities_projected:.2f}%"]
            if cmp.gold:
                assert m.f1 is not None and m.f1_ci is not None
                row += [f"{100 * m.f1.precision:.2f}", f"{100 * m.f1.recall:.2f}", f"{100 * m.f1.f1:.2f}",
                        f"[{100 * m.f1_ci[0]:.2f}, {100 * m.f1_ci[1]:.2f}]"]
            if cmp.repeats:
                t = m.throughput
                assert t is not None
                row += [f"{t.best_1:,.0f}", f"{t.median_1:,.0f}", f"{t.best_all:,.0f}", f"{t.median_all:,.0f}",
                        _fmt(t.vs_greedy_1, ".2f") + ("×" if t.vs_greedy_1 is not None else ""),
                        _fmt(t.vs_greedy_all, ".2f") + ("×" if t.vs_greedy_all is not None else "")]
            rows.append(row)
        lines += _table(headers, rows) + [""]
        if r.pairs:
            headers = ["a", "b", "identical spans", "share %"]
            if cmp.gold:
                headers += ["F1(a) − F1(b)", "CI", "p"]
            rows = []
            for p in r.pairs:
                row = [p.a, p.b, str(p.identical), f"{100 * p.identical_share:.2f}"]
                if cmp.gold:
                    assert p.f1_delta is not None and p.f1_delta_ci is not None and p.p_value is not None
                    lo, hi = p.f1_delta_ci
                    row += [f"{100 * p.f1_delta:+.2f}", f"[{100 * lo:+.2f}, {100 * hi:+.2f}]",
                            f"{p.p_value:.3f}"]
                rows.append(row)
            lines += _table(headers, rows) + [""]
        if examples and r.examples:
            lines.append("Examples (largest gaps per method; entities whose spans differ): source entity → spans "
                         "chosen by each method (score)")
            lines.append("")
            for ex in r.examples:
                gaps = ", ".join(f"{m} {g:.4f}" for m, g in ex.gaps.items())
                lines.append(f"- {ex.method} below the optimum, sentence {ex.sentence} (gaps: {gaps})")
                for e in ex.entities:
                    ch = "; ".join(f"{m}: " + (", ".join(f"{s.text or f'[{s.start},{s.end})'} ({s.score:.3f})"
                                                         for s in spans) or "—")
                                   for m, spans in e.chosen.items())
                    lines.append(f"  - {e.label} \"{e.text}\" → {ch}")
            lines.append("")
    lines.append("(objective: sum of chosen scores; heuristic: the matching score of its spans, see `xlner.compare`; "
                 "compared: sentences where the optimum is solved and the method's assignment meets the constraint; "
                 "below opt: strictly below the optimum; gaps over those sentences; time/greedy: best time over "
                 "greedy's best time, measured interleaved in this run)")
    return "\n".join(lines) + "\n"


def plot_comparison(cmp: Comparison, path: str) -> None:
    """Histogram of the greedy–optimum gaps (sentences below the optimum, one series per constraint) and a
    time/quality scatter (1-thread sentences/s against F1, or against the objective's share of the optimum
    without gold). Raises ``ImportError`` naming the ``plot`` extra when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("--plot needs matplotlib: pip install 'xlner[plot]'") from exc
    fig, (ax_h, ax_s) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = []
    for r in cmp.constraints:
        try:
            gaps = [g for _, g in r.method("greedy").gap.gaps]
        except KeyError:
            continue
        if gaps:
            series.append((r.constraint, gaps))
    if series:
        top = max(max(g) for _, g in series)
        bins = np.linspace(0.0, top, 31)
        for c, gaps in series:
            ax_h.hist(gaps, bins=bins, histtype="step", linewidth=1.5, label=f"{c} ({len(gaps)} sentences)")
        ax_h.set_yscale("log")
        ax_h.legend()
    else:
        ax_h.text(0.5, 0.5, "greedy never below the optimum", ha="center", va="center", transform=ax_h.transAxes)
    ax_h.set_xlabel("optimum − greedy objective (sentences where greedy is below)")
    ax_h.set_ylabel("sentences")
    ax_h.set_title("greedy vs optimum")
    colors = {m: f"C{k}" for k, m in enumerate(cmp.methods)}
    markers = "osD^v<>ph*"
    for k, r in enumerate(cmp.constraints):
        for m in r.methods:
            if m.throughput is None:
                continue
            y = 100 * m.f1.f1 if m.f1 is not None else (
                100 * m.gap.objective_compared / m.gap.optimum_compared if m.gap.optimum_compared else 0.0)
            ax_s.scatter(m.throughput.best_1, y, color=colors[m.method], marker=markers[k % len(markers)],
                         label=f"{m.method} {r.constraint}")
    ax_s.set_xscale("log")
    ax_s.set_xlabel("sentences / s (1 thread, best)")
    ax_s.set_ylabel("entity F1 (%)" if cmp.gold else "objective / optimum on compared sentences (%)")
    ax_s.set_title("time / quality (colour: method, marker: constraint)")
    if ax_s.has_data():
        ax_s.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


__all__ = ["GAP_TOLERANCE", "Throughput", "GapStats", "MethodReport", "PairReport", "ChosenSpan", "ExampleEntity",
           "Example", "ConstraintReport", "Comparison", "constraint_bounds", "compare", "format_markdown",
           "plot_comparison"]
