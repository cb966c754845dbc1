"""Teacher-forced translation probabilities (seq2seq scorer) and the direct NMTScore translation score.

:class:`Seq2SeqScorer` wraps any M2M100/NLLB-architecture model (``AutoModelForSeq2SeqLM``) and
returns, for (source string, target string) pairs, the mean log-probability (natural log) of the
target tokens given the source under teacher forcing. The decoder input is the tokenizer's target
sequence (``tgt_lang`` token, subwords, ``</s>``) shifted right behind the model's
``decoder_start_token_id``; every label position except the forced language token is scored,
``</s>`` included (the NMTScore convention).

:class:`NMTScorer` turns those into the direct NMTScore translation-probability score used as a
projection score (docs/architecture.md, "Translation score"). For an entity string ``a`` (language ``A``) and a
candidate string ``b`` (language ``B``), with ``P(y | x) = base ** mean_log_prob(y | x)`` (``base`` = 2
as in the NMTScore package)::

    score(a, b) = ½ · ( P(b | a) / P(b | b)  +  P(a | b) / P(a | a) )

where ``P(b | a)`` translates from ``A`` into ``B`` and ``P(b | b)`` "translates" ``b`` into its own
language ``B`` (self-normalisation). Scores below ``threshold`` (0.1) are set to 0. Work is batched
over all pairs of a call, deduplicated (each directed string pair is scored once, each source is
encoded once per batch) and cached in memory across calls.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from xlner.models._device import DeviceLike, DtypeLike
from xlner.models._loading import load_model
from xlner.models.languages import tokenizer_lang_code

# model types whose LM logits are lm_head(decoder hidden) (+ final_logits_bias): fast path that only
# projects the scored positions onto the vocabulary.
_HEAD_ONLY_TYPES = frozenset({"m2m_100", "nllb_moe", "marian", "mbart", "bart"})

DirectedKey = Tuple[str, str, str, str]  # (src lang code, src text, tgt lang code, tgt text)


@dataclass
class _Template:
    prefix: Tuple[int, ...]
    suffix: Tuple[int, ...]


@dataclass
class ScorerStats:
    """Counters of a scorer: directed scores asked for, served from the cache, computed, batches run."""

    requested: int = 0
    cache_hits: int = 0
    computed: int = 0
    batches: int = 0


class Seq2SeqScorer:
    """Mean teacher-forced log-probabilities of target strings given source strings.

    Arguments:
        model: a loaded seq2seq model, or a hub id / local directory for ``AutoModelForSeq2SeqLM``.
        tokenizer: the matching tokenizer (loaded from ``model`` when it is a path and this is None).
        device: ``"auto"``/None (CUDA when present), ``"cpu"``, ``"cuda:1"`` …
        dtype: ``"auto"``/None (bf16 or fp16 on GPU, fp32 on CPU) or an explicit dtype.
        batch_size: most pairs per forward pass.
        max_tokens: most padded source+target tokens per forward pass.
        max_length: longest source or target in tokens (longer strings raise ``ValueError``).
        lang_overrides / allow_stand_in: passed to :func:`xlner.models.languages.tokenizer_lang_code`.
        progress: show a tqdm bar over batches.

    A loaded ``model`` is moved to ``device``/``dtype`` in place.
    """

    def __init__(
        self,
        model: Union[str, "torch.nn.Module"],
        tokenizer: Optional[object] = None,
        *,
        device: DeviceLike = None,
        dtype: DtypeLike = None,
        batch_size: int = 64,
        max_tokens: int = 8192,
        max_length: int = 256,
        lang_overrides: Optional[Mapping[str, str]] = None,
        allow_stand_in: bool = False,
        progress: bool = False,
    ) -> None:
        from transformers import AutoModelForSeq2SeqLM

        if batch_size < 1 or max_tokens < 1 or max_length < 2:
            raise ValueError(f"batch_size, max_tokens must be >= 1 and max_length >= 2, got "
                             f"{batch_size}, {max_tokens}, {max_length}")
        loaded = load_model(model, tokenizer, AutoModelForSeq2SeqLM, device=device, dtype=dtype)
        self.device, self.dtype, self.name = loaded.device, loaded.dtype, loaded.name
        self.model = loaded.model
        self.tokenizer: Any = loaded.tokenizer
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.max_length = max_length
        self.lang_overrides = dict(lang_overrides or {})
        self.allow_stand_in = allow_stand_in
        self.progress = progress
        cfg = self.model.config
        self.decoder_start = int(cfg.decoder_start_token_id if cfg.decoder_start_token_id is not None
                                 else cfg.eos_token_id)
        self.pad_id = int(self.tokenizer.pad_token_id)
        self._lang_cache: Dict[str, Tuple[str, int]] = {}
        self._src_templates: Dict[str, _Template] = {}
        self._tgt_templates: Dict[str, _Template] = {}
        self._ids: Dict[str, Tuple[int, ...]] = {}
        self._cache: Dict[DirectedKey, float] = {}
        self.stats = ScorerStats()

    @classmethod
    def from_pretrained(cls, name_or_path: str, **kwargs: object) -> "Seq2SeqScorer":
        """Load model and tokenizer from a hub id or local directory (see the class for options)."""
        return cls(name_or_path, **kwargs)  # type: ignore[arg-type]

    # ---- tokenisation -------------------------------------------------------------------------
    def lang(self, code: str) -> Tuple[str, int]:
        """(tokenizer language code, language token id) for an ISO/FLORES code."""
        if code not in self._lang_cache:
            self._lang_cache[code] = tokenizer_lang_code(code, self.tokenizer, allow_stand_in=self.allow_stand_in,
                                                         overrides=self.lang_overrides)
        return self._lang_cache[code]

    def _template(self, code: str, target: bool) -> _Template:
        cache = self._tgt_templates if target else self._src_templates
        if code in cache:
            return cache[code]
        tok = self.tokenizer
        probe = "a b"
        plain = list(tok(probe, add_special_tokens=False)["input_ids"])
        old = (getattr(tok, "src_lang", None), getattr(tok, "tgt_lang", None))
        try:
            if target:
                tok.tgt_lang = code
                full = list(tok(text_target=probe)["input_ids"])
            else:
                tok.src_lang = code
                full = list(tok(probe)["input_ids"])
        finally:
            if old[0] is not None:
                tok.src_lang = old[0]
            if old[1] is not None:
                tok.tgt_lang = old[1]
        n = len(plain)
        for i in range(len(full) - n + 1):
            if full[i:i + n] == plain:
                cache[code] = _Template(tuple(full[:i]), tuple(full[i + n:]))
                return cache[code]
        raise RuntimeError(f"cannot locate the text inside the tokenizer's special-token template for {code!r}")

    def _text_ids(self, text: str) -> Tuple[int, ...]:
        ids = self._ids.get(text)
        if ids is None:
            ids = tuple(int(i) for i in self.tokenizer(text, add_special_tokens=False)["input_ids"])
            self._ids[text] = ids
        return ids

    def _sequence(self, text: str, code: str, target: bool) -> List[int]:
        t = self._template(code, target)
        seq = list(t.prefix) + list(self._text_ids(text)) + list(t.suffix)
        if len(seq) > self.max_length:
            side = "target" if target else "source"
            raise ValueError(f"{side} string {text[:60]!r} is {len(seq)} tokens long, more than max_length="
                             f"{self.max_length}")
        return seq

    # ---- scoring ------------------------------------------------------------------------------
    def mean_log_probs(
        self, sources: Sequence[str], targets: Sequence[str], *, src_lang: str, tgt_lang: str
    ) -> np.ndarray:
        """Mean log-probability (nats) of each target given its source: float64 array [len(sources)]."""
        if len(sources) != len(targets):
            raise ValueError(f"sources and targets differ in length: {len(sources)} vs {len(targets)}")
        s_code, _ = self.lang(src_lang)
        t_code, _ = self.lang(tgt_lang)
        keys = [(s_code, s, t_code, t) for s, t in zip(sources, targets)]
        return self.score_keys(keys)

    def score_keys(self, keys: Sequence[DirectedKey]) -> np.ndarray:
        """Mean log-probabilities for directed keys ``(src code, src text, tgt code, tgt text)``.

        Codes are the tokenizer's own (see :meth:`lang`). Deduplicated and cached.
        """
        for i, k in enumerate(keys):
            if not isinstance(k[1], str) or not isinstance(k[3], str):
                raise ValueError(f"pair {i}: source and target must be strings, got {k[1]!r}, {k[3]!r}")
        self.stats.requested += len(keys)
        cached = [k in self._cache for k in keys]
        self.stats.cache_hits += sum(cached)
        missing = list(dict.fromkeys(k for k, c in zip(keys, cached) if not c))
        if missing:
            self._compute(missing)
        return np.fromiter((self._cache[k] for k in keys), dtype=np.float64, count=len(keys))

    def clear_cache(self) -> None:
        """Forget cached scores (and tokenisations)."""
        self._cache.clear()
        self._ids.clear()

    def _tokenize_all(self, texts: Iterable[str]) -> None:
        new = [t for t in dict.fromkeys(texts) if t not in self._ids]
        if new:
            enc = self.tokenizer(new, add_special_tokens=False)["input_ids"]
            for t, ids in zip(new, enc):
                self._ids[t] = tuple(int(i) for i in ids)

    def _compute(self, keys: List[DirectedKey]) -> None:
        self._tokenize_all([k[1] for k in keys] + [k[3] for k in keys])
        items = []
        for k in keys:
            s_code, s_text, t_code, t_text = k
            src = self._sequence(s_text, s_code, target=False)
            labels = self._sequence(t_text, t_code, target=True)
            items.append((k, tuple(src), labels))
        # sort by source (groups equal sources for encoder reuse), then lengths
        items.sort(key=lambda it: (len(it[1]), it[1], len(it[2])))
        lang_ids = {self.lang(k[2])[1] for k in keys}
        batches: List[List[Tuple[DirectedKey, Tuple[int, ...], List[int]]]] = []
        batch: List[Tuple[DirectedKey, Tuple[int, ...], List[int]]] = []
        max_s = max_t = 0
        for it in items:
            ms, mt = max(max_s, len(it[1])), max(max_t, len(it[2]))
            if batch and (len(batch) + 1 > self.batch_size or (len(batch) + 1) * (ms + mt) > self.max_tokens):
                batches.append(batch)
                batch, ms, mt = [], len(it[1]), len(it[2])
            batch.append(it)
            max_s, max_t = ms, mt
        if batch:
            batches.append(batch)
        from tqdm.auto import tqdm

        for b in tqdm(batches, disable=not self.progress, desc="nmt score", unit="batch"):
            self._run_batch(b, lang_ids)

    @torch.inference_mode()
    def _run_batch(self, batch: List[Tuple[DirectedKey, Tuple[int, ...], List[int]]], lang_ids: set) -> None:
        self.stats.batches += 1
        self.stats.computed += len(batch)
        dev = self.device
        uniq: Dict[Tuple[int, ...], int] = {}
        src_index = []
        for _, src, _ in batch:
            src_index.append(uniq.setdefault(src, len(uniq)))
        srcs = list(uniq)
        ls = max(len(s) for s in srcs)
        src_np = np.full((len(srcs), ls), self.pad_id, dtype=np.int64)
        mask_np = np.zeros((len(srcs), ls), dtype=np.int64)
        for i, s in enumerate(srcs):
            src_np[i, :len(s)] = s
            mask_np[i, :len(s)] = 1
        lt = max(len(b[2]) for b in batch)
        lab_np = np.full((len(batch), lt), self.pad_id, dtype=np.int64)
        dec_np = np.full((len(batch), lt), self.pad_id, dtype=np.int64)
        scored_np = np.zeros((len(batch), lt), dtype=bool)
        for i, (_, _, lab) in enumerate(batch):
            lab_np[i, :len(lab)] = lab
            dec_np[i, 0] = self.decoder_start
            dec_np[i, 1:len(lab)] = lab[:-1]
            scored_np[i, :len(lab)] = True
        scored_np &= ~np.isin(lab_np, np.fromiter(lang_ids, dtype=np.int64))
        src_ids, src_mask = torch.from_numpy(src_np), torch.from_numpy(mask_np)
        labels, dec_in, scored = torch.from_numpy(lab_np), torch.from_numpy(dec_np), torch.from_numpy(scored_np)
        src_ids, src_mask = src_ids.to(dev), src_mask.to(dev)
        labels, dec_in, scored = labels.to(dev), dec_in.to(dev), scored.to(dev)
        index = torch.tensor(src_index, device=dev)
        model = self.model
        enc = model.get_encoder()(input_ids=src_ids, attention_mask=src_mask).last_hidden_state
        enc = enc.index_select(0, index)
        enc_mask = src_mask.index_select(0, index)
        if getattr(model.config, "model_type", "") in _HEAD_ONLY_TYPES:
            hidden = model.get_decoder()(input_ids=dec_in, encoder_hidden_states=enc, encoder_attention_mask=enc_mask,
                                         use_cache=False).last_hidden_state
            logits = model.get_output_embeddings()(hidden[scored])
            bias = getattr(model, "final_logits_bias", None)
            if bias is not None:
                logits = logits + bias.reshape(-1)
        else:
            out = model(encoder_outputs=(enc,), attention_mask=enc_mask, decoder_input_ids=dec_in, use_cache=False)
            logits = out.logits[scored]
        logits = logits.float()
        tok_lp = logits.gather(1, labels[scored].unsqueeze(1)).squeeze(1) - torch.logsumexp(logits, dim=1)
        row = torch.arange(len(batch), device=dev).unsqueeze(1).expand_as(scored)[scored]
        sums = torch.zeros(len(batch), dtype=torch.float64, device=dev).index_add_(0, row, tok_lp.double())
        counts = scored.sum(1).clamp(min=1).double()
        means = (sums / counts).cpu().tolist()
        for (k, _, _), m in zip(batch, means):
            self._cache[k] = float(m)


@dataclass
class NMTScoreConfig:
    """Options of the direct NMTScore translation score.

    threshold: scores below it become 0 (0.1 as in the thesis).
    normalize: divide by the self-translation probability of the scored string.
    both_directions: average the a→b and b→a scores (else only P(b | a) [/ P(b | b)]).
    base: P = base ** mean_log_prob (natural-log token probabilities; 2 as in the NMTScore package).
    """

    threshold: float = 0.1
    normalize: bool = True
    both_directions: bool = True
    base: float = 2.0


class NMTScorer:
    """Direct NMTScore between entity strings and candidate strings (see the module docstring)."""

    def __init__(self, scorer: Seq2SeqScorer, config: Optional[NMTScoreConfig] = None) -> None:
        self.scorer = scorer
        self.config = config if config is not None else NMTScoreConfig()

    @classmethod
    def from_pretrained(cls, name_or_path: str, config: Optional[NMTScoreConfig] = None,
                        **kwargs: object) -> "NMTScorer":
        """Load the seq2seq model (hub id or local dir) and wrap it; ``kwargs`` go to :class:`Seq2SeqScorer`."""
        return cls(Seq2SeqScorer(name_or_path, **kwargs), config)  # type: ignore[arg-type]

    def score_pairs(self, a: Sequence[str], b: Sequence[str], *, a_lang: str, b_lang: str) -> np.ndarray:
        """Score pairs ``(a[i], b[i])``: float64 array ``[len(a)]``, thresholded.

        ``a`` strings are in ``a_lang`` (the entity side), ``b`` strings in ``b_lang`` (the candidate side).
        """
        if len(a) != len(b):
            raise ValueError(f"a and b differ in length: {len(a)} vs {len(b)}")
        for name, seq in (("a", a), ("b", b)):
            for i, s in enumerate(seq):
                if not isinstance(s, str):
                    raise ValueError(f"pair {i}, field {name}: expected a string, got {type(s).__name__}")
        n = len(a)
        if n == 0:
            return np.zeros(0, dtype=np.float64)
        cfg = self.config
        ac, _ = self.scorer.lang(a_lang)
        bc, _ = self.scorer.lang(b_lang)
        keys: List[DirectedKey] = [(ac, x, bc, y) for x, y in zip(a, b)]  # P(b | a)
        if cfg.normalize:
            keys += [(bc, y, bc, y) for y in b]  # P(b | b)
        if cfg.both_directions:
            keys += [(bc, y, ac, x) for x, y in zip(a, b)]  # P(a | b)
            if cfg.normalize:
                keys += [(ac, x, ac, x) for x in a]  # P(a | a)
        lp = self.scorer.score_keys(keys)
        parts = lp.reshape(-1, n)
        log_base = math.log(cfg.base)
        if cfg.normalize:
            fwd = np.exp(log_base * (parts[0] - parts[1]))
        else:
            fwd = np.exp(log_base * parts[0])
        if cfg.both_directions:
            k = 2 if cfg.normalize else 1
            bwd = np.exp(log_base * (parts[k] - parts[k + 1])) if cfg.normalize else np.exp(log_base * parts[k])
            out = (fwd + bwd) / 2.0
        else:
            out = fwd
        out = np.where(out < cfg.threshold, 0.0, out)
        return np.ascontiguousarray(out, dtype=np.float64)
