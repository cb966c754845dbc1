"""Annotation projection over Hugging Face ``datasets``: a projected-tags column from source tokens and tags,
target tokens and word alignments held in the dataset's columns.

:func:`project_dataset` returns a new dataset (``ds.map(batched=True)`` under the hood); :class:`Projector`
is the function it maps, usable directly in a user's own ``ds.map(Projector(...), batched=True)``
pipeline. Each batch of rows goes through the same route as ``xlner project``: a
:class:`~xlner.io.conll.TokenCorpus` per side and :class:`~xlner.io.talp.Alignments` →
:func:`~xlner.io.corpus.build_batch` → :func:`~xlner.projection.project` (the C++ engine) →
:func:`~xlner.io.corpus.result_tag_ids` (spans → IOB2 tags).

Columns: source tags are IOB2 strings or ``ClassLabel`` ids (names from the dataset's features, or
``tag_names``); alignments are lists of ``[source, target]`` index pairs (0-based) or talp strings
(``"0-0 1-2"``). The output column holds IOB2 strings, or ids of the source ``ClassLabel`` when the source tags
are ``ClassLabel`` ids (``class_label=True``; projection keeps the source's labels). Malformed rows raise
:class:`~xlner.io.errors.FormatError` naming the row (``sentence``) and the column.

Example::

    from datasets import load_from_disk
    from xlner.integrations.hf import project_dataset
    ds = load_from_disk("europarl-en-de")
    ds = project_dataset(ds, source_tokens="en_tokens", source_tags="ner_tags", target_tokens="de_tokens",
                         alignments="links", method="greedy", output="de_ner_tags")
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from xlner.io.errors import FormatError

_NAME = "<dataset>"


def _links(raw: Any, row: int, column: str) -> List[Tuple[int, int]]:
    """Alignment links of one row: ``[[i, j], ...]`` or a talp string."""
    if isinstance(raw, str):
        from xlner.io.talp import parse_talp_line

        sure, possible = parse_talp_line(raw, path=_NAME, sentence=row)
        return sure + possible
    if not isinstance(raw, (list, tuple)):
        raise FormatError(_NAME, row, column, f"expected [source, target] pairs or a talp string, got "
                          f"{type(raw).__name__}")
    out = []
    for k, pair in enumerate(raw):
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in pair)):
            raise FormatError(_NAME, row, f"{column}[{k}]", f"expected a [source, target] pair of indices >= 0, "
                              f"got {pair!r}")
        out.append((int(pair[0]), int(pair[1])))
    return out


@dataclass
class Projector:
    """Projects one batch of rows (``dict`` of columns → ``{output: projected tags}``): the function
    :func:`project_dataset` maps; pass it to ``ds.map(..., batched=True, with_indices=True)`` yourself (indices
    only improve error messages, they may be left out).

    Attributes: the column names, the projection ``method`` (``heuristic``, ``greedy``, ``exact``, ``ilp``),
    ``matching`` (:class:`~xlner.projection.MatchingConfig`), ``heuristic`` (a config or preset name),
    ``tag_names`` (names of integer source tags), ``output_names`` (write ids over these names instead of
    strings), ``threads`` of the core.
    """

    source_tokens: str = "tokens"
    source_tags: str = "ner_tags"
    target_tokens: str = "target_tokens"
    alignments: str = "alignments"
    output: str = "projected_tags"
    method: str = "greedy"
    matching: Optional[Any] = None
    heuristic: Optional[Any] = None
    tag_names: Optional[Sequence[str]] = None
    output_names: Optional[Sequence[str]] = None
    threads: int = 1
    _out_index: Dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from xlner.projection import METHODS

        if self.method not in METHODS:
            raise ValueError(f"unknown projection method {self.method!r}; choose one of {METHODS}")
        if self.output_names is not None:
            self._out_index = {n: i for i, n in enumerate(self.output_names)}

    def __call__(self, batch: Dict[str, List[Any]], indices: Optional[Sequence[int]] = None) -> Dict[str, List[Any]]:
        from xlner.io.conll import TokenCorpus
        from xlner.io.corpus import build_batch, result_tag_ids
        from xlner.io.tables import TableColumns, rows_to_sentences
        from xlner.io.talp import Alignments
        from xlner.projection import project

        for col in (self.source_tokens, self.source_tags, self.target_tokens, self.alignments):
            if col not in batch:
                raise FormatError(_NAME, None, col, f"no such column; the dataset has {sorted(batch)}")
        n = len(batch[self.source_tokens])
        rows = list(indices) if indices is not None else list(range(n))
        start = rows[0] if rows else 0
        src = rows_to_sentences(_NAME, start, batch[self.source_tokens], batch[self.source_tags],
                                TableColumns(self.source_tokens, self.source_tags), self.tag_names)
        tgt = rows_to_sentences(_NAME, start, batch[self.target_tokens], None, TableColumns(self.target_tokens, None),
                                None)
        links = [_links(raw, r, self.alignments) for raw, r in zip(batch[self.alignments], rows)]
        if n == 0:
            return {self.output: []}
        try:
            src_c = TokenCorpus.from_lists([s.tokens for s in src], [s.tags for s in src])
        except ValueError as exc:
            raise FormatError(_NAME, None, self.source_tags, f"{exc} (sentence counted from row {start})") from None
        tgt_c = TokenCorpus.from_lists([s.tokens for s in tgt])
        aln = Alignments.from_lists(links, path=f"{_NAME} column {self.alignments}")
        try:
            pb = build_batch(src_c, tgt_c, aln, threads=self.threads)
        except FormatError as exc:
            raise FormatError(_NAME, start + (exc.sentence or 0), self.alignments, exc.detail) from None
        kw: Dict[str, Any] = {}
        if self.method == "heuristic":
            kw = {"heuristic": self.heuristic, "tgt_tokens": tgt_c}
        result = project(pb, self.method, matching=self.matching, threads=self.threads, **kw)
        ids = result_tag_ids(tgt_c, result, threads=self.threads).tolist()
        names = _iob2_names(result.labels.names)
        off = tgt_c.offsets.tolist()
        tags = [[names[t] for t in ids[off[i]:off[i + 1]]] for i in range(n)]
        if self.output_names is not None:
            missing = sorted({t for sent in tags for t in sent} - set(self._out_index))
            if missing:
                raise FormatError(_NAME, None, self.output, f"projected tags {missing} are not in the output "
                                  f"names {list(self.output_names)}")
            return {self.output: [[self._out_index[t] for t in sent] for sent in tags]}
        return {self.output: tags}


def _iob2_names(labels: Sequence[str]) -> List[str]:
    from xlner import _core

    return list(_core.iob2_tag_names(list(labels)))


def project_dataset(ds: Any, *, source_tokens: str = "tokens", source_tags: str = "ner_tags",
                    target_tokens: str = "target_tokens", alignments: str = "alignments", method: str = "greedy",
                    output: str = "projected_tags", matching: Optional[Any] = None, heuristic: Optional[Any] = None,
                    tag_names: Optional[Sequence[str]] = None, class_label: bool = True, batch_size: int = 1000,
                    threads: int = 1, num_proc: Optional[int] = None) -> Any:
    """A copy of ``ds`` (a ``datasets.Dataset``) with a column ``output`` of projected target IOB2 tags.

    Arguments:
        source_tokens / source_tags / target_tokens / alignments: the input columns (see the module docstring).
        method / matching / heuristic: as in :func:`xlner.projection.project`.
        tag_names: names of integer source tags (default: the ``ClassLabel`` names of ``source_tags``).
        class_label: when the source tags are ``ClassLabel`` ids, write the output as ids of the same
            ``ClassLabel`` (else IOB2 strings).
        batch_size / num_proc: passed to ``ds.map``; threads: core threads per batch.

    Raises ``FormatError`` for a missing column (naming the columns there are) or a malformed row.
    """
    from datasets import Features, Sequence as HFSequence, Value

    from xlner.io.tables import class_label_names

    for col in (source_tokens, source_tags, target_tokens, alignments):
        if col not in ds.column_names:
            raise FormatError(_NAME, None, col, f"no such column; the dataset has {list(ds.column_names)}")
    label_names = class_label_names(ds.features.get(source_tags))
    names = list(tag_names) if tag_names is not None else label_names
    out_names = names if (class_label and label_names is not None) else None
    fn = Projector(source_tokens=source_tokens, source_tags=source_tags, target_tokens=target_tokens,
                   alignments=alignments, output=output, method=method, matching=matching, heuristic=heuristic,
                   tag_names=names, output_names=out_names, threads=threads)
    feats = ds.features.copy()
    feats[output] = ds.features[source_tags] if out_names is not None else HFSequence(Value("string"))
    return ds.map(fn, batched=True, batch_size=batch_size, with_indices=True, features=Features(feats),
                  num_proc=num_proc, desc="project")


__all__ = ["Projector", "project_dataset"]
