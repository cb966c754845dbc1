"""Token/tag data as Arrow tables: Parquet files and Hugging Face ``datasets`` folders.

One row per sentence, tokens and IOB2 tags as list columns (names configurable, default ``tokens`` /
``tags`` as in the JSON-lines input). Tags are strings, or integer ids whose names come from the
``ClassLabel`` feature of the column (a ``datasets`` folder, or a Parquet file written by ``datasets`` or by
:func:`write_table`, which stores the features in the schema metadata) or from ``tag_names``.

Formats (:func:`table_format`): ``parquet`` — a ``.parquet`` / ``.pq`` file, or a folder of such files
read in name order; ``hf`` — a folder written by ``Dataset.save_to_disk`` (``state.json``) or by
``DatasetDict.save_to_disk`` (``dataset_dict.json``; one split is picked with ``split=`` or by naming
``<folder>/<split>``). Reading streams record batches (bounded memory); every malformed value raises
:class:`~xlner.io.errors.FormatError` naming the file, the sentence (0-based row) and the column.

Needs ``pip install 'xlner[arrow]'`` (``pyarrow``, ``datasets``); the CoNLL/JSON-lines paths do not.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from xlner.io.conll import Sentence, TokenCorpus
from xlner.io.errors import FormatError

PathLike = Union[str, "os.PathLike[str]"]
FORMATS = ("parquet", "hf")
PARQUET_SUFFIXES = (".parquet", ".pq")


def table_format(path: PathLike) -> Optional[str]:
    """``'parquet'``, ``'hf'`` or None (not a table: CoNLL, JSON lines, text) for an input or output path.

    An existing folder is ``hf`` when it holds ``state.json`` or ``dataset_dict.json``, ``parquet`` when it
    holds ``*.parquet`` files; a file (existing or not) is ``parquet`` by its suffix.
    """
    p = Path(path)
    if p.is_dir():
        if (p / "state.json").is_file() or (p / "dataset_dict.json").is_file():
            return "hf"
        if any(q.suffix in PARQUET_SUFFIXES for q in p.iterdir()):
            return "parquet"
        return None
    return "parquet" if p.suffix.lower() in PARQUET_SUFFIXES else None


def class_label_names(feature: Any) -> Optional[List[str]]:
    """Names of the ``ClassLabel`` inside a list feature (``Sequence``/``List`` of ``ClassLabel``), given as a
    ``datasets`` feature object or its JSON form; None when the column holds no ``ClassLabel``."""
    if feature is None:
        return None
    if isinstance(feature, Mapping):
        if feature.get("_type") == "ClassLabel":
            return [str(n) for n in feature["names"]]
        return class_label_names(feature.get("feature"))
    if isinstance(feature, (list, tuple)):  # the legacy ``[ClassLabel]`` list form
        return class_label_names(feature[0]) if len(feature) == 1 else None
    names = getattr(feature, "names", None)
    if names is not None and type(feature).__name__ == "ClassLabel":
        return [str(n) for n in names]
    return class_label_names(getattr(feature, "feature", None))


@dataclass
class TableColumns:
    """Column names of the token/tag data and the names of integer tags.

    tokens / tags: the list columns (``tags`` None or absent: sentences without tags).
    tag_names: names of integer tag ids in id order; default the column's ``ClassLabel`` names.
    """

    tokens: str = "tokens"
    tags: Optional[str] = "tags"
    tag_names: Optional[Sequence[str]] = None


def check_columns(path: str, available: Sequence[str], cols: TableColumns, with_tags: Optional[bool]) -> bool:
    """Raise :class:`FormatError` (naming the table, the column and the columns there are) when a needed column
    is missing; returns whether tags are read (``with_tags`` None: when the tags column exists)."""
    if cols.tokens not in available:
        raise FormatError(path, None, cols.tokens, f"no such column; the table has {list(available)} "
                          f"(set the tokens column name)")
    if with_tags is False or cols.tags is None:
        return False
    if cols.tags not in available:
        if with_tags:
            raise FormatError(path, None, cols.tags, f"no such column; the table has {list(available)} "
                              f"(set the tags column name)")
        return False
    return True


def rows_to_sentences(path: str, start: int, tokens: Sequence[Any], tags: Optional[Sequence[Any]],
                      cols: TableColumns, tag_names: Optional[Sequence[str]]) -> List[Sentence]:
    """Validate one batch of rows (``start``: index of its first row) and make :class:`Sentence` objects.

    Tokens must be lists of non-empty strings; tags lists of the same length, of strings or of integer ids
    into ``tag_names``. Raises :class:`FormatError` naming the file, the sentence and the column.
    """
    out: List[Sentence] = []
    names = list(tag_names) if tag_names is not None else None
    for k, toks in enumerate(tokens):
        i = start + k
        if not isinstance(toks, list) or not all(isinstance(t, str) and t for t in toks):
            raise FormatError(path, i, cols.tokens, "expected a list of non-empty strings")
        if tags is None:
            out.append(Sentence(toks, []))
            continue
        raw = tags[k]
        fld = str(cols.tags)
        if not isinstance(raw, list) or len(raw) != len(toks):
            n = len(raw) if isinstance(raw, list) else type(raw).__name__
            raise FormatError(path, i, fld, f"expected {len(toks)} tags (one per token), got {n}")
        if raw and all(isinstance(t, (int, np.integer)) and not isinstance(t, bool) for t in raw):
            if names is None:
                raise FormatError(path, i, fld, "integer tags need tag names (a ClassLabel feature or tag_names)")
            bad = [t for t in raw if not 0 <= t < len(names)]
            if bad:
                raise FormatError(path, i, fld, f"tag id {bad[0]} out of range 0..{len(names) - 1}")
            out.append(Sentence(toks, [names[t] for t in raw]))
        elif all(isinstance(t, str) for t in raw):
            out.append(Sentence(toks, list(raw)))
        else:
            raise FormatError(path, i, fld, "expected tag strings or integer tag ids")
    return out


def iter_table_sentences(path: PathLike, *, with_tags: Optional[bool] = None, tokens_field: str = "tokens",
                         tags_field: Optional[str] = "tags", tag_names: Optional[Sequence[str]] = None,
                         split: Optional[str] = None, batch_size: int = 10000) -> Iterator[Sentence]:
    """Stream the sentences of a Parquet file/folder or a ``datasets`` folder (see the module docstring).

    Arguments:
        with_tags: True: the tags column must exist; False: tags are not read; None: read when present.
        tokens_field / tags_field: the list columns.
        tag_names: names of integer tags (default: the column's ``ClassLabel`` names).
        split: the split of a ``DatasetDict`` folder.
        batch_size: rows converted at a time.
    """
    cols = TableColumns(tokens_field, tags_field, tag_names)
    fmt = table_format(path)
    if fmt is None:
        raise ValueError(f"{os.fspath(path)}: not a Parquet file/folder nor a datasets folder")
    for name, start, columns, names in _iter_batches(path, fmt, cols, with_tags, split, batch_size):
        yield from rows_to_sentences(name, start, columns[0], columns[1], cols, names)


def _iter_batches(path: PathLike, fmt: str, cols: TableColumns, with_tags: Optional[bool], split: Optional[str],
                  batch_size: int) -> Iterator[Tuple[str, int, Tuple[List[Any], Optional[List[Any]]],
                                                     Optional[Sequence[str]]]]:
    """(file name, first row, (tokens, tags or None), tag names) per record batch."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if fmt == "parquet":
        from xlner.io.parquet import iter_parquet_batches

        yield from iter_parquet_batches(path, cols, with_tags=with_tags, batch_size=batch_size)
    elif fmt == "hf":
        from xlner.io.hf import iter_dataset_batches, load_dataset_dir

        ds = load_dataset_dir(path, split=split)
        yield from iter_dataset_batches(ds, cols, with_tags=with_tags, batch_size=batch_size, name=os.fspath(path))
    else:
        raise ValueError(f"unknown table format {fmt!r}; choose one of {FORMATS}")


def read_table(path: PathLike, **kwargs: Any) -> List[Sentence]:
    """All sentences of a table as a list (see :func:`iter_table_sentences` for the arguments)."""
    return list(iter_table_sentences(path, **kwargs))


class TableCorpus(TokenCorpus):
    """A :class:`TokenCorpus` built from a table; :attr:`path` names the table (for error messages)."""

    def __init__(self, corpus: TokenCorpus, path: str):
        super().__init__(corpus.core)
        self._path = path

    @property
    def path(self) -> str:
        return self._path


def load_table_corpus(path: PathLike, *, with_tags: bool = True, tokens_field: str = "tokens",
                      tags_field: Optional[str] = "tags", tag_names: Optional[Sequence[str]] = None,
                      split: Optional[str] = None, labels: Optional[Sequence[str]] = None) -> TokenCorpus:
    """Read a whole table into a :class:`TokenCorpus` (the input of the C++ projection route).

    ``with_tags=True`` requires the tags column (``FormatError`` otherwise); ``labels`` fixes the label
    vocabulary's first ids. Non-IOB2 tags raise ``ValueError`` naming the sentence.
    """
    sents = list(iter_table_sentences(path, with_tags=with_tags, tokens_field=tokens_field, tags_field=tags_field,
                                      tag_names=tag_names, split=split))
    if not sents:
        raise FormatError(os.fspath(path), None, "rows", "empty table (no sentences)")
    p = os.fspath(path)
    try:
        corpus = TokenCorpus.from_lists([s.tokens for s in sents], [s.tags for s in sents] if with_tags else None,
                                        labels=labels)
    except ValueError as exc:
        raise ValueError(f"{p}: {exc}") from None
    return TableCorpus(corpus, p)


def load_labelled(path: PathLike, *, tokens_field: str = "tokens", tags_field: str = "tags",
                  keep_tokens: bool = False) -> TokenCorpus:
    """Sentences with IOB2 tags from a CoNLL file (C++ reader; ``keep_tokens`` as in
    :func:`~xlner.io.conll.load_conll`) or from a table (tokens always kept): the reader of the commands that
    take labelled data (``evaluate``, ``train-tagger``)."""
    from xlner.io.conll import load_conll

    if table_format(path) is not None:
        return load_table_corpus(path, with_tags=True, tokens_field=tokens_field, tags_field=tags_field)
    return load_conll(path, with_tags=True, keep_tokens=keep_tokens)


def _as_rows(sentences: Union[TokenCorpus, Iterable[Sentence]], tag_ids: Optional[np.ndarray],
             tag_names: Optional[Sequence[str]]) -> Tuple[List[List[str]], Optional[List[List[str]]]]:
    """Token lists and tag lists (None: no tags) of a corpus (optionally with separate tag ids) or sentences."""
    if isinstance(sentences, TokenCorpus):
        toks = sentences.token_lists()
        if tag_ids is not None:
            names = list(tag_names) if tag_names is not None else sentences.tag_names()
            ids = np.asarray(tag_ids).tolist()
            if len(ids) != sentences.n_tokens:
                raise ValueError(f"field tags: {len(ids)} tag ids for {sentences.n_tokens} tokens")
            off = sentences.offsets.tolist()
            return toks, [[names[t] for t in ids[off[i]:off[i + 1]]] for i in range(len(sentences))]
        return toks, sentences.tag_lists() if sentences.has_tags else None
    sents = list(sentences)
    if not any(s.tags for s in sents):
        return [list(s.tokens) for s in sents], None
    for i, s in enumerate(sents):
        if len(s.tags) != len(s.tokens):
            raise ValueError(f"sentence {i}, field tags: {len(s.tags)} tags for {len(s.tokens)} tokens")
    return [list(s.tokens) for s in sents], [list(s.tags) for s in sents]


def default_tag_names(tags: Iterable[Sequence[str]]) -> List[str]:
    """``O`` then ``B-X``, ``I-X`` for every label X in order of first appearance (the ``ClassLabel`` names
    written when none are given). Raises ``ValueError`` naming the sentence for a tag that is not IOB2."""
    labels: Dict[str, None] = {}
    for i, sent in enumerate(tags):
        for t in sent:
            if t == "O":
                continue
            if len(t) < 3 or t[:2] not in ("B-", "I-"):
                raise ValueError(f"sentence {i}, field tags: {t!r} is not an IOB2 tag (O, B-X, I-X)")
            labels.setdefault(t[2:], None)
    return ["O"] + [f"{p}-{label}" for label in labels for p in ("B", "I")]


def write_table(path: PathLike, sentences: Union[TokenCorpus, Iterable[Sentence]], *, format: str = "auto",
                tokens_field: str = "tokens", tags_field: str = "tags", class_label: bool = True,
                tag_names: Optional[Sequence[str]] = None, tag_ids: Optional[np.ndarray] = None) -> None:
    """Write sentences as a Parquet file or a ``datasets`` folder (``format``: ``parquet``, ``hf``, or ``auto``:
    by :func:`table_format`, a path without a Parquet suffix being a ``datasets`` folder).

    Arguments:
        sentences: a :class:`TokenCorpus` (with tags, or with ``tag_ids`` over its tag names / ``tag_names``)
            or :class:`Sentence` objects (all with tags, or all without).
        class_label: write tags as integer ids with a ``ClassLabel`` feature (names ``tag_names``, default
            :func:`default_tag_names`); False writes tag strings.
    """
    fmt = format if format != "auto" else (table_format(path) or "hf")
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {format!r}; choose one of {FORMATS} or 'auto'")
    toks, tags = _as_rows(sentences, tag_ids, tag_names if tag_ids is not None else None)
    names: Optional[List[str]] = None
    if tags is not None and class_label:
        names = list(tag_names) if tag_names is not None else default_tag_names(tags)
        index = {n: i for i, n in enumerate(names)}
        ids: List[List[int]] = []
        for i, sent in enumerate(tags):
            try:
                ids.append([index[t] for t in sent])
            except KeyError as exc:
                raise ValueError(f"sentence {i}, field {tags_field}: tag {exc.args[0]!r} not in tag_names "
                                 f"{names}") from None
        columns: Dict[str, List[Any]] = {tokens_field: toks, tags_field: ids}
    else:
        columns = {tokens_field: toks}
        if tags is not None:
            columns[tags_field] = tags
    if tokens_field == tags_field:
        raise ValueError(f"tokens and tags columns must differ, both are {tokens_field!r}")
    features = features_json(columns, tags_field, names)
    if fmt == "parquet":
        from xlner.io.parquet import write_parquet_columns

        write_parquet_columns(path, columns, features)
    else:
        from xlner.io.hf import save_dataset_columns

        save_dataset_columns(path, columns, features)


def features_json(columns: Mapping[str, Any], tags_field: str, names: Optional[Sequence[str]]) -> Dict[str, Any]:
    """The ``datasets`` features (JSON form) of token/tag columns: lists of strings, or of ``ClassLabel``."""
    out: Dict[str, Any] = {}
    for col in columns:
        inner: Dict[str, Any] = {"dtype": "string", "_type": "Value"}
        if col == tags_field and names is not None:
            inner = {"names": list(names), "_type": "ClassLabel"}
        out[col] = {"feature": inner, "_type": "Sequence"}
    return out


def features_from_metadata(metadata: Optional[Mapping[bytes, bytes]]) -> Dict[str, Any]:
    """The ``datasets`` features (JSON form) stored in a Parquet/Arrow schema's ``huggingface`` metadata
    (empty when absent)."""
    if not metadata or b"huggingface" not in metadata:
        return {}
    try:
        info = json.loads(metadata[b"huggingface"].decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    feats = (info.get("info") or {}).get("features") if isinstance(info, dict) else None
    return feats if isinstance(feats, dict) else {}


__all__ = ["FORMATS", "TableColumns", "TableCorpus", "check_columns", "class_label_names", "default_tag_names",
           "features_from_metadata", "features_json", "iter_table_sentences", "load_labelled", "load_table_corpus",
           "read_table", "rows_to_sentences", "table_format", "write_table"]
