"""Dense sentence pairs in the ILP: model size bounded by links × M (aligned ranges, clique rows), dense
blocks solved alone with their own HiGHS settings, same optimum as the exact solver, time limit honoured
(status 2). Counts only; the timing is in bench/bench_ilp_dense.py."""
from __future__ import annotations

import numpy as np
import pytest

from xlner import _core
from xlner.batch import ProjectionBatch
from xlner.ilp import (DENSE_NNZ_PER_ROW, STATUS_SOLVED, SolverOptions, _blocks, _dense_sentences, ilp_arrays,
                       project_exact, project_ilp)

M = 10


def dense_pair(n: int, entities: int, links_per_word: int = 0, seed: int = 0) -> ProjectionBatch:
    """One n×n pair with one-word entities at 0, 3, 6, …: every word aligned to every word
    (``links_per_word == 0``) or each source word to ``links_per_word`` random target words."""
    if links_per_word:
        rng = np.random.default_rng(seed)
        links = sorted({(i, int(j)) for i in range(n) for j in rng.integers(0, n, size=links_per_word)})
    else:
        links = [(i, j) for i in range(n) for j in range(n)]
    return ProjectionBatch.from_lists([n], [n], [[(3 * e, 3 * e + 1, 0) for e in range(entities)]], [links])


def model(b: ProjectionBatch, constraint: str) -> "_core.IlpModel":
    return _core.ilp_model_alignment(b.core, np.arange(len(b)), constraint=constraint, candidates="ngrams",
                                     max_len=M, threads=1)


def entity_links(b: ProjectionBatch) -> int:
    """Σ over entities of the number of distinct target words aligned to it."""
    total = 0
    for s, e, _ in b.entities(0):
        total += len({t for a, t in b.links(0) if s <= a < e})
    return total


@pytest.mark.parametrize("n,entities,per_word", [(200, 6, 0), (400, 30, 10), (300, 12, 3)])
@pytest.mark.parametrize("constraint", ["<=1", "=1"])
def test_model_size_bounded_by_links_times_m(n, entities, per_word, constraint):
    b = dense_pair(n, entities, per_word)
    m = model(b, constraint)
    cols, rows, nnz = len(m.cost), len(m.row_lower), len(m.a_index)
    # aligned ranges: first and last word aligned to the entity, at most M long → ≤ M per aligned word;
    # plus one slack per entity under a lower bound
    assert cols <= M * entity_links(b) + 2 * entities
    # one count row per entity, at most one clique row per target word, one capacity row
    assert rows <= entities + n + 1
    # each candidate sits in at most M clique rows, one count row and the capacity row
    assert nnz <= (M + 2) * cols
    assert cols < n * n  # not tokens²


def test_dense_sentence_is_detected_and_solved_alone():
    sparse = dense_pair(60, 3, links_per_word=1)
    dense = dense_pair(60, 3)
    both = ProjectionBatch.from_lists([60, 60, 60], [60, 60, 60], [sparse.entities(0), dense.entities(0),
                                                                   sparse.entities(0)],
                                      [sparse.links(0), dense.links(0), sparse.links(0)])
    m = model(both, "<=1")
    flags = _dense_sentences(m)
    assert flags.tolist() == [False, True, False]
    nnz = np.diff(np.asarray(m.a_start)[np.asarray(m.col_offsets)])
    assert nnz[1] >= DENSE_NNZ_PER_ROW * np.diff(np.asarray(m.row_offsets))[1]
    assert _blocks(flags, 256) == [(0, 1, False), (1, 2, True), (2, 3, False)]
    assert _blocks(np.zeros(5, dtype=bool), 2) == [(0, 2, False), (2, 4, False), (4, 5, False)]
    assert _blocks(np.ones(2, dtype=bool), 8) == [(0, 1, True), (1, 2, True)]


@pytest.mark.parametrize("constraint", ["<=1", "=1", "<=2"])
def test_dense_ilp_equals_exact(constraint):
    b = ProjectionBatch.from_lists([50, 40], [40, 50], [[(0, 1, 0), (5, 7, 1), (9, 10, 0)], [(1, 3, 0), (4, 5, 1)]],
                                   [[(i, j) for i in range(50) for j in range(40)],
                                    [(i, j) for i in range(40) for j in range(50) if (i + j) % 3]])
    assert _dense_sentences(model(b, constraint)).all()
    h = ilp_arrays(b, constraint, threads=1)
    e = project_exact(b, constraint, threads=1)
    assert (h["status"] == STATUS_SOLVED).all()
    np.testing.assert_allclose(h["objective"], e.objective, rtol=1e-9)
    r = project_ilp(b, constraint, threads=1)
    np.testing.assert_allclose(r.objective, e.objective, rtol=1e-9)


def test_dense_time_limit_returns_status_2():
    b = dense_pair(1100, 40)  # about 4 s to optimality with HiGHS
    r = ilp_arrays(b, "<=1", options=SolverOptions(time_limit=0.2), threads=1)
    assert int(r["status"][0]) == 2
