"""Exact projection: the ILP through HiGHS (``highspy``) and the C++ dynamic program with HiGHS fallback.

The model (see ``cpp/include/xlner/exact.hpp``) is built in C++ for a whole batch, one independent
block per sentence, and handed to HiGHS ``block_size`` sentences per solve: a HiGHS call costs a few
milliseconds however small the model, so sentences share models (``bench/bench_exact.py`` measures the
block size; 256 is the default).

Infeasible sentences (the constraint's lower bound cannot be met, e.g. ``=1`` with more entities than
target words) never fail the batch: every block carries one penalised slack per entity, and a sentence
whose optimal slack is positive is reported with ``status == 1`` and left unprojected
(``infeasible="skip"``, the default), or solved again without the lower bound and reported with
``status == 3`` (``infeasible="relax"``: ``=n`` → ``<=n``, ``>=n``/``>n`` → unconstrained).

Status per sentence (:class:`xlner._core.Status`, defined once in C++ ``xlner::Status``): ``SOLVED``
optimal, ``INFEASIBLE`` (nothing projected), ``TIME_LIMIT`` (best assignment found so far, possibly none),
``RELAXED`` (optimal after relaxing the lower bound); ``TOO_LARGE`` is internal to the dynamic program.

Ctrl-C: solves run in a worker thread; a ``KeyboardInterrupt`` in the caller cancels HiGHS through its
interrupt callback, waits for it to stop and propagates.
"""
from __future__ import annotations

import functools
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from xlner import _core
from xlner.batch import ProjectionBatch, ProjectionResult, ScoreMatrix

if TYPE_CHECKING:
    import highspy

Status = _core.Status
STATUS_SOLVED = int(Status.SOLVED)
STATUS_INFEASIBLE = int(Status.INFEASIBLE)
STATUS_TIME_LIMIT = int(Status.TIME_LIMIT)
STATUS_RELAXED = int(Status.RELAXED)
STATUS_TOO_LARGE = int(Status.TOO_LARGE)  # internal to the dynamic program: handed to HiGHS

INFEASIBLE_POLICIES = ("skip", "relax")


@dataclass(frozen=True)
class SolverOptions:
    """Options of the exact solvers.

    Attributes:
        time_limit: seconds for all HiGHS solves of one call (``inf``: none). Sentences not solved to
            optimality in time get status 2.
        block_size: sentences per HiGHS model.
        infeasible: ``'skip'`` (status 1, nothing projected) or ``'relax'`` (status 3, solved without
            the lower bound).
        max_states: the dynamic program's limit on count-vector states per sentence (above: HiGHS).
        max_cells: the dynamic program's limit on (target length + 1) × states per sentence.
        certificate: ``exact`` runs greedy and keeps its assignment when that provably is optimal
            (each entity's greedy scores are the largest of its row, floors met) — on every sentence
            under a cap of 1, elsewhere where the dynamic program would need count states (see
            ``cpp/include/xlner/exact.hpp``); ``False`` always runs the dynamic program. Same optimum
            either way; only the choice among tied optima differs.
    """

    time_limit: float = float("inf")
    block_size: int = 256
    infeasible: str = "skip"
    max_states: int = 1 << 16
    max_cells: int = 1 << 21
    certificate: bool = True

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise ValueError(f"time_limit must be > 0 seconds, got {self.time_limit}")
        if self.block_size < 1:
            raise ValueError(f"block_size must be >= 1, got {self.block_size}")
        if self.infeasible not in INFEASIBLE_POLICIES:
            raise ValueError(f"infeasible must be one of {INFEASIBLE_POLICIES}, got {self.infeasible!r}")
        if self.max_states < 1 or self.max_cells < 1:
            raise ValueError("max_states and max_cells must be >= 1")


def relaxed_constraint(constraint: str) -> str:
    """The constraint without its lower bound: ``=n`` → ``<=n``, ``>=n``/``>n`` → ``>=0`` (C++
    ``Constraint::relaxed``), as canonical text."""
    return str(_core.Constraint(constraint).relaxed())


class _Interrupted(Exception):
    pass


@functools.lru_cache(maxsize=None)
def _highs_banner_swallowed() -> bool:
    """HiGHS prints its banner to the C-level stdout when the first ``Highs`` object of a process is
    created, before any option (``output_flag``) can be set. Create that first object with file
    descriptor 1 pointed at ``/dev/null`` (flushing C's buffer before restoring it), once per process."""
    import ctypes

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
        highspy.Highs()
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return True


def new_highs() -> "highspy.Highs":
    """A silent ``highspy.Highs`` for an exact MIP solve (output off, zero gaps, one thread): the one place
    that creates HiGHS objects, so that HiGHS's start-up banner never reaches stdout (it is swallowed once per
    process before the first object is made, see :func:`_highs_banner_swallowed`)."""
    import highspy

    _highs_banner_swallowed()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    h.setOptionValue("threads", 1)
    return h


# A sentence whose model has at least this many nonzeros per row is dense (its clique rows are long: many
# candidates share each word, e.g. every source word aligned to every target word). HiGHS's presolve and
# symmetry detection reduce nothing there, and its feasibility-jump heuristic ignores the time limit; they
# cost most of the time (bench/bench_ilp_dense.py: a fully aligned 1,100-token pair with 5 entities, 31.0 s
# with HiGHS's defaults, 0.62 s without them). On real data (conll2003-deepl, at most 14 nonzeros per row)
# presolve pays for itself (0.1 s against 0.3 s for 3,684 sentences), so sparse sentences keep the defaults.
DENSE_NNZ_PER_ROW = 32


def _dense_sentences(model: "_core.IlpModel") -> np.ndarray:
    """Per sentence of ``model``: whether its block is dense (see ``DENSE_NNZ_PER_ROW``)."""
    co = np.asarray(model.col_offsets, dtype=np.int64)
    nnz = np.diff(np.asarray(model.a_start, dtype=np.int64)[co])
    rows = np.diff(np.asarray(model.row_offsets, dtype=np.int64))
    return nnz >= DENSE_NNZ_PER_ROW * np.maximum(rows, 1)


def _blocks(dense: np.ndarray, block_size: int) -> List[Tuple[int, int, bool]]:
    """Contiguous runs [lo, hi) of at most ``block_size`` sentences, each dense sentence alone."""
    out: List[Tuple[int, int, bool]] = []
    lo = 0
    n = len(dense)
    while lo < n:
        if dense[lo]:
            out.append((lo, lo + 1, True))
            lo += 1
            continue
        hi = lo + 1
        while hi < n and hi - lo < block_size and not dense[hi]:
            hi += 1
        out.append((lo, hi, False))
        lo = hi
    return out


def _solve_block(model: "_core.IlpModel", lo: int, hi: int, time_left: float, stop: threading.Event,
                 dense: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Solve sentences [lo, hi) of ``model``; returns (x over their columns, status per sentence).

    ``dense``: solve without presolve and symmetry detection (see ``DENSE_NNZ_PER_ROW``). HiGHS checks its
    time limit only between phases, so the solve is also cancelled through the interrupt callback once
    ``time_left`` has passed; it then reports the time limit like HiGHS's own."""
    import highspy

    co, ro = model.col_offsets, model.row_offsets
    c0, c1, r0, r1 = int(co[lo]), int(co[hi]), int(ro[lo]), int(ro[hi])
    n_sent = hi - lo
    if c1 == c0:
        return np.zeros(0), np.zeros(n_sent, dtype=np.int8)
    if time_left <= 0 or stop.is_set():
        return np.full(c1 - c0, np.nan), np.full(n_sent, STATUS_TIME_LIMIT, dtype=np.int8)
    a_start = model.a_start
    a0, a1 = int(a_start[c0]), int(a_start[c1])
    h = new_highs()
    if dense:
        h.setOptionValue("presolve", "off")
        h.setOptionValue("mip_detect_symmetry", False)
        h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
    deadline = time.monotonic() + time_left
    if np.isfinite(time_left):
        h.setOptionValue("time_limit", float(time_left))
    h.HandleUserInterrupt = True
    status = h.passModel(
        c1 - c0, r1 - r0, a1 - a0, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMaximize), 0.0,
        model.cost[c0:c1], np.zeros(c1 - c0), model.col_upper[c0:c1],
        model.row_lower[r0:r1], model.row_upper[r0:r1],
        (a_start[c0:c1 + 1] - a0).astype(np.int32), (model.a_index[a0:a1] - r0).astype(np.int32),
        model.a_value[a0:a1], model.integrality[c0:c1].astype(np.int32))
    if status == highspy.HighsStatus.kError:
        raise RuntimeError(f"HiGHS rejected the model of sentences {int(model.sentences[lo])}.."
                           f"{int(model.sentences[hi - 1])}")
    watcher_done = threading.Event()

    timed_out = threading.Event()

    def watch() -> None:  # forwards a Ctrl-C in the caller, or the deadline, to HiGHS's interrupt callback
        while not watcher_done.wait(0.05):
            if stop.is_set():
                h.cancelSolve()
                return
            if time.monotonic() > deadline:
                timed_out.set()
                h.cancelSolve()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        h.solve()
    finally:
        watcher_done.set()
        watcher.join()
    ms = h.getModelStatus()
    MS = highspy.HighsModelStatus
    interrupted = ms in (MS.kInterrupt, getattr(MS, "kHighsInterrupt", MS.kInterrupt))
    if stop.is_set() or (interrupted and not timed_out.is_set()):
        raise _Interrupted()
    if interrupted:
        ms = MS.kTimeLimit
    if ms == MS.kOptimal:
        return np.asarray(h.getSolution().col_value, dtype=np.float64), np.zeros(n_sent, dtype=np.int8)
    if ms == MS.kTimeLimit:
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64) if sol.value_valid else np.full(c1 - c0, np.nan)
        return x, np.full(n_sent, STATUS_TIME_LIMIT, dtype=np.int8)
    raise RuntimeError(f"HiGHS ended with {ms} on sentences {int(model.sentences[lo])}.."
                       f"{int(model.sentences[hi - 1])} (the slack formulation is always feasible: a bug)")


def _solve_model(batch: ProjectionBatch, model: "_core.IlpModel", opts: SolverOptions, threads: int,
                 deadline: float) -> Dict[str, np.ndarray]:
    blocks = _blocks(_dense_sentences(model), opts.block_size)
    xs: List[Optional[np.ndarray]] = [None] * len(blocks)
    sts: List[Optional[np.ndarray]] = [None] * len(blocks)
    stop = threading.Event()
    workers = max(1, min(len(blocks), _resolve_threads(threads)))

    def run(k: int) -> None:
        lo, hi, dense = blocks[k]
        xs[k], sts[k] = _solve_block(model, lo, hi, deadline - time.monotonic(), stop, dense)

    _highs_banner_swallowed()  # before the workers create their Highs objects
    pool = ThreadPoolExecutor(max_workers=workers)
    futures = [pool.submit(run, k) for k in range(len(blocks))]
    try:
        for f in futures:
            while True:
                try:
                    f.result(timeout=0.1)
                    break
                except FutureTimeout:
                    continue
    except BaseException as exc:
        stop.set()
        for f in futures:
            f.cancel()
        pool.shutdown(wait=True)
        if isinstance(exc, _Interrupted):  # HiGHS stopped by an interrupt we did not ask for
            raise KeyboardInterrupt from None
        raise
    pool.shutdown(wait=True)
    x = np.concatenate([a for a in xs if a is not None]) if xs else np.zeros(0)
    st = np.concatenate([a for a in sts if a is not None]) if sts else np.zeros(0, dtype=np.int8)
    return _core.ilp_decode(batch.core, model, x, st)


def _resolve_threads(threads: int) -> int:
    return (os.cpu_count() or 1) if threads <= 0 else threads


def _build(batch: ProjectionBatch, sentences: np.ndarray, constraint: str, candidates: str, max_len: int,
           scores: Optional[ScoreMatrix], threads: int) -> "_core.IlpModel":
    if scores is not None:
        return _core.ilp_model_scored(batch.core, scores.offsets, scores.ent, scores.start, scores.end, scores.score,
                                      sentences, constraint=constraint, threads=threads)
    return _core.ilp_model_alignment(batch.core, sentences, constraint=constraint, candidates=candidates,
                                     max_len=max_len, threads=threads)


def _splice(full: Dict[str, np.ndarray], idx: np.ndarray, part: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Replace the sentences ``idx`` of ``full`` with the sentences of ``part`` (same order as idx)."""
    n = len(full["objective"])
    counts = np.diff(full["offsets"])
    sent_full = np.repeat(np.arange(n), counts)
    keep = ~np.isin(sent_full, idx)
    sent_part = np.repeat(idx, np.diff(part["offsets"]))
    sent = np.concatenate([sent_full[keep], sent_part])
    order = np.argsort(sent, kind="stable")
    out = {}
    for f in ("start", "end", "label", "entity", "score"):
        out[f] = np.concatenate([full[f][keep], part[f]])[order]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(sent, minlength=n), out=offsets[1:])
    out["offsets"] = offsets
    out["objective"] = full["objective"].copy()
    out["status"] = full["status"].copy()
    out["objective"][idx] = part["objective"]
    out["status"][idx] = part["status"]
    return out


def ilp_arrays(batch: ProjectionBatch, constraint: str = "<=1", *,
               sentences: Optional[Union[Sequence[int], np.ndarray]] = None,
               candidates: str = "ngrams", max_len: int = 10, scores: Optional[ScoreMatrix] = None,
               options: Optional[SolverOptions] = None, threads: int = -1) -> Dict[str, np.ndarray]:
    """Solve the ILP of ``sentences`` (default: all) with HiGHS; dict of projection arrays over them."""
    opts = options if options is not None else SolverOptions()
    deadline = time.monotonic() + opts.time_limit if np.isfinite(opts.time_limit) else float("inf")
    idx = np.arange(len(batch), dtype=np.int64) if sentences is None else np.asarray(sentences, dtype=np.int64)
    model = _build(batch, idx, constraint, candidates, max_len, scores, threads)
    out = _solve_model(batch, model, opts, threads, deadline)
    if opts.infeasible == "relax":
        bad = np.nonzero(out["status"] == STATUS_INFEASIBLE)[0]
        if bad.size:
            rmodel = _build(batch, idx[bad], relaxed_constraint(constraint), candidates, max_len, scores, threads)
            part = _solve_model(batch, rmodel, opts, threads, deadline)
            part["status"] = np.where(part["status"] == STATUS_SOLVED, STATUS_RELAXED, part["status"]).astype(np.int8)
            out = _splice(out, bad.astype(np.int64), part)
    return out


def _select(a: Dict[str, np.ndarray], b: Dict[str, np.ndarray], use_b: np.ndarray) -> Dict[str, np.ndarray]:
    """Per sentence, the projection of ``b`` where ``use_b`` is true, else that of ``a`` (same sentences)."""
    idx = np.nonzero(use_b)[0].astype(np.int64)
    if idx.size == 0:
        return a
    rows = np.concatenate([np.arange(b["offsets"][i], b["offsets"][i + 1]) for i in idx]).astype(np.int64)
    part = {f: b[f][rows] for f in ("start", "end", "label", "entity", "score")}
    part["offsets"] = np.concatenate([[0], np.cumsum(np.diff(b["offsets"])[idx])]).astype(np.int64)
    part["objective"] = b["objective"][idx]
    part["status"] = b["status"][idx]
    return _splice(a, idx, part)


def _exact_arrays(batch: ProjectionBatch, constraint: str, candidates: str, max_len: int,
                  scores: Optional[ScoreMatrix], opts: SolverOptions, threads: int) -> Dict[str, np.ndarray]:
    """The canonical optimum: C++ ``exact_select`` per sentence (greedy's certificate, else the dynamic
    program), and HiGHS, on a model of those sentences alone, for the sentences above the program's size
    limits."""
    relax = opts.infeasible == "relax"
    if scores is not None:
        d = _core.exact_scored(batch.core, scores.offsets, scores.ent, scores.start, scores.end, scores.score,
                               constraint=constraint, threads=threads, max_states=opts.max_states,
                               max_cells=opts.max_cells, relax=relax, certificate=opts.certificate)
    else:
        d = _core.exact_alignment(batch.core, constraint=constraint, candidates=candidates, max_len=max_len,
                                  threads=threads, max_states=opts.max_states, max_cells=opts.max_cells, relax=relax,
                                  certificate=opts.certificate)
    big = np.nonzero(d["status"] == STATUS_TOO_LARGE)[0]
    if big.size:
        part = ilp_arrays(batch, constraint, sentences=big, candidates=candidates, max_len=max_len, scores=scores,
                          options=opts, threads=threads)
        d = _splice(d, big, part)
    return d


def project_ilp(batch: ProjectionBatch, constraint: str = "<=1", *, candidates: str = "ngrams", max_len: int = 10,
                scores: Optional[ScoreMatrix] = None, options: Optional[SolverOptions] = None,
                threads: int = -1) -> ProjectionResult:
    """Exact projection by HiGHS for every sentence (method ``'ilp'``).

    HiGHS solves the program of every sentence (:func:`ilp_arrays`). Among tied optima the spans returned
    are the canonical ones, the same as :func:`project_exact` returns (see there): wherever HiGHS and the
    canonical solver both solved a sentence (same status, ``SOLVED`` or ``RELAXED``) the canonical spans
    are returned, after checking that HiGHS's optimum equals theirs (``RuntimeError`` otherwise: one of
    the two solvers is wrong). Sentences HiGHS stopped at the time limit keep HiGHS's best assignment.

    Arguments:
        batch: the sentence pairs.
        constraint: per-entity projection count (``'<=1'``, ``'=1'``, ``'>=1'``, ``'<2'`` …).
        candidates: ``'ngrams'`` (all n-grams up to ``max_len``) or ``'external'``.
        max_len: longest candidate M.
        scores: external score matrices instead of the alignment score.
        options: time limit, block size, infeasibility policy.
        threads: model building threads and concurrent HiGHS solves (one block each); -1 = all cores.
    """
    opts = options if options is not None else SolverOptions()
    h = ilp_arrays(batch, constraint, candidates=candidates, max_len=max_len, scores=scores, options=opts,
                   threads=threads)
    c = _exact_arrays(batch, constraint, candidates, max_len, scores, opts, threads)
    both = (h["status"] == c["status"]) & np.isin(h["status"], (STATUS_SOLVED, STATUS_RELAXED))
    gap = h["objective"] - c["objective"]
    tol = 1e-9 * np.maximum(1.0, np.abs(c["objective"]))
    wrong = np.nonzero(both & (np.abs(gap) > tol))[0]
    if wrong.size:
        i = int(wrong[0])
        raise RuntimeError(f"sentence {i}: HiGHS's optimum {h['objective'][i]!r} differs from the exact solver's "
                           f"{c['objective'][i]!r} (internal error)")
    return ProjectionResult.from_core(_select(h, c, both), batch.labels)


def project_exact(batch: ProjectionBatch, constraint: str = "<=1", *, candidates: str = "ngrams",
                  max_len: int = 10, scores: Optional[ScoreMatrix] = None, options: Optional[SolverOptions] = None,
                  threads: int = -1) -> ProjectionResult:
    """Exact projection by the C++ dynamic program, HiGHS for sentences above its size limit (method ``'exact'``).

    Same arguments as :func:`project_ilp`. Both methods return the same optimum and, among tied optima,
    the same spans, chosen by one documented rule (``cpp/include/xlner/exact.hpp``, "Tie-breaking"):
    where greedy's optimality certificate holds (see ``SolverOptions.certificate``) greedy's assignment
    (greedy's order: score, entity, start, end), else the dynamic program's order; for sentences above
    the program's size limits, HiGHS's solution of a model of those sentences alone.
    """
    opts = options if options is not None else SolverOptions()
    d = _exact_arrays(batch, constraint, candidates, max_len, scores, opts, threads)
    return ProjectionResult.from_core(d, batch.labels)


__all__ = ["SolverOptions", "Status", "project_ilp", "project_exact", "ilp_arrays", "relaxed_constraint",
           "INFEASIBLE_POLICIES", "STATUS_SOLVED", "STATUS_INFEASIBLE", "STATUS_TIME_LIMIT", "STATUS_RELAXED"]
