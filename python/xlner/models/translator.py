"""Machine translation with NLLB / M2M100-architecture models, a content-keyed on-disk cache, and
marker-preserving translation (EasyProject style).

:class:`Translator` loads any ``AutoModelForSeq2SeqLM`` + ``AutoTokenizer`` (hub id or local dir),
takes ISO 639-1/639-3 or FLORES-200 language codes, sorts inputs by length into batches bounded by
``batch_size`` and ``max_batch_tokens``, generates with beam search under length limits, and runs in
bf16/fp16 on GPU (fp32 on CPU) unless told otherwise. ``backend="ctranslate2"`` runs the same batches
with CTranslate2 (:mod:`xlner.models.ct2`: the checkpoint is converted with CTranslate2's converter; int8 /
float16 compute types); tokenisation, batching, cache and marker handling are shared.

:class:`TranslationCache` is an SQLite file (WAL mode: concurrent readers, serialised writers) keyed
by a SHA-256 of (model id, source language, target language, generation options, text). Every batch
is committed as soon as it is translated, so an interrupted run resumes where it stopped and a
repeated run costs no model calls. Numeric precision and batch composition are not part of the key.

Marker translation: :func:`insert_markers` wraps entity spans of a word list in ``[`` ``]``;
:meth:`Translator.translate_with_markers` translates the marked sentences and :func:`parse_markers`
recovers the target words and the marked target spans.
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from xlner.models._device import DeviceLike, DtypeLike
from xlner.models._loading import load_model
from xlner.models.languages import tokenizer_lang_code

if TYPE_CHECKING:  # torch/transformers load with the model; the cache and marker helpers work without them
    import torch

Span = Tuple[int, int]
#: Translation backends of :class:`Translator`.
BACKENDS = ("transformers", "ctranslate2")


@dataclass
class GenerationOptions:
    """Decoding options (all of them are part of the cache key).

    num_beams: beam size (1 = greedy).
    max_new_tokens: hard cap on generated tokens.
    max_length_ratio / max_length_offset: per batch, generate at most
        ``ceil(max_length_ratio * longest source in tokens + max_length_offset)`` tokens (None: no such cap).
    max_input_tokens: longest source (tokens, specials included).
    on_long_input: ``"error"`` (``ValueError`` naming the sentence) or ``"truncate"`` for longer sources.
    extra: further keyword arguments for ``model.generate`` (JSON-serialisable: ``length_penalty``,
        ``no_repeat_ngram_size`` …).
    """

    num_beams: int = 5
    max_new_tokens: int = 256
    max_length_ratio: Optional[float] = 2.0
    max_length_offset: int = 10
    max_input_tokens: int = 512
    on_long_input: str = "error"
    extra: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.num_beams < 1 or self.max_new_tokens < 1 or self.max_input_tokens < 2:
            raise ValueError(f"invalid generation options: {self}")
        if self.on_long_input not in ("error", "truncate"):
            raise ValueError(f"on_long_input must be 'error' or 'truncate', got {self.on_long_input!r}")

    def key(self) -> str:
        """Canonical JSON of the options (used in the cache key)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), default=str)


def cache_key(model_id: str, src_lang: str, tgt_lang: str, options: str, text: str) -> str:
    """SHA-256 hex key of one translation request (content-addressed)."""
    payload = json.dumps([model_id, src_lang, tgt_lang, options, text], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class TranslationCache:
    """On-disk translation cache in one SQLite file (safe for concurrent readers and writers)."""

    def __init__(self, path: Union[str, Path], *, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(self.path), timeout=timeout)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS translations (key TEXT PRIMARY KEY, model TEXT, src_lang TEXT, "
            "tgt_lang TEXT, source TEXT, translation TEXT NOT NULL)")
        self._conn.commit()

    def get_many(self, keys: Sequence[str]) -> Dict[str, str]:
        """Cached translations for those ``keys`` that are present."""
        out: Dict[str, str] = {}
        uniq = list(dict.fromkeys(keys))
        for i in range(0, len(uniq), 500):
            chunk = uniq[i:i + 500]
            q = "SELECT key, translation FROM translations WHERE key IN (%s)" % ",".join("?" * len(chunk))
            out.update(self._conn.execute(q, chunk).fetchall())
        return out

    def put_many(self, rows: Iterable[Tuple[str, str, str, str, str, str]]) -> None:
        """Store ``(key, model, src_lang, tgt_lang, source, translation)`` rows and commit."""
        with self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)", list(rows))

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0])

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> "TranslationCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class TranslatorStats:
    """Counters: texts asked for, served from the cache, translated by the model, batches run."""

    requested: int = 0
    cache_hits: int = 0
    translated: int = 0
    batches: int = 0


@dataclass
class MarkedTranslation:
    """A marker translation: the marked source, the raw output, target words and recovered spans.

    ``spans`` are target word spans ``(start, end)`` (end exclusive) in order of appearance;
    ``complete`` is true when as many spans came back as entities were marked, and then
    ``spans[k]`` is taken to be the translation of the k-th source entity in source order.
    """

    source_marked: str
    raw: str
    words: List[str]
    spans: List[Span]
    n_marked: int

    @property
    def complete(self) -> bool:
        return len(self.spans) == self.n_marked


def insert_markers(words: Sequence[str], spans: Sequence[Span], *, open_marker: str = "[",
                   close_marker: str = "]", sentence: int = 0) -> str:
    """Join ``words`` with spaces, wrapping each span in markers: ``[ Angela Merkel ] visited [ Paris ]``.

    Spans must be non-empty, inside the sentence and non-overlapping (``ValueError`` naming the sentence).
    Marker characters inside words are replaced (``[`` → ``(``, ``]`` → ``)``) so that the output parses back.
    """
    n = len(words)
    order = sorted((int(s), int(e)) for s, e in spans)
    prev_end = 0
    for s, e in order:
        if not 0 <= s < e <= n:
            raise ValueError(f"sentence {sentence}, field spans: span ({s}, {e}) outside 0..{n} or empty")
        if s < prev_end:
            raise ValueError(f"sentence {sentence}, field spans: span ({s}, {e}) overlaps another span")
        prev_end = e
    clean = [w.replace(open_marker, "(").replace(close_marker, ")") for w in words]
    starts = {s for s, _ in order}
    ends: Dict[int, int] = {}
    for _, e in order:
        ends[e] = ends.get(e, 0) + 1
    out: List[str] = []
    for i, w in enumerate(clean):
        if i in ends:
            out.append(close_marker)
        if i in starts:
            out.append(open_marker)
        out.append(w)
    if n in ends:
        out.append(close_marker)
    return " ".join(out)


def parse_markers(text: str, *, open_marker: str = "[", close_marker: str = "]") -> Tuple[List[str], List[Span]]:
    """Target words (markers removed, whitespace tokenisation) and the marked spans, in order.

    Markers are split off the words they touch (``[Merkel],`` → ``[``, ``Merkel``, ``]``, ``,``).
    A nested opening marker restarts the span, a closing marker without an open span or around no
    words is ignored, and a span left open at the end is dropped.
    """
    spaced = text.replace(open_marker, f" {open_marker} ").replace(close_marker, f" {close_marker} ")
    words: List[str] = []
    spans: List[Span] = []
    start: Optional[int] = None
    for tok in spaced.split():
        if tok == open_marker:
            start = len(words)
        elif tok == close_marker:
            if start is not None and len(words) > start:
                spans.append((start, len(words)))
            start = None
        else:
            words.append(tok)
    return words, spans


class Translator:
    """Batched, cached translation with an NLLB / M2M100-architecture model.

    Arguments:
        model: hub id / local directory, or a loaded ``AutoModelForSeq2SeqLM`` (then pass ``tokenizer``).
        tokenizer: the tokenizer (loaded from ``model`` when that is a path).
        device, dtype: see :mod:`xlner.models._device` (CUDA + bf16/fp16 when present; CPU fp32).
        options: :class:`GenerationOptions`.
        batch_size / max_batch_tokens: most sentences / padded source tokens per generate call.
        cache: path of a :class:`TranslationCache` file, a cache object, or None (no disk cache).
        model_id: the model's name in cache keys (default: the path or hub id given).
        progress: show a tqdm bar over batches.
        lang_overrides / allow_stand_in: see :func:`xlner.models.languages.to_flores`.
        backend: ``"transformers"`` (``model.generate``) or ``"ctranslate2"`` (:class:`xlner.models.ct2.CT2Backend`:
            ``model`` may also be a converted CTranslate2 folder; ``dtype`` is then ignored).
        compute_type / ct2_dir / ct2_threads: CTranslate2 compute type (``default``, ``int8``, ``float16``,
            ``int8_float16`` ...), folder the checkpoint is converted into (default: a temporary one) and CPU
            threads (0: CTranslate2's default).

    Both backends share the cache: a translation is keyed by ``model_id`` and the decoding options, not by
    the backend or numeric precision (as for dtypes).
    """

    def __init__(
        self,
        model: Union[str, "torch.nn.Module"],
        tokenizer: Optional[object] = None,
        *,
        device: DeviceLike = None,
        dtype: DtypeLike = None,
        options: Optional[GenerationOptions] = None,
        batch_size: int = 16,
        max_batch_tokens: int = 4096,
        cache: Union[str, Path, TranslationCache, None] = None,
        model_id: Optional[str] = None,
        progress: bool = False,
        lang_overrides: Optional[Mapping[str, str]] = None,
        allow_stand_in: bool = False,
        backend: str = "transformers",
        compute_type: str = "default",
        ct2_dir: Union[str, Path, None] = None,
        ct2_threads: int = 0,
    ) -> None:
        if batch_size < 1 or max_batch_tokens < 1:
            raise ValueError(f"batch_size and max_batch_tokens must be >= 1, got {batch_size}, {max_batch_tokens}")
        if backend not in BACKENDS:
            raise ValueError(f"unknown translator backend {backend!r}; choose one of {BACKENDS}")
        self.backend = backend
        self.ct2: Optional[Any] = None
        self.device: Any  # torch.device, or the CTranslate2 device name
        self.dtype: Any  # torch.dtype, or the CTranslate2 compute type
        if backend == "ctranslate2":
            from xlner.models.ct2 import CT2Backend

            self.ct2 = CT2Backend(model, tokenizer, device=None if device is None else str(device),
                                  compute_type=compute_type, ct2_dir=ct2_dir, threads=ct2_threads)
            self.device, self.dtype = self.ct2.device, compute_type
            self.model_id = model_id or self.ct2.name
            self.model = self.ct2.translator
            self.tokenizer = self.ct2.tokenizer
        else:
            from transformers import AutoModelForSeq2SeqLM

            loaded = load_model(model, tokenizer, AutoModelForSeq2SeqLM, device=device, dtype=dtype)
            self.device, self.dtype = loaded.device, loaded.dtype
            self.model_id = model_id or loaded.name
            self.model = loaded.model
            self.tokenizer = loaded.tokenizer
        self.options = options if options is not None else GenerationOptions()
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.cache = TranslationCache(cache) if isinstance(cache, (str, Path)) else cache
        self.progress = progress
        self.lang_overrides = dict(lang_overrides or {})
        self.allow_stand_in = allow_stand_in
        self.stats = TranslatorStats()

    @classmethod
    def from_pretrained(cls, name_or_path: str, **kwargs: Any) -> "Translator":
        """Load model and tokenizer from a hub id or local directory (see the class for options)."""
        return cls(name_or_path, **kwargs)

    def lang(self, code: str) -> Tuple[str, int]:
        """(tokenizer language code, language token id) for an ISO 639 / FLORES-200 code."""
        return tokenizer_lang_code(code, self.tokenizer, allow_stand_in=self.allow_stand_in,
                                   overrides=self.lang_overrides)

    @property
    def cache_key(self) -> str:
        """Identifies the model and decoding options (what the pipelines store with their stage files)."""
        return f"{self.model_id}|{self.options.key()}"

    def translate(self, texts: Sequence[str], src_lang: str, tgt_lang: str) -> List[str]:
        """Translate ``texts`` (one string per sentence); identical texts are translated once."""
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise ValueError(f"sentence {i}: expected a string, got {type(t).__name__}")
        src_code, _ = self.lang(src_lang)
        tgt_code, tgt_id = self.lang(tgt_lang)
        opts = self.options.key()
        keys = [cache_key(self.model_id, src_code, tgt_code, opts, t) for t in texts]
        self.stats.requested += len(texts)
        done: Dict[str, str] = {}
        if self.cache is not None:
            done = self.cache.get_many(keys)
        self.stats.cache_hits += sum(1 for k in keys if k in done)
        todo: Dict[str, Tuple[int, str]] = {}
        for i, (k, t) in enumerate(zip(keys, texts)):
            if k not in done and k not in todo:
                todo[k] = (i, t)
        if todo:
            done.update(self._generate(todo, src_code, tgt_code, tgt_id))
        return [done[k] for k in keys]

    def translate_stream(self, texts: Iterable[str], *, src_lang: str, tgt_lang: str,
                         chunk_size: int = 1024) -> Iterator[str]:
        """Translate an iterable of any length chunk by chunk (bounded memory), yielding in input order.

        Each chunk is committed to the cache before its translations are yielded.
        """
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        chunk: List[str] = []
        for t in texts:
            chunk.append(t)
            if len(chunk) == chunk_size:
                yield from self.translate(chunk, src_lang=src_lang, tgt_lang=tgt_lang)
                chunk = []
        if chunk:
            yield from self.translate(chunk, src_lang=src_lang, tgt_lang=tgt_lang)

    def translate_words(self, sentences: Sequence[Sequence[str]], *, src_lang: str, tgt_lang: str) -> List[List[str]]:
        """Translate tokenised sentences (joined by spaces); outputs are split on whitespace."""
        outs = self.translate([" ".join(ws) for ws in sentences], src_lang=src_lang, tgt_lang=tgt_lang)
        return [o.split() for o in outs]

    def translate_with_markers(
        self,
        sentences: Sequence[Sequence[str]],
        spans: Sequence[Sequence[Span]],
        *,
        src_lang: str,
        tgt_lang: str,
        open_marker: str = "[",
        close_marker: str = "]",
    ) -> List[MarkedTranslation]:
        """Translate sentences whose entity spans are wrapped in markers; parse the spans back out."""
        if len(sentences) != len(spans):
            raise ValueError(f"field spans: {len(spans)} sentences, but sentences has {len(sentences)}")
        marked = [insert_markers(ws, sp, open_marker=open_marker, close_marker=close_marker, sentence=i)
                  for i, (ws, sp) in enumerate(zip(sentences, spans))]
        raws = self.translate(marked, src_lang=src_lang, tgt_lang=tgt_lang)
        out = []
        for m, r, sp in zip(marked, raws, spans):
            words, tspans = parse_markers(r, open_marker=open_marker, close_marker=close_marker)
            out.append(MarkedTranslation(source_marked=m, raw=r, words=words, spans=tspans, n_marked=len(sp)))
        return out

    # ---- generation ---------------------------------------------------------------------------
    def _encode(self, todo: Dict[str, Tuple[int, str]], src_code: str) -> List[Tuple[str, str, List[int]]]:
        tok = self.tokenizer
        tok.src_lang = src_code
        items = list(todo.items())
        enc = tok([t for _, (_, t) in items], add_special_tokens=True)["input_ids"]
        out = []
        lim = self.options.max_input_tokens
        for (k, (i, t)), ids in zip(items, enc):
            ids = list(ids)
            if len(ids) > lim:
                if self.options.on_long_input == "error":
                    raise ValueError(f"sentence {i}: {len(ids)} tokens, more than max_input_tokens={lim} "
                                     f"(set GenerationOptions(on_long_input='truncate') to cut it)")
                ids = ids[:lim - 1] + ids[-1:]  # keep the final special token (</s>)
            out.append((k, t, ids))
        return out

    def _batches(self, items: List[Tuple[str, str, List[int]]]) -> List[List[Tuple[str, str, List[int]]]]:
        items = sorted(items, key=lambda it: -len(it[2]))
        batches: List[List[Tuple[str, str, List[int]]]] = []
        cur: List[Tuple[str, str, List[int]]] = []
        for it in items:
            width = len(cur[0][2]) if cur else len(it[2])  # sorted descending: first is the longest
            if cur and (len(cur) + 1 > self.batch_size or (len(cur) + 1) * width > self.max_batch_tokens):
                batches.append(cur)
                cur = []
            cur.append(it)
        if cur:
            batches.append(cur)
        return batches

    def _generate(self, todo: Dict[str, Tuple[int, str]], src_code: str, tgt_code: str, tgt_id: int) -> Dict[str, str]:
        from tqdm.auto import tqdm

        items = self._encode(todo, src_code)
        batches = self._batches(items)
        o = self.options
        results: Dict[str, str] = {}
        for batch in tqdm(batches, disable=not self.progress, desc=f"translate {src_code}->{tgt_code}", unit="batch"):
            width = max(len(ids) for _, _, ids in batch)
            max_new = o.max_new_tokens
            if o.max_length_ratio is not None:
                max_new = max(1, min(max_new, math.ceil(o.max_length_ratio * width + o.max_length_offset)))
            sources = [ids for _, _, ids in batch]
            if self.ct2 is not None:
                gen: Any = self.ct2.translate_ids(sources, tgt_id, beam_size=o.num_beams, max_new_tokens=max_new,
                                                  extra=o.extra)
            else:
                gen = self._generate_transformers(sources, width, tgt_id, max_new).tolist()
            # the forced target-language token is not text: NLLB tokenizers skip it as a special token, but
            # transformers 5's M2M100Tokenizer would decode it ("__de__ ..."), so it is dropped by id
            gen = [[i for i in seq if i != tgt_id] for seq in gen]
            texts = self.tokenizer.batch_decode(gen, skip_special_tokens=True)
            texts = [" ".join(t.split()) for t in texts]
            self.stats.batches += 1
            self.stats.translated += len(batch)
            rows = []
            for (k, src, _), t in zip(batch, texts):
                results[k] = t
                rows.append((k, self.model_id, src_code, tgt_code, src, t))
            if self.cache is not None:
                self.cache.put_many(rows)
        return results

    def _generate_transformers(self, sources: List[List[int]], width: int, tgt_id: int, max_new: int) -> "torch.Tensor":
        """``model.generate`` on one padded batch of source ids (the transformers backend)."""
        import torch

        pad = int(self.tokenizer.pad_token_id)
        input_ids = torch.full((len(sources), width), pad, dtype=torch.long)
        mask = torch.zeros((len(sources), width), dtype=torch.long)
        for r, ids in enumerate(sources):
            input_ids[r, :len(ids)] = torch.tensor(ids)
            mask[r, :len(ids)] = 1
        with torch.inference_mode():
            return self.model.generate(
                input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device),
                forced_bos_token_id=tgt_id, num_beams=self.options.num_beams, max_new_tokens=max_new,
                max_length=None, do_sample=False, **self.options.extra,
            )
