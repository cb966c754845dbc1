"""Hugging Face ``datasets`` folders (``save_to_disk``) of token/tag data: loading one split, streaming
its rows as Arrow batches, and saving columns with ``ClassLabel`` tags. Layout and options:
:mod:`xlner.io.tables`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from xlner.io.errors import FormatError
from xlner.io.tables import TableColumns, check_columns, class_label_names

PathLike = Union[str, "os.PathLike[str]"]


def load_dataset_dir(path: PathLike, *, split: Optional[str] = None) -> Any:
    """``datasets.load_from_disk`` of a ``Dataset`` folder, or one split of a ``DatasetDict`` folder
    (``split``; optional when it holds one split). Raises ``ValueError`` naming the splits otherwise."""
    from datasets import DatasetDict, load_from_disk

    p = os.fspath(path)
    ds = load_from_disk(p)
    if isinstance(ds, DatasetDict):
        splits = list(ds.keys())
        if split is None and len(splits) == 1:
            split = splits[0]
        if split not in ds:
            raise ValueError(f"{p}: a DatasetDict with splits {splits}; choose one (split=... or the folder "
                             f"{p}/<split>)")
        return ds[split]
    if split is not None:
        raise ValueError(f"{p}: a single Dataset, but split={split!r} was given")
    return ds


def tag_names_of(ds: Any, column: str) -> Optional[List[str]]:
    """``ClassLabel`` names of a list column of a ``datasets.Dataset`` (None when its items are not
    ``ClassLabel``)."""
    return class_label_names(ds.features.get(column))


def iter_dataset_batches(ds: Any, cols: TableColumns, *, with_tags: Optional[bool] = None, batch_size: int = 10000,
                         name: str = "<dataset>") -> Iterator[Tuple[str, int, Tuple[List[Any], Optional[List[Any]]],
                                                                    Optional[Sequence[str]]]]:
    """(name, first row, (token lists, tag lists or None), tag names) per batch of rows of a ``Dataset``.

    Tag names: ``cols.tag_names``, else the ``ClassLabel`` names of the tags column.
    """
    read_tags = check_columns(name, list(ds.column_names), cols, with_tags)
    names = cols.tag_names
    if read_tags and names is None:
        names = tag_names_of(ds, str(cols.tags))
    wanted = [cols.tokens] + ([str(cols.tags)] if read_tags else [])
    table = ds.select_columns(wanted).with_format("arrow")
    start = 0
    for tb in table.iter(batch_size=batch_size):
        toks = tb.column(cols.tokens).to_pylist()
        tags = tb.column(str(cols.tags)).to_pylist() if read_tags else None
        yield name, start, (toks, tags), names
        start += len(toks)


def dataset_from_columns(columns: Mapping[str, List[Any]], features: Dict[str, Any]) -> Any:
    """A ``datasets.Dataset`` of list columns with ``features`` (``datasets`` JSON form)."""
    from datasets import Dataset, Features

    return Dataset.from_dict(dict(columns), features=Features.from_dict(features))


def save_dataset_columns(path: PathLike, columns: Mapping[str, List[Any]], features: Dict[str, Any]) -> None:
    """Save list columns as a ``datasets`` folder (``Dataset.save_to_disk``)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise FormatError(str(p), None, "file", "exists and is not a folder (a datasets output is a folder)")
    dataset_from_columns(columns, features).save_to_disk(str(p))


__all__ = ["dataset_from_columns", "iter_dataset_batches", "load_dataset_dir",
           "save_dataset_columns", "tag_names_of"]
