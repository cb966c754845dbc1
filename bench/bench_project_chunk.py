"""Python glue of one pipeline chunk: the projection stage of a pipeline (Python lists of tokens, tags and links
→ TokenCorpus / Alignments → batch → greedy → tag strings) against the C++ greedy call alone on the same batch.

Data: the first N (default 20,000) conll2003-deepl en→de sentence pairs (train, dev, test) with awesome-align links.
Prints both times (best of 3, one thread) and their ratio, measured in one run.

    python bench/bench_project_chunk.py [--n 20000]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import best_of, require_data  # noqa: E402

from xlner.datasets import conll_deepl_paths  # noqa: E402
from xlner.io import Alignments, TokenCorpus, read_conll, read_talp  # noqa: E402
from xlner.pipelines.projecting import project_chunk, source_corpus  # noqa: E402
from xlner.io.corpus import build_batch  # noqa: E402
from xlner.projection import project  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    root = require_data()
    src, tgt, links = [], [], []
    for split in ("train", "dev", "test"):
        sp, tp, lp = conll_deepl_paths(root, "de", split, "awesome")
        src += read_conll(sp)
        tgt += [s.tokens for s in read_conll(tp)]
        links += read_talp(lp)
    src, tgt, links = src[:args.n], tgt[:args.n], links[:args.n]
    src_tokens, src_tags = [s.tokens for s in src], [s.tags for s in src]

    def chunk() -> object:
        source = source_corpus(src_tokens, src_tags)
        target = TokenCorpus.from_lists(tgt)
        pr = project_chunk(source, target, Alignments.from_lists(links), method="greedy", threads=1)
        return pr.tags()

    batch = build_batch(source_corpus(src_tokens, src_tags), TokenCorpus.from_lists(tgt), Alignments.from_lists(links),
                        threads=1)
    t_chunk = best_of(chunk)
    t_core = best_of(lambda: project(batch, "greedy", threads=1))
    print(f"{len(src)} sentences: projection stage {t_chunk:.3f} s, C++ greedy alone {t_core * 1000:.1f} ms, "
          f"glue {t_chunk - t_core:.3f} s ({t_chunk / t_core:.0f}x the greedy call)")


if __name__ == "__main__":
    main()
