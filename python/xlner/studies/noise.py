"""Controlled, seeded corruption of word alignments for the alignment-noise study.

Kinds (``rate`` in [0, 1]):

* ``drop``: remove ``round(rate · |A|)`` links chosen uniformly at random;
* ``add``: add ``round(rate · |A|)`` new random links (distinct, not already present, inside the
  sentence; fewer only when the sentence has no free cell left);
* ``shift``: move ``round(rate · |A|)`` links one target word left or right (a random direction; the
  other one at the sentence border; links that would collide with an existing link stay put).

Each sentence draws from its own generator seeded by ``(seed, sentence index)``, so results do not
depend on batch order or size. Rate 0 is the identity.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

Links = List[Tuple[int, int]]
KINDS = ("drop", "add", "shift")


def corrupt_links(links: Sequence[Tuple[int, int]], src_len: int, tgt_len: int, kind: str, rate: float,
                  rng: np.random.Generator) -> Links:
    """Corrupt one sentence's links (see the module docstring); returns a new sorted list."""
    if kind not in KINDS:
        raise ValueError(f"unknown noise kind {kind!r}; choose one of {KINDS}")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must lie in [0, 1], got {rate}")
    cur = sorted(set((int(i), int(j)) for i, j in links))
    k = int(round(rate * len(cur)))
    if k == 0:
        return cur
    if kind == "drop":
        keep = np.sort(rng.choice(len(cur), size=len(cur) - k, replace=False))
        return [cur[i] for i in keep]
    if kind == "add":
        present = set(cur)
        free = src_len * tgt_len - len(present)
        k = min(k, free)
        added: set = set()
        while len(added) < k:
            cell = (int(rng.integers(src_len)), int(rng.integers(tgt_len)))
            if cell not in present and cell not in added:
                added.add(cell)
        return sorted(present | added)
    # shift
    present = set(cur)
    chosen = rng.choice(len(cur), size=k, replace=False)
    out = list(cur)
    for idx in chosen.tolist():
        i, j = out[idx]
        step = 1 if rng.random() < 0.5 else -1
        if not 0 <= j + step < tgt_len:
            step = -step
        nj = j + step
        if 0 <= nj < tgt_len and (i, nj) not in present:
            present.discard((i, j))
            present.add((i, nj))
            out[idx] = (i, nj)
    return sorted(out)


def corrupt_alignments(alignments: Sequence[Sequence[Tuple[int, int]]], src_lens: Sequence[int],
                       tgt_lens: Sequence[int], kind: str, rate: float, seed: int = 0) -> List[Links]:
    """Corrupt every sentence's links; sentence i uses ``numpy.random.default_rng((seed, i))``."""
    if not (len(alignments) == len(src_lens) == len(tgt_lens)):
        raise ValueError(f"alignments ({len(alignments)}), src_lens ({len(src_lens)}) and tgt_lens "
                         f"({len(tgt_lens)}) must have one entry per sentence")
    return [corrupt_links(a, int(s), int(t), kind, rate, np.random.default_rng((seed, i)))
            for i, (a, s, t) in enumerate(zip(alignments, src_lens, tgt_lens))]


__all__ = ["KINDS", "corrupt_links", "corrupt_alignments"]
