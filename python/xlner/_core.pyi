"""Type stub of xlner._core, the private pybind11 module built from cpp/bindings/*.cpp.

Use the xlner package instead of this module. Arrays passed in may be any array-like: the bindings
convert them to C-contiguous arrays of the stated dtype. Arrays returned are owned numpy arrays
(or read-only views that keep their owner alive).

tests/test_stubs.py keeps this file in sync with the compiled module: the public names, and for each
function and method the parameter names, order, ``*`` markers and defaults. Update this file when
a binding changes. Names starting with ``_`` here are typing helpers; the module does not define them.
"""

from collections.abc import Sequence
from typing import Any

from typing_extensions import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

# ---- dicts returned by the bindings -----------------------------------------------------------------
# Plain dicts (not TypedDicts, so that callers may pass them on as dict[str, np.ndarray]); keys and dtypes:

# offsets int64[N+1]; start, end (exclusive), label, entity int32[K]; score float64[K];
# objective float64[N]; status int8[N] (0 solved, 1 infeasible, 2 time limit, 3 relaxed, 4 too large)
_ProjectionArrays: TypeAlias = dict[str, NDArray[Any]]
# offsets int64[N+1]; ent, start, end int32[K]; score float64[K]
_ScoreArrays: TypeAlias = dict[str, NDArray[Any]]
# offsets int64[N+1]; start, end (exclusive), label int32[K]
_SpanArrays: TypeAlias = dict[str, NDArray[Any]]
# offsets int64[N+1]; src, tgt int32[A]; possible uint8[A] (1 = possible link, 0 = sure link)
_TalpArrays: TypeAlias = dict[str, NDArray[Any]]
# align, ner, ner_spans, nmt: float
_FusionWeights: TypeAlias = dict[str, float]

# ---- classes ---------------------------------------------------------------------------------------

class Batch:
    """Validated projection batch over flat CSR arrays. Prefer xlner.ProjectionBatch."""

    def __init__(
        self,
        src_len: ArrayLike,
        tgt_len: ArrayLike,
        ent_offsets: ArrayLike,
        ent_start: ArrayLike,
        ent_end: ArrayLike,
        ent_label: ArrayLike,
        aln_offsets: ArrayLike,
        aln_src: ArrayLike,
        aln_tgt: ArrayLike,
        *,
        cand_offsets: ArrayLike | None = None,
        cand_start: ArrayLike | None = None,
        cand_end: ArrayLike | None = None,
    ) -> None:
        """int32 lengths/spans/links, int64 offsets; raises ValueError/IndexError naming sentence and field."""
    def __len__(self) -> int: ...
    @property
    def has_candidates(self) -> bool: ...

class IlpModel:
    """ILP of a list of sentences as independent CSC blocks (HiGHS arrays); read-only array views.

    Built by ilp_model_alignment / ilp_model_scored (no Python constructor).
    """

    @property
    def sentences(self) -> NDArray[np.int64]: ...
    @property
    def fill(self) -> NDArray[np.int32]: ...
    @property
    def col_offsets(self) -> NDArray[np.int64]: ...
    @property
    def row_offsets(self) -> NDArray[np.int64]: ...
    @property
    def col_ent(self) -> NDArray[np.int32]: ...
    @property
    def col_start(self) -> NDArray[np.int32]: ...
    @property
    def col_end(self) -> NDArray[np.int32]: ...
    @property
    def col_score(self) -> NDArray[np.float64]: ...
    @property
    def cost(self) -> NDArray[np.float64]: ...
    @property
    def col_upper(self) -> NDArray[np.float64]: ...
    @property
    def integrality(self) -> NDArray[np.int32]: ...
    @property
    def row_lower(self) -> NDArray[np.float64]: ...
    @property
    def row_upper(self) -> NDArray[np.float64]: ...
    @property
    def a_start(self) -> NDArray[np.int32]: ...
    @property
    def a_index(self) -> NDArray[np.int32]: ...
    @property
    def a_value(self) -> NDArray[np.float64]: ...
    @property
    def n_cols(self) -> int: ...
    @property
    def n_rows(self) -> int: ...

class TokenCorpus:
    """Sentences of tokens and optional IOB2 tag ids (0 = O, 2l+1 = B-l, 2l+2 = I-l). Prefer xlner.io.TokenCorpus.

    Built by the readers and corpus_from_lists (no Python constructor).
    """

    def __len__(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def has_tokens(self) -> bool: ...
    @property
    def has_tags(self) -> bool: ...
    @property
    def labels(self) -> list[str]:
        """Label names; tag id 2l+1 is B-labels[l]."""
    @property
    def n_tokens(self) -> int: ...
    @property
    def offsets(self) -> NDArray[np.int64]:
        """int64[N+1] token offsets of the sentences (read-only view)."""
    @property
    def tags(self) -> NDArray[np.int32]:
        """int32[n_tokens] tag ids (empty when read without tags; read-only view)."""
    def lengths(self) -> NDArray[np.int32]:
        """int32[N] number of tokens of each sentence."""
    def tokens(self, i: int) -> list[str]:
        """Tokens of sentence i (negative i counts from the end)."""
    def punctuation_mask(self) -> NDArray[np.uint8]:
        """uint8[n_tokens]: 1 for tokens Easy-Label-Projection treats as punctuation."""
    def token_lists(self) -> list[list[str]]:
        """Tokens of every sentence."""
    def tag_lists(self) -> list[list[str]]:
        """IOB2 tag strings of every sentence."""

# ---- projection (projection.cpp, exact.cpp, heuristic.cpp) -----------------------------------------

def parse_constraint(text: str) -> tuple[int, int, int, int]:
    """Parse a count constraint such as '<=1' into (op id, n, cap (-1 = none), floor)."""

def alignment_scores(
    batch: Batch, *, candidates: str = "ngrams", max_len: int = 10, threads: int = -1
) -> _ScoreArrays:
    """Alignment scores 2·links/(|e|+|t|) of every (entity, candidate) pair with a positive score."""

def greedy_alignment(
    batch: Batch, *, constraint: str = "<=1", candidates: str = "ngrams", max_len: int = 10, threads: int = -1
) -> _ProjectionArrays:
    """Greedy projection with the alignment score."""

def greedy_scored(
    batch: Batch,
    offsets: ArrayLike,
    ent: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
    score: ArrayLike,
    *,
    constraint: str = "<=1",
    threads: int = -1,
) -> _ProjectionArrays:
    """Greedy projection from given sparse score matrices (int64 offsets, int32 ent/start/end, float64 score)."""

def exact_alignment(
    batch: Batch,
    *,
    constraint: str = "<=1",
    candidates: str = "ngrams",
    max_len: int = 10,
    threads: int = -1,
    max_states: int = 65536,  # 2**16
    max_cells: int = 2097152,  # 2**21
    relax: bool = False,
    certificate: bool = True,
) -> _ProjectionArrays:
    """Exact projection with the alignment score (greedy optimality certificate, else dynamic programming)."""

def exact_scored(
    batch: Batch,
    offsets: ArrayLike,
    ent: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
    score: ArrayLike,
    *,
    constraint: str = "<=1",
    threads: int = -1,
    max_states: int = 65536,  # 2**16
    max_cells: int = 2097152,  # 2**21
    relax: bool = False,
    certificate: bool = True,
) -> _ProjectionArrays:
    """Exact projection from given sparse score matrices (certificate, else dynamic programming)."""

def ilp_model_alignment(
    batch: Batch,
    sentences: ArrayLike | None = None,
    *,
    constraint: str = "<=1",
    candidates: str = "ngrams",
    max_len: int = 10,
    threads: int = -1,
) -> IlpModel:
    """Build the ILP (alignment score) of the given sentences (int64 indices; None = all)."""

def ilp_model_scored(
    batch: Batch,
    offsets: ArrayLike,
    ent: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
    score: ArrayLike,
    sentences: ArrayLike | None = None,
    *,
    constraint: str = "<=1",
    threads: int = -1,
) -> IlpModel:
    """Build the ILP of the given sentences from sparse score matrices."""

def ilp_decode(batch: Batch, model: IlpModel, x: ArrayLike, status: ArrayLike) -> _ProjectionArrays:
    """Projection arrays from float64 column values x (NaN: no solution) and int8 solver status per sentence."""

def project_heuristic(
    batch: Batch,
    *,
    punct: ArrayLike | None = None,
    merge_distance: int = 1,
    merge_rule: str = "gap",
    top_k: int = 0,
    only_i: bool = False,
    thr: float | None = 0.8,
    drop_punct: bool = False,
    order: str = "shortest",
    collisions: str = "first",
    threads: int = -1,
) -> _ProjectionArrays:
    """Heuristic projection through word alignments. Prefer xlner.heuristic.project_heuristic."""

def punctuation_mask(tgt_tokens: Sequence[Sequence[str]]) -> tuple[NDArray[np.uint8], NDArray[np.int32]]:
    """(mask, lengths): uint8 punctuation flag per token and int32 tokens per sentence."""

# ---- tagging (tagging.cpp) -------------------------------------------------------------------------

def tags_to_spans(offsets: ArrayLike, tags: ArrayLike, *, threads: int = -1) -> _SpanArrays:
    """IOB2 tag ids (int32) with int64 sentence offsets to entity spans (seqeval semantics)."""

def spans_to_tags(
    lengths: ArrayLike,
    offsets: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
    label: ArrayLike,
    *,
    threads: int = -1,
) -> NDArray[np.int32]:
    """Non-overlapping spans (CSR over sentences) to IOB2 tag ids, sentence after sentence."""

# ---- file formats (io.cpp) -------------------------------------------------------------------------

def read_conll(
    path: str, *, with_tags: bool = True, keep_tokens: bool = True, labels: Sequence[str] = ...
) -> TokenCorpus:
    """Read a CoNLL token/tag file; raises xlner.io.FormatError or OSError."""

def parse_conll(
    text: bytes | str,
    *,
    path: str = "<string>",
    with_tags: bool = True,
    keep_tokens: bool = True,
    labels: Sequence[str] = ...,
    skip_bom: bool = True,
) -> TokenCorpus:
    """Parse CoNLL text held in memory; see read_conll."""

def read_tokens(path: str, *, format: str = "auto", keep_tokens: bool = True) -> TokenCorpus:
    """Read target tokens: format 'auto', 'conll' (tags ignored) or 'lines'."""

def parse_token_lines(text: bytes | str, *, path: str = "<string>", keep_tokens: bool = True,
                      skip_bom: bool = True) -> TokenCorpus:
    """Parse one-sentence-per-line text held in memory."""

def looks_like_conll(head: bytes | str) -> bool:
    """True when the start of a file looks like CoNLL rather than one sentence per line."""

def corpus_from_lists(
    tokens: Sequence[Sequence[str]],
    tags: Sequence[Sequence[str]] | None = None,
    *,
    labels: Sequence[str] = ...,
) -> TokenCorpus:
    """Build a TokenCorpus from token lists (and IOB2 tag strings) per sentence."""

def write_conll(
    path: str,
    tokens: TokenCorpus,
    tags: ArrayLike,
    tag_names: Sequence[str],
    *,
    sep: str = "\t",
    threads: int = -1,
) -> None:
    """Write CoNLL: token<sep>tag_names[tags[t]] per token, a blank line after each sentence."""

def iob2_tag_names(labels: Sequence[str]) -> list[str]:
    """Tag names of the IOB2 tag ids: ['O', 'B-l0', 'I-l0', ...]."""

def read_talp(path: str, *, one_based: bool = False, allow_possible: bool = False) -> _TalpArrays:
    """Read a Pharaoh/talp alignment file (returned 0-based)."""

def parse_talp(
    text: bytes | str, *, path: str = "<string>", one_based: bool = False, allow_possible: bool = False,
    skip_bom: bool = True,
) -> _TalpArrays:
    """Parse talp text held in memory; see read_talp."""

def check_alignments(
    offsets: ArrayLike,
    src: ArrayLike,
    tgt: ArrayLike,
    src_len: ArrayLike,
    tgt_len: ArrayLike,
    *,
    path: str,
    src_path: str,
    tgt_path: str,
    first_sentence: int = 0,
) -> None:
    """Check alignments against the sentence lengths of both sides; raises xlner.io.FormatError."""

def write_spans_jsonl(
    path: str,
    offsets: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
    label: ArrayLike,
    entity: ArrayLike,
    score: ArrayLike,
    objective: ArrayLike,
    labels: Sequence[str],
    *,
    threads: int = -1,
) -> None:
    """Write projected spans as JSON lines, one object per sentence."""

def format_spans_jsonl(
    offsets: ArrayLike,
    start: ArrayLike,
    end: ArrayLike,
    label: ArrayLike,
    entity: ArrayLike,
    score: ArrayLike,
    objective: ArrayLike,
    labels: Sequence[str],
    *,
    threads: int = -1,
) -> bytes:
    """write_spans_jsonl into bytes (for streaming and compressed outputs)."""

def format_conll(
    tokens: TokenCorpus,
    tags: ArrayLike,
    tag_names: Sequence[str],
    *,
    sep: str = "\t",
    threads: int = -1,
) -> bytes:
    """write_conll into bytes (for streaming and compressed outputs)."""

def cut_sentences(buf: bytes | bytearray | memoryview, max_sentences: int, *, conll: bool,
                  at_eof: bool) -> tuple[int, int, int]:
    """(bytes, sentences, lines) of the longest prefix holding at most max_sentences whole sentences."""

# ---- word alignment (alignment.cpp) ----------------------------------------------------------------

def extract_alignment(
    sim: ArrayLike,
    *,
    method: str = "argmax",
    max_count: int = 2,
    alpha: float = 0.9,
    threshold: float = 0.001,
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """(src, tgt) links of one (m, n) similarity matrix; method 'argmax', 'itermax', 'match' or 'softmax'."""

def extract_alignments(
    sim_data: ArrayLike,
    sim_offsets: ArrayLike,
    rows: ArrayLike,
    cols: ArrayLike,
    *,
    method: str = "argmax",
    max_count: int = 2,
    alpha: float = 0.9,
    threshold: float = 0.001,
    threads: int = -1,
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]]:
    """(offsets, src, tgt) links of many flat row-major similarity matrices."""

def max_weight_assignment(w: ArrayLike) -> NDArray[np.int32]:
    """Column of each row in a maximum-weight assignment, -1 for unmatched rows."""

def symmetrize_alignments(
    src_len: ArrayLike,
    tgt_len: ArrayLike,
    fwd_offsets: ArrayLike,
    fwd_src: ArrayLike,
    fwd_tgt: ArrayLike,
    rev_offsets: ArrayLike,
    rev_src: ArrayLike,
    rev_tgt: ArrayLike,
    *,
    method: str = "grow-diag-final-and",
    threads: int = -1,
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]]:
    """(offsets, src, tgt) symmetrised links of forward and reverse alignments."""

def lexical_similarity(
    src: Sequence[Sequence[str]],
    tgt: Sequence[Sequence[str]],
    *,
    measure: str = "max",
    ngram: int = 3,
    threads: int = -1,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """(offsets, data): word-by-word similarity matrices, matrix i of shape (len(src[i]), len(tgt[i]))."""

# ---- scores and fusion (scores.cpp) ----------------------------------------------------------------

def ner_scores(
    batch: Batch,
    prob_offsets: ArrayLike,
    probs: ArrayLike,
    *,
    variant: str = "class",
    candidates: str = "ngrams",
    max_len: int = 10,
    alpha: float = 1.15,
    threshold: float = 0.05,
    alpha_scope: str = "all",
    threads: int = -1,
) -> _ScoreArrays:
    """NER-probability scores alpha^(n-1) * (p[first, B-l] + sum p[rest, I-l]) / n above the threshold."""

def similarity_scores(
    batch: Batch,
    sim_offsets: ArrayLike,
    sim: ArrayLike,
    *,
    candidates: str = "ngrams",
    max_len: int = 10,
    threshold: float = 0.65,
    reduction: str = "mean",
    threads: int = -1,
) -> _ScoreArrays:
    """Embedding-similarity scores minus the threshold, kept when > 0."""

def fuse_scores(
    n: int,
    offsets: Sequence[ArrayLike],
    ent: Sequence[ArrayLike],
    start: Sequence[ArrayLike],
    end: Sequence[ArrayLike],
    score: Sequence[ArrayLike],
    weights: Sequence[float],
    names: Sequence[str],
    *,
    threads: int = -1,
) -> _ScoreArrays:
    """Weighted sum of sparse score matrices over the same n sentences."""

def check_scores(
    batch: Batch, offsets: ArrayLike, ent: ArrayLike, start: ArrayLike, end: ArrayLike, score: ArrayLike
) -> None:
    """Check sparse score matrices against a batch; raises ValueError/IndexError naming sentence and field."""

def fusion_preset(name: str) -> _FusionWeights:
    """Weights of a named fusion preset of the thesis' MasakhaNER2 table."""

def fusion_preset_names() -> list[str]:
    """Names of the fusion presets, in the order of the thesis' table."""
