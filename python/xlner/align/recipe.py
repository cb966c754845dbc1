"""The default word-alignment recipe: a statistical aligner (the seeded Gibbs aligner, or eflomal) trained
on the pairs to align plus optional extra parallel text, on words stemmed to their first ``stem``
characters, both directions symmetrised, then name links (identical or near-identical names and numbers)
replacing the statistical links of those words. Optionally (``split_compounds``, for a compounding language
such as German on that side) the words of one or both sides are split into their compound parts for training
and the links of the parts merged back onto the words (:mod:`xlner.align.compounds`). The Gibbs aligner runs
with a sparse lexical prior and the orthographic prior (similar strings: names, numbers, cognates), which
matter on small corpora.

Every default was chosen on the selection half of Europarl-NER (even sentence indices), the default
command trained on its ~800 pairs alone, by greedy ``<=1`` F1 (``bench/bench_default_command.py
--sweep``; then the agreement of the two directions by the mean over the aligner's seeds 0-4,
``bench/bench_recipe_seeds.py``; reports/bench/default_command.txt).

Used by ``xlner align --source/--target`` and by ``xlner project`` without ``--alignments``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from xlner.align.defaults import (AUTO_SYMMETRIZATION_PAIRS, DEFAULT_AGREEMENT, DEFAULT_ALIGNER, DEFAULT_LEX_ALPHA,
                                  DEFAULT_SEED, DEFAULT_SIM_PRIOR, DEFAULT_STEM, DEFAULT_SYMMETRIZATION,
                                  RECIPE_ALIGNERS, SPLIT_COMPOUNDS_SIDES, SYMMETRIZATION_METHODS)
from xlner.align.extraction import Links
from xlner.align.gibbs import GibbsConfig

_DOCSTART = ("-DOCSTART-", "-OCSTART-")


@dataclass
class AlignRecipe:
    """Options of :func:`align_tokens`.

    Attributes:
        aligner: one of :data:`RECIPE_ALIGNERS`.
        stem: train on the first ``stem`` characters of each (lower-cased) word; 0: whole words.
        name_links: add lexical links between name-like words (:func:`xlner.align.lexical.add_name_links`).
        symmetrization: ``auto`` (see :data:`DEFAULT_SYMMETRIZATION`) or one of
            :data:`~xlner.align.extraction.SYMMETRIZATION_METHODS`.
        lex_alpha: Gibbs aligner: Dirichlet prior of the lexical distributions.
        sim_prior: Gibbs aligner: orthographic prior (0: off; see :class:`~xlner.align.gibbs.GibbsConfig`).
        agreement: Gibbs aligner: agreement of the two directions (0: independent; None: ``auto``,
            :data:`DEFAULT_AGREEMENT` below :data:`AUTO_SYMMETRIZATION_PAIRS` training pairs, else 0).
        diagonal_tension: Gibbs aligner: diagonal prior of the IBM-1 phase (0: off).
        seed: seed of the Gibbs aligner (eflomal cannot be seeded).
        direction: ``sym`` (symmetrised), ``fwd`` or ``rev``.
        split_compounds: one of :data:`SPLIT_COMPOUNDS_SIDES`: split the words of that side into their
            compound parts (:class:`xlner.align.compounds.CompoundSplitter`, counts from that side's training
            text: the pairs plus the extra text) for training, and merge the links of the parts back onto the
            words; for a compounding language (German, Dutch, the Scandinavian languages), whose one word
            (de "Mitgliedstaaten") the aligner otherwise links to only one of its translations (en "Member
            States"). ``none``: off (the default).
    """

    aligner: str = DEFAULT_ALIGNER
    stem: int = DEFAULT_STEM
    name_links: bool = True
    symmetrization: str = DEFAULT_SYMMETRIZATION
    lex_alpha: float = DEFAULT_LEX_ALPHA
    sim_prior: float = DEFAULT_SIM_PRIOR
    agreement: Optional[float] = None
    diagonal_tension: float = 0.0
    seed: int = DEFAULT_SEED
    direction: str = "sym"
    split_compounds: str = "none"

    def __post_init__(self) -> None:
        if self.aligner not in RECIPE_ALIGNERS:
            raise ValueError(f"aligner must be one of {RECIPE_ALIGNERS}, got {self.aligner!r}")
        if self.stem < 0:
            raise ValueError(f"stem must be >= 0, got {self.stem}")
        if self.symmetrization != "auto" and self.symmetrization.replace("_", "-") not in SYMMETRIZATION_METHODS:
            raise ValueError(f"symmetrization must be one of {SYMMETRIZATION_METHODS}, got {self.symmetrization!r}")
        if self.agreement is not None and not 0 <= self.agreement < float("inf"):
            raise ValueError(f"agreement must be a finite number >= 0 (or None: auto), got {self.agreement}")
        if not 0 <= self.diagonal_tension < float("inf"):
            raise ValueError(f"diagonal_tension must be a finite number >= 0, got {self.diagonal_tension}")
        if self.direction not in ("sym", "fwd", "rev"):
            raise ValueError(f"direction must be sym, fwd or rev, got {self.direction!r}")
        if self.split_compounds not in SPLIT_COMPOUNDS_SIDES:
            raise ValueError(f"split_compounds must be one of {SPLIT_COMPOUNDS_SIDES}, got {self.split_compounds!r}")

    def symmetrization_for(self, training_pairs: int) -> str:
        """The symmetrisation for a training corpus of ``training_pairs`` sentence pairs (``auto`` resolved)."""
        if self.symmetrization != "auto":
            return self.symmetrization
        return "intersection" if training_pairs < AUTO_SYMMETRIZATION_PAIRS else "grow-diag-final-and"

    def gibbs_config(self, training_pairs: int) -> GibbsConfig:
        """The Gibbs aligner's options of this recipe for a training corpus of ``training_pairs`` sentence
        pairs (which the ``auto`` settings depend on)."""
        sym = self.symmetrization_for(training_pairs)
        agreement = self.agreement
        if agreement is None:
            agreement = DEFAULT_AGREEMENT if training_pairs < AUTO_SYMMETRIZATION_PAIRS else 0.0
        return GibbsConfig(symmetrization=sym, prefix_len=self.stem, seed=self.seed, lex_alpha=self.lex_alpha,
                           sim_prior=self.sim_prior, agreement=agreement, diagonal_tension=self.diagonal_tension)


def align_tokens(src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], *,
                 extra_src: Optional[Sequence[Sequence[str]]] = None,
                 extra_tgt: Optional[Sequence[Sequence[str]]] = None,
                 recipe: Optional[AlignRecipe] = None, threads: int = -1) -> List[Links]:
    """Align tokenised sentence pairs with the recipe; the extra pairs only train.

    Returns:
        One list of 0-based (source, target) links per pair.
    """
    r = recipe or AlignRecipe()
    pairs = len(src) + (len(extra_src) if extra_src is not None else 0)
    if r.split_compounds != "none":
        return _align_split(src, tgt, extra_src, extra_tgt, r, threads)
    if r.aligner == "gibbs":
        from xlner.align.gibbs import align_gibbs  # noqa: PLC0415

        aln = align_gibbs(src, tgt, extra_src=extra_src, extra_tgt=extra_tgt, threads=threads,
                          config=r.gibbs_config(pairs))
    else:
        sym = r.symmetrization_for(pairs)
        from xlner.align.statistical import EflomalConfig, align_eflomal  # noqa: PLC0415

        aln = align_eflomal(src, tgt, extra_src=extra_src, extra_tgt=extra_tgt, threads=threads,
                            config=EflomalConfig(symmetrization=sym, prefix_len=r.stem))
    links = {"sym": aln.symmetrized, "fwd": aln.forward, "rev": aln.reverse}[r.direction]
    if r.name_links:
        from xlner.align.lexical import add_name_links  # noqa: PLC0415

        links = add_name_links(links, src, tgt)
    return links


def _align_split(src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]],
                 extra_src: Optional[Sequence[Sequence[str]]], extra_tgt: Optional[Sequence[Sequence[str]]],
                 r: AlignRecipe, threads: int) -> List[Links]:
    """:func:`align_tokens` with ``r.split_compounds``: split, align the split text, merge the links back onto
    the words, then the name links on the words."""
    from dataclasses import replace  # noqa: PLC0415

    from xlner.align.compounds import CompoundSplitter, merge_split_links  # noqa: PLC0415

    n = len(src)
    for name, text in (("src", src), ("tgt", tgt), ("extra_src", extra_src), ("extra_tgt", extra_tgt)):
        for i, sent in enumerate(text or []):
            if isinstance(sent, str):
                raise ValueError(f"sentence {i}, field {name}: expected a list of tokens, got a string")
    sides: List[Tuple[List[List[str]], Optional[List[List[int]]]]] = []
    for text, extra, on in ((src, extra_src, ("source", "both")), (tgt, extra_tgt, ("target", "both"))):
        every = [list(s) for s in text] + [list(s) for s in (extra or [])]
        if r.split_compounds in on:
            split, index = CompoundSplitter.from_corpus(every).split_sentences(every)
            sides.append((split, index[:len(text)]))
        else:
            sides.append((every, None))
    (s_all, s_index), (t_all, t_index) = sides
    links = align_tokens(s_all[:n], t_all[:len(tgt)], extra_src=s_all[n:] if extra_src is not None else None,
                         extra_tgt=t_all[len(tgt):] if extra_tgt is not None else None,
                         recipe=replace(r, split_compounds="none", name_links=False), threads=threads)
    links = merge_split_links(links, s_index, t_index)
    if r.name_links:
        from xlner.align.lexical import add_name_links  # noqa: PLC0415

        links = add_name_links(links, src, tgt)
    return links


def read_sentences(path: str | os.PathLike[str], *, format: str = "auto") -> List[List[str]]:
    """Tokens of a CoNLL file (tags ignored) or of a file with one sentence of space-separated tokens per line
    (``format``: ``auto``, ``conll`` or ``lines``, see :func:`xlner.io.load_tokens`)."""
    from xlner.io import load_tokens  # noqa: PLC0415

    return load_tokens(path, format=format).token_lists()


def read_extra_corpora(specs: Sequence[Sequence[str]]) -> Tuple[Optional[List[List[str]]],
                                                                Optional[List[List[str]]]]:
    """Concatenate several extra parallel texts (each as in :func:`read_extra_pairs`); (None, None) when none."""
    if not specs:
        return None, None
    src: List[List[str]] = []
    tgt: List[List[str]] = []
    for spec in specs:
        s, t = read_extra_pairs(spec)
        src += s
        tgt += t
    return src, tgt


def read_extra_pairs(spec: Sequence[str]) -> Tuple[List[List[str]], List[List[str]]]:
    """Read extra parallel text: ``[PAIRS]`` (``src ||| tgt`` lines) or ``[SRC, TGT]`` (two CoNLL or
    one-sentence-per-line files, sentence i of one the translation of sentence i of the other).
    Pairs with a ``-DOCSTART-`` line or an empty side are dropped.

    Raises:
        ValueError: not one or two paths, or two files with different numbers of sentences.
    """
    if len(spec) == 1:
        from xlner.align.aer import read_parallel  # noqa: PLC0415

        src, tgt = read_parallel(spec[0])
    elif len(spec) == 2:
        src, tgt = read_sentences(spec[0]), read_sentences(spec[1])
        if len(src) != len(tgt):
            raise ValueError(f"extra parallel text: {spec[0]} has {len(src)} sentences, {spec[1]} has {len(tgt)}")
    else:
        raise ValueError(f"extra parallel text: expected PAIRS or SRC TGT, got {len(spec)} paths")
    keep = [k for k in range(len(src)) if src[k] and tgt[k] and src[k][0] not in _DOCSTART
            and tgt[k][0] not in _DOCSTART]
    return [src[k] for k in keep], [tgt[k] for k in keep]


__all__ = ["AUTO_SYMMETRIZATION_PAIRS", "AlignRecipe", "DEFAULT_AGREEMENT", "DEFAULT_ALIGNER", "DEFAULT_LEX_ALPHA",
           "DEFAULT_SIM_PRIOR", "DEFAULT_STEM", "DEFAULT_SYMMETRIZATION", "RECIPE_ALIGNERS", "SPLIT_COMPOUNDS_SIDES",
           "align_tokens", "read_extra_corpora", "read_extra_pairs", "read_sentences"]
