"""Word-level IOB2 tagging with any transformers token-classification model (implements ``Tagger``).

Words are tokenised one sentence at a time (``is_split_into_words``); a word's prediction is the
model's output at its first subword. Sentences longer than the model's limit are cut into windows
of whole words that overlap by about ``stride`` subwords; each word takes its prediction from the
window where it has the most context (the largest distance, in words, to the nearer window edge;
the earlier window on ties). All windows of all sentences are batched together, sorted by length.

The model's ``id2label`` is mapped to IOB2 (``B-X``/``S-X``/``U-X`` → ``B-X``, ``I-X``/``E-X``/``L-X`` →
``I-X``, plain ``X`` (IO scheme) → ``I-X``, ``O`` → ``O``); ``tags`` lists ``O`` first, then a
``B-``/``I-`` pair per class in the order classes first appear in ``id2label``. Probabilities of model
labels that map to the same IOB2 tag are summed.

A directory written by ``xlner train --no-merge`` (a ``peft`` adapter, ``adapter_config.json``) loads too:
the base model it names gets the adapter put on it (:func:`load_adapter_directory`); merged outputs are
plain transformers directories.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from xlner.models._device import DeviceLike, DtypeLike
from xlner.models._loading import load_model

#: Metadata file ``xlner train`` writes into its output directory (labels, options, dev F1 per epoch).
TRAINING_META = "xlner_training.json"

_PREFIXED = re.compile(r"^([BIESLU])[-_](.+)$")
_B_PREFIXES = {"B", "S", "U"}


def label_to_iob2(label: str) -> Tuple[str, Optional[str]]:
    """``("O", None)``, ``("B", cls)`` or ``("I", cls)`` for a model label (BIO, BIOES/BILOU, IO or O).

    ``LABEL_<n>`` (a model without label names) raises ``ValueError``: pass ``label_map``.
    """
    lab = label.strip()
    if lab.upper() == "O":
        return "O", None
    if re.fullmatch(r"LABEL_\d+", lab):
        raise ValueError(f"model label {label!r} has no entity name; pass label_map={{{label!r}: 'B-PER', ...}}")
    m = _PREFIXED.match(lab)
    if m:
        return ("B" if m.group(1) in _B_PREFIXES else "I"), m.group(2)
    return "I", lab


def repair_iob2(tags: Sequence[str]) -> List[str]:
    """Make a tag sequence valid IOB2: an ``I-X`` not preceded by ``B-X``/``I-X`` becomes ``B-X``."""
    out: List[str] = []
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def make_windows(word_sizes: Sequence[int], budget: int, stride: int) -> List[Tuple[int, int]]:
    """Word windows ``(start, end)`` covering all words, each at most ``budget`` subwords
    (a single larger word forms its own window and is truncated), consecutive windows overlapping
    by at most ``stride`` subwords, and every window reaching past the previous one's end."""
    if budget < 1:
        raise ValueError(f"window budget must be >= 1 subword, got {budget}")
    n = len(word_sizes)
    sizes = [min(max(int(s), 1), budget) for s in word_sizes]

    def end_from(start: int) -> int:
        total, end = 0, start
        while end < n and total + sizes[end] <= budget:
            total += sizes[end]
            end += 1
        return max(end, start + 1)

    windows: List[Tuple[int, int]] = []
    start = 0
    while start < n:
        end = end_from(start)
        windows.append((start, end))
        if end >= n:
            break
        nxt, overlap = end, 0
        while nxt - 1 > start and overlap + sizes[nxt - 1] <= stride:
            nxt -= 1
            overlap += sizes[nxt]
        if end_from(nxt) <= end:
            nxt = end
        start = nxt
    return windows


def choose_windows(n_words: int, windows: Sequence[Tuple[int, int]]) -> List[int]:
    """For each word, the index of the window where it has the most context (earlier on ties)."""
    best = [-1] * n_words
    best_ctx = [-1] * n_words
    for w, (s, e) in enumerate(windows):
        for j in range(s, e):
            ctx = min(j - s, e - 1 - j)
            if ctx > best_ctx[j]:
                best_ctx[j], best[j] = ctx, w
    return best


def special_template(tokenizer: Any) -> Tuple[List[int], List[int]]:
    """The special-token ids a tokenizer puts before and after the words of one sequence."""
    probe = [["a"]]
    plain = list(tokenizer(probe, is_split_into_words=True, add_special_tokens=False)["input_ids"][0])
    full = list(tokenizer(probe, is_split_into_words=True, add_special_tokens=True)["input_ids"][0])
    n = len(plain)
    for i in range(len(full) - n + 1):
        if full[i:i + n] == plain:
            return full[:i], full[i + n:]
    raise RuntimeError("cannot locate the words inside the tokenizer's special-token template")


def word_pieces(tokenizer: Any, words: Sequence[str], unk_id: int) -> List[List[int]]:
    """The subword ids of each word (``[unk_id]`` for a word the tokenizer maps to nothing).

    Needs a fast (tokenizers-backed) tokenizer that reports ``word_ids``: ``ValueError`` otherwise.
    """
    enc = tokenizer([list(words)], is_split_into_words=True, add_special_tokens=False, verbose=False)
    ids = enc["input_ids"][0]
    try:
        wids = enc.word_ids(0)
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"TokenTagger needs a tokenizer that reports word_ids (a fast / tokenizers-backed "
                         f"tokenizer); {type(tokenizer).__name__} does not: {exc}") from None
    pieces: List[List[int]] = [[] for _ in words]
    for t, w in zip(ids, wids):
        if w is not None:
            pieces[w].append(int(t))
    return [p if p else [unk_id] for p in pieces]


def model_max_length(model: Any, tokenizer: Any) -> int:
    """Tokens per sequence a model and its tokenizer accept: the smaller of the tokenizer's
    ``model_max_length`` and what the position embeddings allow (RoBERTa-family position ids start after
    the padding index)."""
    limits = [int(getattr(tokenizer, "model_max_length", 10 ** 9) or 10 ** 9)]
    config = model.config
    pos = getattr(config, "max_position_embeddings", None)
    if pos is not None:
        offset = int(config.pad_token_id) + 1 if getattr(config, "model_type", "") in (
            "roberta", "xlm-roberta", "camembert") and config.pad_token_id is not None else 0
        limits.append(int(pos) - offset)
    return min(limits)


def load_adapter_directory(path: Union[str, Path], dtype: Any = None) -> Tuple[Any, Any]:
    """Model and tokenizer of a directory written by ``xlner train --no-merge``: the base model named in
    its ``adapter_config.json`` with a classification head for the labels of ``xlner_training.json``, and
    the ``peft`` adapter (LoRA or (IA)³, head included) loaded on it (not merged)."""
    import json

    from peft import PeftModel
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    d = Path(path)
    meta_file = d / TRAINING_META
    if not meta_file.is_file():
        raise ValueError(f"{d}: adapter directory without {TRAINING_META} (the label set); was it written by "
                         f"xlner train --no-merge?")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        labels = [str(x) for x in meta["labels"]]
        base = str(json.loads((d / "adapter_config.json").read_text(encoding="utf-8"))["base_model_name_or_path"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{d}: bad {TRAINING_META} or adapter_config.json: {exc}") from None
    model = AutoModelForTokenClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={t: i for i, t in enumerate(labels)},
        ignore_mismatched_sizes=True, **({"dtype": dtype} if dtype is not None else {}))
    return PeftModel.from_pretrained(model, str(d)), AutoTokenizer.from_pretrained(str(d))


@dataclass
class _Window:
    sentence: int
    start: int
    end: int
    ids: List[int]
    first: List[int]  # position (within ids) of the first subword of each word start..end-1


class TokenTagger:
    """A transformers token classifier as a word-level IOB2 :class:`~xlner.models.base.Tagger`.

    Arguments:
        model: hub id / local directory, or a loaded ``AutoModelForTokenClassification`` (then pass ``tokenizer``,
            a fast tokenizer with ``word_ids``).
        tokenizer: the tokenizer (loaded from ``model`` when that is a path).
        device, dtype: see :mod:`xlner.models._device`.
        batch_size: windows per forward pass.
        max_length: tokens per window, special tokens included (default: the smaller of the tokenizer's
            ``model_max_length`` and what the position embeddings allow).
        stride: overlap of consecutive windows in subwords (default: a quarter of the window).
        label_map: model label → IOB2 tag, overriding :func:`label_to_iob2` (e.g. for ``LABEL_3``).
    """

    def __init__(
        self,
        model: Union[str, "torch.nn.Module"],
        tokenizer: Optional[object] = None,
        *,
        device: DeviceLike = None,
        dtype: DtypeLike = None,
        batch_size: int = 32,
        max_length: Optional[int] = None,
        stride: Optional[int] = None,
        label_map: Optional[Mapping[str, str]] = None,
        progress: bool = False,
    ) -> None:
        from transformers import AutoModelForTokenClassification

        name: Optional[str] = None
        if isinstance(model, (str, Path)) and (Path(model) / "adapter_config.json").is_file():
            name = str(model)
            model, tok = load_adapter_directory(model)
            tokenizer = tokenizer if tokenizer is not None else tok
        loaded = load_model(model, tokenizer, AutoModelForTokenClassification, device=device, dtype=dtype)
        self.device, self.dtype, self.name_or_path = loaded.device, loaded.dtype, name or loaded.name
        self.model = loaded.model
        self.tokenizer = tokenizer = loaded.tokenizer
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.progress = progress
        self._prefix, self._suffix = self._special_template()
        n_special = len(self._prefix) + len(self._suffix)
        if max_length is None:
            max_length = model_max_length(self.model, tokenizer)
        if max_length <= n_special:
            raise ValueError(f"max_length={max_length} leaves no room next to {n_special} special tokens")
        self.max_length = int(max_length)
        self.budget = self.max_length - n_special
        self.stride = int(stride) if stride is not None else self.budget // 4
        if not 0 <= self.stride < self.budget:
            raise ValueError(f"stride must be in [0, {self.budget}), got {self.stride}")
        self.tags, self._proj = self._label_projection(label_map or {})
        self.unk_id = int(getattr(tokenizer, "unk_token_id", None) or 0)

    @property
    def cache_key(self) -> str:
        """The model folder or hub id (what the pipelines store with the labels it produced)."""
        return self.name_or_path

    @classmethod
    def from_pretrained(cls, name_or_path: str, **kwargs: object) -> "TokenTagger":
        """Load model and tokenizer from a hub id or local directory (see the class for options)."""
        return cls(name_or_path, **kwargs)  # type: ignore[arg-type]

    # ---- setup -----------------------------------------------------------------------------------
    def _special_template(self) -> Tuple[List[int], List[int]]:
        return special_template(self.tokenizer)

    def _label_projection(self, label_map: Mapping[str, str]) -> Tuple[List[str], np.ndarray]:
        id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        n = int(self.model.config.num_labels)
        if sorted(id2label) != list(range(n)):
            raise ValueError(f"model id2label {id2label} does not cover ids 0..{n - 1}")
        parsed = []
        classes: List[str] = []
        for i in range(n):
            lab = id2label[i]
            if lab in label_map:
                target = label_map[lab]
                p, c = ("O", None) if target == "O" else label_to_iob2(target)
                if target != "O" and not _PREFIXED.match(target):
                    raise ValueError(f"label_map[{lab!r}] = {target!r} is not an IOB2 tag (O, B-X, I-X)")
            else:
                p, c = label_to_iob2(lab)
            parsed.append((p, c))
            if c is not None and c not in classes:
                classes.append(c)
        tags = ["O"] + [f"{p}-{c}" for c in classes for p in ("B", "I")]
        col = {t: j for j, t in enumerate(tags)}
        proj = np.zeros((n, len(tags)), dtype=np.float32)
        for i, (p, c) in enumerate(parsed):
            proj[i, col["O" if p == "O" else f"{p}-{c}"]] = 1.0
        return tags, proj

    # ---- windows ---------------------------------------------------------------------------------
    def _word_pieces(self, words: Sequence[str]) -> List[List[int]]:
        return [p[: self.budget] for p in word_pieces(self.tokenizer, words, self.unk_id)]

    def windows(self, words: Sequence[str]) -> List[Tuple[int, int]]:
        """The word windows ``(start, end)`` one sentence is split into."""
        return make_windows([len(p) for p in self._word_pieces(words)], self.budget, self.stride)

    # ---- prediction ------------------------------------------------------------------------------
    def predict_proba(self, sentences: Sequence[Sequence[str]]) -> List[np.ndarray]:
        """Per-word IOB2 probabilities: one float32 array ``[n_words, len(tags)]`` per sentence."""
        from tqdm.auto import tqdm

        wins: List[_Window] = []
        chosen: List[List[int]] = []
        for si, words in enumerate(sentences):
            if isinstance(words, str) or not all(isinstance(w, str) for w in words):
                raise ValueError(f"sentence {si}: expected a list of word strings")
            for j, w in enumerate(words):
                if not w.strip():
                    raise ValueError(f"sentence {si}, word {j}: empty or whitespace-only word")
            pieces = self._word_pieces(words) if words else []
            wl = make_windows([len(p) for p in pieces], self.budget, self.stride)
            base = len(wins)
            for s, e in wl:
                ids = list(self._prefix)
                first = []
                for p in pieces[s:e]:
                    first.append(len(ids))
                    ids.extend(p)
                ids = ids[: len(self._prefix) + self.budget] + list(self._suffix)
                wins.append(_Window(si, s, e, ids, first))
            chosen.append([base + w for w in choose_windows(len(words), wl)])
        win_probs: List[Optional[np.ndarray]] = [None] * len(wins)
        order = sorted(range(len(wins)), key=lambda k: len(wins[k].ids))
        pad = int(self.tokenizer.pad_token_id)
        batches = [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        for b in tqdm(batches, disable=not self.progress, desc="tag", unit="batch"):
            width = max(len(wins[k].ids) for k in b)
            ids_t = torch.full((len(b), width), pad, dtype=torch.long)
            mask = torch.zeros((len(b), width), dtype=torch.long)
            for r, k in enumerate(b):
                ids_t[r, :len(wins[k].ids)] = torch.tensor(wins[k].ids)
                mask[r, :len(wins[k].ids)] = 1
            with torch.inference_mode():
                logits = self.model(input_ids=ids_t.to(self.device), attention_mask=mask.to(self.device)).logits
                probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            for r, k in enumerate(b):
                win_probs[k] = probs[r, wins[k].first] @ self._proj
        out: List[np.ndarray] = []
        for si, words in enumerate(sentences):
            arr = np.zeros((len(words), len(self.tags)), dtype=np.float32)
            for j, k in enumerate(chosen[si]):
                probs_k = win_probs[k]
                assert probs_k is not None
                arr[j] = probs_k[j - wins[k].start]
            out.append(arr)
        return out

    def predict(self, sentences: Sequence[Sequence[str]]) -> List[List[str]]:
        """IOB2 tags per word (arg-max over ``tags``, then :func:`repair_iob2`)."""
        return [repair_iob2([self.tags[i] for i in p.argmax(axis=1)]) if len(p) else []
                for p in self.predict_proba(sentences)]
