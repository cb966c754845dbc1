"""Word pairs per second of alignment extraction (argmax, itermax, match, softmax) and symmetrisation
(grow-diag-final-and and the others): C++ core (1 thread and all threads) vs numpy implementations,
measured in the same run on the same random matrices. Prints a Markdown table.

    python bench/bench_alignment.py [--sentences 2000] [--min-len 5] [--max-len 40] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
from typing import List, Sequence, Tuple

import numpy as np

import sys

sys.path.insert(0, os.path.dirname(__file__))

from common import best_of  # noqa: E402

from xlner import _core  # noqa: E402
from xlner.align.extraction import flatten_matrices, links_to_csr, split_csr

NEIGHBORS = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


# ---- numpy implementations (same semantics as the core) ----
def np_argmax(s: np.ndarray) -> np.ndarray:
    m, n = s.shape
    fwd = np.zeros((m, n), bool)
    fwd[np.arange(m), s.argmax(1)] = True
    bwd = np.zeros((m, n), bool)
    bwd[s.argmax(0), np.arange(n)] = True
    return fwd & bwd


def np_itermax(s: np.ndarray, max_count: int = 2, alpha: float = 0.9) -> np.ndarray:
    inter = np_argmax(s)
    m, n = s.shape
    if min(m, n) <= 2:
        return inter
    s = s.astype(np.float64)
    for _ in range(1, max_count):
        ra, ca = inter.any(1), inter.any(0)
        if ra.all() or ca.all():
            break
        mask = np.clip(alpha * (~ra)[:, None] + alpha * (~ca)[None, :], 0.0, 1.0)
        new = np_argmax(s * mask) & ~(ra[:, None] & ca[None, :])
        if not new.any():
            break
        inter |= new
    return inter


def np_match(s: np.ndarray) -> np.ndarray:
    """Hungarian (shortest augmenting paths with potentials), inner loop vectorised with numpy."""
    m, n = s.shape
    tr = m > n
    c = -(s.T if tr else s).astype(np.float64)
    k, l = c.shape
    u = np.zeros(k + 1)
    v = np.zeros(l + 1)
    p = np.zeros(l + 1, dtype=np.int64)
    way = np.zeros(l + 1, dtype=np.int64)
    for r in range(1, k + 1):
        p[0] = r
        j0 = 0
        minv = np.full(l + 1, np.inf)
        used = np.zeros(l + 1, bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            free = ~used[1:]
            cur = c[i0 - 1] - u[i0] - v[1:]
            upd = free & (cur < minv[1:])
            minv[1:][upd] = cur[upd]
            way[1:][upd] = j0
            cand = np.where(free, minv[1:], np.inf)
            j1 = int(cand.argmin()) + 1
            delta = cand[j1 - 1]
            u[p[used]] += delta
            v[used] -= delta
            minv[~used] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    out = np.zeros((m, n), bool)
    for j in range(1, l + 1):
        if p[j]:
            if tr:
                out[j - 1, p[j] - 1] = True
            else:
                out[p[j] - 1, j - 1] = True
    return out


def np_softmax(s: np.ndarray, thr: float = 0.001) -> np.ndarray:
    s = s.astype(np.float64)
    er = np.exp(s - s.max(1, keepdims=True))
    ec = np.exp(s - s.max(0, keepdims=True))
    return (er / er.sum(1, keepdims=True) > thr) & (ec / ec.sum(0, keepdims=True) > thr)


def np_gdfa(fwd: np.ndarray, rev: np.ndarray, method: str = "grow-diag-final-and") -> np.ndarray:
    if method == "intersection":
        return fwd & rev
    union = fwd | rev
    if method == "union":
        return union
    a = fwd & rev
    m, n = a.shape
    row = a.any(1).copy()
    col = a.any(0).copy()
    changed = True
    while changed:
        changed = False
        for i in range(m):  # row-major sweep; points added during the sweep are visited when reached
            j = -1
            while True:
                nz = np.flatnonzero(a[i, j + 1:])
                if not nz.size:
                    break
                j = j + 1 + int(nz[0])
                for di, dj in NEIGHBORS:
                    x, y = i + di, j + dj
                    if 0 <= x < m and 0 <= y < n and not a[x, y] and (not row[x] or not col[y]) and union[x, y]:
                        a[x, y] = row[x] = col[y] = True
                        changed = True
    if method in ("grow-diag-final", "grow-diag-final-and"):
        for d in (fwd, rev):
            for i, j in zip(*np.nonzero(d & ~a)):
                ok = (not row[i] and not col[j]) if method == "grow-diag-final-and" else (not row[i] or not col[j])
                if ok:
                    a[i, j] = row[i] = col[j] = True
    return a


def to_links(mats: Sequence[np.ndarray]) -> List[List[Tuple[int, int]]]:
    return [list(zip(*map(lambda x: x.tolist(), np.nonzero(b)))) for b in mats]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=2000)
    ap.add_argument("--min-len", type=int, default=5)
    ap.add_argument("--max-len", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--numpy-sentences", type=int, default=400, help="numpy runs on this many (rates compared)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    lens = rng.integers(args.min_len, args.max_len + 1, size=(args.sentences, 2))
    mats = [rng.random((int(a), int(b)), dtype=np.float32) for a, b in lens]
    data, off, rows, cols = flatten_matrices(mats)
    pairs_all = int((rows.astype(np.int64) * cols).sum())
    k = min(args.numpy_sentences, len(mats))
    pairs_np = int(sum(m.size for m in mats[:k]))
    print(f"{len(mats)} sentence pairs, lengths {args.min_len}-{args.max_len}, {pairs_all:,} word pairs, "
          f"{os.cpu_count()} cores; numpy on the first {k} pairs")
    rows_out = []
    np_impl = {"argmax": np_argmax, "itermax": np_itermax, "match": np_match, "softmax": np_softmax}
    for method, f in np_impl.items():
        c1 = best_of(lambda: _core.extract_alignments(data, off, rows, cols, method=method, threads=1), args.repeat)
        ca = best_of(lambda: _core.extract_alignments(data, off, rows, cols, method=method, threads=-1), args.repeat)
        res = split_csr(*_core.extract_alignments(data, off, rows, cols, method=method, threads=-1))
        npt = best_of(lambda: [np.nonzero(f(m)) for m in mats[:k]], args.repeat)
        got_np = to_links([f(m) for m in mats[:k]])
        if method == "match":  # optimal matchings may differ on ties: compare total weights
            same = all(np.isclose(sum(float(m[i, j]) for i, j in a), sum(float(m[i, j]) for i, j in b))
                       for m, a, b in zip(mats[:k], res[:k], got_np))
        else:
            same = res[:k] == got_np
        rows_out.append((f"extract {method}", pairs_all / c1, pairs_all / ca, pairs_np / npt,
                         (pairs_all / c1) / (pairs_np / npt), same))
    # symmetrisation: forward = row argmax links, reverse = column argmax links of the same matrices
    fwd = [[(i, int(j)) for i, j in enumerate(m.argmax(1))] for m in mats]
    rev = [[(int(i), j) for j, i in enumerate(m.argmax(0))] for m in mats]
    fo, fs, ft = links_to_csr(fwd)
    ro, rs, rt = links_to_csr(rev)
    slen, tlen = rows.copy(), cols.copy()
    fwd_k, rev_k, shapes = fwd[:k], rev[:k], [m.shape for m in mats[:k]]

    def np_sym(method: str):
        """numpy path from link lists to link arrays, like the C++ call: build masks, symmetrise, nonzero."""
        out = []
        for shp, f, r in zip(shapes, fwd_k, rev_k):
            a = np.zeros(shp, bool)
            b = np.zeros(shp, bool)
            fa = np.asarray(f)
            ra = np.asarray(r)
            a[fa[:, 0], fa[:, 1]] = True
            b[ra[:, 0], ra[:, 1]] = True
            out.append(np_gdfa(a, b, method))
        return out

    for method in ("intersection", "union", "grow-diag", "grow-diag-final", "grow-diag-final-and"):
        def cpp(t):
            return _core.symmetrize_alignments(slen, tlen, fo, fs, ft, ro, rs, rt, method=method, threads=t)
        c1 = best_of(lambda: cpp(1), args.repeat)
        ca = best_of(lambda: cpp(-1), args.repeat)
        res = split_csr(*cpp(-1))
        npt = best_of(lambda: [np.nonzero(x) for x in np_sym(method)], args.repeat)
        got_np = to_links(np_sym(method))
        rows_out.append((f"symmetrize {method}", pairs_all / c1, pairs_all / ca, pairs_np / npt,
                         (pairs_all / c1) / (pairs_np / npt), res[:k] == got_np))
    print("numpy columns include turning masks into link arrays (np.nonzero), as the C++ calls return links")
    print("| operation | C++ 1 thread (word pairs/s) | C++ all threads | numpy | C++ 1 thread / numpy | same links |")
    print("|---|---|---|---|---|---|")
    for name, a, b, c, r, same in rows_out:
        print(f"| {name} | {a:,.0f} | {b:,.0f} | {c:,.0f} | {r:.1f}x | {same} |")


if __name__ == "__main__":
    main()
