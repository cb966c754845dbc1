"""``xlner project``: project source entities onto target sentences through word alignments, files to files."""
from __future__ import annotations

import argparse
import logging
import os
import time
from typing import TYPE_CHECKING, Any, Callable, Dict

from xlner.commands._stdio import file_args
from xlner.commands.project_multi import add_multi_arguments, is_multi, run_multi
from xlner.methods import METHODS

if TYPE_CHECKING:
    from xlner.io.corpus import ProjectionCorpus

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``project``."""
    p = subparsers.add_parser(
        "project", help="project source entities onto the target sentences",
        description="Project the source IOB2 entities onto the target sentences through word alignments and write "
                    "the target tokens with the projected labels (sentence for sentence, -DOCSTART- lines kept).")
    p.add_argument("--source", action="append", metavar="SRC",
                   help="CoNLL file with the source IOB2 labels, or a Parquet file/folder or datasets folder with "
                        "tokens and tags columns (sample:NAME: a file of the bundled sample, also for TGT and ALN)")
    p.add_argument("--target", metavar="TGT",
                   help="target sentences: CoNLL (labels ignored), one sentence of space-separated tokens per line, or "
                        "a Parquet file/folder or datasets folder with a tokens column")
    p.add_argument("--alignments", action="append", metavar="ALN",
                   help="talp alignments, one line per sentence, 0-based, source index first (default: align SRC and "
                        "TGT here with the default recipe, see --aligner; repeat --source and --alignments in pairs, "
                        "or --source alone to align each here, to project several sources: see --combine)")
    _add_alignment_options(p)
    p.add_argument("--method", required=True, choices=METHODS, help="projection method")
    p.add_argument("--preset", choices=("elp", "thesis"), default=None,
                   help="heuristic preset (only with --method heuristic; default: thesis)")
    p.add_argument("--max-len", type=_positive_int32, default=10, metavar="M",
                   help="longest candidate span (default 10)")
    p.add_argument("--constraint", default="<=1",
                   help="projections per entity for matching methods: <n, <=n, =n, >=n, >n (default '<=1')")
    p.add_argument("--time-limit", type=_positive_float, default=None, metavar="SECONDS",
                   help="exact / ilp: seconds for the HiGHS solves of each block of --chunk-sentences sentences "
                        "(default: no limit); sentences not solved in time are reported with status 2")
    p.add_argument("--threads", type=int, default=-1, help="worker threads (-1: all cores)")
    p.add_argument("--chunk-sentences", type=_positive_int32, default=None, metavar="N",
                   help="sentence pairs read, projected and written at a time (default 32768; memory grows with it)")
    p.add_argument("-o", "--out", required=True, metavar="OUT",
                   help="output CoNLL: target tokens with projected labels (OUT.gz: gzip-compressed; inputs may be "
                        "gzip too; '-': stdout; with --input: the output shard folder); written to a temporary file "
                        "and renamed "
                        "when complete")
    p.add_argument("--spans-out", default=None, metavar="SPANS.jsonl",
                   help="also write the spans, scores and source entity per sentence as JSON lines")
    p.add_argument("--target-format", choices=("auto", "conll", "lines"), default="auto",
                   help="format of TGT (default: detected)")
    file_args(p, inputs=("source", "target", "alignments"), outputs=("out", "spans_out"))
    p.add_argument("--out-format", choices=("auto", "conll", "parquet", "hf"), default="auto",
                   help="format of OUT: CoNLL, Parquet or a datasets folder (default: parquet for .parquet, else "
                        "CoNLL)")
    p.add_argument("--tokens-field", default="tokens",
                   help="Parquet / datasets inputs and outputs: column of the tokens (default 'tokens')")
    p.add_argument("--tags-field", default="tags",
                   help="Parquet / datasets inputs and outputs: column of the IOB2 tags (default 'tags')")
    g = p.add_argument_group("a folder of Parquet shards (instead of SRC/TGT/ALN)")
    g.add_argument("--input", metavar="SHARDS",
                   help="folder of .parquet shards with source tokens and tags, target tokens and alignments columns "
                        "(--tokens-field, --tags-field, --target-field, --alignments-field); OUT gets one shard each "
                        "with the projected tags column added; finished shards are skipped (resume)")
    g.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="run the shards here one by one, or as Ray tasks (pip install 'xlner[ray]')")
    g.add_argument("--ray-address", default=None, help="Ray cluster address (default: start a local instance)")
    g.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray instance (default: all)")
    g.add_argument("--target-field", default="target_tokens", help="shards: target tokens column")
    g.add_argument("--alignments-field", default="alignments",
                   help="shards: alignments column ([source, target] pairs or talp strings)")
    g.add_argument("--output-field", default="projected_tags", help="shards: column of the projected tags")
    add_multi_arguments(p)
    return p


def _positive(kind: Callable[[str], float], upper: float) -> Callable[[str], float]:
    """argparse type: a number of type ``kind`` (int or float) with 0 < value <= upper (NaN refused)."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, got "
                                             f"{text!r}") from None
        if not 0 < value <= upper:
            bound = str(int(upper)) if kind is int else f"{upper:g}"
            raise argparse.ArgumentTypeError(f"must be > 0 and <= {bound}, got {text}")
        return value

    return parse


_positive_int32 = _positive(int, 2**31 - 1)
_positive_float = _positive(float, 1e300)


def add_recipe_options(g: "argparse._ActionsContainer", note: str = "") -> None:
    """--symmetrization, --lex-alpha, --sim-prior, --agreement, --diagonal-tension and --split-compounds of the
    alignment recipe (xlner.align.recipe), shared by ``xlner project`` and ``xlner align``; ``note`` ends the
    --symmetrization help."""
    from xlner.align.defaults import (DEFAULT_AGREEMENT, DEFAULT_LEX_ALPHA, DEFAULT_SIM_PRIOR, DEFAULT_SYMMETRIZATION,
                                      SPLIT_COMPOUNDS_SIDES, SYMMETRIZATION_METHODS)

    g.add_argument("--symmetrization", choices=("auto",) + SYMMETRIZATION_METHODS, default=DEFAULT_SYMMETRIZATION,
                   help="symmetrisation of the two directions; auto: intersection when the aligner trains on fewer "
                        "than 5000 pairs, else grow-diag-final-and" + note)
    g.add_argument("--lex-alpha", type=float, default=DEFAULT_LEX_ALPHA, metavar="A",
                   help="gibbs: Dirichlet prior of the lexical distributions")
    g.add_argument("--sim-prior", type=float, default=DEFAULT_SIM_PRIOR, metavar="P",
                   help="gibbs: orthographic prior, extra pseudo-count of similar word pairs, 0: off")
    g.add_argument("--agreement", type=float, default=None, metavar="L",
                   help=f"gibbs: sample the two directions jointly, a link both share weighs exp(L); 0: independent "
                        f"(default: {DEFAULT_AGREEMENT:g} when the aligner trains on fewer than 5000 pairs, else 0)")
    g.add_argument("--diagonal-tension", type=float, default=0.0, metavar="T",
                   help="gibbs: diagonal prior of the IBM-1 phase, exp(-T |i/I - j/J|) (fast_align); 0: off "
                        "(default)")
    g.add_argument("--split-compounds", choices=SPLIT_COMPOUNDS_SIDES, default="none",
                   help="split the words of that side into their compound parts for training (a compounding "
                        "language: German, Dutch, ...) and merge the links back onto the words (default none)")


def _add_alignment_options(p: argparse.ArgumentParser) -> None:
    """Options of the on-the-fly alignment (used only without --alignments)."""
    from xlner.align.defaults import DEFAULT_ALIGNER, DEFAULT_SEED, DEFAULT_STEM, RECIPE_ALIGNERS

    g = p.add_argument_group("alignment on the fly (without --alignments)")
    g.add_argument("--aligner", choices=RECIPE_ALIGNERS, default=DEFAULT_ALIGNER,
                   help=f"statistical aligner (default {DEFAULT_ALIGNER})")
    g.add_argument("--align-extra", action="append", nargs="+", default=[], metavar=("PAIRS_OR_SRC", "TGT"),
                   help="extra parallel text to train the aligner: a 'src ||| tgt' file or two files SRC TGT (CoNLL "
                        "or one sentence per line); repeatable")
    g.add_argument("--stem", type=int, default=DEFAULT_STEM, metavar="N",
                   help=f"train on the first N characters of each word, 0: whole words (default {DEFAULT_STEM})")
    g.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"aligner seed (default {DEFAULT_SEED})")
    add_recipe_options(g)
    g.add_argument("--name-links", action=argparse.BooleanOptionalAction, default=True,
                   help="link identical or near-identical names across the pair (default on)")


def _load_corpus(args: argparse.Namespace) -> "ProjectionCorpus":
    """Read SRC, TGT and ``--alignments`` in memory; without ``--alignments``, align SRC and TGT here with the
    default recipe (:func:`xlner.align.recipe.align_tokens`, trained also on ``--align-extra``)."""
    from xlner.align.recipe import AlignRecipe, align_tokens, read_extra_corpora
    from xlner.datasets import resolve_path
    from xlner.io import Alignments, load_conll, load_projection_corpus, load_tokens
    from xlner.io.corpus import ProjectionCorpus, build_batch, check_same_count

    if args.alignments is not None:
        return load_projection_corpus(resolve_path(args.source), resolve_path(args.target),
                                      resolve_path(args.alignments), target_format=args.target_format,
                                      threads=args.threads, columns=(args.tokens_field, args.tags_field))
    src = load_conll(resolve_path(args.source), with_tags=True)
    tgt = load_tokens(resolve_path(args.target), format=args.target_format)
    check_same_count(src, tgt)
    xs, xt = read_extra_corpora(args.align_extra)
    recipe = AlignRecipe(aligner=args.aligner, stem=args.stem, name_links=args.name_links,
                         symmetrization=args.symmetrization, lex_alpha=args.lex_alpha, sim_prior=args.sim_prior,
                         agreement=args.agreement, diagonal_tension=args.diagonal_tension, seed=args.seed,
                         split_compounds=args.split_compounds)
    links = align_tokens(src.token_lists(), tgt.token_lists(), extra_src=xs, extra_tgt=xt, recipe=recipe,
                         threads=args.threads)
    aln = Alignments.from_lists(links, path=f"<{args.aligner} alignments>")
    return ProjectionCorpus(src, tgt, aln, build_batch(src, tgt, aln, threads=args.threads))


def run(args: argparse.Namespace) -> int:
    """Project: CoNLL files with ``--alignments`` are read, projected and written block by block (bounded
    memory); without ``--alignments`` (aligned here) or with Parquet / datasets inputs or outputs, in memory.
    Outputs are written to temporary files and renamed into place when complete."""
    from xlner.datasets import resolve_path
    from xlner.io.atomic import check_outputs
    from xlner.io.tables import table_format
    from xlner.projection import MatchingConfig
    from xlner.streaming import DEFAULT_CHUNK_SENTENCES, project_files

    if args.preset is not None and args.method != "heuristic":
        raise ValueError(f"--preset applies to --method heuristic, not {args.method}")
    sources, alignments = args.source or [], args.alignments or []
    args.source, args.alignments = sources, alignments
    if is_multi(args):
        return run_multi(args)
    args.source = sources[0] if sources else None
    args.alignments = alignments[0] if alignments else None
    if args.input is not None:
        return _run_shards(args)
    missing = [f"--{n}" for n in ("source", "target") if getattr(args, n) is None]
    if missing:
        raise ValueError(f"xlner project needs {', '.join(missing)} (or --input SHARDS)")
    if args.engine != "local":
        raise ValueError("--engine ray projects a folder of shards: give --input SHARDS")
    t0 = time.perf_counter()
    matching = MatchingConfig(max_len=args.max_len, constraint=args.constraint,
                              time_limit=float("inf") if args.time_limit is None else args.time_limit)
    heuristic = None
    if args.method == "heuristic":
        from xlner.heuristic import HeuristicConfig

        heuristic = HeuristicConfig.preset(args.preset or "thesis")
    out_format = args.out_format
    if out_format == "auto":
        out_format = table_format(args.out) or "conll"
    tables = bool(table_format(args.source) or table_format(args.target))
    if args.alignments is not None and out_format == "conll" and not tables:
        _keep_freed_blocks()
        stats = project_files(resolve_path(args.source), resolve_path(args.target), resolve_path(args.alignments),
                              args.out, method=args.method, spans_out=args.spans_out, matching=matching,
                              heuristic=heuristic, target_format=args.target_format, threads=args.threads,
                              chunk_sentences=args.chunk_sentences or DEFAULT_CHUNK_SENTENCES,
                              input_names=("--source", "--target", "--alignments"),
                              output_names=("--out", "--spans-out"))
        log.info("%d sentences, %d spans projected from %d source entities (%s) in %.2f s -> %s", stats.sentences,
                 stats.spans, stats.entities, args.method, time.perf_counter() - t0, args.out)
        return 0
    check_outputs({"--out": args.out, "--spans-out": args.spans_out},
                  {"--source": args.source, "--target": args.target, "--alignments": args.alignments})
    corpus = _load_corpus(args)
    _project_in_memory(args, corpus, matching, heuristic, out_format)
    log.info("%d sentences, %d source entities projected (%s) in %.2f s -> %s", corpus.batch.src_len.shape[0],
             int(corpus.batch.ent_offsets[-1]), args.method, time.perf_counter() - t0, args.out)
    return 0


def _keep_freed_blocks() -> None:
    """Let glibc's allocator keep the blocks the streamed projection frees for the next block of sentences.

    Every block allocates the same buffers again (a few MB each, per thread); by default glibc maps the larger ones
    afresh and returns freed memory above its trim threshold to the system, so each block pays its page faults
    again (0.2-0.3 s of system time per million sentence pairs with two threads). Larger mmap and trim thresholds
    (32 / 64 MiB) keep them; peak memory stays bounded by the block size (~200 MB at the default block). Only the
    ``xlner project`` command sets them (also when a program runs it in its own process through
    ``xlner.cli.main``); the library functions (:func:`xlner.streaming.project_files`) never do; a no-op elsewhere
    than glibc.
    """
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return
    except (ValueError, OSError):
        return
    import ctypes

    libc = ctypes.CDLL(None)
    libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
    libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD


def _project_in_memory(args: argparse.Namespace, corpus: "ProjectionCorpus", matching: Any, heuristic: Any,
                       out_format: str) -> None:
    """Project a corpus held in memory and write OUT (CoNLL, Parquet or datasets) and SPANS."""
    from xlner.io import write_projection
    from xlner.projection import project

    kwargs: Dict[str, Any] = {}
    if heuristic is not None:
        kwargs["heuristic"] = heuristic
        if heuristic.drop_punct:  # the punctuation filter looks at the target words
            kwargs["tgt_tokens"] = corpus.target  # TokenCorpus: punctuation flags computed in C++
    result = project(corpus.batch, args.method, matching=matching, threads=args.threads, **kwargs)
    if out_format == "conll":
        write_projection(args.out, corpus.target, result, spans_out=args.spans_out, threads=args.threads)
        return
    from xlner import _core
    from xlner.io import result_tag_ids, write_spans_jsonl
    from xlner.io.tables import write_table

    write_table(args.out, corpus.target, format=out_format, tokens_field=args.tokens_field,
                tags_field=args.tags_field, tag_ids=result_tag_ids(corpus.target, result, threads=args.threads),
                tag_names=_core.iob2_tag_names(result.labels.names))
    if args.spans_out is not None:
        write_spans_jsonl(args.spans_out, result, threads=args.threads)


def _run_shards(args: argparse.Namespace) -> int:
    """``--input SHARDS``: project a folder of Parquet shards with the local or the Ray engine."""
    from xlner.engines.shards import ShardColumns, project_shards

    cols = ShardColumns(source_tokens=args.tokens_field, source_tags=args.tags_field, target_tokens=args.target_field,
                        alignments=args.alignments_field, output=args.output_field, method=args.method,
                        max_len=args.max_len, constraint=args.constraint, heuristic=args.preset)
    summary = project_shards(args.input, args.out, cols, engine=args.engine, address=args.ray_address,
                             num_cpus=args.num_cpus)
    log.info("(%s): %d shards, %d projected (%d sentences), %d already done, in %.2f s -> %s", summary.engine,
             summary.shards, len(summary.projected), summary.sentences, len(summary.skipped), summary.seconds,
             args.out)
    return 0
