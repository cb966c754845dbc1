"""A CPU CRF tagger (python-crfsuite) with standard lexical and shape features.

It implements the :class:`xlner.models.base.Tagger` protocol: :meth:`CRFTagger.predict` returns
IOB2 tags (Viterbi), :meth:`CRFTagger.predict_proba` the per-word tag marginals (forward-backward)
with columns in :attr:`CRFTagger.tags` order (``O`` first, then ``B-X``/``I-X`` pairs, classes sorted).

Example::

    from xlner.io import read_conll
    from xlner.models.crf import CRFTagger, CRFConfig
    train = read_conll("train.tsv")
    tagger = CRFTagger.train([s.tokens for s in train], [s.tags for s in train], CRFConfig(max_iterations=100))
    tagger.save("en.crf")
    CRFTagger.load("en.crf").predict([["John", "lives", "in", "Paris", "."]])
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

_MAGIC = b"XLNER-CRF 1\n"


@dataclass
class CRFConfig:
    """Training and feature options of :class:`CRFTagger`.

    ``c1``/``c2``: L1/L2 regularisation of L-BFGS; ``window``: neighbour words on each side that
    contribute features; ``affix``: longest prefix/suffix length; ``min_freq``: features seen fewer
    times are dropped; ``all_transitions``: also learn weights for unseen tag transitions.
    """

    c1: float = 0.1
    c2: float = 0.05
    max_iterations: int = 100
    window: int = 2
    affix: int = 4
    min_freq: int = 1
    all_transitions: bool = True

    def __post_init__(self) -> None:
        if self.c1 < 0 or self.c2 < 0:
            raise ValueError(f"CRFConfig: c1 and c2 must be >= 0, got c1={self.c1}, c2={self.c2}")
        if self.max_iterations < 1:
            raise ValueError(f"CRFConfig: max_iterations must be >= 1, got {self.max_iterations}")
        if self.window < 0 or self.affix < 0:
            raise ValueError(f"CRFConfig: window and affix must be >= 0, got {self.window}, {self.affix}")


_SHAPE_UPPER = re.compile(r"[A-ZÀ-ÖØ-Þ]")


def word_shape(word: str) -> str:
    """Word shape: upper case -> ``X``, lower -> ``x``, digit -> ``d``, other characters kept."""
    out = []
    for ch in word:
        if ch.isdigit():
            out.append("d")
        elif ch.isalpha():
            out.append("X" if ch.isupper() else "x")
        else:
            out.append(ch)
    return "".join(out)


def short_shape(word: str) -> str:
    """Word shape with runs of the same character class collapsed (``Xxxxx`` -> ``Xx``)."""
    shape = word_shape(word)
    out: List[str] = []
    for ch in shape:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _word_features(word: str, prefix: str, affix: int, full: bool) -> Dict[str, float]:
    low = word.lower()
    f: Dict[str, float] = {
        f"{prefix}w={low}": 1.0,
        f"{prefix}title": float(word.istitle()),
        f"{prefix}upper": float(word.isupper()),
        f"{prefix}sh={short_shape(word)}": 1.0,
    }
    if full:
        f[f"{prefix}digit"] = float(word.isdigit())
        f[f"{prefix}hasdigit"] = float(any(c.isdigit() for c in word))
        f[f"{prefix}hyphen"] = float("-" in word)
        f[f"{prefix}punct"] = float(not any(c.isalnum() for c in word))
        f[f"{prefix}shape={word_shape(word)[:8]}"] = 1.0
        for k in range(1, affix + 1):
            if len(low) >= k:
                f[f"{prefix}p{k}={low[:k]}"] = 1.0
                f[f"{prefix}s{k}={low[-k:]}"] = 1.0
    return f


def sentence_features(tokens: Sequence[str], config: CRFConfig | None = None) -> List[Dict[str, float]]:
    """Feature dictionaries, one per token: the word and its shape/affix features, the lower-cased
    words and shapes of neighbours within ``config.window`` (a ``pad`` marker for the position just
    outside the sentence), word bigrams with the direct neighbours, and ``BOS``/``EOS`` on the first and
    last word."""
    cfg = config or CRFConfig()
    n = len(tokens)
    feats: List[Dict[str, float]] = []
    for i, word in enumerate(tokens):
        f: Dict[str, float] = {"bias": 1.0}
        f.update(_word_features(word, "", cfg.affix, True))
        for d in range(1, cfg.window + 1):
            for j, tag in ((i - d, f"-{d}:"), (i + d, f"+{d}:")):
                if 0 <= j < n:
                    f.update(_word_features(tokens[j], tag, 0, False))
                elif j == -1 or j == n:
                    f[f"{tag}pad"] = 1.0  # the neighbour position just outside the sentence
        if i == 0:
            f["BOS"] = 1.0
        if i == n - 1:
            f["EOS"] = 1.0
        if cfg.window >= 1 and 0 < i:
            f[f"bi-1={tokens[i - 1].lower()}|{word.lower()}"] = 1.0
        if cfg.window >= 1 and i + 1 < n:
            f[f"bi+1={word.lower()}|{tokens[i + 1].lower()}"] = 1.0
        feats.append(f)
    return feats


def _tag_order(labels: Sequence[str]) -> List[str]:
    classes = sorted({lab[2:] for lab in labels if lab != "O"})
    out = ["O"]
    for c in classes:
        out += [f"B-{c}", f"I-{c}"]
    return out


def _check(tokens_list: Sequence[Sequence[str]], tags_list: Optional[Sequence[Sequence[str]]] = None) -> None:
    if isinstance(tokens_list, (str, bytes)):
        raise TypeError("sentences must be a sequence of token lists, got a string")
    for i, toks in enumerate(tokens_list):
        if isinstance(toks, (str, bytes)):
            raise TypeError(f"sentence {i}, field tokens: expected a list of tokens, got a string")
        for j, t in enumerate(toks):
            if not isinstance(t, str) or not t:
                raise ValueError(f"sentence {i}, field tokens: token {j} is empty or not a string: {t!r}")
        if tags_list is not None:
            tags = tags_list[i]
            if len(tags) != len(toks):
                raise ValueError(f"sentence {i}, field tags: {len(toks)} tokens but {len(tags)} tags")
            for j, g in enumerate(tags):
                if g != "O" and not (isinstance(g, str) and len(g) > 2 and g[1] == "-" and g[0] in "BI"):
                    raise ValueError(f"sentence {i}, field tags: tag {j} is not IOB2: {g!r}")
    if tags_list is not None and len(tags_list) != len(tokens_list):
        raise ValueError(f"{len(tokens_list)} sentences but {len(tags_list)} tag sequences")


def is_crf_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` starts with the header of a model written by :meth:`CRFTagger.save`."""
    with open(os.fspath(path), "rb") as fh:
        return fh.read(len(_MAGIC)) == _MAGIC


class CRFTagger:
    """Linear-chain CRF tagger (python-crfsuite). Build it with :meth:`train` or :meth:`load`."""

    def __init__(self, model_bytes: bytes, config: CRFConfig):
        import pycrfsuite

        self.config = config
        self._model_bytes = bytes(model_bytes)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self._model_bytes)
        self._labels: List[str] = list(self._tagger.labels())
        self.tags: List[str] = _tag_order(self._labels)
        self._col = {t: k for k, t in enumerate(self.tags)}

    # ------------------------------------------------------------------ training
    @classmethod
    def train(
        cls,
        sentences: Sequence[Sequence[str]],
        tags: Sequence[Sequence[str]],
        config: CRFConfig | None = None,
        *,
        dev: tuple[Sequence[Sequence[str]], Sequence[Sequence[str]]] | None = None,
        verbose: bool = False,
        on_iteration: Optional[Callable[[int], None]] = None,
    ) -> "CRFTagger":
        """Train a CRF on tokenised sentences and their IOB2 tags (L-BFGS, elastic net).

        ``dev``: optional held-out (sentences, tags) that crfsuite evaluates after each iteration
        (reported only with ``verbose``; it does not change the model). crfsuite's training log goes to
        the ``xlner.models.crf`` logger (INFO with ``verbose``, else DEBUG), never to stdout;
        ``on_iteration(k)`` is called after each L-BFGS iteration k (1-based), e.g. for a progress bar.
        """
        import pycrfsuite

        log = logging.getLogger(__name__)
        level = logging.INFO if verbose else logging.DEBUG

        class _Trainer(pycrfsuite.Trainer):
            """crfsuite's events to the logger and the iteration callback (events need verbose=True)."""

            def on_iteration(self, text: str, info: Dict[str, Any]) -> None:
                log.log(level, "%s", text.rstrip())
                if on_iteration is not None:
                    on_iteration(int(info.get("num", 0)))

        for event in ("start", "featgen_progress", "featgen_end", "prepared", "prepare_error",
                      "optimization_end", "end"):
            setattr(_Trainer, f"on_{event}", lambda self, text, *rest: log.log(level, "%s", text.rstrip()))

        cfg = config or CRFConfig()
        _check(sentences, tags)
        if not any(len(s) for s in sentences):
            raise ValueError("no training sentences (all empty)")
        trainer = _Trainer(verbose=True)
        for toks, tg in zip(sentences, tags):
            if len(toks):
                trainer.append(sentence_features(toks, cfg), list(tg), 0)
        if dev is not None:
            _check(dev[0], dev[1])
            for toks, tg in zip(dev[0], dev[1]):
                if len(toks):
                    trainer.append(sentence_features(toks, cfg), list(tg), 1)
        trainer.set_params(
            {
                "c1": cfg.c1,
                "c2": cfg.c2,
                "max_iterations": cfg.max_iterations,
                "feature.minfreq": cfg.min_freq,
                "feature.possible_transitions": cfg.all_transitions,
            }
        )
        fd, path = tempfile.mkstemp(suffix=".crfsuite")
        os.close(fd)
        try:
            trainer.train(path, holdout=1 if dev is not None else -1)
            with open(path, "rb") as fh:
                data = fh.read()
        finally:
            os.unlink(path)
        return cls(data, cfg)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model (a small header with the feature config, then the crfsuite model)."""
        header = json.dumps({"config": asdict(self.config)}).encode("utf-8") + b"\n"
        from xlner.io.atomic import atomic_open  # noqa: PLC0415

        with atomic_open(path, "wb") as fh:  # the model appears only when written completely
            fh.write(_MAGIC + header + self._model_bytes)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "CRFTagger":
        """Read a model written by :meth:`save`."""
        p = os.fspath(path)
        with open(p, "rb") as fh:
            data = fh.read()
        if not data.startswith(_MAGIC):
            raise ValueError(f"{p}: not an xlner CRF model (missing header {_MAGIC!r})")
        rest = data[len(_MAGIC):]
        nl = rest.find(b"\n")
        if nl < 0:
            raise ValueError(f"{p}: truncated CRF model header")
        try:
            meta = json.loads(rest[:nl].decode("utf-8"))
            known = {f.name for f in fields(CRFConfig)}
            cfg = CRFConfig(**{k: v for k, v in meta["config"].items() if k in known})
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{p}: bad CRF model header: {exc}") from None
        return cls(rest[nl + 1:], cfg)

    # ------------------------------------------------------------------ inference
    def predict(self, sentences: Sequence[Sequence[str]]) -> List[List[str]]:
        """IOB2 tags (Viterbi path), one list per sentence, one tag per word."""
        _check(sentences)
        out: List[List[str]] = []
        for toks in sentences:
            if not len(toks):
                out.append([])
                continue
            out.append(list(self._tagger.tag(sentence_features(toks, self.config))))
        return out

    def predict_features(self, features: Sequence[Sequence[Dict[str, float]]]) -> List[List[str]]:
        """IOB2 tags (Viterbi) from precomputed :func:`sentence_features` (of this tagger's ``config``): lets
        several taggers with the same feature options share one feature extraction."""
        return [list(self._tagger.tag(list(f))) if len(f) else [] for f in features]

    def predict_proba(self, sentences: Sequence[Sequence[str]]) -> List[np.ndarray]:
        """Per-word tag marginals: one float64 array [n_words, len(tags)] per sentence; rows sum to 1."""
        _check(sentences)
        out: List[np.ndarray] = []
        for toks in sentences:
            probs = np.zeros((len(toks), len(self.tags)), dtype=np.float64)
            if len(toks):
                self._tagger.set(sentence_features(toks, self.config))
                for lab in self._labels:
                    col = self._col[lab]
                    for t in range(len(toks)):
                        probs[t, col] = self._tagger.marginal(lab, t)
            out.append(probs)
        return out


__all__ = ["CRFConfig", "CRFTagger", "is_crf_file", "sentence_features", "word_shape", "short_shape"]
