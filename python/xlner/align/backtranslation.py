"""Back-translation refinement: project labels from a labelled translation back onto the original
target sentence through a marker-based back-translation.

Inputs per sentence: the original target sentence (tokens), the back-translation of the labelled
translation into the target language with entities wrapped in markers (``[`` ``]``, EasyProject style),
and the back-translation of each entity on its own (with its label). Steps:

1. tokenise the back-translation, remove the markers and keep the marked spans;
2. recover each entity in the back-translation by fuzzy string matching of its own back-translation
   against the marked spans: all (entity, span) scores are ranked and assigned greedily, best first, one
   span per entity and one entity per span (the best-scoring entity wins, not the last one over the
   threshold); entities whose markers were lost are searched among the unmarked n-grams;
3. align the back-translation with the original target sentence by the lexical (same-language) aligner;
4. project the recovered spans onto the target sentence with :func:`xlner.projection.project`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from xlner.align.extraction import Links
from xlner.align.lexical import LexicalAligner, LexicalConfig, normalize_word, string_similarity
from xlner.batch import LabelVocab, ProjectionBatch, ProjectionResult

_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]", re.UNICODE)


def simple_tokenize(text: str) -> List[str]:
    """Split text into words and single punctuation characters (markers become tokens of their own)."""
    return _TOKEN.findall(text)


@dataclass
class BacktranslationConfig:
    """Options of back-translation refinement.

    Attributes:
        match_threshold: minimum similarity of an entity's back-translation and a span to recover it.
        measure: string measure of entity recovery ('edit', 'ngram', 'max', 'exact'), on normalised text.
        open_marker, close_marker: the entity markers of the back-translation.
        search_unmarked: search unmarked n-grams for entities whose markers were lost.
        max_extra_len: unmarked n-grams may be this many tokens longer or shorter than the entity.
        lexical: options of the same-language lexical aligner.
        projection: projection method of :func:`xlner.projection.project` ('greedy' or 'heuristic').
    """

    match_threshold: float = 0.5
    measure: str = "max"
    open_marker: str = "["
    close_marker: str = "]"
    search_unmarked: bool = True
    max_extra_len: int = 2
    lexical: LexicalConfig = field(default_factory=LexicalConfig)
    projection: str = "greedy"

    def __post_init__(self) -> None:
        if not 0.0 < self.match_threshold <= 1.0:
            raise ValueError(f"match_threshold must lie in (0, 1], got {self.match_threshold}")
        if self.open_marker == self.close_marker or not self.open_marker or not self.close_marker:
            raise ValueError("open_marker and close_marker must be distinct non-empty strings")
        if self.max_extra_len < 0:
            raise ValueError(f"max_extra_len must be >= 0, got {self.max_extra_len}")


@dataclass(frozen=True)
class RecoveredEntity:
    """An entity found in the back-translation: its index in the entity list, label, token span
    ``[start, end)`` of the (marker-free) back-translation, matching score, and whether it was marked."""

    entity: int
    label: str
    start: int
    end: int
    score: float
    marked: bool


@dataclass
class BacktranslationAlignment:
    """One sentence: back-translation tokens, recovered entities, links (back-translation, target)."""

    bt_tokens: List[str]
    entities: List[RecoveredEntity]
    links: Links


def parse_marked(tokens: Sequence[str], open_marker: str = "[", close_marker: str = "]"
                 ) -> Tuple[List[str], List[Tuple[int, int]]]:
    """Remove marker tokens; return the remaining tokens and the marked spans ``[start, end)`` (non-empty,
    nesting allowed, unmatched markers ignored), in order of their opening marker."""
    words: List[str] = []
    spans: List[Tuple[int, int, int]] = []
    stack: List[Tuple[int, int]] = []
    opened = 0
    for tok in tokens:
        if tok == open_marker:
            stack.append((len(words), opened))
            opened += 1
        elif tok == close_marker:
            if stack:
                start, order = stack.pop()
                if len(words) > start:
                    spans.append((order, start, len(words)))
        else:
            words.append(tok)
    spans.sort()
    return words, [(s, e) for _, s, e in spans]


def _norm_text(tokens: Sequence[str]) -> str:
    return " ".join(normalize_word(t) for t in tokens)


def recover_entities(bt_tokens: Sequence[str], marked_spans: Sequence[Tuple[int, int]],
                     entity_bts: Sequence[Sequence[str]], labels: Sequence[str],
                     config: Optional[BacktranslationConfig] = None) -> List[RecoveredEntity]:
    """Find each entity (given by its tokenised back-translation) in the back-translation.

    Marked spans are scored against every entity; pairs are taken best score first (ties: entity order,
    then span order) while both are free and the score reaches ``match_threshold``. With
    ``search_unmarked``, entities still missing are matched the same way against n-grams that overlap no
    recovered span. Returns the recovered entities sorted by start.
    """
    cfg = config or BacktranslationConfig()
    if len(entity_bts) != len(labels):
        raise ValueError(f"{len(entity_bts)} entity back-translations but {len(labels)} labels")
    ent_text = [_norm_text(e) for e in entity_bts]
    n_bt = len(bt_tokens)
    found: List[RecoveredEntity] = []
    used_ent: set = set()
    taken = [False] * n_bt

    def assign(cands: List[Tuple[float, int, int, int, int]], marked: bool, used_span: set) -> None:
        cands.sort(key=lambda c: (-c[0], c[1], c[2]))
        for score, k, order, s, e in cands:
            if score < cfg.match_threshold or k in used_ent or (s, e) in used_span:
                continue
            if not marked and any(taken[s:e]):
                continue
            used_ent.add(k)
            used_span.add((s, e))
            for p in range(s, e):
                taken[p] = True
            found.append(RecoveredEntity(k, labels[k], s, e, score, marked))

    cands = []
    for order, (s, e) in enumerate(marked_spans):
        if not 0 <= s < e <= n_bt:
            raise ValueError(f"marked span ({s}, {e}) outside the {n_bt}-token back-translation")
        span_text = _norm_text(bt_tokens[s:e])
        for k, t in enumerate(ent_text):
            if t:
                cands.append((string_similarity(span_text, t, cfg.measure), k, order, s, e))
    assign(cands, True, set())
    if cfg.search_unmarked and len(used_ent) < len(ent_text):
        cands = []
        for k, t in enumerate(ent_text):
            if k in used_ent or not t:
                continue
            L = len(entity_bts[k])
            for length in range(max(1, L - cfg.max_extra_len), L + cfg.max_extra_len + 1):
                for s in range(0, n_bt - length + 1):
                    if any(taken[s:s + length]):
                        continue
                    score = string_similarity(_norm_text(bt_tokens[s:s + length]), t, cfg.measure)
                    cands.append((score, k, s, s, s + length))
        assign(cands, False, set())
    return sorted(found, key=lambda r: (r.start, r.end, r.entity))


def align_backtranslation(target: Sequence[str], marked_bt: str | Sequence[str], entity_bts: Sequence[str],
                          labels: Sequence[str], config: Optional[BacktranslationConfig] = None,
                          *, aligner: Optional[LexicalAligner] = None) -> BacktranslationAlignment:
    """Recover the entities of one marked back-translation and align it with the target sentence.

    ``marked_bt`` is the back-translation string (tokenised with :func:`simple_tokenize`) or its tokens;
    ``entity_bts`` are the back-translations of the entities (strings), ``labels`` their labels.
    """
    return align_backtranslations([target], [marked_bt], [entity_bts], [labels], config, aligner=aligner)[0]


def align_backtranslations(targets: Sequence[Sequence[str]], marked_bts: Sequence[str | Sequence[str]],
                           entity_bts: Sequence[Sequence[str]], labels: Sequence[Sequence[str]],
                           config: Optional[BacktranslationConfig] = None, *,
                           aligner: Optional[LexicalAligner] = None) -> List[BacktranslationAlignment]:
    """Batch form of :func:`align_backtranslation` (one lexical alignment call for the whole batch)."""
    cfg = config or BacktranslationConfig()
    n = len(targets)
    for name, seq in (("marked_bts", marked_bts), ("entity_bts", entity_bts), ("labels", labels)):
        if len(seq) != n:
            raise ValueError(f"field {name}: {len(seq)} sentences, but targets has {n}")
    bt_tokens: List[List[str]] = []
    recovered: List[List[RecoveredEntity]] = []
    for i in range(n):
        if len(entity_bts[i]) != len(labels[i]):
            raise ValueError(f"sentence {i}, field entity_bts: {len(entity_bts[i])} entities but "
                             f"{len(labels[i])} labels")
        marked = marked_bts[i]
        toks = simple_tokenize(marked) if isinstance(marked, str) else list(marked)
        words, spans = parse_marked(toks, cfg.open_marker, cfg.close_marker)
        ents = [simple_tokenize(e) for e in entity_bts[i]]
        try:
            rec = recover_entities(words, spans, ents, list(labels[i]), cfg)
        except ValueError as exc:
            raise ValueError(f"sentence {i}: {exc}") from None
        bt_tokens.append(words)
        recovered.append(rec)
    lex = aligner or LexicalAligner(cfg.lexical)
    links = lex.align_batch(bt_tokens, [list(t) for t in targets])
    return [BacktranslationAlignment(bt_tokens[i], recovered[i], links[i]) for i in range(n)]


def to_projection_batch(alignments: Sequence[BacktranslationAlignment], targets: Sequence[Sequence[str]],
                        labels: Optional[LabelVocab] = None) -> ProjectionBatch:
    """A projection batch with the back-translation as source (recovered entities) and the original
    target sentence as target (lexical links)."""
    vocab = labels if labels is not None else LabelVocab()
    return ProjectionBatch.from_lists(
        [len(a.bt_tokens) for a in alignments], [len(t) for t in targets],
        [[(r.start, r.end, vocab.id(r.label)) for r in a.entities] for a in alignments],
        [a.links for a in alignments], labels=vocab)


def project_backtranslations(targets: Sequence[Sequence[str]], marked_bts: Sequence[str | Sequence[str]],
                             entity_bts: Sequence[Sequence[str]], labels: Sequence[Sequence[str]],
                             config: Optional[BacktranslationConfig] = None, *, threads: int = -1
                             ) -> Tuple[List[BacktranslationAlignment], ProjectionResult]:
    """Back-translation refinement end to end: recover, align, project onto the target sentences.

    Returns the per-sentence alignments and the :class:`ProjectionResult` (spans on the targets; its
    ``entity`` field indexes the recovered entities of the sentence, in start order).
    """
    from xlner.projection import project  # noqa: PLC0415

    cfg = config or BacktranslationConfig()
    alns = align_backtranslations(targets, marked_bts, entity_bts, labels, cfg)
    batch = to_projection_batch(alns, targets)
    tgt_tokens = [list(t) for t in targets] if cfg.projection == "heuristic" else None
    return alns, project(batch, cfg.projection, tgt_tokens=tgt_tokens, threads=threads)


__all__ = ["BacktranslationAlignment", "BacktranslationConfig", "RecoveredEntity", "align_backtranslation",
           "align_backtranslations", "parse_marked", "project_backtranslations", "recover_entities",
           "simple_tokenize", "to_projection_batch"]
