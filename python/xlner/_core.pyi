"""
xlner C++ core (private: use the xlner package)
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
import typing_extensions
__all__: list[str] = ['Batch', 'Constraint', 'ConstraintOp', 'IlpModel', 'Status', 'TokenCorpus', 'VoteClusterSet', 'alignment_scores', 'check_alignments', 'check_scores', 'corpus_from_lists', 'cut_sentences', 'entity_punctuation_mask', 'exact_alignment', 'exact_scored', 'extract_alignment', 'extract_alignments', 'format_conll', 'format_multi_spans_jsonl', 'format_spans_jsonl', 'fuse_scores', 'fusion_preset', 'fusion_preset_names', 'gibbs_align', 'gibbs_diagonal_prior', 'greedy_alignment', 'greedy_scored', 'ilp_decode', 'ilp_model_alignment', 'ilp_model_scored', 'iob2_tag_names', 'joint_entries', 'joint_exact', 'joint_greedy', 'lexical_similarity', 'looks_like_conll', 'max_weight_assignment', 'ner_scores', 'parse_conll', 'parse_talp', 'parse_token_lines', 'priority_combine', 'project_heuristic', 'punctuation_mask', 'read_conll', 'read_talp', 'read_tokens', 'sentence_splits', 'similarity_scores', 'spans_to_tags', 'stem_word', 'symmetrize_alignments', 'tags_to_spans', 'vote_clusters', 'write_conll', 'write_spans_jsonl']
class Batch:
    """
    Validated projection batch over flat CSR arrays (see docs/architecture.md). Prefer xlner.ProjectionBatch.
    
    The batch keeps its own copy of the arrays; the array attributes are read-only views of that copy.
    
    Arguments:
        src_len, tgt_len: int32[N] sentence lengths.
        ent_offsets: int64[N+1]; ent_start, ent_end (exclusive), ent_label: int32[E].
        aln_offsets: int64[N+1]; aln_src, aln_tgt: int32[A] (0-based word indices).
        cand_offsets, cand_start, cand_end: optional external candidate spans (CSR).
    
    Raises:
        ValueError / IndexError naming the sentence and field that is wrong; OverflowError for values that do
        not fit int32 / int64.
    """
    @staticmethod
    def from_lists(src_lens: collections.abc.Sequence, tgt_lens: collections.abc.Sequence, entities: collections.abc.Sequence, alignments: collections.abc.Sequence, candidates: collections.abc.Sequence | None = None) -> Batch:
        """
        Build a validated batch from per-sentence Python lists: entities as (start, end, label id) tuples,
        alignments as (source, target) tuples, optional candidates as (start, end) tuples.
        """
    def __init__(self, src_len: numpy.typing.ArrayLike, tgt_len: numpy.typing.ArrayLike, ent_offsets: numpy.typing.ArrayLike, ent_start: numpy.typing.ArrayLike, ent_end: numpy.typing.ArrayLike, ent_label: numpy.typing.ArrayLike, aln_offsets: numpy.typing.ArrayLike, aln_src: numpy.typing.ArrayLike, aln_tgt: numpy.typing.ArrayLike, *, cand_offsets: numpy.typing.ArrayLike | None = None, cand_start: numpy.typing.ArrayLike | None = None, cand_end: numpy.typing.ArrayLike | None = None) -> None:
        ...
    def __len__(self) -> int:
        ...
    @property
    def aln_offsets(self) -> numpy.typing.NDArray[numpy.int64]:
        """
        Read-only view of the batch's aln_offsets array.
        """
    @property
    def aln_src(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        Read-only view of the batch's aln_src array.
        """
    @property
    def aln_tgt(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        Read-only view of the batch's aln_tgt array.
        """
    @property
    def cand_end(self) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]] | None:
        """
        Read-only view of the batch's cand_end array (None without candidates).
        """
    @property
    def cand_offsets(self) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]] | None:
        """
        Read-only view of the batch's cand_offsets array (None without candidates).
        """
    @property
    def cand_start(self) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]] | None:
        """
        Read-only view of the batch's cand_start array (None without candidates).
        """
    @property
    def ent_end(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        Read-only view of the batch's ent_end array.
        """
    @property
    def ent_label(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        Read-only view of the batch's ent_label array.
        """
    @property
    def ent_offsets(self) -> numpy.typing.NDArray[numpy.int64]:
        """
        Read-only view of the batch's ent_offsets array.
        """
    @property
    def ent_start(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        Read-only view of the batch's ent_start array.
        """
    @property
    def has_candidates(self) -> bool:
        ...
    @property
    def src_len(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        Read-only view of the batch's src_len array.
        """
    @property
    def tgt_len(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        Read-only view of the batch's tgt_len array.
        """
class ConstraintOp:
    """
    Comparison of the per-entity projection count with n.
    
    Members:
    
      LESS
    
      LESS_EQUAL
    
      EQUAL
    
      GREATER_EQUAL
    
      GREATER
    """
    EQUAL: typing.ClassVar[ConstraintOp]
    GREATER: typing.ClassVar[ConstraintOp]
    GREATER_EQUAL: typing.ClassVar[ConstraintOp]
    LESS: typing.ClassVar[ConstraintOp]
    LESS_EQUAL: typing.ClassVar[ConstraintOp]
    __members__: typing.ClassVar[dict[str, ConstraintOp]]
    @typing.overload
    def __eq__(self, other: ConstraintOp) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: ConstraintOp) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class Status:
    """
    Per-sentence status of a projection (ProjectionResult.status).
    
    Members:
    
      SOLVED : optimal (or, for greedy and the heuristic, done)
    
      INFEASIBLE : the constraint admits no assignment; nothing projected
    
      TIME_LIMIT : stopped by the time limit (best assignment found, possibly none)
    
      RELAXED : infeasible as asked; solved optimally without the lower bound
    
      TOO_LARGE : above the dynamic program's size limit (internal: handed to HiGHS)
    """
    INFEASIBLE: typing.ClassVar[Status]
    RELAXED: typing.ClassVar[Status]
    SOLVED: typing.ClassVar[Status]
    TIME_LIMIT: typing.ClassVar[Status]
    TOO_LARGE: typing.ClassVar[Status]
    __members__: typing.ClassVar[dict[str, Status]]
    @typing.overload
    def __eq__(self, other: Status) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: Status) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class Constraint:
    """
    Per-entity projection count constraint, parsed by the one strict parser of the project.
    
    Grammar (nothing else, no spaces or signs): '<n', '<=n', '=n', '==n' (same as '=n'), '>=n', '>n' with n
    decimal digits, 0 <= n <= Constraint.MAX_COUNT (a million), n >= 1 for '<'. ValueError otherwise.
    Every function that takes a constraint accepts this object or its text.
    """
    MAX_COUNT: typing.ClassVar[int] = 1000000
    def __eq__(self, arg0: Constraint) -> bool:
        ...
    def __hash__(self) -> int:
        ...
    def __init__(self, text: str) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def __str__(self) -> str:
        ...
    def relaxed(self) -> Constraint:
        """
        The constraint without its lower bound: '=n' -> '<=n', '>=n' and '>n' -> '>=0'; others unchanged.
        """
    @property
    def cap(self) -> int:
        """
        Largest admissible count, -1 when unbounded.
        """
    @property
    def floor(self) -> int:
        """
        Smallest admissible count.
        """
    @property
    def n(self) -> int:
        """
        The count it compares with.
        """
    @property
    def op(self) -> ConstraintOp:
        """
        The comparison.
        """
    @property
    def symbol(self) -> str:
        """
        The operator as text: '<', '<=', '=', '>=' or '>'.
        """
class TokenCorpus:
    """
    Sentences of tokens and (optionally) IOB2 tag ids, indexed over one owned buffer. Prefer
    xlner.io.TokenCorpus, which wraps it.
    
    Tag ids: 0 = O, 2l+1 = B-<labels[l]>, 2l+2 = I-<labels[l]>.
    """
    def __len__(self) -> int:
        ...
    def lengths(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        int32[N] number of tokens of each sentence.
        """
    def punctuation_mask(self) -> numpy.typing.NDArray[numpy.uint8]:
        """
        uint8[n_tokens]: 1 for tokens that Easy-Label-Projection treats as punctuation (every character of the whitespace-stripped token in string.punctuation; empty counts).
        """
    def tag_lists(self) -> list:
        """
        IOB2 tag strings of every sentence: list[list[str]].
        """
    def token_lists(self) -> list:
        """
        Tokens of every sentence: list[list[str]].
        """
    def tokens(self, i: typing.SupportsInt | typing.SupportsIndex) -> list:
        """
        Tokens of sentence i as a list of str.
        """
    @property
    def has_tags(self) -> bool:
        ...
    @property
    def has_tokens(self) -> bool:
        ...
    @property
    def labels(self) -> list[str]:
        """
        Label names; tag id 2l+1 is B-labels[l].
        """
    @property
    def n_tokens(self) -> int:
        ...
    @property
    def offsets(self) -> numpy.typing.NDArray[numpy.int64]:
        """
        int64[N+1] token offsets of the sentences (read-only view).
        """
    @property
    def path(self) -> str:
        ...
    @property
    def tags(self) -> numpy.typing.NDArray[numpy.int32]:
        """
        int32[n_tokens] tag ids (empty when read without tags; read-only view).
        """
class IlpModel:
    """
    ILP of a list of sentences as independent blocks, column-wise (CSC), to be maximised (built by
    ilp_model_alignment / ilp_model_scored). Arrays are read-only views that keep the model alive.
    
    Per model sentence k: columns col_offsets[k]:col_offsets[k+1], rows row_offsets[k]:row_offsets[k+1].
    Columns: binary x[e,t] (cost = score) and, under a lower bound, one continuous slack per entity
    (col_start = col_end = -1, cost = -penalty). HiGHS arrays: cost, col_upper (lower bounds are 0),
    integrality, row_lower, row_upper, a_start, a_index, a_value.
    """
    @property
    def a_index(self) -> numpy.typing.NDArray[numpy.int32]:
        ...
    @property
    def a_start(self) -> numpy.typing.NDArray[numpy.int32]:
        ...
    @property
    def a_value(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    @property
    def col_end(self) -> numpy.typing.NDArray[numpy.int32]:
        ...
    @property
    def col_ent(self) -> numpy.typing.NDArray[numpy.int32]:
        ...
    @property
    def col_offsets(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def col_score(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    @property
    def col_start(self) -> numpy.typing.NDArray[numpy.int32]:
        ...
    @property
    def col_upper(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    @property
    def cost(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    @property
    def fill(self) -> numpy.typing.NDArray[numpy.int32]:
        ...
    @property
    def integrality(self) -> numpy.typing.NDArray[numpy.int32]:
        ...
    @property
    def n_cols(self) -> int:
        ...
    @property
    def n_rows(self) -> int:
        ...
    @property
    def row_lower(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    @property
    def row_offsets(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def row_upper(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    @property
    def sentences(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
class VoteClusterSet:
    """
    The vote clusters of a batch (vote_clusters); select() thresholds them.
    """
    def arrays(self) -> dict:
        """
        Every cluster: dict of arrays offsets, start, end, label, score, votes, support_offsets, support_source, support_entity (objective empty).
        """
    def select(self, need: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], *, strict: bool = False, blocked: typing.Any = None, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
        """
        The clusters whose votes reach need[label] (strict: exceed it, both within 1e-9) and that overlap no span of
        blocked (offsets[N+1], start, end: CSR over the sentences), overlaps among them resolved greedily (votes
        desc, score desc, start, end, label); per sentence in text order.
        
        Returns:
            dict of arrays: offsets, start, end, label, score, votes, support_offsets, support_source, support_entity,
            objective (summed scores per sentence).
        """
    @property
    def n_labels(self) -> int:
        ...
def alignment_scores(batch: Batch, *, candidates: str = 'ngrams', max_len: typing.SupportsInt | typing.SupportsIndex = 10, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    Alignment scores 2·links/(|e|+|t|) of every (entity, candidate) pair with a positive score.
    
    Arguments:
        batch: a validated Batch.
        candidates: 'ngrams' (all n-grams up to max_len), 'aligned' (aligned ranges per entity) or 'external'.
        max_len: longest candidate.
        threads: worker threads, -1 = all cores.
    Returns:
        dict of arrays: offsets[N+1], ent, start, end, score (CSR over sentences).
    """
def check_alignments(offsets: numpy.typing.ArrayLike, src: numpy.typing.ArrayLike, tgt: numpy.typing.ArrayLike, src_len: numpy.typing.ArrayLike, tgt_len: numpy.typing.ArrayLike, *, path: str, src_path: str, tgt_path: str, first_sentence: typing.SupportsInt | typing.SupportsIndex = 0) -> None:
    """
    Check alignments against the sentence lengths of both sides: same number of sentences, every index inside
    its sentence. first_sentence: index of the first sentence in the whole file (blocks of a streamed file).
    
    Raises:
        xlner.io.FormatError naming the alignment file, sentence, pair and the file it overruns.
    """
def check_scores(batch: Batch, offsets: numpy.typing.ArrayLike, ent: numpy.typing.ArrayLike, start: numpy.typing.ArrayLike, end: numpy.typing.ArrayLike, score: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> None:
    """
    Check sparse score matrices against a batch (entity indices, spans inside the target, finite scores);
    raises ValueError / IndexError naming the sentence and field.
    """
def corpus_from_lists(tokens: collections.abc.Sequence[collections.abc.Sequence[str]], tags: collections.abc.Sequence[collections.abc.Sequence[str]] | None = None, *, labels: collections.abc.Sequence[str] = []) -> TokenCorpus:
    """
    Build a TokenCorpus from lists of tokens (and IOB2 tag strings) per sentence, e.g. to write it.
    
    Raises:
        ValueError naming the sentence and field for empty tokens, tokens with a tab or line break,
        non-IOB2 tags, or tag lists whose length differs from the tokens'.
    """
def cut_sentences(buf: typing_extensions.Buffer, max_sentences: typing.SupportsInt | typing.SupportsIndex, *, conll: bool, at_eof: bool) -> tuple[int, int, int]:
    """
    The longest prefix of a block of text (bytes-like) that holds at most max_sentences whole sentences.
    
    Arguments:
        conll: sentences are runs of non-blank lines (CoNLL); otherwise one sentence per line (token lines, talp).
        at_eof: the block is the rest of the file (its last line counts without a line break).
    Returns:
        (bytes, sentences, lines) of the prefix.
    """
def entity_punctuation_mask(batch: Batch, sentences: typing.Any) -> numpy.typing.NDArray[numpy.uint8]:
    """
    The punctuation flags project_heuristic reads (drop_punct): one uint8 per target word of the batch,
    set only for the words an entity word links to, where the token is punctuation; 0 elsewhere. Only
    those tokens are read (and must be str); every sentence must have tgt_len tokens.
    
    Arguments:
        batch: an xlner._core.Batch.
        sentences: the target tokens, one sequence of str per sentence of the batch.
    """
def exact_alignment(batch: Batch, *, constraint: Constraint | str = '<=1', candidates: str = 'ngrams', max_len: typing.SupportsInt | typing.SupportsIndex = 10, threads: typing.SupportsInt | typing.SupportsIndex = -1, max_states: typing.SupportsInt | typing.SupportsIndex = 65536, max_cells: typing.SupportsInt | typing.SupportsIndex = 2097152, relax: bool = False, certificate: bool = True) -> dict:
    """
    Exact projection with the alignment score by dynamic programming (see exact.hpp).
    
    Arguments:
        batch: a validated Batch.
        constraint: per-entity count, e.g. '<=1', '<2', '=1', '>=1', '>0'.
        candidates: 'ngrams' (all n-grams up to max_len; solved over the aligned ranges, which is exact)
            or 'external'.
        max_len: longest n-gram candidate M.
        threads: worker threads, -1 = all cores.
        max_states, max_cells: size limits of the dynamic program; larger sentences not settled by the
            certificate get status 4 (too large, nothing projected).
        relax: solve infeasible sentences without the lower bound (status 3) instead of leaving them (status 1).
        certificate: first run greedy and return its assignment when it provably is optimal (its per-entity
            scores are the largest of each row); False always runs the dynamic program (same optimum;
            tied optima may differ). For checks and benchmarks.
    Returns:
        dict of arrays: offsets, start, end, label, entity, score, objective, status.
    Example:
        >>> d = exact_alignment(batch, constraint='=1')
    """
def exact_scored(batch: Batch, offsets: numpy.typing.ArrayLike, ent: numpy.typing.ArrayLike, start: numpy.typing.ArrayLike, end: numpy.typing.ArrayLike, score: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], *, constraint: Constraint | str = '<=1', threads: typing.SupportsInt | typing.SupportsIndex = -1, max_states: typing.SupportsInt | typing.SupportsIndex = 65536, max_cells: typing.SupportsInt | typing.SupportsIndex = 2097152, relax: bool = False, certificate: bool = True) -> dict:
    """
    Exact projection from given sparse score matrices (CSR over sentences: offsets[N+1], ent, start, end,
    score). Without a lower bound only positive entries matter; with one, every entity may take any span
    listed in its sentence at score 0 (listed non-positive entries keep their score).
    Returns the same dict as exact_alignment.
    """
def extract_alignment(sim: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], *, method: str = 'argmax', max_count: typing.SupportsInt | typing.SupportsIndex = 2, alpha: typing.SupportsFloat | typing.SupportsIndex = 0.9, threshold: typing.SupportsFloat | typing.SupportsIndex = 0.001) -> tuple:
    """
    Extract word alignment links from one similarity matrix (rows: source words, columns: target words).
    
    Arguments:
        sim: float32 or float64 matrix of shape (m, n); other dtypes are converted to float64.
        method: 'argmax' (mutual argmax), 'itermax', 'match' (maximum-weight matching) or 'softmax'.
        max_count: itermax rounds (SimAlign default 2).
        alpha: itermax weight of half-aligned cells (0.9).
        threshold: softmax probability threshold (0.001).
    
    Returns:
        (src, tgt): int32 arrays of 0-based links sorted by (src, tgt).
    
    Example:
        >>> extract_alignment(np.eye(3), method="argmax")
    """
def extract_alignments(sim_data: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], sim_offsets: numpy.typing.ArrayLike, rows: numpy.typing.ArrayLike, cols: numpy.typing.ArrayLike, *, method: str = 'argmax', max_count: typing.SupportsInt | typing.SupportsIndex = 2, alpha: typing.SupportsFloat | typing.SupportsIndex = 0.9, threshold: typing.SupportsFloat | typing.SupportsIndex = 0.001, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> tuple:
    """
    Batch extraction over many flat row-major similarity matrices (GIL released, threads=-1: all cores).
    
    Arguments:
        sim_data: float32 or float64 flat array holding all matrices one after another.
        sim_offsets: int64[N+1], matrix i is sim_data[sim_offsets[i]:sim_offsets[i+1]].
        rows, cols: int32[N] shapes (rows * cols must equal the matrix size).
        method, max_count, alpha, threshold: as in extract_alignment.
        threads: worker threads (-1: all cores).
    
    Returns:
        (offsets int64[N+1], src int32[A], tgt int32[A]) links in CSR form.
    """
def format_conll(tokens: TokenCorpus, tags: numpy.typing.ArrayLike, tag_names: collections.abc.Sequence[str], *, sep: str = '\t', threads: typing.SupportsInt | typing.SupportsIndex = -1) -> bytes:
    """
    write_conll into bytes (for streaming and compressed outputs).
    """
def format_multi_spans_jsonl(arrays: dict, labels: collections.abc.Sequence[str], source_names: collections.abc.Sequence[str], *, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> bytes:
    """
    The spans of a multi-source result (MultiSourceResult.arrays) as JSON lines, one object per sentence:
    {"objective", "spans": [{"start", "end", "label", "score", "votes", "sources", "entities"}]}; sources are
    source_names[s] (the indices when source_names is empty).
    """
def format_spans_jsonl(offsets: numpy.typing.ArrayLike, start: numpy.typing.ArrayLike, end: numpy.typing.ArrayLike, label: numpy.typing.ArrayLike, entity: numpy.typing.ArrayLike, score: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], objective: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], labels: collections.abc.Sequence[str], *, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> bytes:
    """
    write_spans_jsonl into bytes (for streaming and compressed outputs).
    """
def fuse_scores(n: typing.SupportsInt | typing.SupportsIndex, offsets: collections.abc.Sequence[numpy.typing.ArrayLike], ent: collections.abc.Sequence[numpy.typing.ArrayLike], start: collections.abc.Sequence[numpy.typing.ArrayLike], end: collections.abc.Sequence[numpy.typing.ArrayLike], score: collections.abc.Sequence[typing.Annotated[numpy.typing.ArrayLike, numpy.float64]], weights: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], names: collections.abc.Sequence[str], *, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    Weighted sum of sparse score matrices over the same n sentences (union of their entries; absent = 0).
    
    Arguments:
        n: number of sentences.
        offsets, ent, start, end, score: lists with one array per matrix (CSR over sentences).
        weights: one finite weight >= 0 per matrix.
        names: one name per matrix (used in error messages).
        threads: worker threads, -1 = all cores.
    Returns:
        dict of arrays offsets, ent, start, end, score; entries sorted by (ent, start, end) within a sentence,
        fused zeros left out.
    """
def fusion_preset(name: str) -> dict:
    """
    Weights {'align', 'ner', 'ner_spans', 'nmt'} of a named fusion preset of the thesis' MasakhaNER2 table
    ('align', 'ner', 'nmt', 'align_ner', 'align_ner_spans', 'align_nmt', 'ner_spans_nmt', 'all_fusion').
    """
def fusion_preset_names() -> list[str]:
    """
    Names of the fusion presets, in the order of the thesis' table.
    """
def gibbs_align(src: collections.abc.Sequence[collections.abc.Sequence[str]], tgt: collections.abc.Sequence[collections.abc.Sequence[str]], n_out: typing.SupportsInt | typing.SupportsIndex, *, model: typing.SupportsInt | typing.SupportsIndex = 3, n_samplers: typing.SupportsInt | typing.SupportsIndex = 3, iterations: typing.SupportsInt | typing.SupportsIndex = 0, rel_iterations: typing.SupportsFloat | typing.SupportsIndex = 1.0, null_prior: typing.SupportsFloat | typing.SupportsIndex = 0.2, lex_alpha: typing.SupportsFloat | typing.SupportsIndex = 0.001, jump_alpha: typing.SupportsFloat | typing.SupportsIndex = 0.5, fert_alpha: typing.SupportsFloat | typing.SupportsIndex = 0.5, prefix_len: typing.SupportsInt | typing.SupportsIndex = 0, suffix_len: typing.SupportsInt | typing.SupportsIndex = 0, sim_prior: typing.SupportsFloat | typing.SupportsIndex = 0.0, sim_threshold: typing.SupportsFloat | typing.SupportsIndex = 0.7, posterior_threshold: typing.SupportsFloat | typing.SupportsIndex = 0.0, diagonal_tension: typing.SupportsFloat | typing.SupportsIndex = 0.0, agreement: typing.SupportsFloat | typing.SupportsIndex = 0.0, seed: typing.SupportsInt | typing.SupportsIndex = 0, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> tuple[tuple, tuple, int, tuple]:
    """
    Train the seeded Gibbs aligner (IBM-1 -> HMM -> fertility, collapsed Gibbs sampling, Östling &
    Tiedemann 2016) on all sentence pairs and align the first n_out in both directions (GIL released).
    
    Arguments:
        src, tgt: tokenised sentences (same number; tokens non-empty, already lower-cased if wanted).
        n_out: align the first n_out pairs (the rest only trains).
        model: 1 IBM-1, 2 + HMM jumps, 3 + fertility.
        n_samplers: independent samplers per direction (marginals summed).
        iterations: iterations per model phase (0: automatic from the corpus size, scaled by rel_iterations).
        null_prior, lex_alpha, jump_alpha, fert_alpha: priors.
        prefix_len, suffix_len: stem words to their first / last N code points (0: whole words).
        sim_prior: orthographic prior, extra pseudo-count sim_prior * edit similarity of every co-occurring
            pair of (stemmed) words at least sim_threshold similar (0: off).
        posterior_threshold: > 0: also the posterior symmetrisation, (i, j) linked when the mean of the two
            directions' normalised link marginals is at least this (empty links when 0).
        diagonal_tension: IBM-1 phase: diagonal prior of the link positions, exp(-tension * |(i + 1) / I -
            (j + 1) / J|) normalised (Dyer et al. 2013's fast_align distortion); 0: uniform.
        agreement: > 0: the two directions are sampled jointly, a link both currently have gets the factor
            exp(agreement); 0: independent directions.
        seed: random seed; the output depends only on the inputs and the seed, not on threads.
        threads: worker threads (-1: all cores; work is split by sampler and direction).
    
    Returns:
        ((offsets, src, tgt) forward, (offsets, src, tgt) reverse, iterations, (offsets, src, tgt) posterior):
        links in CSR form, all in (source, target) order.
    """
def gibbs_diagonal_prior(w: typing.SupportsInt | typing.SupportsIndex, n_words: typing.SupportsInt | typing.SupportsIndex, n_cands: typing.SupportsInt | typing.SupportsIndex, tension: typing.SupportsFloat | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    The Gibbs aligner's IBM-1 diagonal prior: the probability of each of n_cands positions for word w of n_words.
    """
def greedy_alignment(batch: Batch, *, constraint: Constraint | str = '<=1', candidates: str = 'ngrams', max_len: typing.SupportsInt | typing.SupportsIndex = 10, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    Greedy projection with the alignment score.
    
    Ties: highest score, then lowest entity index, then candidate order (start, then end ascending).
    
    Arguments:
        batch: a validated Batch.
        constraint: per-entity count, e.g. '<=1', '<2', '=1', '>=1' (or a Constraint).
        candidates: 'ngrams' or 'external' ('aligned' gives the same result as 'ngrams').
        max_len: longest n-gram candidate M.
        threads: worker threads, -1 = all cores.
    Returns:
        dict of arrays: offsets, start, end, label, entity, score, objective, status.
    """
def greedy_scored(batch: Batch, offsets: numpy.typing.ArrayLike, ent: numpy.typing.ArrayLike, start: numpy.typing.ArrayLike, end: numpy.typing.ArrayLike, score: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], *, constraint: Constraint | str = '<=1', threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    Greedy projection from given sparse score matrices (CSR over sentences: offsets[N+1], ent, start, end, score).
    Entries with score <= 0 are never chosen.
    """
def ilp_decode(batch: Batch, model: IlpModel, x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], status: numpy.typing.ArrayLike) -> dict:
    """
    Turn column values x (NaN where a block has no solution) and per-sentence solver status (0 optimal,
    2 time limit) into projection arrays over model.sentences: x > 0.5 is chosen; positive slack marks the
    sentence infeasible (status 1, nothing projected).
    """
def ilp_model_alignment(batch: Batch, sentences: numpy.typing.ArrayLike | None = None, *, constraint: Constraint | str = '<=1', candidates: str = 'ngrams', max_len: typing.SupportsInt | typing.SupportsIndex = 10, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> IlpModel:
    """
    Build the ILP (alignment score) of the given sentences (int64 indices; None = all) as one IlpModel.
    """
def ilp_model_scored(batch: Batch, offsets: numpy.typing.ArrayLike, ent: numpy.typing.ArrayLike, start: numpy.typing.ArrayLike, end: numpy.typing.ArrayLike, score: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], sentences: numpy.typing.ArrayLike | None = None, *, constraint: Constraint | str = '<=1', threads: typing.SupportsInt | typing.SupportsIndex = -1) -> IlpModel:
    """
    Build the ILP of the given sentences from sparse score matrices as one IlpModel.
    """
def iob2_tag_names(labels: collections.abc.Sequence[str]) -> list[str]:
    """
    Tag names of the IOB2 tag ids for a label vocabulary: ['O', 'B-l0', 'I-l0', ...].
    """
def joint_entries(sources: collections.abc.Sequence, *, n_labels: typing.SupportsInt | typing.SupportsIndex, max_len: typing.SupportsInt | typing.SupportsIndex = 10, aligned_only: bool = False, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    The weighted entries of the joint matching (source, entity, start, end, weight·score > 0, length <= max_len),
    narrowed to the spans whose first and last words a one-word entry of their label covers when aligned_only.
    
    Arguments:
        sources: per source (batch, offsets, ent, start, end, score, label_map, weight): its Batch, its score
            matrix (CSR over the batch), the united label id of each of its label ids, its weight.
        n_labels: size of the united label vocabulary.
    Returns:
        dict of arrays: offsets[N+1], source, entity, start, end, value.
    """
def joint_exact(sources: collections.abc.Sequence, *, n_labels: typing.SupportsInt | typing.SupportsIndex, max_len: typing.SupportsInt | typing.SupportsIndex = 10, aligned_only: bool = False, cap: typing.SupportsInt | typing.SupportsIndex = 1, span_cost: typing.SupportsFloat | typing.SupportsIndex = 1.0, max_states: typing.SupportsInt | typing.SupportsIndex = 65536, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    Exact joint matching of every sentence by the engine's dynamic program (xlner/multisource.hpp: joint_exact)
    over the entries of joint_entries (same arguments).
    
    Returns:
        dict of arrays as joint_greedy, and status int8[N]: 1 where the program would need more than max_states
        states at one position (nothing chosen there: solve those sentences otherwise), else 0.
    """
def joint_greedy(sources: collections.abc.Sequence, *, n_labels: typing.SupportsInt | typing.SupportsIndex, max_len: typing.SupportsInt | typing.SupportsIndex = 10, aligned_only: bool = False, cap: typing.SupportsInt | typing.SupportsIndex = 1, span_cost: typing.SupportsFloat | typing.SupportsIndex = 1.0, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    Greedy joint matching of every sentence (rule: the docstring of xlner.multisource, ``joint``) over the
    entries of joint_entries (same arguments).
    
    Returns:
        dict of arrays: offsets, start, end, label, score (summed weighted scores), votes (summed source
        weights), support_offsets, support_source, support_entity, objective (Σ score − span_cost per sentence).
    """
def lexical_similarity(src: collections.abc.Sequence[collections.abc.Sequence[str]], tgt: collections.abc.Sequence[collections.abc.Sequence[str]], *, measure: str = 'max', ngram: typing.SupportsInt | typing.SupportsIndex = 3, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> tuple[numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.float64]]:
    """
    Word-by-word lexical similarity matrices of sentence pairs (words compared as given: normalise first).
    
    Arguments:
        src, tgt: lists of tokenised sentences (same number of sentences).
        measure: 'exact', 'edit' (1 - Levenshtein / longer length), 'ngram' (Dice of character n-grams of
            '#word#') or 'max' (the larger of edit and ngram).
        ngram: n of the character n-grams.
        threads: worker threads (-1: all cores).
    
    Returns:
        (offsets int64[N+1], data float64[...]): matrix i is data[offsets[i]:offsets[i+1]] reshaped to
        (len(src[i]), len(tgt[i])).
    """
def looks_like_conll(head: typing.Any) -> bool:
    """
    True when the start of a file looks like CoNLL rather than one sentence per line.
    """
def max_weight_assignment(w: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> numpy.typing.NDArray[numpy.int32]:
    """
    Maximum-weight assignment of a rectangular matrix: min(m, n) pairs of maximal total weight.
    
    Returns:
        int32[m]: the column of each row, -1 for rows left unmatched (only when m > n).
    """
def ner_scores(batch: Batch, prob_offsets: numpy.typing.ArrayLike, probs: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], *, variant: str = 'class', candidates: str = 'ngrams', max_len: typing.SupportsInt | typing.SupportsIndex = 10, alpha: typing.SupportsFloat | typing.SupportsIndex = 1.15, threshold: typing.SupportsFloat | typing.SupportsIndex = 0.05, alpha_scope: str = 'all', threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    NER-probability scores c = alpha^(n-1) * (p[first, B-l] + sum p[rest, I-l]) / n of every
    (entity, candidate) pair with a score above the threshold.
    
    Arguments:
        batch: a validated Batch.
        prob_offsets: int64[N+1] row offsets into probs (sentence i has tgt_len[i] rows).
        probs: float64[words, 1 + 2*n_classes], columns O, B-l0, I-l0, B-l1, I-l1, ... (xlner.tagging ids).
        variant: 'class' (the class of the source entity) or 'spans' (maximum over classes).
        candidates: 'ngrams' (all n-grams up to max_len) or 'external' (the batch's candidates).
        max_len: longest n-gram candidate.
        alpha: length scaling (> 0).
        threshold: scores <= threshold are left out.
        alpha_scope: 'all' (the published equation: alpha^(n-1) for every candidate and class) or 'predicted'
            (the thesis' released code: only for the class whose argmax tags read B-l I-l ... I-l on the candidate).
        threads: worker threads, -1 = all cores.
    Returns:
        dict of arrays: offsets[N+1], ent, start, end, score (CSR over sentences).
    Example:
        >>> _core.ner_scores(batch.core, off, probs, variant='spans', max_len=5)
    """
def parse_conll(text: typing.Any, *, path: str = '<string>', with_tags: bool = True, keep_tokens: bool = True, labels: collections.abc.Sequence[str] = [], skip_bom: bool = True, threads: typing.SupportsInt | typing.SupportsIndex = 1, splits: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = []) -> TokenCorpus:
    """
    Parse CoNLL text (bytes-like or str) held in memory; see read_conll. skip_bom=False keeps a leading byte-order mark as text (a block from the middle of a file). threads: parse pieces cut at sentence boundaries on this many threads (-1: all; texts under 1 MiB are parsed whole), merged into the result and the first error of the single-threaded parse; splits: explicit inner cut offsets of the pieces (each after a blank line; ValueError otherwise).
    """
def parse_talp(text: typing.Any, *, path: str = '<string>', one_based: bool = False, allow_possible: bool = False, skip_bom: bool = True, threads: typing.SupportsInt | typing.SupportsIndex = 1, splits: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = []) -> dict:
    """
    Parse talp text held in memory, read in place; see read_talp (skip_bom, threads, splits: see parse_conll; splits after line breaks).
    """
def parse_token_lines(text: typing.Any, *, path: str = '<string>', keep_tokens: bool = True, skip_bom: bool = True, threads: typing.SupportsInt | typing.SupportsIndex = 1, splits: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = []) -> TokenCorpus:
    """
    Parse one-sentence-per-line text held in memory (skip_bom, threads, splits: see parse_conll; splits after line breaks).
    """
def priority_combine(sources: collections.abc.Sequence, weights: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], *, primary: typing.SupportsInt | typing.SupportsIndex, corroboration: typing.SupportsFloat | typing.SupportsIndex, need: typing.SupportsFloat | typing.SupportsIndex, n_labels: typing.SupportsInt | typing.SupportsIndex, boundary: str = 'mode', tgt_len: numpy.typing.ArrayLike | None = None, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    ``priority`` (rule: the docstring of xlner.multisource): the primary source's corroborated spans, then the
    vote of the other sources where no kept primary span is.
    
    Arguments:
        sources: as vote_clusters.
        weights: float64[sources], one weight per source.
        primary: index of the primary source; corroboration: weight of other sources a primary span needs;
        need: votes a back-off cluster needs; n_labels: size of the united label vocabulary.
    Returns:
        dict of arrays as VoteClusterSet.select (objective: summed scores per sentence).
    """
def project_heuristic(batch: Batch, *, punct: numpy.typing.ArrayLike | None = None, merge_distance: typing.SupportsInt | typing.SupportsIndex = 1, merge_rule: str = 'gap', top_k: typing.SupportsInt | typing.SupportsIndex = 0, only_i: bool = False, thr: typing.SupportsFloat | typing.SupportsIndex | None = 0.8, drop_punct: bool = False, order: str = 'shortest', collisions: str = 'first', threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    Heuristic projection of a batch through its word alignments (thesis form or Easy-Label-Projection).
    Prefer xlner.heuristic.project_heuristic, which builds the punctuation mask and the options.
    
    Arguments:
        batch: an xlner._core.Batch.
        punct: optional uint8 array, one flag per target word of the batch (sentence after sentence);
            non-zero marks punctuation. Required when drop_punct is true.
        merge_distance: d >= 0; merge_rule: 'gap' or 'elp'; top_k: 0 (all) or the number of longest
            ranges kept per entity; only_i: never merge a range starting at a word linked to the
            entity's first word; thr: length-ratio threshold (None: none); drop_punct: drop links to
            punctuation; order: 'source' or 'shortest'; collisions: 'first' or 'elp'.
        threads: worker threads, -1 = all cores.
    
    Returns:
        dict of numpy arrays: offsets, start, end (exclusive), label, entity, score (fraction of the
        span's words aligned to its entity), objective (sum of scores per sentence), status.
    
    Example:
        >>> d = _core.project_heuristic(batch.core, punct=mask, merge_rule='elp', top_k=1, thr=None,
        ...                             drop_punct=True, order='source', collisions='elp')
    """
def punctuation_mask(tgt_tokens: typing.Any) -> tuple:
    """
    Easy-Label-Projection's punctuation test for every target token: after str.strip(), every
    character is in string.punctuation (an empty token counts as punctuation).
    
    Arguments:
        tgt_tokens: a sequence (one per sentence) of sequences of str.
    
    Returns:
        (mask, lengths): uint8 flags, one per token, sentence after sentence; int32 tokens per sentence.
    
    Raises:
        TypeError naming the sentence (and token) that is not a sequence of str.
    """
def read_conll(path: str, *, with_tags: bool = True, keep_tokens: bool = True, labels: collections.abc.Sequence[str] = []) -> TokenCorpus:
    """
    Read a CoNLL token/tag file (tab or space separated, blank line between sentences, -DOCSTART- lines kept
    as one-token sentences, missing trailing blank line and CRLF accepted).
    
    Arguments:
        path: the file.
        with_tags: read the last field as an IOB2 tag (error when missing).
        keep_tokens: keep the tokens (False: lengths and tags only).
        labels: initial label vocabulary; new labels are appended in order of appearance.
    Returns:
        TokenCorpus.
    Raises:
        xlner.io.FormatError naming the file, line, sentence (0-based) and field; OSError.
    """
def read_talp(path: str, *, one_based: bool = False, allow_possible: bool = False) -> dict:
    """
    Read a Pharaoh/talp alignment file: one line per sentence of `i-j` pairs (source first).
    
    Arguments:
        one_based: indices start at 1 in the file (gold files); returned 0-based.
        allow_possible: accept `ipj` possible links (gold files).
    Returns:
        dict: offsets int64[N+1], src int32[A], tgt int32[A], possible uint8[A] (1 = possible link).
    Raises:
        xlner.io.FormatError naming the file, line, sentence (0-based) and pair.
    """
def read_tokens(path: str, *, format: str = 'auto', keep_tokens: bool = True) -> TokenCorpus:
    """
    Read target tokens: CoNLL (tags ignored) or one sentence of whitespace-separated tokens per line.
    
    Arguments:
        format: 'auto' (CoNLL when the first non-blank line has a tab or a blank line follows text in the
            first 64 KiB), 'conll' or 'lines'.
    Returns:
        TokenCorpus without tags.
    """
def sentence_splits(text: typing.Any, pieces: typing.SupportsInt | typing.SupportsIndex, *, conll: bool) -> list[int]:
    """
    The inner cut offsets at which a parse on `pieces` threads splits the text (sentence boundaries, about equal sizes; see parse_conll).
    """
def similarity_scores(batch: Batch, sim_offsets: numpy.typing.ArrayLike, sim: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], *, candidates: str = 'ngrams', max_len: typing.SupportsInt | typing.SupportsIndex = 10, threshold: typing.SupportsFloat | typing.SupportsIndex = 0.65, reduction: str = 'mean', threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    Embedding-similarity scores max(R_a max_b S[a,b], R_b max_a S[a,b]) - threshold (a over the entity's words,
    b over the candidate's words, R = reduction), kept when > 0.
    
    Arguments:
        batch: a validated Batch.
        sim_offsets: int64[N+1] offsets into sim; block i holds src_len[i] * tgt_len[i] values.
        sim: float64 flat word-level similarity matrices, row-major source x target.
        candidates: 'ngrams' or 'external'.
        max_len: longest n-gram candidate.
        threshold: subtracted from the similarity; results <= 0 are left out.
        reduction: 'mean' (thesis), 'max' or 'min'.
        threads: worker threads, -1 = all cores.
    Returns:
        dict of arrays: offsets[N+1], ent, start, end, score.
    """
def spans_to_tags(lengths: numpy.typing.ArrayLike, offsets: numpy.typing.ArrayLike, start: numpy.typing.ArrayLike, end: numpy.typing.ArrayLike, label: numpy.typing.ArrayLike, *, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> numpy.typing.NDArray[numpy.int32]:
    """
    Non-overlapping spans (CSR over sentences) to IOB2 tag ids, for a batch.
    
    Returns:
        int32 tag ids, sentence after sentence (sum(lengths) values).
    """
def stem_word(word: str, prefix_len: typing.SupportsInt | typing.SupportsIndex, suffix_len: typing.SupportsInt | typing.SupportsIndex = 0) -> str:
    """
    Stem a word to its first prefix_len (or, when 0, last suffix_len) code points.
    """
def symmetrize_alignments(src_len: numpy.typing.ArrayLike, tgt_len: numpy.typing.ArrayLike, fwd_offsets: numpy.typing.ArrayLike, fwd_src: numpy.typing.ArrayLike, fwd_tgt: numpy.typing.ArrayLike, rev_offsets: numpy.typing.ArrayLike, rev_src: numpy.typing.ArrayLike, rev_tgt: numpy.typing.ArrayLike, *, method: str = 'grow-diag-final-and', threads: typing.SupportsInt | typing.SupportsIndex = -1) -> tuple:
    """
    Symmetrise forward and reverse alignments of a batch (both in (src, tgt) coordinates, CSR form).
    
    Arguments:
        src_len, tgt_len: int32[N] sentence lengths.
        fwd_offsets, fwd_src, fwd_tgt: forward links (CSR).
        rev_offsets, rev_src, rev_tgt: reverse links (CSR), already in (src, tgt) order.
        method: 'intersection', 'union', 'grow-diag', 'grow-diag-final' or 'grow-diag-final-and'.
        threads: worker threads (-1: all cores).
    
    Returns:
        (offsets int64[N+1], src int32[A], tgt int32[A]) sorted links.
    """
def tags_to_spans(offsets: numpy.typing.ArrayLike, tags: numpy.typing.ArrayLike, *, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> dict:
    """
    IOB2 tag ids (0 = O, 2l+1 = B-l, 2l+2 = I-l) to entity spans with seqeval semantics, for a batch.
    
    Arguments:
        offsets: int64[N+1] sentence offsets into tags.
        tags: int32 tag ids.
    Returns:
        dict: offsets[N+1], start, end (exclusive), label.
    """
def vote_clusters(sources: collections.abc.Sequence, weights: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], *, boundary: str = 'mode', tgt_len: numpy.typing.ArrayLike | None = None, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> VoteClusterSet:
    """
    Every vote cluster of every target sentence (rule: the docstring of xlner.multisource, ``vote``).
    
    Arguments:
        sources: per source (offsets[N+1], start, end, label, entity, score, label_map): its projected spans
            (a ProjectionResult's arrays) and the united label id of each of its label ids.
        weights: float64[labels, sources]: each source's weight for each united label.
        boundary: 'mode' or 'median'.
        tgt_len: int32[N] target lengths (optional): spans are checked to lie inside them.
    Returns:
        A VoteClusterSet.
    """
def write_conll(path: str, tokens: TokenCorpus, tags: numpy.typing.ArrayLike, tag_names: collections.abc.Sequence[str], *, sep: str = '\t', threads: typing.SupportsInt | typing.SupportsIndex = -1) -> None:
    """
    Write CoNLL: `token<sep>tag_names[tags[t]]` per token, a blank line after each sentence.
    
    Arguments:
        path: output file.
        tokens: TokenCorpus (with tokens).
        tags: int32[n_tokens] tag ids.
        tag_names: names of the tag ids (for IOB2 ids: iob2_tag_names(labels)).
        sep: separator between token and tag.
        threads: formatting threads (-1: all cores).
    """
def write_spans_jsonl(path: str, offsets: numpy.typing.ArrayLike, start: numpy.typing.ArrayLike, end: numpy.typing.ArrayLike, label: numpy.typing.ArrayLike, entity: numpy.typing.ArrayLike, score: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], objective: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], labels: collections.abc.Sequence[str], *, threads: typing.SupportsInt | typing.SupportsIndex = -1) -> None:
    """
    Write projected spans as JSON lines, one object per sentence:
    {"objective": float, "spans": [{"start", "end", "label", "entity", "score"}]} (end exclusive).
    
    Arguments:
        offsets: int64[N+1] CSR offsets; start, end, label, entity: int32[K]; score: float64[K];
        objective: float64[N]; labels: label names of the label ids.
    """
