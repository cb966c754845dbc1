"""Translation-score (direct NMTScore) throughput and deduplication on real Europarl-NER sentences.

Pairs: for each sentence, every English gold entity string × every German n-gram (length 1..M)
candidate string, as the projection's translation score would need them.

Prints two tables:
  1. deduplication: how many pairs / directed model scores the batch would ask for, and how many of
     them are unique (each unique directed (source, target) string pair is scored once);
  2. throughput on a tiny random NLLB-style model (built in-process, as in the tests): pairs per
     second one pair at a time (batch 1, no cache) vs batched + deduplicated (cold), and with a warm
     in-memory cache, with the ratio measured in the same run.

    python bench/bench_nmt_score.py [--sentences 200] [--max-ngram 4] [--single-pairs 300] [--threads 1]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def iob2_spans(tags: Sequence[str]) -> List[Tuple[int, int]]:
    spans, start = [], None
    for i, t in enumerate(list(tags) + ["O"]):
        if start is not None and not (t.startswith("I-") and t[2:] == tags[start][2:]):
            spans.append((start, i))
            start = None
        if t.startswith("B-") or (t.startswith("I-") and start is None):
            start = i
    return spans


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=None,
                    help="Europarl-NER folder (default: <$XLNER_SHARED_DATA or ../shared/data>/europarl-ner)")
    ap.add_argument("--sentences", type=int, default=200, help="sentences for the throughput run")
    ap.add_argument("--max-ngram", type=int, default=4)
    ap.add_argument("--single-pairs", type=int, default=300, help="pairs timed one at a time")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--batch-size", type=int, default=128)
    args = ap.parse_args()

    import torch
    from transformers.utils import logging as hf_logging

    import tinymodels
    from xlner.datasets import shared_data_dir
    from xlner.io.conll import read_conll
    from xlner.models.nmt_scorer import NMTScorer, Seq2SeqScorer

    hf_logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    data = args.data if args.data is not None else shared_data_dir() / "europarl-ner"
    en = read_conll(data / "en.conll")
    de = read_conll(data / "de.conll")
    assert len(en) == len(de)
    src = [s.tokens for s in en]
    tgt = [s.tokens for s in de]
    ents = [iob2_spans(s.tags) for s in en]
    cands = [[(i, j) for i in range(len(t)) for j in range(i + 1, min(i + args.max_ngram, len(t)) + 1)] for t in tgt]

    # ---- 1. deduplication on the whole corpus ----------------------------------------------------
    pairs = [(" ".join(s[a:b]), " ".join(t[c:d])) for s, t, E, C in zip(src, tgt, ents, cands) for a, b in E
             for c, d in C]
    directed = len(pairs) * 4
    uniq_fwd = {(a, b) for a, b in pairs}
    uniq_directed = 2 * len(uniq_fwd) + len({a for a, _ in pairs}) + len({b for _, b in pairs})
    print(f"# Europarl-NER en→de: {len(src)} sentences, {sum(map(len, ents))} en gold entities, "
          f"candidates = de n-grams of length 1..{args.max_ngram}")
    print()
    print("| quantity | total | unique | removed by dedup |")
    print("|---|---:|---:|---:|")
    print(f"| (entity, candidate) pairs | {len(pairs):,} | {len(uniq_fwd):,} | {1 - len(uniq_fwd) / len(pairs):.1%} |")
    print(f"| directed model scores (4 per pair) | {directed:,} | {uniq_directed:,} | "
          f"{1 - uniq_directed / directed:.1%} |")
    print()

    # ---- 2. throughput on the tiny model ---------------------------------------------------------
    d = tinymodels.tiny_nllb_dir()
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    model = AutoModelForSeq2SeqLM.from_pretrained(str(d)).eval()
    tok = AutoTokenizer.from_pretrained(str(d))
    n = args.sentences
    sub = (src[:n], tgt[:n], ents[:n], cands[:n])
    n_pairs = sum(len(E) * len(C) for E, C in zip(sub[2], sub[3]))

    flat = [(" ".join(s[a:b]), " ".join(t[c:dd])) for s, t, E, C in zip(*sub) for a, b in E for c, dd in C]
    fa, fb = [a for a, _ in flat], [b for _, b in flat]
    batched = NMTScorer(Seq2SeqScorer(model, tok, device="cpu", batch_size=args.batch_size))
    t0 = time.perf_counter()
    values = batched.score_pairs(fa, fb, a_lang="en", b_lang="de")
    t_batched = time.perf_counter() - t0
    st = batched.scorer.stats
    t0 = time.perf_counter()
    batched.score_pairs(fa, fb, a_lang="en", b_lang="de")
    t_warm = time.perf_counter() - t0

    k = min(args.single_pairs, len(flat))
    single_sc = Seq2SeqScorer(model, tok, device="cpu", batch_size=1)
    single = NMTScorer(single_sc)
    t0 = time.perf_counter()
    one = []
    for a, b in flat[:k]:
        single_sc.clear_cache()
        one.append(single.score_pairs([a], [b], a_lang="en", b_lang="de")[0])
    t_single = time.perf_counter() - t0
    import numpy as np

    max_diff = float(np.max(np.abs(np.array(one) - values[:k]))) if k else 0.0

    rate_single = k / t_single
    rate_batched = n_pairs / t_batched
    rate_warm = n_pairs / t_warm
    print(f"# tiny NLLB-style model (d_model 32, 2+2 layers, vocab {len(tok)}), CPU, {args.threads} thread(s), "
          f"first {n} sentences: {n_pairs:,} pairs, {st.computed:,} unique directed scores in {st.batches} batches")
    print()
    print("| mode | pairs | seconds | pairs/s | × one-at-a-time |")
    print("|---|---:|---:|---:|---:|")
    print(f"| one pair at a time (batch 1, no cache) | {k:,} | {t_single:.2f} | {rate_single:,.0f} | 1.0 |")
    print(f"| batched + deduplicated (cold) | {n_pairs:,} | {t_batched:.2f} | {rate_batched:,.0f} | "
          f"{rate_batched / rate_single:.1f} |")
    print(f"| batched, warm in-memory cache | {n_pairs:,} | {t_warm:.3f} | {rate_warm:,.0f} | "
          f"{rate_warm / rate_single:.0f} |")
    print()
    print(f"max |one-at-a-time − batched| over the {k} compared pairs: {max_diff:.2e}")


if __name__ == "__main__":
    main()
