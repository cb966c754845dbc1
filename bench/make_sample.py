"""Build the sample bundled in the package (python/xlner/data/sample) from ../shared/data.

The sample: the first N sentences of Europarl-NER English and German (gold on both sides) and word
alignments computed here by xlner's statistical aligner (eflomal, trained on all 799 Europarl-NER en-de
pairs plus the conll2003-deepl en-de train/dev/test pairs, forward + reverse, grow-diag-final-and).

Usage: python bench/make_sample.py [--n 200] [--cache DIR]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from xlner.align.extraction import symmetrize_batch
from xlner.datasets import shared_data_dir
from xlner.io import read_conll, write_conll, write_talp
from xlner.studies.europarl import eflomal_directions

OUT = Path(__file__).resolve().parent.parent / "python" / "xlner" / "data" / "sample"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--cache", default="/tmp/xlner-cache", help="alignment cache (see xlner report --cache)")
    args = ap.parse_args()
    root = shared_data_dir()
    en = read_conll(root / "europarl-ner" / "en.conll")
    de = read_conll(root / "europarl-ner" / "de.conll")
    fwd, rev = eflomal_directions(root, "de", Path(args.cache))
    links = symmetrize_batch(fwd, rev, [len(s.tokens) for s in en], [len(s.tokens) for s in de], "grow-diag-final-and")
    OUT.mkdir(parents=True, exist_ok=True)
    write_conll(OUT / "en.conll", en[: args.n])
    write_conll(OUT / "de.conll", de[: args.n])
    write_talp(OUT / "en-de.talp", links[: args.n])
    print(f"wrote {args.n} sentence pairs to {OUT}")


if __name__ == "__main__":
    main()
