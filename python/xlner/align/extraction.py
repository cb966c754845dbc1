"""Extraction of word alignments from similarity matrices and symmetrisation (C++ core).

All links are 0-based ``(src, tgt)`` pairs; rows of a similarity matrix are source words.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

from xlner import _core
from xlner.align.defaults import EXTRACTION_METHODS, SYMMETRIZATION_METHODS

Link = Tuple[int, int]
Links = List[Link]


def _check_method(method: str) -> None:
    if method not in EXTRACTION_METHODS:
        raise ValueError(f"unknown extraction method {method!r} (expected one of {', '.join(EXTRACTION_METHODS)})")


def _as_matrix(sim: np.ndarray, sentence: int) -> np.ndarray:
    a = np.asarray(sim)
    if a.ndim != 2:
        raise ValueError(f"sentence {sentence}, field sim: expected a 2-D matrix, got shape {a.shape}")
    if a.dtype != np.float32:
        a = a.astype(np.float64, copy=False)
    return np.ascontiguousarray(a)


def extract(sim: np.ndarray, method: str = "itermax", *, max_count: int = 2, alpha: float = 0.9,
            threshold: float = 0.001) -> Links:
    """Extract links from one similarity matrix (rows: source words, columns: target words).

    Arguments:
        sim: float32/float64 matrix of shape (m, n).
        method: ``'argmax'`` (SimAlign mutual argmax; ties go to the first index), ``'itermax'``
            (SimAlign itermax), ``'match'`` (maximum-weight matching of size min(m, n)) or
            ``'softmax'`` (awesome-align: softmax over rows and over columns, both > ``threshold``).
        max_count, alpha: itermax rounds and half-aligned weight (SimAlign: 2, 0.9).
        threshold: softmax probability threshold (awesome-align: 0.001).

    Returns:
        Sorted list of ``(src, tgt)`` links.
    """
    _check_method(method)
    src, tgt = _core.extract_alignment(_as_matrix(sim, 0), method=method, max_count=max_count, alpha=alpha,
                                       threshold=threshold)
    return list(zip(src.tolist(), tgt.tolist()))


def flatten_matrices(sims: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flatten matrices into ``(data, offsets, rows, cols)`` CSR form (float32 kept when all are float32)."""
    mats = [np.asarray(s) for s in sims]
    for i, s in enumerate(mats):
        if s.ndim != 2:
            raise ValueError(f"sentence {i}, field sim: expected a 2-D matrix, got shape {s.shape}")
    dtype = np.float32 if mats and all(s.dtype == np.float32 for s in mats) else np.float64
    rows = np.array([s.shape[0] for s in mats], dtype=np.int32)
    cols = np.array([s.shape[1] for s in mats], dtype=np.int32)
    offsets = np.zeros(len(mats) + 1, dtype=np.int64)
    np.cumsum(rows.astype(np.int64) * cols, out=offsets[1:])
    data = np.concatenate([s.ravel().astype(dtype, copy=False) for s in mats]) if mats else np.zeros(0, dtype)
    return data, offsets, rows, cols


def split_csr(offsets: np.ndarray, src: np.ndarray, tgt: np.ndarray) -> List[Links]:
    """Turn CSR links into one list of ``(src, tgt)`` per sentence."""
    s, t, o = src.tolist(), tgt.tolist(), offsets.tolist()
    return [list(zip(s[o[i]:o[i + 1]], t[o[i]:o[i + 1]])) for i in range(len(o) - 1)]


def extract_batch(sims: Sequence[np.ndarray], method: str = "itermax", *, max_count: int = 2, alpha: float = 0.9,
                  threshold: float = 0.001, threads: int = -1) -> List[Links]:
    """Batch form of :func:`extract` over many matrices (one C++ call, GIL released, ``threads=-1``: all cores)."""
    _check_method(method)
    data, offsets, rows, cols = flatten_matrices(sims)
    res = _core.extract_alignments(data, offsets, rows, cols, method=method, max_count=max_count, alpha=alpha,
                                   threshold=threshold, threads=threads)
    return split_csr(*res)


def links_to_csr(links: Sequence[Sequence[Link]], field: str = "links") -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sentence link lists to CSR ``(offsets, src, tgt)``; raises ValueError naming sentence and field."""
    offsets = np.zeros(len(links) + 1, dtype=np.int64)
    src: List[int] = []
    tgt: List[int] = []
    for i, ls in enumerate(links):
        for pair in ls:
            if len(pair) != 2:
                raise ValueError(f"sentence {i}, field {field}: link {pair!r} is not a (src, tgt) pair")
            src.append(int(pair[0]))
            tgt.append(int(pair[1]))
        offsets[i + 1] = len(src)
    return offsets, np.asarray(src, dtype=np.int32), np.asarray(tgt, dtype=np.int32)


def symmetrize_batch(fwd: Sequence[Sequence[Link]], rev: Sequence[Sequence[Link]], src_lens: Sequence[int],
                     tgt_lens: Sequence[int], method: str = "grow-diag-final-and", *, threads: int = -1) -> List[Links]:
    """Symmetrise forward and reverse alignments of many sentence pairs.

    Both directions are given in ``(src, tgt)`` coordinates. ``method`` is one of
    :data:`SYMMETRIZATION_METHODS` (Koehn's textbook definitions, see ``xlner/alignment.hpp``).
    """
    n = len(fwd)
    if not (len(rev) == len(src_lens) == len(tgt_lens) == n):
        raise ValueError(f"fwd has {n} sentences, rev {len(rev)}, src_lens {len(src_lens)}, tgt_lens {len(tgt_lens)}")
    if method.replace("_", "-") not in SYMMETRIZATION_METHODS:
        raise ValueError(f"unknown symmetrisation {method!r} (expected one of {', '.join(SYMMETRIZATION_METHODS)})")
    fo, fs, ft = links_to_csr(fwd, "fwd")
    ro, rs, rt = links_to_csr(rev, "rev")
    res = _core.symmetrize_alignments(np.asarray(src_lens, dtype=np.int32), np.asarray(tgt_lens, dtype=np.int32),
                                      fo, fs, ft, ro, rs, rt, method=method, threads=threads)
    return split_csr(*res)


def symmetrize(fwd: Sequence[Link], rev: Sequence[Link], src_len: int, tgt_len: int,
               method: str = "grow-diag-final-and") -> Links:
    """Symmetrise one sentence pair; see :func:`symmetrize_batch`."""
    return symmetrize_batch([fwd], [rev], [src_len], [tgt_len], method, threads=1)[0]


__all__ = ["EXTRACTION_METHODS", "SYMMETRIZATION_METHODS", "Link", "Links", "extract", "extract_batch",
           "flatten_matrices", "links_to_csr", "split_csr", "symmetrize", "symmetrize_batch"]
