"""``xlner align``: word-align sentence pairs with the statistical (eflomal), lexical or embedding aligner,
or compute the eflomal alignments of Europarl-NER en -> de/es/it; writes 0-based talp lines."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional, Sequence

from xlner.align.extraction import EXTRACTION_METHODS, SYMMETRIZATION_METHODS, Links

ALIGNERS = ("eflomal", "lexical", "embedding")


def add_parser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register ``align`` on the CLI's subparsers."""
    p = subparsers.add_parser("align", help="word-align sentence pairs (eflomal, lexical, embedding)",
                              description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", help="sentence pairs, one per line: 'src tokens ||| tgt tokens'")
    src.add_argument("--europarl-ner", metavar="LANG", choices=("de", "es", "it"),
                     help="eflomal alignments of Europarl-NER en -> LANG (trained with conll2003-deepl)")
    p.add_argument("--data-dir", default="../shared/data", help="data folder for --europarl-ner")
    p.add_argument("--no-conll-deepl", action="store_true", help="--europarl-ner: train on Europarl-NER only")
    p.add_argument("--output", "-o", required=True, help="talp output (0-based i-j per line)")
    p.add_argument("--aligner", choices=ALIGNERS, default="eflomal")
    p.add_argument("--extra-parallel", help="eflomal: extra training pairs ('src ||| tgt' lines)")
    p.add_argument("--symmetrization", choices=SYMMETRIZATION_METHODS, default="grow-diag-final-and")
    p.add_argument("--direction", choices=("sym", "fwd", "rev"), default="sym", help="eflomal output")
    p.add_argument("--model", default="bert-base-multilingual-cased", help="embedding: encoder dir or hub id")
    p.add_argument("--layer", type=int, default=8)
    p.add_argument("--method", choices=EXTRACTION_METHODS, default="itermax", help="embedding extraction")
    p.add_argument("--pooling", choices=("mean", "first", "max", "subword"), default="mean")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--device", default=None)
    p.add_argument("--measure", choices=("exact", "edit", "ngram", "max"), default="max", help="lexical measure")
    p.add_argument("--threshold", type=float, default=0.7, help="lexical threshold")
    p.add_argument("--name-links", action="store_true",
                   help="eflomal/embedding: add lexical links between identical or near-identical names")
    p.add_argument("--threads", type=int, default=-1)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)
    return p


def _write(path: str, links: Sequence[Links]) -> None:
    from xlner.io.talp import write_talp  # noqa: PLC0415

    write_talp(path, links)


def run(args: argparse.Namespace) -> int:
    """Run ``xlner align``; returns the exit status."""
    from xlner.align.aer import read_parallel  # noqa: PLC0415

    if args.europarl_ner:
        from xlner.align.statistical import EflomalConfig, europarl_ner_alignments  # noqa: PLC0415

        if args.aligner != "eflomal":
            print("xlner align: --europarl-ner uses eflomal", file=sys.stderr)
            return 2
        _, _, aln = europarl_ner_alignments(args.europarl_ner, args.data_dir, use_conll_deepl=not args.no_conll_deepl,
                                            config=EflomalConfig(symmetrization=args.symmetrization),
                                            threads=args.threads)
        out = {"sym": aln.symmetrized, "fwd": aln.forward, "rev": aln.reverse}[args.direction]
        _write(args.output, out)
        if not args.quiet:
            print(f"wrote {len(out)} alignment lines to {args.output}", file=sys.stderr)
        return 0
    from xlner.io.atomic import check_outputs  # noqa: PLC0415

    check_outputs({"--output": args.output}, {"--input": args.input})
    src, tgt = read_parallel(args.input)
    links: List[Links]
    if args.aligner == "eflomal":
        from xlner.align.statistical import EflomalConfig, align_eflomal  # noqa: PLC0415

        xs = xt = None
        if args.extra_parallel:
            xs, xt = read_parallel(args.extra_parallel)
        res = align_eflomal(src, tgt, extra_src=xs, extra_tgt=xt,
                            config=EflomalConfig(symmetrization=args.symmetrization), threads=args.threads)
        links = {"sym": res.symmetrized, "fwd": res.forward, "rev": res.reverse}[args.direction]
    elif args.aligner == "lexical":
        from xlner.align.lexical import LexicalAligner, LexicalConfig  # noqa: PLC0415

        links = LexicalAligner(LexicalConfig(measure=args.measure, threshold=args.threshold,
                                             threads=args.threads)).align_batch(src, tgt)
    else:
        from xlner.align.embedding import EmbeddingAligner, EmbeddingAlignerConfig  # noqa: PLC0415

        cfg = EmbeddingAlignerConfig(model=args.model, layer=args.layer, method=args.method, pooling=args.pooling,
                                     batch_size=args.batch_size, device=args.device, threads=args.threads,
                                     show_progress=not args.quiet)
        links = EmbeddingAligner(cfg).align_batch(src, tgt)
    if args.name_links and args.aligner != "lexical":
        from xlner.align.lexical import add_name_links  # noqa: PLC0415

        links = add_name_links(links, src, tgt)
    _write(args.output, links)
    if not args.quiet:
        print(f"wrote {len(links)} alignment lines to {args.output}", file=sys.stderr)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Stand-alone entry point (``python -m xlner.commands.align``)."""
    parser = argparse.ArgumentParser(prog="xlner")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["align", *(sys.argv[1:] if argv is None else argv)])
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
