"""Pure-Python reference of the heuristic projection, written from the definitions in
``xlner.heuristic`` (thesis form of docs/architecture.md and the rules of Easy-Label-Projection).

It works on one sentence at a time with plain lists and a tag array, favouring obviousness over
speed. The C++ core must give exactly the same spans (tests) and the bench measures it as the
pure-Python baseline.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from xlner.batch import ProjectionBatch
    from xlner.heuristic import HeuristicConfig

# (start, end exclusive, label id, source entity index, score)
SpanTuple = Tuple[int, int, int, int, float]


def is_punctuation(token: str) -> bool:
    """Easy-Label-Projection's definition: every character of the stripped token is in ``string.punctuation``."""
    return all(c in string.punctuation for c in token.strip())


def _runs(words: Sequence[int]) -> List[List[int]]:
    """Maximal runs of consecutive integers of a sorted list, as [start, end) pairs."""
    runs: List[List[int]] = []
    for w in words:
        if runs and w == runs[-1][1]:
            runs[-1][1] = w + 1
        else:
            runs.append([w, w + 1])
    return runs


def _may_merge(prev: List[int], nxt: List[int], cfg: HeuristicConfig) -> bool:
    if cfg.merge_rule == "gap":
        # at most d unaligned words between the two ranges
        return nxt[0] - prev[1] <= cfg.merge_distance
    # "elp": the merged range would cover at most d + 2 words counted from prev's first word
    # to nxt's last word (Easy-Label-Projection compares last(next) - first(current) <= d + 1)
    return (nxt[1] - 1) - prev[0] <= cfg.merge_distance + 1


def entity_ranges(s: int, e: int, links: Sequence[Tuple[int, int]], punct: Optional[Sequence[bool]],
                  cfg: HeuristicConfig) -> Tuple[List[int], List[List[int]]]:
    """Aligned target words of the source entity [s, e) and the ranges kept for it.

    Returns (aligned words after the punctuation filter, kept ranges sorted by start).
    """
    aligned = sorted({t for (a, t) in links if s <= a < e})
    if cfg.drop_punct and punct is not None:
        aligned = [t for t in aligned if not punct[t]]
    first_word_targets = {t for (a, t) in links if a == s}
    merged: List[List[int]] = []
    for r in _runs(aligned):
        if (merged and cfg.merge_distance > 0 and _may_merge(merged[-1], r, cfg)
                and not (cfg.only_i and r[0] in first_word_targets)):
            merged[-1][1] = r[1]
        else:
            merged.append(list(r))
    if cfg.thr is not None:
        merged = [r for r in merged if (r[1] - r[0]) / (e - s) > cfg.thr]
    if cfg.top_k > 0:
        longest = sorted(merged, key=lambda r: (-(r[1] - r[0]), r[0]))[: cfg.top_k]
        merged = sorted(longest, key=lambda r: r[0])
    return aligned, merged


def _entity_order(entities: Sequence[Tuple[int, int, int]], order: str) -> List[int]:
    idx = list(range(len(entities)))
    if order == "source":
        return sorted(idx, key=lambda i: (entities[i][0], entities[i][1], i))
    if order == "shortest":
        return sorted(idx, key=lambda i: (entities[i][1] - entities[i][0], entities[i][0], i))
    raise ValueError(f"unknown order {order!r}")


@dataclass
class _Item:
    """Easy-Label-Projection's unit of collision handling: sorted target words, a label, member entities."""

    words: List[int]
    label: int
    members: List[int]


def project_sentence(tgt_len: int, entities: Sequence[Tuple[int, int, int]], links: Sequence[Tuple[int, int]],
                     punct: Optional[Sequence[bool]], cfg: HeuristicConfig) -> List[SpanTuple]:
    """Project one sentence. ``entities``: (start, end, label id); ``links``: (src, tgt);
    ``punct``: per target word, True for punctuation (or None). Returns spans sorted by start."""
    order = _entity_order(entities, cfg.order)
    aligned: Dict[int, List[int]] = {}
    kept: Dict[int, List[List[int]]] = {}
    for i in order:
        s, e, _ = entities[i]
        aligned[i], kept[i] = entity_ranges(s, e, links, punct, cfg)

    # tag array: per target word None or (label, entity, begins)
    tags: List[Optional[Tuple[int, int, bool]]] = [None] * tgt_len
    if cfg.collisions == "first":
        for i in order:
            for r in kept[i]:
                if any(tags[w] is not None for w in range(r[0], r[1])):
                    continue
                for w in range(r[0], r[1]):
                    tags[w] = (entities[i][2], i, w == r[0])
    elif cfg.collisions == "elp":
        # every entity with at least one kept range becomes an item: its sorted kept words, its label
        # and its member entities (in visiting order)
        items: List[_Item] = []
        for i in order:
            words = sorted(w for r in kept[i] for w in range(r[0], r[1]))
            if words:
                items.append(_Item(words, entities[i][2], [i]))
        # pass 1: an item whose last word is at or after the first word of the next one "collides";
        # same label: the two become one item (union of words), compared again with the next
        k = 0
        while k < len(items) - 1:
            a, b = items[k], items[k + 1]
            if a.words[-1] >= b.words[0] and a.label == b.label:
                a.words = sorted(set(a.words) | set(b.words))
                a.members = a.members + b.members
                del items[k + 1]
            else:
                k += 1
        # pass 2: colliding neighbours with different labels: keep the one with strictly more words,
        # else the second one
        k = 0
        while k < len(items) - 1:
            if items[k].words[-1] >= items[k + 1].words[0]:
                if len(items[k].words) > len(items[k + 1].words):
                    del items[k + 1]
                else:
                    del items[k]
            else:
                k += 1
        # write in order; later items overwrite earlier ones; a word of an item belongs to the first
        # member entity whose kept ranges contain it
        for item in items:
            for w in item.words:
                owner = next(m for m in item.members if any(r[0] <= w < r[1] for r in kept[m]))
                tags[w] = (item.label, owner, w == item.words[0])
    else:
        raise ValueError(f"unknown collisions {cfg.collisions!r}")

    # read spans off the tag array with seqeval's IOB2 semantics
    spans: List[SpanTuple] = []
    w = 0
    while w < tgt_len:
        tag = tags[w]
        if tag is None:
            w += 1
            continue
        lab, ent, _ = tag

        def continues(t: Optional[Tuple[int, int, bool]]) -> bool:
            return t is not None and not t[2] and t[0] == lab

        end = w + 1
        while end < tgt_len and continues(tags[end]):
            end += 1
        hits = sum(1 for t in aligned[ent] if w <= t < end)
        spans.append((w, end, lab, ent, hits / (end - w)))
        w = end
    return spans


def project_batch(batch: ProjectionBatch, cfg: HeuristicConfig,
                  punct: Optional[Sequence[Sequence[bool]]] = None) -> List[List[SpanTuple]]:
    """Project every sentence of a :class:`xlner.batch.ProjectionBatch` (``punct``: per sentence masks)."""
    out: List[List[SpanTuple]] = []
    for i in range(len(batch)):
        out.append(project_sentence(int(batch.tgt_len[i]), batch.entities(i), batch.links(i),
                                    None if punct is None else punct[i], cfg))
    return out


__all__ = ["SpanTuple", "is_punctuation", "entity_ranges", "project_sentence", "project_batch"]
