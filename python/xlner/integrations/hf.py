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
        import numpy as np

        from xlner import _core
        from xlner.io.conll import TokenCorpus
        from xlner.io.corpus import build_batch, result_tag_ids
        from xlner.projection import project

        for col in (self.source_tokens, self.source_tags, self.target_tokens, self.alignments):
            if col not in batch:
                raise FormatError(_NAME, None, col, f"no such column; the dataset has {sorted(batch)}")
        n = len(batch[self.source_tokens])
        start = int(indices[0]) if indices is not None and len(indices) else 0
        if n == 0:
            return {self.output: []}
        src_tokens, tgt_tokens = batch[self.source_tokens], batch[self.target_tokens]
        try:  # fast path: the C++ constructors validate tokens, tags and lengths
            tags = self._tag_strings(batch[self.source_tags])
            src_c = TokenCorpus(_core.corpus_from_lists(src_tokens, tags, labels=[]))
            tgt_c = TokenCorpus(_core.corpus_from_lists(tgt_tokens, None, labels=[]))
        except (ValueError, TypeError, IndexError) as exc:
            self._explain(batch, start)  # raises a FormatError naming the row and column
            raise FormatError(_NAME, None, self.source_tags, f"{exc} (sentence counted from row {start})") from None
        aln = _alignments(batch[self.alignments], start, self.alignments)
        try:
            pb = build_batch(src_c, tgt_c, aln, threads=self.threads)
        except FormatError as exc:
            raise FormatError(_NAME, start + (exc.sentence or 0), self.alignments, exc.detail) from None
        kw: Dict[str, Any] = {}
        if self.method == "heuristic":
            kw = {"heuristic": self.heuristic, "tgt_tokens": tgt_c}
        result = project(pb, self.method, matching=self.matching, threads=self.threads, **kw)
        ids = result_tag_ids(tgt_c, result, threads=self.threads)
        names = _iob2_names(result.labels.names)
        if self.output_names is not None:
            missing = sorted(names[t] for t in np.unique(ids).tolist() if names[t] not in self._out_index)
            if missing:
                raise FormatError(_NAME, None, self.output, f"projected tags {missing} are not in the output "
                                  f"names {list(self.output_names)}")
            lookup: List[Any] = [self._out_index.get(t, -1) for t in names]
        else:
            lookup = names
        flat = [lookup[t] for t in ids.tolist()]
        off = tgt_c.offsets.tolist()
        return {self.output: [flat[off[i]:off[i + 1]] for i in range(n)]}

    def _tag_strings(self, raw: Sequence[Any]) -> List[List[str]]:
        """Source tags as strings (integer ids through ``tag_names``); IndexError/TypeError on bad ids."""
        if self.tag_names is not None and any(len(r) for r in raw):
            first = next(r for r in raw if len(r))
            if not isinstance(first[0], str):
                index = dict(enumerate(self.tag_names))  # KeyError for negative or too large ids
                try:
                    return [[index[t] for t in row] for row in raw]
                except KeyError as exc:
                    raise IndexError(f"tag id {exc.args[0]} out of range") from None
        return [list(r) for r in raw]

    def _explain(self, batch: Dict[str, List[Any]], start: int) -> None:
        """Validate the rows in Python to name the first bad row and column (raises :class:`FormatError`)."""
        from xlner.io.tables import TableColumns, rows_to_sentences

        src = rows_to_sentences(_NAME, start, batch[self.source_tokens], batch[self.source_tags],
                                TableColumns(self.source_tokens, self.source_tags), self.tag_names)
        rows_to_sentences(_NAME, start, batch[self.target_tokens], None, TableColumns(self.target_tokens, None), None)
        from xlner.io.conll import TokenCorpus

        for k, sent in enumerate(src):
            try:
                TokenCorpus.from_lists([sent.tokens], [sent.tags])
            except ValueError as exc:
                raise FormatError(_NAME, start + k, self.source_tags, str(exc)) from None


def _alignments(raw: Sequence[Any], start: int, column: str) -> Any:
    """:class:`~xlner.io.talp.Alignments` of a column of ``[[source, target], ...]`` lists (vectorised) or talp
    strings; bad rows raise :class:`FormatError` naming the row."""
    import numpy as np

    from xlner.io.talp import Alignments

    path = f"{_NAME} column {column}"
    if all(isinstance(r, (list, tuple)) for r in raw):
        lens = [len(r) for r in raw]
        flat = [p for r in raw for p in r]
        try:
            arr = np.asarray(flat, dtype=np.int64).reshape(len(flat), 2) if flat else np.zeros((0, 2), np.int64)
            ok = bool((arr >= 0).all()) and all(len(p) == 2 for p in flat)
        except (ValueError, TypeError):
            ok = False
        if ok:
            offsets = np.zeros(len(raw) + 1, dtype=np.int64)
            offsets[1:] = np.cumsum(lens)
            return Alignments(offsets, np.ascontiguousarray(arr[:, 0], dtype=np.int32),
                              np.ascontiguousarray(arr[:, 1], dtype=np.int32), np.zeros(len(arr), dtype=np.uint8), path)
    return Alignments.from_lists([_links(r, start + k, column) for k, r in enumerate(raw)], path=path)


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
