"""xlner align: word-align sentence pairs with the statistical aligners (the seeded Gibbs aligner of the
core, or eflomal), the lexical or the embedding aligner, or compute the eflomal alignments of Europarl-NER
en -> de/es/it; writes 0-based talp lines.

The statistical aligners follow the default recipe (xlner.align.recipe): words stemmed to --stem
characters, both directions, --symmetrization, then name links."""
from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING, List, Optional, Sequence

from xlner.align.defaults import EXTRACTION_METHODS
from xlner.commands._stdio import file_args, out_option

if TYPE_CHECKING:
    from xlner.align.extraction import Links

log = logging.getLogger(__name__)

ALIGNERS = ("gibbs", "eflomal", "lexical", "embedding")


def add_parser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Register ``align`` on the CLI's subparsers."""
    from xlner.align.defaults import DEFAULT_ALIGNER, DEFAULT_SEED, DEFAULT_STEM  # noqa: PLC0415
    from xlner.commands.project import add_recipe_options  # noqa: PLC0415

    p = subparsers.add_parser("align", help="word-align sentence pairs (gibbs, eflomal, lexical, embedding)",
                              description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--source", metavar="SRC",
                     help="source sentences: CoNLL (tags ignored) or one sentence of space-separated tokens per line "
                          "(with --target)")
    src.add_argument("--input", help="sentence pairs, one per line: 'src tokens ||| tgt tokens'")
    src.add_argument("--europarl-ner", metavar="LANG", choices=("de", "es", "it"),
                     help="eflomal alignments of Europarl-NER en -> LANG (trained with conll2003-deepl)")
    p.add_argument("--target", metavar="TGT", help="target sentences for --source, same formats, same count")
    p.add_argument("--data-dir", default=None,
                   help="data folder for --europarl-ner (default: $XLNER_SHARED_DATA, else ../shared/data)")
    p.add_argument("--no-conll-deepl", action="store_true", help="--europarl-ner: train on Europarl-NER only")
    out_option(p, "--output", help="talp output (0-based i-j per line)", metavar="OUT.talp")
    p.add_argument("--aligner", choices=ALIGNERS, default=None,
                   help=f"aligner (default {DEFAULT_ALIGNER}, with --europarl-ner eflomal; eflomal is an optional "
                        "GPL-3.0 extra and not seeded)")
    p.add_argument("--align-extra", "--extra-parallel", dest="extra_parallel", action="append", nargs="+",
                   metavar=("PAIRS_OR_SRC", "TGT"), default=[],
                   help="gibbs/eflomal: extra training text, either a 'src ||| tgt' file or two files SRC TGT "
                        "(CoNLL or one sentence per line); repeatable")
    p.add_argument("--stem", type=int, default=DEFAULT_STEM, metavar="N",
                   help=f"gibbs/eflomal: train on the first N characters of each word, 0: whole words "
                        f"(default {DEFAULT_STEM})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"gibbs: random seed (default {DEFAULT_SEED}; same seed, same output)")
    add_recipe_options(p, " (also with --europarl-ner)")
    p.add_argument("--direction", choices=("sym", "fwd", "rev"), default="sym", help="eflomal output")
    p.add_argument("--model", default="bert-base-multilingual-cased", help="embedding: encoder dir or hub id")
    p.add_argument("--layer", type=int, default=8)
    p.add_argument("--method", choices=EXTRACTION_METHODS, default="itermax", help="embedding extraction")
    p.add_argument("--pooling", choices=("mean", "first", "max", "subword"), default="mean")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--device", default=None)
    p.add_argument("--measure", choices=("exact", "edit", "ngram", "max"), default="max", help="lexical measure")
    p.add_argument("--threshold", type=float, default=0.7, help="lexical threshold")
    p.add_argument("--name-links", action=argparse.BooleanOptionalAction, default=None,
                   help="add lexical links between identical or near-identical names (default: on for gibbs and "
                        "eflomal, off for embedding)")
    p.add_argument("--threads", type=int, default=-1, help="worker threads (-1: all cores)")
    p.set_defaults(func=run)
    file_args(p, inputs=("input", "source", "target"), outputs=("out",))
    return p


def _write(path: str, links: Sequence[Links]) -> None:
    from xlner.io.talp import write_talp  # noqa: PLC0415

    write_talp(path, links)


def run(args: argparse.Namespace) -> int:
    """Run ``xlner align``; returns the exit status."""
    from xlner.align.aer import read_parallel  # noqa: PLC0415
    from xlner.log import progress_enabled, working  # noqa: PLC0415
    from xlner.align.defaults import DEFAULT_ALIGNER  # noqa: PLC0415

    if args.aligner is None:
        args.aligner = "eflomal" if args.europarl_ner else DEFAULT_ALIGNER
    if args.europarl_ner and args.symmetrization == "auto":  # eflomal on ~20 k pairs
        args.symmetrization = "grow-diag-final-and"
    if args.europarl_ner:
        from xlner.align.statistical import EflomalConfig, europarl_ner_alignments  # noqa: PLC0415
        from xlner.datasets import shared_data_dir  # noqa: PLC0415

        if args.aligner != "eflomal":
            print("xlner align: --europarl-ner uses eflomal", file=sys.stderr)
            return 2
        if args.split_compounds != "none":
            print("xlner align: --split-compounds goes with --source/--target or --input", file=sys.stderr)
            return 2
        with working(f"eflomal: Europarl-NER en-{args.europarl_ner}"):
            _, _, aln = europarl_ner_alignments(args.europarl_ner, shared_data_dir(args.data_dir),
                                                use_conll_deepl=not args.no_conll_deepl,
                                                config=EflomalConfig(symmetrization=args.symmetrization),
                                                threads=args.threads)
        out = {"sym": aln.symmetrized, "fwd": aln.forward, "rev": aln.reverse}[args.direction]
        _write(args.out, out)
        log.info("wrote %d alignment lines to %s", len(out), args.out)
        return 0
    from xlner.io.atomic import check_outputs  # noqa: PLC0415

    check_outputs({"--out": args.out}, {"--input": args.input, "--source": args.source, "--target": args.target})
    if args.source is not None:
        from xlner.align.recipe import read_sentences  # noqa: PLC0415
        from xlner.datasets import resolve_path  # noqa: PLC0415

        if args.target is None:
            print("xlner align: --source needs --target", file=sys.stderr)
            return 2
        src, tgt = read_sentences(resolve_path(args.source)), read_sentences(resolve_path(args.target))
        if len(src) != len(tgt):
            raise ValueError(f"{args.source} has {len(src)} sentences, {args.target} has {len(tgt)}")
    else:
        if args.target is not None:
            print("xlner align: --target goes with --source", file=sys.stderr)
            return 2
        src, tgt = read_parallel(args.input)
    links: List[Links]
    if args.aligner in ("gibbs", "eflomal"):
        from xlner.align.recipe import AlignRecipe, align_tokens, read_extra_corpora  # noqa: PLC0415

        xs, xt = read_extra_corpora(args.extra_parallel)
        recipe = AlignRecipe(aligner=args.aligner, stem=args.stem, name_links=args.name_links is not False,
                             symmetrization=args.symmetrization, lex_alpha=args.lex_alpha, sim_prior=args.sim_prior,
                             agreement=args.agreement, diagonal_tension=args.diagonal_tension, seed=args.seed,
                             direction=args.direction, split_compounds=args.split_compounds)
        with working(f"{args.aligner}: {len(src)} pairs"):
            links = align_tokens(src, tgt, extra_src=xs, extra_tgt=xt, recipe=recipe, threads=args.threads)
    elif args.aligner == "lexical":
        from xlner.align.lexical import LexicalAligner, LexicalConfig  # noqa: PLC0415

        links = LexicalAligner(LexicalConfig(measure=args.measure, threshold=args.threshold,
                                             threads=args.threads)).align_batch(src, tgt)
    else:
        from xlner.align.embedding import EmbeddingAligner, EmbeddingAlignerConfig  # noqa: PLC0415

        cfg = EmbeddingAlignerConfig(model=args.model, layer=args.layer, method=args.method, pooling=args.pooling,
                                     batch_size=args.batch_size, device=args.device, threads=args.threads,
                                     show_progress=progress_enabled())
        links = EmbeddingAligner(cfg).align_batch(src, tgt)
        if args.name_links:
            from xlner.align.lexical import add_name_links  # noqa: PLC0415

            links = add_name_links(links, src, tgt)
    _write(args.out, links)
    log.info("wrote %d alignment lines to %s", len(links), args.out)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Stand-alone entry point (``python -m xlner.commands.align``): ``xlner align`` with the CLI's options."""
    from xlner.cli import main as cli_main  # noqa: PLC0415

    return cli_main(["align", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
