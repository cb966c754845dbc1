"""CTranslate2 inference for NLLB / M2M100 checkpoints: conversion, translation and teacher-forced scoring.

Conversion uses CTranslate2's own converter — the Python form of the documented command::

    ct2-transformers-converter --model facebook/nllb-200-distilled-600M --output_dir nllb-ct2 \\
        --quantization int8 --copy_files tokenizer_config.json sentencepiece.bpe.model special_tokens_map.json

:func:`convert_checkpoint` runs ``ctranslate2.converters.TransformersConverter`` on a checkpoint folder (or hub
id) and copies the tokenizer files next to the converted weights, so that the output folder is self-contained
(:func:`is_ct2_model` recognises it). :class:`CT2Backend` loads such a folder (converting first when given a
transformers checkpoint) with a compute type (``default``, ``int8``, ``int8_float16``, ``float16``,
``bfloat16``, ``float32``) and runs batches of token ids: :meth:`CT2Backend.translate_ids` (greedy or beam
search with the target language as forced prefix, as ``generate(forced_bos_token_id=...)`` does) and
:meth:`CT2Backend.score_ids` (``Translator.score_batch``: per-token log-probabilities under teacher forcing).

:class:`xlner.models.translator.Translator` uses it for ``backend="ctranslate2"`` (same batching by tokens,
cache and marker handling as the transformers backend), and :class:`CT2Seq2SeqScorer` is the CTranslate2
form of :class:`xlner.models.nmt_scorer.Seq2SeqScorer` behind the NMTScore translation score.

Needs ``pip install 'xlner[ct2]'`` (``ctranslate2``); the conversion also needs ``transformers`` and ``torch``.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np

from xlner.models.nmt_scorer import DirectedKey, ScorerStats, Seq2SeqScorer

PathLike = Union[str, "os.PathLike[str]"]

#: Compute types accepted by ``ctranslate2.Translator`` (``default``: the type the weights were saved in,
#: converted to what the device supports).
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16",
                 "bfloat16", "float32")
#: Quantizations accepted by the converter (None keeps the checkpoint's float32 weights).
QUANTIZATIONS = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32")
#: ``GenerationOptions.extra`` keys (``generate`` names) → ``translate_batch`` arguments of the same meaning.
_EXTRA_KEYS = {"length_penalty": "length_penalty", "no_repeat_ngram_size": "no_repeat_ngram_size",
               "repetition_penalty": "repetition_penalty", "min_new_tokens": "min_decoding_length"}
# files of a transformers checkpoint that are weights or model configuration (not copied next to the
# converted model, whose config.json is CTranslate2's own)
_MODEL_FILES = ("config.json", "generation_config.json", "model.safetensors", "model.safetensors.index.json",
                "pytorch_model.bin", "pytorch_model.bin.index.json")


def is_ct2_model(path: PathLike) -> bool:
    """True for a folder written by the CTranslate2 converter (it holds ``model.bin``)."""
    p = Path(path)
    return p.is_dir() and (p / "model.bin").is_file()


def convert_checkpoint(model: PathLike, output_dir: PathLike, *, quantization: Optional[str] = None,
                       force: bool = False) -> Path:
    """Convert a transformers NLLB / M2M100 checkpoint (folder or hub id) into a CTranslate2 model folder.

    Arguments:
        model: the checkpoint.
        output_dir: the output folder (``force``: overwrite an existing one).
        quantization: weight type stored (see :data:`QUANTIZATIONS`; None keeps float32).

    The tokenizer files of a checkpoint folder are copied into ``output_dir``. Returns ``output_dir``.
    Raises ``ValueError`` for an unknown quantization and ``RuntimeError`` (naming the model) when the
    converter fails.
    """
    from ctranslate2.converters import TransformersConverter

    if quantization is not None and quantization not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {quantization!r}; choose one of {QUANTIZATIONS} or None")
    src = Path(model)
    copy = []
    if src.is_dir():
        copy = sorted(f.name for f in src.iterdir()
                      if f.is_file() and f.name not in _MODEL_FILES and not f.name.startswith("model-"))
    class _Converter(TransformersConverter):
        def load_tokenizer(self, tokenizer_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            return _m2m100_vocabulary_fix(super().load_tokenizer(tokenizer_class, model_name_or_path, **kwargs))

    try:
        out = _Converter(os.fspath(model), copy_files=copy or None).convert(
            os.fspath(output_dir), quantization=quantization, force=force)
    except Exception as exc:  # the converter raises bare errors from deep inside transformers/torch
        raise RuntimeError(f"CTranslate2 conversion of {os.fspath(model)} failed: {type(exc).__name__}: {exc}") from exc
    return Path(out)


def target_vocabulary(path: PathLike) -> Dict[str, int]:
    """Token → id of the target vocabulary of a CTranslate2 model folder (``shared_vocabulary`` or
    ``target_vocabulary``, ``.json`` or ``.txt``). Generated tokens are mapped back to ids with it, not with
    the tokenizer: the model's vocabulary may hold more entries than the tokenizer (M2M100's ``madeupword``
    fillers, which a tokenizer maps to ``<unk>`` and transformers decodes as ``<unk>``)."""
    p = Path(path)
    for stem in ("shared_vocabulary", "target_vocabulary"):
        if (p / f"{stem}.json").is_file():
            tokens = json.loads((p / f"{stem}.json").read_text(encoding="utf-8"))
            return {t: i for i, t in reversed(list(enumerate(tokens)))}
        if (p / f"{stem}.txt").is_file():
            lines = (p / f"{stem}.txt").read_text(encoding="utf-8").split("\n")
            return {t: i for i, t in reversed(list(enumerate(lines[:-1] if lines[-1] == "" else lines)))}
    raise FileNotFoundError(f"{p}: no shared_vocabulary or target_vocabulary file (not a CTranslate2 model?)")


class _M2M100TokenizerView:
    """An ``M2M100Tokenizer`` as CTranslate2's M2M100 loader expects it under transformers 4.x.

    The loader builds the vocabulary from ``get_vocab()`` plus ``special_tokens_map["additional_special_tokens"]``
    plus ``madeupword`` fillers. Under transformers 5.x the ``M2M100Tokenizer`` keeps its language tokens
    (``__en__`` ...) only in ``lang_token_to_id`` — neither in ``get_vocab()`` nor in ``special_tokens_map`` — so
    the converted vocabulary lacks them and the conversion fails ("vocabulary has size 408 but the model
    expected 508" for the tiny test model). This view lists them, in id order, as additional special tokens.
    """

    def __init__(self, tokenizer: Any) -> None:
        self._tok = tokenizer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tok, name)

    @property
    def special_tokens_map(self) -> Dict[str, Any]:
        out = dict(self._tok.special_tokens_map)
        langs = sorted(self._tok.lang_token_to_id.items(), key=lambda kv: kv[1])
        out["additional_special_tokens"] = [t for t, _ in langs]
        return out


def _m2m100_vocabulary_fix(tokenizer: Any) -> Any:
    """``tokenizer`` itself, or a :class:`_M2M100TokenizerView` of an ``M2M100Tokenizer`` whose language tokens
    are missing from its vocabulary and special-token map (transformers 5.x). Raises ``RuntimeError`` when those
    tokens do not directly follow the vocabulary (the view's id order would then be wrong)."""
    langs = getattr(tokenizer, "lang_token_to_id", None)
    if not langs or "additional_special_tokens" in tokenizer.special_tokens_map:
        return tokenizer
    vocab = tokenizer.get_vocab()
    if all(t in vocab for t in langs):
        return tokenizer
    ids = sorted(langs.values())
    if ids != list(range(len(vocab), len(vocab) + len(ids))):
        raise RuntimeError(f"M2M100 language token ids {ids[0]}..{ids[-1]} do not follow the {len(vocab)}-token "
                           f"vocabulary; cannot build the CTranslate2 vocabulary")
    return _M2M100TokenizerView(tokenizer)


def resolve_ct2_device(device: Optional[str]) -> str:
    """``None``/``"auto"`` → ``cuda`` when CTranslate2 sees a GPU, else ``cpu``; ``cpu``/``cuda``/``cuda:N``
    are kept (``ValueError`` for CUDA without a GPU or an unknown device)."""
    import ctranslate2

    if device is None or device == "auto":
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    kind = str(device).split(":")[0]
    if kind not in ("cpu", "cuda"):
        raise ValueError(f"ctranslate2 device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
    if kind == "cuda" and ctranslate2.get_cuda_device_count() == 0:
        raise ValueError(f"device {device!r} requested but CTranslate2 sees no CUDA device")
    return str(device)


class CT2Backend:
    """A CTranslate2 ``Translator`` and the transformers tokenizer of a converted NLLB / M2M100 model.

    Arguments:
        model: a CTranslate2 model folder (:func:`is_ct2_model`), a transformers checkpoint folder or hub id
            (converted first, into ``ct2_dir``), or a loaded transformers model (saved with ``tokenizer`` into
            a temporary folder and converted).
        tokenizer: the tokenizer (default: loaded from the CTranslate2 folder, where conversion copies it).
        device: ``auto``/None, ``cpu``, ``cuda`` or ``cuda:N``.
        compute_type: see :data:`COMPUTE_TYPES` (``int8`` on CPU, ``float16``/``int8_float16`` on GPU are the
            fast ones).
        ct2_dir: where a checkpoint is converted (default: a temporary folder removed with this object).
        quantization: weight type of the conversion (None: float32; the compute type converts at load).
        threads: CPU threads per translation (0: CTranslate2's default).
    """

    def __init__(self, model: Any, tokenizer: Optional[Any] = None, *, device: Optional[str] = None,
                 compute_type: str = "default", ct2_dir: Optional[PathLike] = None,
                 quantization: Optional[str] = None, threads: int = 0) -> None:
        import ctranslate2

        if compute_type not in COMPUTE_TYPES:
            raise ValueError(f"unknown compute_type {compute_type!r}; choose one of {COMPUTE_TYPES}")
        if threads < 0:
            raise ValueError(f"threads must be >= 0, got {threads}")
        self._tmp: Optional[weakref.finalize] = None  # removes a temporary conversion folder
        if isinstance(model, (str, Path)):
            self.name = os.fspath(model)
            path = Path(model)
            if not is_ct2_model(path):
                path = self._convert(model, ct2_dir, quantization)
        else:  # a loaded transformers model: save it, then convert
            if tokenizer is None:
                raise ValueError("tokenizer is required when model is a loaded module")
            self.name = str(getattr(getattr(model, "config", None), "_name_or_path", "") or type(model).__name__)
            with tempfile.TemporaryDirectory(prefix="xlner-hf-") as saved:
                model.save_pretrained(saved)
                tokenizer.save_pretrained(saved)
                path = self._convert(saved, ct2_dir, quantization)
        if tokenizer is None:  # copied next to the weights by convert_checkpoint; else (hub id) from the source
            from transformers import AutoTokenizer

            has_tok = (path / "tokenizer_config.json").is_file()
            tokenizer = AutoTokenizer.from_pretrained(os.fspath(path) if has_tok else self.name)
        self.path = path
        self.tokenizer = tokenizer
        self.device = resolve_ct2_device(device)
        kind, _, index = self.device.partition(":")
        self.compute_type = compute_type
        self.target_index = target_vocabulary(path)
        self.translator = ctranslate2.Translator(os.fspath(path), device=kind, device_index=int(index or 0),
                                                 compute_type=compute_type, intra_threads=threads)

    def _convert(self, model: PathLike, ct2_dir: Optional[PathLike], quantization: Optional[str]) -> Path:
        if ct2_dir is not None and is_ct2_model(ct2_dir):
            return Path(ct2_dir)
        if ct2_dir is None:
            tmp = tempfile.mkdtemp(prefix="xlner-ct2-")
            self._tmp = weakref.finalize(self, shutil.rmtree, tmp, True)
            ct2_dir = Path(tmp) / "model"
        return convert_checkpoint(model, ct2_dir, quantization=quantization)

    def close(self) -> None:
        """Unload the model and remove a temporary conversion folder."""
        self.translator = None
        if self._tmp is not None:
            self._tmp()
            self._tmp = None

    def _tokens(self, ids: Sequence[int]) -> List[str]:
        return list(self.tokenizer.convert_ids_to_tokens(list(ids)))

    def translate_ids(self, sources: Sequence[Sequence[int]], tgt_id: int, *, beam_size: int, max_new_tokens: int,
                      extra: Optional[Mapping[str, Any]] = None) -> List[List[int]]:
        """Translate source token-id sequences (specials included, as the tokenizer makes them) into the
        language whose token id is ``tgt_id``; returns the generated ids of each (the forced language token
        first).

        ``max_new_tokens`` counts the language token, as ``generate(max_new_tokens=...)`` does.
        ``extra``: ``length_penalty``, ``no_repeat_ngram_size``, ``repetition_penalty``, ``min_new_tokens``
        (``ValueError`` for other keys).
        """
        bad = sorted(set(extra or {}) - set(_EXTRA_KEYS))
        if bad:
            raise ValueError(f"generation options {bad} have no CTranslate2 equivalent (supported: "
                             f"{sorted(_EXTRA_KEYS)})")
        opts = {_EXTRA_KEYS[k]: v for k, v in (extra or {}).items()}
        prefix = self._tokens([tgt_id])
        res = self.translator.translate_batch(
            [self._tokens(s) for s in sources], target_prefix=[prefix] * len(sources), beam_size=beam_size,
            max_decoding_length=max_new_tokens, max_batch_size=len(sources), max_input_length=0, **opts)
        index = self.target_index
        return [[index[t] for t in r.hypotheses[0]] for r in res]

    def score_ids(self, sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]]) -> List[np.ndarray]:
        """Teacher-forced log-probabilities (nats) of target token ids given source token ids.

        ``targets`` are label sequences as the tokenizer makes them (language token, subwords, ``</s>``);
        returns one float64 array per pair with the log-probability of every target token, ``</s>`` included.
        """
        eos = self.tokenizer.eos_token_id
        tgt_tokens = []
        for i, t in enumerate(targets):
            t = list(t)
            if not t or t[-1] != eos:
                raise ValueError(f"pair {i}: target ids must end with </s> ({eos})")
            tgt_tokens.append(self._tokens(t[:-1]))  # score_batch appends </s> itself
        res = self.translator.score_batch([self._tokens(s) for s in sources], tgt_tokens,
                                          max_batch_size=len(sources))
        out = []
        for i, (r, t) in enumerate(zip(res, targets)):
            lp = np.asarray(r.log_probs, dtype=np.float64)
            if len(lp) != len(t):
                raise RuntimeError(f"pair {i}: CTranslate2 scored {len(lp)} tokens for {len(t)} target tokens")
            out.append(lp)
        return out


class CT2Seq2SeqScorer(Seq2SeqScorer):
    """Mean teacher-forced log-probabilities with CTranslate2 (``Translator.score_batch``): the same inputs,
    conventions (every label position but the target language token, ``</s>`` included), deduplication,
    batching and cache as :class:`~xlner.models.nmt_scorer.Seq2SeqScorer`, whose place it takes in
    :class:`~xlner.models.nmt_scorer.NMTScorer`.

    Arguments: ``model`` / ``tokenizer`` / ``device`` / ``compute_type`` / ``ct2_dir`` / ``threads`` as in
    :class:`CT2Backend`; ``batch_size`` / ``max_tokens`` / ``max_length`` / ``lang_overrides`` /
    ``allow_stand_in`` / ``progress`` as in ``Seq2SeqScorer``.
    """

    def __init__(self, model: Any, tokenizer: Optional[Any] = None, *, device: Optional[str] = None,
                 compute_type: str = "default", ct2_dir: Optional[PathLike] = None, threads: int = 0,
                 batch_size: int = 64, max_tokens: int = 8192, max_length: int = 256,
                 lang_overrides: Optional[Mapping[str, str]] = None, allow_stand_in: bool = False,
                 progress: bool = False) -> None:
        if batch_size < 1 or max_tokens < 1 or max_length < 2:
            raise ValueError(f"batch_size, max_tokens must be >= 1 and max_length >= 2, got "
                             f"{batch_size}, {max_tokens}, {max_length}")
        self.backend = CT2Backend(model, tokenizer, device=device, compute_type=compute_type, ct2_dir=ct2_dir,
                                  threads=threads)
        self.device, self.dtype, self.name = self.backend.device, compute_type, self.backend.name  # type: ignore[assignment]
        self.model = None
        self.tokenizer = self.backend.tokenizer
        self.batch_size, self.max_tokens, self.max_length = batch_size, max_tokens, max_length
        self.lang_overrides = dict(lang_overrides or {})
        self.allow_stand_in = allow_stand_in
        self.progress = progress
        self.decoder_start = -1  # CTranslate2 starts the decoder itself
        self.pad_id = int(self.tokenizer.pad_token_id)
        self._lang_cache = {}
        self._src_templates = {}
        self._tgt_templates = {}
        self._ids = {}
        self._cache = {}
        self.stats = ScorerStats()

    def _run_batch(self, batch: List[Tuple[DirectedKey, Tuple[int, ...], List[int]]], lang_ids: Set[int]) -> None:
        self.stats.batches += 1
        self.stats.computed += len(batch)
        lps = self.backend.score_ids([src for _, src, _ in batch], [lab for _, _, lab in batch])
        for (k, _, lab), lp in zip(batch, lps):
            keep = np.fromiter((t not in lang_ids for t in lab), dtype=bool, count=len(lab))
            self._cache[k] = float(lp[keep].mean()) if keep.any() else 0.0


__all__ = ["COMPUTE_TYPES", "QUANTIZATIONS", "CT2Backend", "CT2Seq2SeqScorer", "convert_checkpoint", "is_ct2_model",
           "resolve_ct2_device"]
