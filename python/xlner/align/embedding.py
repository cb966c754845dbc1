"""Embedding aligner: subword embeddings of any transformers encoder (mBERT, XLM-R, LaBSE, a local dir or a
hub id), a layer to choose (default 8), batched; word-level similarity matrices; extraction in C++.

Subword-to-word mapping happens in one place, :func:`word_similarity`:
``pooling='mean'`` / ``'first'`` pool subword vectors into word vectors and compare words;
``pooling='max'`` compares all subwords and keeps, per word pair, the largest subword similarity;
``pooling='subword'`` extracts links between subwords and maps them to words (SimAlign / awesome-align
"bpe" mode: two words are linked when any of their subwords are).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from xlner.align.extraction import EXTRACTION_METHODS, Links, extract_batch

POOLINGS = ("mean", "first", "max", "subword")
SIMILARITIES = ("cosine", "dot")


@dataclass
class EmbeddingAlignerConfig:
    """Options of the embedding aligner.

    Attributes:
        model: local directory or hub id of a transformers encoder (AutoModel / AutoTokenizer).
        layer: hidden-state layer (0 = embeddings; default 8 as in SimAlign / awesome-align).
        method: extraction method (argmax, itermax, match, softmax).
        pooling: subword-to-word mapping (mean, first, max, subword).
        similarity: 'cosine' or 'dot'; None picks 'dot' for softmax (awesome-align) and 'cosine' otherwise.
        batch_size: sentences per forward pass.
        max_length: subword limit per sentence (words past it get the lowest similarity of their matrix).
        device: torch device (None: cuda when available, else cpu).
        max_count, alpha, threshold: extraction options (itermax rounds and weight; softmax threshold).
        distortion: SimAlign's position prior: sim * (1 - distortion * (i/(m-1) - j/(n-1))^2) (0: off).
        threads: C++ threads for extraction.
        show_progress: tqdm progress bar over batches.
    """

    model: str = "bert-base-multilingual-cased"
    layer: int = 8
    method: str = "itermax"
    pooling: str = "mean"
    similarity: Optional[str] = None
    batch_size: int = 32
    max_length: int = 512
    device: Optional[str] = None
    max_count: int = 2
    alpha: float = 0.9
    threshold: float = 0.001
    distortion: float = 0.0
    threads: int = -1
    show_progress: bool = False

    def __post_init__(self) -> None:
        if self.method not in EXTRACTION_METHODS:
            raise ValueError(f"method must be one of {EXTRACTION_METHODS}, got {self.method!r}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.similarity is not None and self.similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}, got {self.similarity!r}")
        if self.layer < 0:
            raise ValueError(f"layer must be >= 0, got {self.layer}")
        if not 0.0 <= self.distortion <= 1.0:
            raise ValueError(f"distortion must lie in [0, 1], got {self.distortion}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")

    @property
    def similarity_kind(self) -> str:
        """The similarity actually used."""
        if self.similarity is not None:
            return self.similarity
        return "dot" if self.method == "softmax" else "cosine"


def _pairwise(a: np.ndarray, b: np.ndarray, kind: str) -> np.ndarray:
    a = a.astype(np.float32, copy=False)
    b = b.astype(np.float32, copy=False)
    if kind == "cosine":
        a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
        b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return a @ b.T


def apply_distortion(sim: np.ndarray, ratio: float) -> np.ndarray:
    """SimAlign's distortion: scale cell (i, j) by 1 - ratio * (i/(m-1) - j/(n-1))^2 (no-op for ratio 0 or a
    dimension under 2)."""
    m, n = sim.shape
    if ratio == 0.0 or m < 2 or n < 2:
        return sim
    pi = np.arange(m, dtype=np.float64)[:, None] / (m - 1)
    pj = np.arange(n, dtype=np.float64)[None, :] / (n - 1)
    return (sim * (1.0 - ratio * (pi - pj) ** 2)).astype(sim.dtype, copy=False)


def _groups(word_ids: Sequence[Optional[int]], n_words: int) -> List[List[int]]:
    groups: List[List[int]] = [[] for _ in range(n_words)]
    for k, w in enumerate(word_ids):
        if w is not None and 0 <= w < n_words:
            groups[w].append(k)
    return groups


def word_similarity(src_sub: np.ndarray, tgt_sub: np.ndarray, src_word_ids: Sequence[Optional[int]],
                    tgt_word_ids: Sequence[Optional[int]], n_src: int, n_tgt: int, *, pooling: str = "mean",
                    similarity: str = "cosine") -> np.ndarray:
    """The one subword-to-word mapping: a word-level similarity matrix (n_src x n_tgt, float32).

    Arguments:
        src_sub, tgt_sub: subword vectors (L x H) of one sentence each (special tokens included or not).
        src_word_ids, tgt_word_ids: for each subword row, its word index or None (special tokens, padding).
        n_src, n_tgt: number of words.
        pooling: 'mean', 'first' or 'max' (see the module docstring; 'subword' is handled by the aligner).
        similarity: 'cosine' or 'dot'.

    Words without subwords (truncated, or dropped by the tokenizer) get the lowest value of the matrix.
    """
    if pooling not in ("mean", "first", "max"):
        raise ValueError(f"word_similarity: pooling must be mean, first or max, got {pooling!r}")
    gs, gt = _groups(src_word_ids, n_src), _groups(tgt_word_ids, n_tgt)
    out = np.zeros((n_src, n_tgt), dtype=np.float32)
    if n_src == 0 or n_tgt == 0:
        return out
    have_s = np.array([bool(g) for g in gs])
    have_t = np.array([bool(g) for g in gt])
    if pooling == "max":
        sub = _pairwise(src_sub, tgt_sub, similarity)
        for i, g in enumerate(gs):
            if not g:
                continue
            rowmax = sub[g].max(axis=0)
            for j, h in enumerate(gt):
                if h:
                    out[i, j] = rowmax[h].max()
    else:
        h_dim = src_sub.shape[1]

        def pool(sub: np.ndarray, groups: List[List[int]]) -> np.ndarray:
            v = np.zeros((len(groups), h_dim), dtype=np.float32)
            for w, g in enumerate(groups):
                if g:
                    v[w] = sub[g].mean(axis=0) if pooling == "mean" else sub[g[0]]
            return v

        out = _pairwise(pool(src_sub, gs), pool(tgt_sub, gt), similarity).astype(np.float32)
    if not (have_s.all() and have_t.all()):
        ok = np.outer(have_s, have_t)
        low = float(out[ok].min()) - 1.0 if ok.any() else -1.0
        out[~ok] = low
    return out


def subword_links_to_words(links: Links, src_word_ids: Sequence[Optional[int]],
                           tgt_word_ids: Sequence[Optional[int]]) -> Links:
    """Map links between subword rows to word links (any subword link links the words), sorted, unique."""
    out = set()
    for a, b in links:
        ws, wt = src_word_ids[a], tgt_word_ids[b]
        if ws is not None and wt is not None:
            out.add((ws, wt))
    return sorted(out)


class EmbeddingAligner:
    """Word aligner on top of a transformers encoder.

    Example:
        >>> aligner = EmbeddingAligner(EmbeddingAlignerConfig(model="bert-base-multilingual-cased"))
        >>> aligner.align_batch([["a", "house"]], [["ein", "Haus"]])
    """

    def __init__(self, config: Optional[EmbeddingAlignerConfig] = None, *, model: Any = None,
                 tokenizer: Any = None) -> None:
        """Load ``config.model`` with AutoModel / AutoTokenizer, or use the given ``model`` and ``tokenizer``."""
        import torch  # noqa: PLC0415
        from transformers import AutoModel, AutoTokenizer  # noqa: PLC0415

        self.config = config or EmbeddingAlignerConfig()
        self._torch = torch
        self.tokenizer = tokenizer if tokenizer is not None else AutoTokenizer.from_pretrained(self.config.model)
        if not getattr(self.tokenizer, "is_fast", False):
            raise ValueError(f"model {self.config.model!r}: the embedding aligner needs a fast tokenizer "
                             "(word_ids); none could be loaded")
        self.model = model if model is not None else AutoModel.from_pretrained(self.config.model)
        device = self.config.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.device = torch.device(device)
        self.model.to(self.device)
        self.model.eval()
        n_layers = getattr(self.model.config, "num_hidden_layers", None)
        if n_layers is not None and self.config.layer > n_layers:
            raise ValueError(f"layer {self.config.layer} does not exist: the model has {n_layers} layers "
                             f"(hidden states 0..{n_layers})")

    def embed(self, sentences: Sequence[Sequence[str]], field: str = "sentences"
              ) -> List[Tuple[np.ndarray, List[Optional[int]]]]:
        """Subword vectors of the chosen layer and their word ids, one (L x H, word_ids) pair per sentence."""
        for i, s in enumerate(sentences):
            if isinstance(s, str):
                raise ValueError(f"sentence {i}, field {field}: expected a list of tokens, got a string")
        torch = self._torch
        c = self.config
        out: List[Tuple[np.ndarray, List[Optional[int]]]] = []
        starts = range(0, len(sentences), c.batch_size)
        if c.show_progress:
            from tqdm import tqdm  # noqa: PLC0415

            starts = tqdm(starts, desc=f"embedding {field}", unit="batch")
        for b in starts:
            batch = [list(s) for s in sentences[b:b + c.batch_size]]
            nonempty = [k for k, s in enumerate(batch) if s]
            res: List[Tuple[np.ndarray, List[Optional[int]]]] = [
                (np.zeros((0, 1), dtype=np.float32), []) for _ in batch]
            if nonempty:
                enc = self.tokenizer([batch[k] for k in nonempty], is_split_into_words=True, padding=True,
                                     truncation=True, max_length=c.max_length, return_tensors="pt")
                with torch.no_grad():
                    inputs = {k: v.to(self.device) for k, v in enc.items()}
                    hs = self.model(**inputs, output_hidden_states=True).hidden_states[c.layer]
                hs = hs.float().cpu().numpy()
                mask = enc["attention_mask"].numpy().astype(bool)
                for r, k in enumerate(nonempty):
                    wids = enc.word_ids(r)
                    keep = [p for p in range(len(wids)) if mask[r, p]]
                    res[k] = (hs[r, keep], [wids[p] for p in keep])
            out.extend(res)
        return out

    def similarity_matrices(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[np.ndarray]:
        """Word-level similarity matrices (pooling 'mean', 'first' or 'max')."""
        c = self.config
        if c.pooling == "subword":
            raise ValueError("similarity_matrices: pooling 'subword' has no word-level matrix")
        if len(src) != len(tgt):
            raise ValueError(f"src has {len(src)} sentences, tgt has {len(tgt)}")
        es, et = self.embed(src, "src"), self.embed(tgt, "tgt")
        return [apply_distortion(word_similarity(es[i][0], et[i][0], es[i][1], et[i][1], len(src[i]), len(tgt[i]),
                                                 pooling=c.pooling, similarity=c.similarity_kind), c.distortion)
                for i in range(len(src))]

    def align_batch(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[Links]:
        """Links (src, tgt) of every sentence pair, embedded and aligned ``batch_size`` pairs at a time, so that
        memory stays bounded however many pairs are given (a pipeline passes a whole chunk)."""
        if len(src) != len(tgt):
            raise ValueError(f"src has {len(src)} sentences, tgt has {len(tgt)}")
        step = max(1, self.config.batch_size)
        out: List[Links] = []
        for a in range(0, len(src), step):
            out.extend(self._align_block(src[a:a + step], tgt[a:a + step]))
        return out

    def _align_block(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> List[Links]:
        c = self.config
        def extract(mats: List[np.ndarray]) -> List[Links]:
            return extract_batch(mats, c.method, max_count=c.max_count, alpha=c.alpha, threshold=c.threshold,
                                 threads=c.threads)

        if c.pooling != "subword":
            return extract(self.similarity_matrices(src, tgt))
        es, et = self.embed(src, "src"), self.embed(tgt, "tgt")
        # subword rows of real words only (special tokens dropped)
        rows_s = [[k for k, w in enumerate(e[1]) if w is not None] for e in es]
        rows_t = [[k for k, w in enumerate(e[1]) if w is not None] for e in et]
        mats = []
        for i in range(len(src)):
            a, b = es[i][0][rows_s[i]], et[i][0][rows_t[i]]
            mats.append(apply_distortion(_pairwise(a, b, c.similarity_kind), c.distortion) if len(a) and len(b)
                        else np.zeros((len(a), len(b)), dtype=np.float32))
        sub_links = extract(mats)
        return [subword_links_to_words(sub_links[i], [es[i][1][k] for k in rows_s[i]],
                                       [et[i][1][k] for k in rows_t[i]]) for i in range(len(src))]

    def align(self, src: Sequence[str], tgt: Sequence[str]) -> Links:
        """Links of one sentence pair."""
        return self.align_batch([src], [tgt])[0]


__all__ = ["EmbeddingAligner", "EmbeddingAlignerConfig", "POOLINGS", "apply_distortion", "SIMILARITIES",
           "subword_links_to_words",
           "word_similarity"]
