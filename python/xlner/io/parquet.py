"""Parquet files of token/tag data (``pyarrow``): streamed reading by record batch, writing with the
``datasets`` features in the schema metadata (so ``ClassLabel`` tag names survive a round trip and
``datasets.Dataset.from_parquet`` sees them). Layout and options: :mod:`xlner.io.tables`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from xlner.io.errors import FormatError
from xlner.io.tables import PARQUET_SUFFIXES, TableColumns, check_columns, class_label_names, features_from_metadata

PathLike = Union[str, "os.PathLike[str]"]


def parquet_files(path: PathLike) -> List[Path]:
    """The file itself, or the ``*.parquet`` / ``*.pq`` files of a folder in name order."""
    p = Path(path)
    if p.is_dir():
        files = sorted(q for q in p.iterdir() if q.suffix.lower() in PARQUET_SUFFIXES)
        if not files:
            raise FormatError(str(p), None, "file", "folder holds no .parquet files")
        return files
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such Parquet file or folder")
    return [p]


def open_parquet(path: PathLike, cols: TableColumns, *, with_tags: Optional[bool] = None,
                 extra_columns: Sequence[str] = ()) -> Tuple[Any, bool, Optional[Sequence[str]], List[str]]:
    """Open one Parquet file and check its columns: (``pyarrow.parquet.ParquetFile``, whether the tags column is
    read, tag names, the columns to read: tokens, tags if read, then ``extra_columns``). Tag names:
    ``cols.tag_names``, else the ``ClassLabel`` of the tags column in the file's ``datasets`` metadata. A file that
    is not Parquet, or lacks a column, raises :class:`FormatError` naming the file and the column."""
    import pyarrow.parquet as pq

    name = os.fspath(path)
    try:
        pf = pq.ParquetFile(name)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for non-Parquet bytes
        raise FormatError(name, None, "file", f"not a readable Parquet file ({exc})") from None
    schema = pf.schema_arrow
    read_tags = check_columns(name, schema.names, cols, with_tags)
    names = cols.tag_names
    if read_tags and names is None:
        names = class_label_names(features_from_metadata(schema.metadata).get(str(cols.tags)))
    for c in extra_columns:
        if c not in schema.names:
            raise FormatError(name, None, c, f"no such column; the table has {schema.names}")
    wanted = [cols.tokens] + ([str(cols.tags)] if read_tags else [])
    return pf, read_tags, names, wanted + [c for c in dict.fromkeys(extra_columns) if c not in wanted]


def iter_parquet_batches(path: PathLike, cols: TableColumns, *, with_tags: Optional[bool] = None,
                         batch_size: int = 10000) -> Iterator[Tuple[str, int, Tuple[List[Any], Optional[List[Any]]],
                                                                    Optional[Sequence[str]]]]:
    """(file, first row, (token lists, tag lists or None), tag names) per record batch of a Parquet file or
    folder; rows are numbered across the files of a folder. Tag names as :func:`open_parquet` finds them."""
    start = 0
    for f in parquet_files(path):
        name = str(f)
        pf, read_tags, names, wanted = open_parquet(name, cols, with_tags=with_tags)
        for rb in pf.iter_batches(batch_size=batch_size, columns=wanted):
            toks = rb.column(0).to_pylist()
            tags = rb.column(1).to_pylist() if read_tags else None
            yield name, start, (toks, tags), names
            start += rb.num_rows


def write_parquet_columns(path: PathLike, columns: Mapping[str, List[Any]], features: Dict[str, Any], *,
                          row_group_size: int = 100000) -> None:
    """Write list columns to one Parquet file with ``features`` (``datasets`` JSON form) in the metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {c: pa.list_(pa.int64() if features[c]["feature"]["_type"] == "ClassLabel" else pa.string())
             for c in columns}
    meta = {b"huggingface": json.dumps({"info": {"features": features}}).encode("utf-8")}
    schema = pa.schema([pa.field(c, types[c]) for c in columns], metadata=meta)
    table = pa.table({c: pa.array(v, type=types[c]) for c, v in columns.items()}, schema=schema)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, os.fspath(path), row_group_size=row_group_size)


__all__ = ["iter_parquet_batches", "open_parquet", "parquet_files", "write_parquet_columns"]
