"""Robustness by route in the training study (``xlner report training``): the taggers of every cross-lingual
route scored on the same perturbed Europarl-NER test half, one table of F1 drop by perturbation × route
(:func:`xlner.robustness.compare_routes`).

Routes: model transfer (the English CRF), translate-train (the CRF of greedy-projected conll2003-deepl train),
the teacher–student students (:mod:`xlner.studies.teacher_student`), and two CRFs trained on the selection
half of Europarl-NER itself (even 0-based indices) with labels projected onto the target sentences:

* **multi-source**: the gold of the other three languages projected together
  (:func:`xlner.multisource.project_multi`, greedy; ``vote`` with a majority or ``joint`` with span cost 1,
  whichever projects the selection half better);
* **single best source**: the gold of the one source language whose greedy projection scores best on the
  selection half.

Word alignments between the Europarl-NER languages: xlner's seeded default recipe
(:func:`xlner.align.recipe.align_tokens`: Gibbs aligner, words stemmed to 5 characters, grow-diag-final-and,
name links) trained on the 799 Europarl-NER pairs plus the conll2003-deepl dev and test translations of the
same two languages (line for line parallel through the English side). All routes are then tested on the
perturbed reported half (odd indices); the projection choices read only the selection half's gold.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from xlner.io import read_conll, read_talp, write_talp
from xlner.io.conll import Sentence
from xlner.io.talp import Links

#: Europarl-NER languages (sources of the multi-source route are the three besides the target).
EUROPARL_LANGS = ("en", "de", "es", "it")
#: Perturbations of the route table: entity swap, unknown entities, context, combined, masking, noise, casing.
ROUTE_PERTURBATIONS = ("entity", "unknown_entity", "context", "entity+context", "mask_entity", "mask_context",
                       "token_noise", "char_noise", "lowercase", "casing_random")


def _deepl_tokens(root: Path, lang: str, split: str) -> List[List[str]]:
    name = f"{split}.tsv" if lang == "en" else f"{split}.awesome.tsv"
    return [list(s.tokens) for s in read_conll(root / "conll2003-deepl" / lang / name)]


def extra_pairs(root: Path, a: str, b: str, splits: Sequence[str] = ("dev", "test")
                ) -> Tuple[List[List[str]], List[List[str]]]:
    """Parallel ``a``/``b`` sentences of conll2003-deepl ``splits`` (the translations pair line for line through
    the English side), without the pairs whose English side is ``-DOCSTART-`` or with an empty side."""
    xs: List[List[str]] = []
    ys: List[List[str]] = []
    for split in splits:
        en, sa, sb = (_deepl_tokens(root, x, split) for x in ("en", a, b))
        if not len(en) == len(sa) == len(sb):
            raise ValueError(f"conll2003-deepl {split}: en {len(en)}, {a} {len(sa)}, {b} {len(sb)} sentences")
        for e, x, y in zip(en, sa, sb):
            if x and y and e != ["-DOCSTART-"]:
                xs.append(x)
                ys.append(y)
    return xs, ys


def europarl_links(root: Path, gold: Dict[str, List[Sentence]], a: str, b: str, cache: Optional[Path],
                   *, limit: Optional[int] = None, threads: int = 1) -> List[Links]:
    """Links Europarl-NER ``a`` → ``b`` (source index first) by the default recipe (see the module docstring);
    one alignment per unordered pair, the reverse direction swaps the links; cached as talp in ``cache`` under a
    name keyed on the sentences, the recipe and the engine (:mod:`xlner.studies.cache`).
    ``limit``: no extra pairs (a smoke run)."""
    from xlner.align.recipe import align_tokens

    from xlner.studies.cache import aligner_fingerprint, keyed_path

    lo, hi = sorted((a, b), key=EUROPARL_LANGS.index)
    src_toks, tgt_toks = [s.tokens for s in gold[lo]], [s.tokens for s in gold[hi]]
    ex_a, ex_b = extra_pairs(root, lo, hi) if not limit else ([], [])
    path = (keyed_path(cache, f"europarl.{lo}-{hi}.recipe", ".talp", src_toks, tgt_toks, ex_a, ex_b,
                       aligner_fingerprint()) if cache else None)
    if path is not None and path.is_file():
        links = read_talp(path)
    else:
        links = align_tokens(src_toks, tgt_toks, extra_src=ex_a or None,
                             extra_tgt=ex_b or None, threads=threads)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_talp(path, links)
    if (lo, hi) == (a, b):
        return [list(x) for x in links]
    return [[(j, i) for i, j in sorted(x, key=lambda p: (p[1], p[0]))] for x in links]


def projected_selection_half(gold: Dict[str, List[Sentence]], target: str, links: Dict[str, List[Links]],
                             indices: Sequence[int], *, threads: int = 1
                             ) -> Tuple[List[Sentence], str, List[Sentence], str, Dict[str, float]]:
    """The target sentences at ``indices`` labelled by projection from the other languages' gold.

    Returns (multi-source sentences, the combination chosen, single-best-source sentences, that source, F1 of
    every candidate against the target gold at ``indices``). ``links``: source → links source → target for all
    sentences. Candidates: each source alone (greedy ``<=1``); ``vote`` (greedy, majority) and ``joint``
    (greedy, span cost 1) over all sources."""
    from xlner.evaluate import evaluate
    from xlner.multisource import project_multi
    from xlner.projection import MatchingConfig, project
    from xlner.studies.common import gold_batch, result_tags

    sources = [x for x in EUROPARL_LANGS if x != target and x in links]
    tgt = [gold[target][i] for i in indices]
    lens = [len(s.tokens) for s in tgt]
    tgt_gold = [s.tags for s in tgt]
    batches = {src: gold_batch([gold[src][i] for i in indices], [s.tokens for s in tgt],
                               [links[src][i] for i in indices]) for src in sources}
    labelled: Dict[str, List[List[str]]] = {}
    for src, b in batches.items():
        labelled[f"single: {src}"] = result_tags(project(b, "greedy", matching=MatchingConfig(constraint="<=1"),
                                                         threads=threads), lens)
    for combine in ("vote", "joint"):
        res = project_multi([batches[s] for s in sources], "greedy", combine, threads=threads).to_result()
        labelled[f"multi: {combine}"] = result_tags(res, lens)
    f1 = {k: evaluate(tgt_gold, v).micro.f1 for k, v in labelled.items()}

    def best(prefix: str) -> str:
        keys = [k for k in labelled if k.startswith(prefix)]
        return max(keys, key=lambda k: (f1[k], -keys.index(k)))

    multi, single = best("multi: "), best("single: ")
    as_sents = lambda key: [Sentence(list(s.tokens), t) for s, t in zip(tgt, labelled[key])]  # noqa: E731
    return as_sents(multi), multi[len("multi: "):], as_sents(single), single[len("single: "):], f1


__all__ = ["EUROPARL_LANGS", "ROUTE_PERTURBATIONS", "extra_pairs", "europarl_links", "projected_selection_half"]
