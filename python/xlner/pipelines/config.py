"""Pipeline configuration: dataclasses, TOML files (``tomllib``) and command-line overrides, and the
builders that turn the model sections into objects.

A configuration file looks like::

    kind = "translate-test"          # translate-test | translate-train | model-transfer | marker
    input = "bam/test.txt"
    output_dir = "runs/bam"
    src_lang = "bam"                 # language of the input file
    tgt_lang = "eng"                 # language it is translated into
    chunk_size = 10000
    eval_labels = ["PER", "ORG", "LOC"]

    [precomputed]                    # optional: start from intermediate files
    translations = "runs/bam/translations.jsonl"
    alignments = "bam-en.talp"

    [translator]
    model = "facebook/nllb-200-distilled-600M"
    beam_size = 4

    [tagger]
    kind = "crf"
    path = "en.crf"

    [aligner]
    kind = "embedding"
    model = "bert-base-multilingual-cased"

    [projection]
    method = "greedy"                # heuristic | greedy | exact | ilp | backtranslation
    constraint = "<=1"

    [filter]                         # translate-train / marker only
    min_ratio = 1.0
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Type, TypeVar, Union

from xlner.methods import METHODS
from xlner.models.base import Aligner, Links, Scorer, Tagger, Translator

if TYPE_CHECKING:  # imported lazily at run time (the builders load torch only when a model is built)
    from xlner.align.statistical import EflomalConfig
    from xlner.heuristic import HeuristicConfig
    from xlner.projection import MatchingConfig

#: A TOML table (or any nested dict of options), as ``tomllib`` reads it.
Table = Dict[str, Any]
D = TypeVar("D")

#: A fusion preset name or weights per score component.
ScoresOption = Union[None, str, Dict[str, float]]

KINDS = ("translate-test", "translate-train", "model-transfer", "marker")
PROJECTION_METHODS = METHODS + ("backtranslation",)


@dataclass
class TranslatorConfig:
    """Translator options (:class:`xlner.models.translator.Translator`): model folder or hub id, sentences
    per batch, beam size, most generated tokens, device (``auto``/``cpu``/``cuda``), dtype
    (``auto``/``float32``/``bfloat16``/``float16``) and the on-disk translation cache (an SQLite file;
    default ``<output_dir>/translation_cache.sqlite``); ``backend`` ``transformers`` or ``ctranslate2``
    (then ``compute_type``, e.g. ``int8`` / ``float16``, and ``ct2_dir``, where the checkpoint is converted)."""

    model: Optional[str] = None
    batch_size: int = 16
    beam_size: int = 4
    max_length: int = 256
    device: str = "auto"
    dtype: str = "auto"
    cache: Optional[str] = None
    backend: str = "transformers"
    compute_type: str = "default"
    ct2_dir: Optional[str] = None

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.beam_size < 1 or self.max_length < 1:
            raise ValueError("translator: batch_size, beam_size and max_length must be >= 1")
        if self.backend not in ("transformers", "ctranslate2"):
            raise ValueError(f"translator: backend must be 'transformers' or 'ctranslate2', got {self.backend!r}")


@dataclass
class TaggerConfig:
    """Tagger: ``kind`` ``crf`` (a model saved by :class:`xlner.models.crf.CRFTagger`) or ``transformers``
    (a token-classification model folder or hub id); batch size and device for the latter."""

    kind: str = "crf"
    path: Optional[str] = None
    batch_size: int = 32
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.kind not in ("crf", "transformers"):
            raise ValueError(f"tagger: kind must be 'crf' or 'transformers', got {self.kind!r}")
        if self.batch_size < 1:
            raise ValueError("tagger: batch_size must be >= 1")


@dataclass
class NMTScorerConfig:
    """The NMT scorer of the ``nmt`` score component (:class:`xlner.models.nmt_scorer.NMTScorer`); ``backend``
    ``ctranslate2`` scores with :class:`xlner.models.ct2.CT2Seq2SeqScorer` (``compute_type``)."""

    model: Optional[str] = None
    batch_size: int = 64
    device: str = "auto"
    backend: str = "transformers"
    compute_type: str = "default"

    def __post_init__(self) -> None:
        if self.backend not in ("transformers", "ctranslate2"):
            raise ValueError(f"nmt_scorer: backend must be 'transformers' or 'ctranslate2', got {self.backend!r}")


@dataclass
class AlignerConfig:
    """Aligner: ``kind`` ``embedding`` (``model``: an encoder; ``batch_size`` sentences per forward pass),
    ``lexical`` (string similarity, same script) or ``eflomal`` (statistical, trained on each whole chunk);
    ``options`` go to the aligner's config."""

    kind: str = "embedding"
    model: Optional[str] = None
    batch_size: int = 64
    options: Table = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ("embedding", "lexical", "eflomal"):
            raise ValueError(f"aligner: kind must be 'embedding', 'lexical' or 'eflomal', got {self.kind!r}")


@dataclass
class ProjectionConfig:
    """Projection: ``method`` of :func:`xlner.projection.project` or ``backtranslation`` (translate-test
    only); matching options (``max_len``, ``constraint``, ``time_limit`` of the exact solvers); heuristic
    preset and overrides (``heuristic_options``, e.g. ``{merge_distance = 2}``); ``scores``: a fusion
    preset of :func:`xlner.scores.preset_weights` (``align``, ``ner``, ``align_ner_spans``, ``all_fusion``,
    ...) or weights per component (``align``, ``ner``, ``ner_spans``, ``nmt``), default the alignment
    score; ``candidates``: ``ngrams`` or ``ner`` (spans predicted by the target tagger); ``labels``:
    source labels to project (others dropped)."""

    method: str = "greedy"
    max_len: int = 10
    constraint: str = "<=1"
    time_limit: Optional[float] = None
    heuristic: str = "thesis"
    heuristic_options: Table = field(default_factory=dict)
    scores: ScoresOption = None
    candidates: str = "ngrams"
    labels: Optional[List[str]] = None
    threads: int = -1

    def __post_init__(self) -> None:
        if self.method not in PROJECTION_METHODS:
            raise ValueError(f"projection: method must be one of {PROJECTION_METHODS}, got {self.method!r}")
        if self.candidates not in ("ngrams", "ner"):
            raise ValueError(f"projection: candidates must be 'ngrams' or 'ner', got {self.candidates!r}")
        if self.scores is not None and not isinstance(self.scores, (str, dict)):
            raise ValueError(f"projection: scores must be a preset name or a table of weights, got {self.scores!r}")
        if self.scores is not None:
            from xlner.scores import FUSION_COMPONENTS, preset_weights

            w = preset_weights(self.scores) if isinstance(self.scores, str) else self.scores
            bad = sorted(set(w) - set(FUSION_COMPONENTS))
            if bad:
                raise ValueError(f"projection: unknown score components {bad}; known: {list(FUSION_COMPONENTS)}")
        if self.method == "heuristic" and (self.scores is not None or self.candidates != "ngrams"):
            raise ValueError("projection: the heuristic uses alignments only (no scores or candidates options)")
        self.matching()
        self.heuristic_config()

    def matching(self) -> MatchingConfig:
        """The :class:`xlner.projection.MatchingConfig` of these options."""
        from xlner.projection import MatchingConfig

        kw: Table = {"max_len": self.max_len, "constraint": self.constraint}
        if self.time_limit is not None:
            kw["time_limit"] = self.time_limit
        return MatchingConfig(**kw)

    def heuristic_config(self) -> HeuristicConfig:
        """The :class:`xlner.heuristic.HeuristicConfig` of the preset and its overrides."""
        from xlner.heuristic import HeuristicConfig

        return HeuristicConfig.preset(self.heuristic, **self.heuristic_options)


@dataclass
class FilterConfig:
    """Translate-train filtering: drop a sentence whose projected/source entity ratio is below
    ``min_ratio`` or one of whose projected spans scores below ``min_score`` (0 keeps everything)."""

    min_ratio: float = 0.0
    min_score: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_ratio <= 1.0:
            raise ValueError(f"filter: min_ratio must lie in [0, 1], got {self.min_ratio}")
        if self.min_score < 0:
            raise ValueError(f"filter: min_score must be >= 0, got {self.min_score}")


@dataclass
class PrecomputedConfig:
    """Intermediate files to start from: translations (JSON lines with ``tokens``, CoNLL or a token file),
    alignments (JSON lines with ``links`` or talp; source side = the projection source), source labels
    (JSON lines with ``tokens``/``tags`` or CoNLL). ``alignments_field`` names the links field of a
    JSON-lines alignment file. ``backtranslations``: JSON lines with ``marked`` and ``entities``
    (translate-test, method ``backtranslation``); for the marker pipeline ``translations`` holds JSON lines
    with ``translation`` and ``entity_translations``."""

    translations: Optional[str] = None
    alignments: Optional[str] = None
    source_labels: Optional[str] = None
    backtranslations: Optional[str] = None
    alignments_field: str = "links"


@dataclass
class InputConfig:
    """How to read JSON-lines input: fields of tokens and tags, and names of integer tag ids."""

    tokens_field: str = "tokens"
    tags_field: str = "tags"
    tag_names: Optional[List[str]] = None


@dataclass
class PipelineConfig:
    """A whole pipeline run. ``src_lang`` is the language of the input file, ``tgt_lang`` the language it
    is translated into (ISO 639 or FLORES-200 codes)."""

    kind: str = "translate-test"
    input: Optional[str] = None
    output_dir: Optional[str] = None
    src_lang: str = "eng_Latn"
    tgt_lang: str = "eng_Latn"
    chunk_size: int = 10000
    progress: bool = True
    overwrite: bool = False
    eval_labels: Optional[List[str]] = None
    input_format: InputConfig = field(default_factory=InputConfig)
    precomputed: PrecomputedConfig = field(default_factory=PrecomputedConfig)
    translator: TranslatorConfig = field(default_factory=TranslatorConfig)
    tagger: TaggerConfig = field(default_factory=TaggerConfig)
    target_tagger: TaggerConfig = field(default_factory=TaggerConfig)
    nmt_scorer: NMTScorerConfig = field(default_factory=NMTScorerConfig)
    aligner: AlignerConfig = field(default_factory=AlignerConfig)
    projection: ProjectionConfig = field(default_factory=ProjectionConfig)
    filter: FilterConfig = field(default_factory=FilterConfig)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")
        if self.projection.method == "backtranslation" and self.kind != "translate-test":
            raise ValueError("projection method 'backtranslation' is a translate-test method")


_SECTIONS = (TranslatorConfig, TaggerConfig, NMTScorerConfig, AlignerConfig, ProjectionConfig, FilterConfig,
             PrecomputedConfig, InputConfig)


def _build(cls: Type[D], data: Table, where: str) -> D:
    assert is_dataclass(cls)
    if not isinstance(data, dict):
        raise ValueError(f"config {where}: expected a table, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"config {where}: unknown keys {unknown}; known: {sorted(known)}")
    kw: Table = {}
    defaults = cls()
    for k, v in data.items():
        cur = getattr(defaults, k)
        if is_dataclass(cur):
            kw[k] = _build(type(cur), v, f"{where}.{k}" if where else k)
        else:
            kw[k] = v
    try:
        return cls(**kw)
    except TypeError as exc:
        raise ValueError(f"config {where or 'top level'}: {exc}") from None


def config_from_dict(data: Table) -> PipelineConfig:
    """A :class:`PipelineConfig` from nested dicts (unknown keys raise ``ValueError`` naming them)."""
    return _build(PipelineConfig, data, "")


def load_config(path: str | os.PathLike[str]) -> PipelineConfig:
    """Read a TOML configuration file; relative paths in it are resolved against the file's folder (model
    names only when such a path exists, so that hub ids stay as they are)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python < 3.11
        import tomli as tomllib

    p = Path(path)
    with open(p, "rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"config {p}: {exc}") from None
    base = p.resolve().parent

    def rel(x: Optional[str]) -> Optional[str]:
        return None if x is None or os.path.isabs(x) else str(base / x)

    # model names may be hub ids: resolved against the file's folder only when that path exists
    for sect, k in (("translator", "model"), ("tagger", "path"), ("target_tagger", "path"), ("aligner", "model"),
                    ("nmt_scorer", "model")):
        tab = data.get(sect)
        if isinstance(tab, dict) and isinstance(tab.get(k), str) and (base / tab[k]).exists():
            tab[k] = str(base / tab[k])

    for key in ("input", "output_dir"):
        if isinstance(data.get(key), str):
            data[key] = rel(data[key])
    for sect, keys in (("precomputed", ("translations", "alignments", "source_labels", "backtranslations")),
                       ("translator", ("cache", "ct2_dir"))):
        tab = data.get(sect)
        if isinstance(tab, dict):
            for k in keys:
                if isinstance(tab.get(k), str):
                    tab[k] = rel(tab[k])
    return config_from_dict(data)


def with_overrides(cfg: PipelineConfig, overrides: Table) -> PipelineConfig:
    """A copy of ``cfg`` with dotted-key overrides (``{"projection.method": "exact"}``); ``None`` values
    are skipped."""
    groups: Dict[str, Table] = {}
    top: Table = {}
    for key, value in overrides.items():
        if value is None:
            continue
        if "." in key:
            sect, name = key.split(".", 1)
            groups.setdefault(sect, {})[name] = value
        else:
            top[key] = value
    kw: Table = dict(top)
    for sect, vals in groups.items():
        cur: object = getattr(cfg, sect, None)
        if not isinstance(cur, _SECTIONS):
            raise ValueError(f"unknown config section {sect!r}")
        names = {f.name for f in fields(cur)}
        bad = sorted(set(vals) - names)
        if bad:
            raise ValueError(f"config section {sect!r} has no keys {bad}")
        kw[sect] = replace(cur, **vals)
    return replace(cfg, **kw)


# ---------------------------------------------------------------------------------------------
# Builders (import the model modules lazily: torch/transformers only when a model is built)


def build_translator(cfg: TranslatorConfig, *, cache: Optional[str] = None, progress: bool = False) -> Translator:
    """The :class:`xlner.models.translator.Translator` of ``cfg`` (``cache``: cache file when the config
    names none)."""
    if not cfg.model:
        raise ValueError("translator: no model given ([translator] model = ... or --translator-model)")
    from xlner.models.translator import GenerationOptions, Translator

    return Translator(cfg.model, device=None if cfg.device == "auto" else cfg.device,
                      dtype=None if cfg.dtype == "auto" else cfg.dtype,
                      options=GenerationOptions(num_beams=cfg.beam_size, max_new_tokens=cfg.max_length),
                      batch_size=cfg.batch_size, cache=cfg.cache or cache, progress=progress, backend=cfg.backend,
                      compute_type=cfg.compute_type, ct2_dir=cfg.ct2_dir)


def build_tagger(cfg: TaggerConfig) -> Tagger:
    """The tagger of ``cfg``: a loaded CRF model or a :class:`xlner.models.token_tagger.TokenTagger`."""
    if not cfg.path:
        raise ValueError("tagger: no model path given ([tagger] path = ... or --tagger)")
    if cfg.kind == "crf":
        from xlner.models.crf import CRFTagger

        return CRFTagger.load(cfg.path)
    from xlner.models.token_tagger import TokenTagger

    return TokenTagger(cfg.path, device=None if cfg.device == "auto" else cfg.device, batch_size=cfg.batch_size)


def build_nmt_scorer(cfg: NMTScorerConfig) -> Scorer:
    """The :class:`xlner.models.nmt_scorer.NMTScorer` of ``cfg``."""
    if not cfg.model:
        raise ValueError("nmt_scorer: no model given ([nmt_scorer] model = ...)")
    from xlner.models.nmt_scorer import NMTScorer

    if cfg.backend == "ctranslate2":
        from xlner.models.ct2 import CT2Seq2SeqScorer

        return NMTScorer(CT2Seq2SeqScorer(cfg.model, device=None if cfg.device == "auto" else cfg.device,
                                          compute_type=cfg.compute_type, batch_size=cfg.batch_size))
    return NMTScorer.from_pretrained(cfg.model, device=None if cfg.device == "auto" else cfg.device,
                                     batch_size=cfg.batch_size)


def build_aligner(cfg: AlignerConfig) -> Aligner:
    """The :class:`~xlner.models.base.Aligner` of ``cfg`` (``batch_size``: the embedding aligner's sentences per
    forward pass unless its options set one)."""
    if cfg.kind == "lexical":
        from xlner.align.lexical import LexicalAligner, LexicalConfig

        return LexicalAligner(LexicalConfig(**cfg.options))
    if cfg.kind == "embedding":
        from xlner.align.embedding import EmbeddingAligner, EmbeddingAlignerConfig

        opts = dict(cfg.options)
        opts.setdefault("batch_size", cfg.batch_size)
        if cfg.model:
            opts["model"] = cfg.model
        return EmbeddingAligner(EmbeddingAlignerConfig(**opts))
    from xlner.align.statistical import EflomalConfig

    return EflomalChunkAligner(EflomalConfig(**cfg.options))


class EflomalChunkAligner:
    """eflomal as an :class:`~xlner.models.base.Aligner`: trained and applied on each batch it is given — a
    pipeline gives it a whole chunk in one call, so larger chunks give better statistics."""

    def __init__(self, config: Optional[EflomalConfig] = None):
        self.config = config

    def align_batch(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[Links]:
        """Links (src, tgt) of every pair, from eflomal trained on these pairs."""
        from xlner.align import statistical

        res = statistical.align_eflomal([list(s) for s in src], [list(t) for t in tgt], config=self.config)
        return list(res.symmetrized)


__all__ = ["AlignerConfig", "EflomalChunkAligner", "FilterConfig", "InputConfig", "KINDS", "NMTScorerConfig",
           "PROJECTION_METHODS", "PipelineConfig", "PrecomputedConfig", "ProjectionConfig", "TaggerConfig",
           "TranslatorConfig", "build_aligner", "build_nmt_scorer", "build_tagger", "build_translator",
           "config_from_dict", "load_config", "with_overrides"]
