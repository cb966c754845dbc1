"""Heuristic projection: parity with Easy-Label-Projection and throughput.

Prints
  (a) the parity table: for de/es/it x awesome/simalign/fast_align/mgiza on conll2003-deepl test,
      the share of sentences where the ``elp`` preset gives the same entities (seqeval reading) as
      the shipped ``test.<aligner>.tsv`` labels, and the differing sentence numbers;
  (b) sentences per second of the C++ heuristic (elp and thesis presets) on the conll2003-deepl
      train+dev+test pairs of de/es/it (awesome alignments) replicated to >= 1,000,000 pairs,
      1 thread and all threads, and of the pure-Python reference on a subset, with the ratio.

Run: python bench/bench_heuristic.py [--data ../shared/data] [--min-pairs 1000000] [--ref-sentences 30000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np
from seqeval.metrics.sequence_labeling import get_entities

from xlner.batch import LabelVocab, ProjectionBatch
from xlner.datasets import shared_data_dir
from xlner.heuristic import HeuristicConfig, project_heuristic, punctuation_mask
from xlner.io import read_conll, read_talp
from xlner.reference.heuristic import project_sentence
from xlner.studies.common import gold_batch

LANGS = ("de", "es", "it")
ALIGNERS = {"awesome": "awesome", "simalign": "simalign-itermax", "fast_align": "fast_align-gdfa",
            "mgiza": "mgiza-gdfa"}


def build(src_path: Path, tgt_path: Path, aln_path: Path, vocab: LabelVocab):
    """Batch + target tokens + target sentences of one file triple."""
    src = read_conll(src_path)
    tgt = read_conll(tgt_path)
    links = read_talp(aln_path)
    if not (len(src) == len(tgt) == len(links)):
        raise SystemExit(f"sentence counts differ: {src_path} {len(src)}, {tgt_path} {len(tgt)}, "
                         f"{aln_path} {len(links)}")
    batch = gold_batch(src, tgt, links, labels=vocab)
    return batch, [t.tokens for t in tgt], tgt


def parity(data: Path) -> None:
    cfg = HeuristicConfig.preset("elp")
    print("(a) ELP parity: elp preset vs shipped conll2003-deepl test labels (entities read with seqeval)")
    print("    raw tags equal: our spans written as IOB2 (B- first word, I- the rest) equal the shipped tag")
    print("    strings; the rest are sentences whose shipped tags are not canonical IOB2 (I- after O where")
    print("    Easy-Label-Projection united two same-label projections with a hole), same entities")
    print(f"{'lang':<5}{'aligner':<12}{'sentences':>10}{'agree':>8}{'agree %':>10}{'raw tags equal':>16}"
          "  differing sentences")
    for lang in LANGS:
        for al, aln_name in ALIGNERS.items():
            vocab = LabelVocab()
            batch, toks, tgt = build(data / "conll2003-deepl/en/test.tsv",
                                     data / f"conll2003-deepl/{lang}/test.{al}.tsv",
                                     data / f"conll2003-deepl/{lang}/alignments/test.{aln_name}.talp", vocab)
            res = project_heuristic(batch, cfg, tgt_tokens=toks)
            bad: List[int] = []
            raw_equal = 0
            for i, t in enumerate(tgt):
                spans = res.spans(i)
                pred = sorted((vocab.name(l), a, b - 1) for a, b, l, _, _ in spans)
                if pred != sorted(get_entities(t.tags)):
                    bad.append(i)
                tags = ["O"] * len(t.tokens)
                for a, b, l, _, _ in spans:
                    tags[a:b] = [f"B-{vocab.name(l)}"] + [f"I-{vocab.name(l)}"] * (b - a - 1)
                raw_equal += tags == t.tags
            n = len(tgt)
            print(f"{lang:<5}{al:<12}{n:>10}{n - len(bad):>8}{100.0 * (n - len(bad)) / n:>9.3f}%{raw_equal:>16}"
                  f"  {bad[:20] or '-'}")


def tile(batch: ProjectionBatch, punct: np.ndarray, times: int) -> Tuple[ProjectionBatch, np.ndarray]:
    """Replicate a batch `times` times with numpy (CSR offsets shifted)."""
    def offs(o: np.ndarray) -> np.ndarray:
        step = int(o[-1])
        body = np.concatenate([o[:-1] + k * step for k in range(times)] + [np.array([step * times], dtype=o.dtype)])
        return body.astype(np.int64)
    big = ProjectionBatch(
        np.tile(batch.src_len, times), np.tile(batch.tgt_len, times), offs(batch.ent_offsets),
        np.tile(batch.ent_start, times), np.tile(batch.ent_end, times), np.tile(batch.ent_label, times),
        offs(batch.aln_offsets), np.tile(batch.aln_src, times), np.tile(batch.aln_tgt, times), labels=batch.labels)
    return big, np.tile(punct, times)


def best_of(fn, repeats: int) -> Tuple[float, float]:
    """Best wall-clock seconds and best process CPU seconds (all threads) over `repeats` runs."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu


def elp_inputs(base: ProjectionBatch, toks: List[List[str]], m: int) -> list:
    """The arguments of Easy-Label-Projection's ``sentence_projection`` for the first ``m`` pairs of ``base``:
    source words (placeholders: only their count is read), entity types, entity word ids, target words and the
    alignment dict {source word: [target words]} (what its dataset loader builds)."""
    out = []
    for i in range(m):
        ents = base.entities(i)
        links: dict = {}
        for a, b in base.links(i):
            links.setdefault(a, []).append(b)
        out.append((["w"] * int(base.src_len[i]), [base.labels.names[lab] for _, _, lab in ents],
                    [list(range(a, b)) for a, b, _ in ents], toks[i], links))
    return out


def throughput(data: Path, min_pairs: int, ref_sentences: int, repeats: int, elp_dir: Optional[str] = None) -> None:
    from xlner import _core

    vocab = LabelVocab()
    parts = []
    for lang in LANGS:
        for split in ("train", "dev", "test"):
            parts.append(build(data / f"conll2003-deepl/en/{split}.tsv",
                               data / f"conll2003-deepl/{lang}/{split}.awesome.tsv",
                               data / f"conll2003-deepl/{lang}/alignments/{split}.awesome.talp", vocab))
    src_lens, tgt_lens, ents, links, toks = [], [], [], [], []
    for b, tk, _ in parts:
        for i in range(len(b)):
            src_lens.append(int(b.src_len[i]))
            tgt_lens.append(int(b.tgt_len[i]))
            ents.append(b.entities(i))
            links.append(b.links(i))
        toks.extend(tk)
    base = ProjectionBatch.from_lists(src_lens, tgt_lens, ents, links, labels=vocab)
    base_punct = punctuation_mask(toks)
    times = -(-min_pairs // len(base))
    big, punct = tile(base, base_punct, times)
    big_tokens = toks * times
    n = len(big)
    hw = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n(b) throughput on {len(base):,} conll2003-deepl train+dev+test pairs (de/es/it, awesome) x {times} "
          f"= {n:,} pairs;"
          f" {hw} hardware threads; best of {repeats}; load average at start {load:.1f}")
    print("    wall: sentences / wall-clock second; per core: sentences / CPU second summed over the process's threads")
    print("    (on a shared, loaded machine the per-core figure is the one that measures the code);")
    print("    project_heuristic(): the public wrapper from token lists (punctuation mask built in C++ from the")
    print("    Python strings when the preset drops punctuation) to ProjectionResult")
    print(f"{'preset':<8}{'implementation':<30}{'sentences':>11}{'wall s':>8}{'wall sent/s':>14}{'CPU s':>8}"
          f"{'per core sent/s':>17}{'vs Python':>11}")
    for preset in ("elp", "thesis"):
        cfg = HeuristicConfig.preset(preset)
        kw = dict(punct=punct if cfg.drop_punct else None, merge_distance=cfg.merge_distance, merge_rule=cfg.merge_rule,
                  top_k=cfg.top_k, only_i=cfg.only_i, thr=cfg.thr, drop_punct=cfg.drop_punct, order=cfg.order,
                  collisions=cfg.collisions)
        # pure-Python reference on a prefix of the base corpus
        m = min(ref_sentences, len(base))
        bp = [base_punct[int(o):int(o) + int(l)].astype(bool).tolist()
              for o, l in zip(np.concatenate([[0], np.cumsum(base.tgt_len)[:-1]])[:m], base.tgt_len[:m])]
        ent_l = [base.entities(i) for i in range(m)]
        link_l = [base.links(i) for i in range(m)]
        tl = [int(x) for x in base.tgt_len[:m]]

        def run_ref() -> None:
            for i in range(m):
                project_sentence(tl[i], ent_l[i], link_l[i], bp[i], cfg)

        t_ref, c_ref = best_of(run_ref, 1)
        ref_core = m / c_ref
        rows = [("Python reference, 1 thread", m, t_ref, c_ref)]
        if elp_dir is not None and preset == "elp":
            # Easy-Label-Projection's own sentence_projection (Apache-2.0), imported from a checkout outside
            # this repository, on the same sentences (remove_puncs=True, fill_gap_size=1: its defaults)
            sys.path.insert(0, elp_dir)
            from projection.annotation_proyection import sentence_projection  # type: ignore[import-not-found]

            args = elp_inputs(base, toks, m)

            def run_elp() -> None:
                for a in args:
                    sentence_projection(*a)

            t_elp, c_elp = best_of(run_elp, 1)
            rows.append(("Easy-Label-Projection's code", m, t_elp, c_elp))
        for threads in (1, -1):
            t, c = best_of(lambda: _core.project_heuristic(big.core, threads=threads, **kw), repeats)
            rows.append((f"C++, {'1 thread' if threads == 1 else f'all ({hw}) threads'}", n, t, c))
        t, c = best_of(lambda: project_heuristic(big, cfg, tgt_tokens=big_tokens, threads=-1), repeats)
        rows.append(("project_heuristic(), all thr.", n, t, c))
        for name, cnt, t, c in rows:
            print(f"{preset:<8}{name:<30}{cnt:>11,}{t:>8.3f}{cnt / t:>14,.0f}{c:>8.3f}{cnt / c:>17,.0f}"
                  f"{(cnt / c) / ref_core:>10.1f}x")
        per_core = {name: cnt / c for name, cnt, _, c in rows}
        elp_name = "Easy-Label-Projection's code"
        if elp_name in per_core:
            print(f"{preset:<8}C++ (1 thread) per core / {elp_name} per core: "
                  f"{per_core['C++, 1 thread'] / per_core[elp_name]:.1f}x")
    print("\nTarget: >= 1,500,000 sentences/s per core for the C++ heuristic (ratio column: per-core rates).")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="data folder (default: $XLNER_SHARED_DATA, else ../shared/data)")
    ap.add_argument("--min-pairs", type=int, default=1_000_000)
    ap.add_argument("--ref-sentences", type=int, default=30_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-parity", action="store_true")
    ap.add_argument("--elp", default=None, metavar="DIR",
                    help="a checkout of github.com/ikergarcia1996/Easy-Label-Projection (outside this repository): "
                         "also time its own sentence_projection on the reference sentences")
    args = ap.parse_args()
    data = shared_data_dir(args.data)
    if not args.skip_parity:
        parity(data)
    throughput(data, args.min_pairs, args.ref_sentences, args.repeats, args.elp)


if __name__ == "__main__":
    main()
