"""The seeded statistical aligner of the C++ core: Bayesian IBM-1 → HMM → fertility with collapsed Gibbs
sampling (after Östling & Tiedemann 2016, "Efficient word alignment with Markov Chain Monte Carlo"),
several samplers per direction, both directions, symmetrised in C++.

Same inputs, same options and same ``seed`` give byte-identical links on any number of threads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from xlner import _core
from xlner.align.defaults import DEFAULT_SEED
from xlner.align.extraction import split_csr, symmetrize_batch
from xlner.align.statistical import StatisticalAlignment, StatisticalConfig


@dataclass
class GibbsConfig(StatisticalConfig):
    """Options of the Gibbs aligner (the shared ones: see :class:`~xlner.align.statistical.StatisticalConfig`).

    Attributes:
        iterations: sampling iterations per model phase (0: automatic from the corpus size, scaled by
            ``rel_iterations``).
        lex_alpha, jump_alpha, fert_alpha: Dirichlet priors of the lexical, jump and fertility distributions.
        sim_prior: orthographic prior: every co-occurring pair of (stemmed, lower-cased) words whose edit
            similarity (1 - Levenshtein / longer length) is at least ``sim_threshold`` gets the extra
            Dirichlet pseudo-count ``sim_prior * similarity`` in the lexical distributions, so names, numbers,
            punctuation and cognates start as likely translations (0: off, the symmetric prior).
        sim_threshold: the least edit similarity of a pair that gets the extra pseudo-count.
        posterior_threshold: > 0: the symmetrised links are the posterior symmetrisation instead of
            ``symmetrization``: (i, j) is linked when the mean of the two directions' link probabilities
            (P(target j → source i) and P(source i → target j), the sampling marginals) is at least this
            (posterior decoding, Liang, Taskar & Klein 2006). 0: ``symmetrization`` of the argmax links.
        diagonal_tension: IBM-1 phase: the position distribution of a link is fast_align's diagonal prior
            (Dyer, Chahuneau & Smith 2013), proportional to ``exp(-tension * |(i + 1) / I - (j + 1) / J|)``
            for source word i of I and target word j of J (:func:`xlner._core.gibbs_diagonal_prior`), instead
            of uniform; the HMM and fertility phases are unchanged. 0: uniform.
        agreement: > 0: sampler k of the two directions are sampled jointly, from the product of the two
            directional models times ``exp(agreement * shared links)`` (an agreement potential, after
            alignment by agreement, Liang, Taskar & Klein 2006): a candidate link that the other direction
            currently has gets the factor ``exp(agreement)``. 0: independent directions.
        seed: random seed; the links depend only on the inputs, the options and the seed.
    """

    iterations: int = 0
    lex_alpha: float = 0.001
    jump_alpha: float = 0.5
    fert_alpha: float = 0.5
    sim_prior: float = 0.0
    sim_threshold: float = 0.7
    posterior_threshold: float = 0.0
    diagonal_tension: float = 0.0
    agreement: float = 0.0
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.iterations < 0:
            raise ValueError(f"iterations must be >= 0 (0: automatic), got {self.iterations}")
        if not 0 <= self.seed < 2 ** 64:
            raise ValueError(f"seed must be in [0, 2**64), got {self.seed}")
        if not self.sim_prior >= 0 or self.sim_prior == float("inf"):
            raise ValueError(f"sim_prior must be a finite number >= 0, got {self.sim_prior}")
        if not 0 <= self.sim_threshold <= 1:
            raise ValueError(f"sim_threshold must be in [0, 1], got {self.sim_threshold}")
        if not 0 <= self.posterior_threshold <= 1:
            raise ValueError(f"posterior_threshold must be in [0, 1], got {self.posterior_threshold}")
        if not self.diagonal_tension >= 0 or self.diagonal_tension == float("inf"):
            raise ValueError(f"diagonal_tension must be a finite number >= 0, got {self.diagonal_tension}")
        if not self.agreement >= 0 or self.agreement == float("inf"):
            raise ValueError(f"agreement must be a finite number >= 0, got {self.agreement}")


def _tokens(sents: Sequence[Sequence[str]], lowercase: bool, field_name: str, offset: int = 0) -> List[List[str]]:
    out: List[List[str]] = []
    for i, s in enumerate(sents):
        if isinstance(s, str):
            raise ValueError(f"sentence {i + offset}, field {field_name}: expected a list of tokens, got a string")
        words: List[str] = []
        for k, w in enumerate(s):
            if not isinstance(w, str) or not w:
                raise ValueError(f"sentence {i + offset}, field {field_name}: token {k} ({w!r}) is empty or not "
                                 "a string")
            words.append(w.lower() if lowercase else w)
        out.append(words)
    return out


def align_gibbs(src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], *,
                extra_src: Optional[Sequence[Sequence[str]]] = None,
                extra_tgt: Optional[Sequence[Sequence[str]]] = None,
                config: Optional[GibbsConfig] = None, threads: int = -1) -> StatisticalAlignment:
    """Train the Gibbs aligner on (src, tgt) plus the optional extra parallel corpus and align (src, tgt).

    Arguments:
        src, tgt: tokenised sentence pairs to align (same length).
        extra_src, extra_tgt: extra tokenised parallel text used for training only.
        config: :class:`GibbsConfig` (``seed`` fixes the result).
        threads: C++ threads (-1: all cores); the result does not depend on it.

    Returns:
        :class:`~xlner.align.statistical.StatisticalAlignment` for the ``src``/``tgt`` pairs.

    Raises:
        ValueError: mismatched sentence counts, empty tokens, bad options.
    """
    cfg = config or GibbsConfig()
    if len(src) != len(tgt):
        raise ValueError(f"src has {len(src)} sentences, tgt has {len(tgt)}")
    if (extra_src is None) != (extra_tgt is None):
        raise ValueError("extra_src and extra_tgt must be given together")
    n = len(src)
    s_tok = _tokens(src, cfg.lowercase, "src")
    t_tok = _tokens(tgt, cfg.lowercase, "tgt")
    if extra_src is not None and extra_tgt is not None:
        if len(extra_src) != len(extra_tgt):
            raise ValueError(f"extra_src has {len(extra_src)} sentences, extra_tgt has {len(extra_tgt)}")
        s_tok += _tokens(extra_src, cfg.lowercase, "extra_src", n)
        t_tok += _tokens(extra_tgt, cfg.lowercase, "extra_tgt", n)
    if n == 0:
        return StatisticalAlignment([], [], [])
    fwd_csr, rev_csr, _, post_csr = _core.gibbs_align(
        s_tok, t_tok, n, model=cfg.model, n_samplers=cfg.n_samplers, iterations=cfg.iterations,
        rel_iterations=cfg.rel_iterations, null_prior=cfg.null_prior, lex_alpha=cfg.lex_alpha,
        jump_alpha=cfg.jump_alpha, fert_alpha=cfg.fert_alpha, prefix_len=cfg.prefix_len, suffix_len=cfg.suffix_len,
        sim_prior=cfg.sim_prior, sim_threshold=cfg.sim_threshold, posterior_threshold=cfg.posterior_threshold,
        diagonal_tension=cfg.diagonal_tension, agreement=cfg.agreement, seed=cfg.seed, threads=threads)
    fwd, rev = split_csr(*fwd_csr), split_csr(*rev_csr)
    if cfg.posterior_threshold > 0:
        sym = split_csr(*post_csr)
    else:
        sym = symmetrize_batch(fwd, rev, [len(s) for s in src], [len(t) for t in tgt], cfg.symmetrization,
                               threads=threads)
    return StatisticalAlignment(fwd, rev, sym)


__all__ = ["DEFAULT_SEED", "GibbsConfig", "align_gibbs"]
