"""Shared bench helpers: load conll2003-deepl pairs into a batch, replicate a batch, time a call."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

import numpy as np

from xlner.batch import ProjectionBatch
from xlner.datasets import CONLL_DEEPL_LANGS, conll_deepl_paths, shared_data_dir
from xlner.io import read_conll, read_talp
from xlner.studies.common import gold_batch


def require_data() -> Path:
    root = shared_data_dir()
    if not root.is_dir():
        sys.exit(f"bench needs the real data at {root} (set XLNER_SHARED_DATA)")
    return root


def load_pairs(root: Path, langs: Sequence[str] = CONLL_DEEPL_LANGS, splits: Sequence[str] = ("train", "dev", "test"),
               aligner: str = "awesome") -> Tuple[ProjectionBatch, List[List[str]]]:
    """All sentence pairs of the given languages/splits as one batch (+ target tokens)."""
    src_all, tgt_tokens, alns = [], [], []
    for lang in langs:
        for split in splits:
            sp, tp, ap = conll_deepl_paths(root, lang, split, aligner)
            src_all += read_conll(sp)
            tgt_tokens += [s.tokens for s in read_conll(tp)]
            alns += read_talp(ap)
    return gold_batch(src_all, tgt_tokens, alns), tgt_tokens


def _tile_csr(offsets: np.ndarray, arrays: Sequence[np.ndarray], times: int):
    new_off = np.concatenate([[0], np.tile(np.diff(offsets), times).cumsum()]).astype(np.int64)
    return new_off, [np.tile(a, times) for a in arrays]


def replicate(batch: ProjectionBatch, min_sentences: int) -> ProjectionBatch:
    """Tile a batch until it has at least ``min_sentences`` sentence pairs."""
    times = -(-min_sentences // len(batch))
    eo, (es, ee, el) = _tile_csr(batch.ent_offsets, [batch.ent_start, batch.ent_end, batch.ent_label], times)
    ao, (asrc, atgt) = _tile_csr(batch.aln_offsets, [batch.aln_src, batch.aln_tgt], times)
    return ProjectionBatch(np.tile(batch.src_len, times), np.tile(batch.tgt_len, times), eo, es, ee, el, ao, asrc,
                           atgt, labels=batch.labels)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a Markdown table."""
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for r in rows:
        print("| " + " | ".join(f"{x:,.0f}" if isinstance(x, float) and x >= 100 else
                                (f"{x:.3f}" if isinstance(x, float) else str(x)) for x in r) + " |")
