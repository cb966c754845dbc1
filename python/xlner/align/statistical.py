"""Statistical aligner: eflomal (optional extra ``xlner[eflomal]``, GPL-3.0, never a hard dependency),
trained in both directions, with an optional extra parallel corpus for training, symmetrised in C++.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from types import ModuleType
from typing import List, Optional, Sequence, Tuple

from xlner.align.extraction import SYMMETRIZATION_METHODS, Links, symmetrize_batch
from xlner.io.talp import parse_talp_line


def _import_eflomal() -> ModuleType:
    try:
        import eflomal  # noqa: PLC0415
    except ImportError as exc:
        raise ImportError("the statistical aligner needs eflomal: pip install 'xlner[eflomal]' "
                          "(or pip install eflomal; GPL-3.0)") from exc
    return eflomal


@dataclass
class StatisticalConfig:
    """Options shared by the statistical aligners (eflomal, the Gibbs aligner) and the symmetrisation.

    Attributes:
        symmetrization: one of SYMMETRIZATION_METHODS.
        lowercase: lower-case words for training (alignment indices are unaffected).
        model: 1 IBM-1, 2 + HMM jump distribution, 3 + fertility.
        n_samplers: independent samplers per direction.
        null_prior: prior probability of a link to the empty word.
        rel_iterations: scale of the automatic number of sampling iterations.
        prefix_len, suffix_len: stem words to this many leading / trailing characters (0: whole words).
    """

    symmetrization: str = "grow-diag-final-and"
    lowercase: bool = True
    model: int = 3
    n_samplers: int = 3
    null_prior: float = 0.2
    rel_iterations: float = 1.0
    prefix_len: int = 0
    suffix_len: int = 0

    def __post_init__(self) -> None:
        if self.symmetrization.replace("_", "-") not in SYMMETRIZATION_METHODS:
            raise ValueError(f"symmetrization must be one of {SYMMETRIZATION_METHODS}, got {self.symmetrization!r}")
        if self.model not in (1, 2, 3):
            raise ValueError(f"model must be 1, 2 or 3, got {self.model}")
        if self.n_samplers < 1:
            raise ValueError(f"n_samplers must be >= 1, got {self.n_samplers}")
        if self.prefix_len < 0 or self.suffix_len < 0:
            raise ValueError(f"prefix_len and suffix_len must be >= 0, got {self.prefix_len}, {self.suffix_len}")


@dataclass
class EflomalConfig(StatisticalConfig):
    """Options of eflomal (see :class:`StatisticalConfig`); eflomal's sampler is random and cannot be seeded,
    so results vary slightly between runs.

    Attributes:
        extra: further keyword arguments of ``eflomal.Aligner``.
    """

    extra: dict = field(default_factory=dict)


@dataclass
class StatisticalAlignment:
    """Alignments of the requested sentences: forward, reverse and symmetrised links (all (src, tgt))."""

    forward: List[Links]
    reverse: List[Links]
    symmetrized: List[Links]


def _lines(sents: Sequence[Sequence[str]], lowercase: bool, field_name: str, offset: int = 0) -> List[str]:
    out = []
    for i, s in enumerate(sents):
        if isinstance(s, str):
            raise ValueError(f"sentence {i + offset}, field {field_name}: expected a list of tokens, got a string")
        words = []
        for w in s:
            if not w or any(ch.isspace() for ch in w):
                raise ValueError(f"sentence {i + offset}, field {field_name}: token {w!r} is empty or has whitespace")
            words.append(w.lower() if lowercase else w)
        out.append(" ".join(words))
    return out


def _read_links(path: str, n: int, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[Links]:
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    out: List[Links] = []
    for i in range(n):
        line = lines[i] if i < len(lines) else ""
        sure, _ = parse_talp_line(line, path=path, sentence=i)
        out.append([(s, t) for s, t in sure if s < len(src[i]) and t < len(tgt[i])])
    return out


def align_eflomal(src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], *,
                  extra_src: Optional[Sequence[Sequence[str]]] = None,
                  extra_tgt: Optional[Sequence[Sequence[str]]] = None,
                  config: Optional[EflomalConfig] = None, threads: int = -1) -> StatisticalAlignment:
    """Train eflomal on (src, tgt) plus the optional extra parallel corpus and align (src, tgt).

    Arguments:
        src, tgt: tokenised sentence pairs to align (same length).
        extra_src, extra_tgt: extra tokenised parallel text used for training only.
        config: :class:`EflomalConfig`.
        threads: C++ threads for the symmetrisation.

    Returns:
        :class:`StatisticalAlignment` for the ``src``/``tgt`` pairs (the extra corpus is not returned).
    """
    cfg = config or EflomalConfig()
    if len(src) != len(tgt):
        raise ValueError(f"src has {len(src)} sentences, tgt has {len(tgt)}")
    if (extra_src is None) != (extra_tgt is None):
        raise ValueError("extra_src and extra_tgt must be given together")
    if extra_src is not None and len(extra_src) != len(extra_tgt):  # type: ignore[arg-type]
        raise ValueError(f"extra_src has {len(extra_src)} sentences, extra_tgt has {len(extra_tgt)}")  # type: ignore
    eflomal = _import_eflomal()
    n = len(src)
    s_lines = _lines(src, cfg.lowercase, "src")
    t_lines = _lines(tgt, cfg.lowercase, "tgt")
    if extra_src is not None:
        s_lines += _lines(extra_src, cfg.lowercase, "extra_src", n)
        t_lines += _lines(extra_tgt, cfg.lowercase, "extra_tgt", n)  # type: ignore[arg-type]
    if n == 0:
        return StatisticalAlignment([], [], [])
    aligner = eflomal.Aligner(model=cfg.model, n_samplers=cfg.n_samplers, null_prior=cfg.null_prior,
                              rel_iterations=cfg.rel_iterations, source_prefix_len=cfg.prefix_len,
                              source_suffix_len=cfg.suffix_len, target_prefix_len=cfg.prefix_len,
                              target_suffix_len=cfg.suffix_len, **cfg.extra)
    with tempfile.TemporaryDirectory(prefix="xlner-eflomal-") as d:
        fwd_path, rev_path = os.path.join(d, "fwd"), os.path.join(d, "rev")
        # eflomal drops empty lines' content but keeps line numbers; empty sentences give empty links.
        aligner.align(s_lines, t_lines, links_filename_fwd=fwd_path, links_filename_rev=rev_path, quiet=True)
        fwd = _read_links(fwd_path, n, src, tgt)
        rev = _read_links(rev_path, n, src, tgt)
    sym = symmetrize_batch(fwd, rev, [len(s) for s in src], [len(t) for t in tgt], cfg.symmetrization,
                           threads=threads)
    return StatisticalAlignment(fwd, rev, sym)


def read_conll_tokens(path: str | os.PathLike[str]) -> List[List[str]]:
    """Tokens of a CoNLL-style file (first column; blank lines separate sentences)."""
    from xlner.io.conll import read_conll  # noqa: PLC0415

    return [list(s.tokens) for s in read_conll(path)]


def conll_deepl_parallel(root: str | os.PathLike[str], lang: str) -> Tuple[List[List[str]], List[List[str]]]:
    """English and ``lang`` tokens of the conll2003-deepl train, dev and test pairs (``{split}.awesome.tsv``
    pairs line for line with ``en``), without empty sentences and ``-DOCSTART-`` lines: extra text for
    training an aligner."""
    src: List[List[str]] = []
    tgt: List[List[str]] = []
    for split in ("train", "dev", "test"):
        es = read_conll_tokens(os.path.join(root, "conll2003-deepl", "en", f"{split}.tsv"))
        ts = read_conll_tokens(os.path.join(root, "conll2003-deepl", lang, f"{split}.awesome.tsv"))
        if len(es) != len(ts):
            raise ValueError(f"conll2003-deepl {split}: en has {len(es)} sentences, {lang} has {len(ts)}")
        for a, b in zip(es, ts):
            if a and b and a != ["-DOCSTART-"] and b != ["-DOCSTART-"]:
                src.append(a)
                tgt.append(b)
    return src, tgt


def europarl_ner_alignments(lang: str, data_dir: str | os.PathLike[str], *, use_conll_deepl: bool = True,
                            config: Optional[EflomalConfig] = None,
                            threads: int = -1) -> Tuple[List[List[str]], List[List[str]], StatisticalAlignment]:
    """eflomal alignments of Europarl-NER en -> ``lang`` (de, es, it).

    Trains on the 799 Europarl-NER pairs plus, with ``use_conll_deepl``, the conll2003-deepl en/``lang``
    train, dev and test pairs (``{split}.awesome.tsv`` token files, which pair line for line with ``en``).

    Returns:
        (en tokens, ``lang`` tokens, alignment) for the Europarl-NER sentences.
    """
    if lang not in ("de", "es", "it"):
        raise ValueError(f"lang must be de, es or it, got {lang!r}")
    root = os.fspath(data_dir)
    en = read_conll_tokens(os.path.join(root, "europarl-ner", "en.conll"))
    xx = read_conll_tokens(os.path.join(root, "europarl-ner", f"{lang}.conll"))
    extra_src: List[List[str]] = []
    extra_tgt: List[List[str]] = []
    if use_conll_deepl:
        extra_src, extra_tgt = conll_deepl_parallel(root, lang)
    aln = align_eflomal(en, xx, extra_src=extra_src or None, extra_tgt=extra_tgt or None, config=config,
                        threads=threads)
    return en, xx, aln


__all__ = ["EflomalConfig", "StatisticalAlignment", "StatisticalConfig", "align_eflomal", "conll_deepl_parallel",
           "europarl_ner_alignments", "read_conll_tokens"]
