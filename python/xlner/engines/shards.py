"""Projection over a folder of Parquet shards, shard by shard, locally or on a Ray cluster.

Each input shard (``*.parquet``, one row per sentence pair) holds the source tokens, the source IOB2 tags
(strings or ``ClassLabel`` ids), the target tokens and the word alignments, as for
:func:`xlner.integrations.hf.project_dataset`; the output folder gets one shard of the same name with the
input columns plus the projected tags column (ids of the source ``ClassLabel`` when the source has one,
else strings). A shard is projected by :class:`xlner.integrations.hf.Projector` (the C++ batch engine) and
written to a temporary name first, then renamed: a run over the same folders skips finished shards, so an
interrupted run resumes where it stopped.

Engines: ``local`` runs the shards one after the other in this process; ``ray`` runs one Ray task per shard
(``num_cpus=1`` each, at most ``max_in_flight`` at a time so that no more than that many shards are in memory;
a task lost with its worker is retried ``retries`` times). Both call the same per-shard function, so their
outputs are identical. Start Ray on a cluster with ``ray start --head`` (then ``ray start
--address=HEAD:6379`` on the others) and pass ``address="HEAD:6379"`` (``--ray-address``); without an
address a local Ray instance is started (``num_cpus``) and stopped again.
"""
from __future__ import annotations

import contextlib
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

PathLike = Union[str, "os.PathLike[str]"]
ENGINES = ("local", "ray")


@dataclass
class ShardColumns:
    """Column names of the shards and the projection options (see :class:`xlner.integrations.hf.Projector`)."""

    source_tokens: str = "tokens"
    source_tags: str = "tags"
    target_tokens: str = "target_tokens"
    alignments: str = "alignments"
    output: str = "projected_tags"
    method: str = "greedy"
    max_len: int = 10
    constraint: str = "<=1"
    heuristic: Optional[str] = None


@dataclass
class ShardSummary:
    """What a run did: shards projected / skipped (already done), sentences projected, seconds."""

    engine: str
    shards: int = 0
    projected: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    sentences: int = 0
    seconds: float = 0.0

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-serialisable dict."""
        return asdict(self)


def project_shard(src: PathLike, dst: PathLike, cols: ShardColumns) -> int:
    """Project one Parquet shard ``src`` into ``dst`` (written as ``dst.tmp``, then renamed); returns its rows.

    Raises :class:`~xlner.io.errors.FormatError` naming the shard, the row and the column for bad input.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from xlner.integrations.hf import Projector
    from xlner.io.errors import FormatError
    from xlner.io.tables import class_label_names, features_from_metadata, features_json
    from xlner.projection import MatchingConfig

    name = os.fspath(src)
    table = pq.read_table(name)
    features = features_from_metadata(table.schema.metadata)
    names = class_label_names(features.get(cols.source_tags))
    fn = Projector(source_tokens=cols.source_tokens, source_tags=cols.source_tags, target_tokens=cols.target_tokens,
                   alignments=cols.alignments, output=cols.output, method=cols.method,
                   matching=MatchingConfig(max_len=cols.max_len, constraint=cols.constraint),
                   heuristic=cols.heuristic, tag_names=names, output_names=names)
    try:
        out = fn(table.to_pydict())[cols.output]
    except FormatError as exc:
        raise FormatError(name, exc.sentence, exc.field, exc.detail) from None
    out_type = pa.list_(pa.int64() if names is not None else pa.string())
    result = table.append_column(pa.field(cols.output, out_type), pa.array(out, type=out_type))
    if features:
        features[cols.output] = features_json({cols.output: None}, cols.output, names)[cols.output]
        meta = dict(table.schema.metadata or {})
        meta[b"huggingface"] = json.dumps({"info": {"features": features}}).encode("utf-8")
        result = result.replace_schema_metadata(meta)
    tmp = f"{os.fspath(dst)}.tmp"
    pq.write_table(result, tmp)
    os.replace(tmp, os.fspath(dst))
    return table.num_rows


def project_shards(input_dir: PathLike, output_dir: PathLike, cols: Optional[ShardColumns] = None, *,
                   engine: str = "local", address: Optional[str] = None, num_cpus: Optional[int] = None,
                   max_in_flight: int = 8, retries: int = 2) -> ShardSummary:
    """Project every ``*.parquet`` shard of ``input_dir`` into ``output_dir`` (see the module docstring).

    Arguments:
        engine: ``local`` or ``ray``.
        address: Ray cluster address (``ray`` engine; None: start a local instance with ``num_cpus``).
        max_in_flight: most shards being projected at once (``ray``).
        retries: retries of a task whose worker died (``ray``).

    Raises ``ValueError`` for an unknown engine or a folder without shards, and the first shard's error
    (``FormatError`` naming the shard) when a shard fails.
    """
    from xlner.io.parquet import parquet_files

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")
    if max_in_flight < 1 or retries < 0:
        raise ValueError(f"max_in_flight must be >= 1 and retries >= 0, got {max_in_flight}, {retries}")
    cols = cols if cols is not None else ShardColumns()
    shards = parquet_files(input_dir)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = ShardSummary(engine=engine, shards=len(shards))
    todo: List[str] = []
    for s in shards:
        (summary.skipped if (out / s.name).is_file() else todo).append(s.name)
    t0 = time.perf_counter()
    if engine == "local":
        for n in todo:
            summary.sentences += project_shard(Path(input_dir) / n, out / n, cols)
            summary.projected.append(n)
    else:
        summary.sentences, summary.projected = _run_ray(Path(input_dir), out, todo, cols, address=address,
                                                        num_cpus=num_cpus, max_in_flight=max_in_flight,
                                                        retries=retries)
    summary.seconds = time.perf_counter() - t0
    return summary


def _run_ray(input_dir: Path, out: Path, todo: List[str], cols: ShardColumns, *, address: Optional[str],
             num_cpus: Optional[int], max_in_flight: int, retries: int) -> Tuple[int, List[str]]:
    """One Ray task per shard, at most ``max_in_flight`` pending; returns (rows, shards done in order)."""
    import ray

    with ray_session(address, num_cpus):
        task = ray.remote(num_cpus=1, max_retries=retries)(project_shard)
        pending: Dict[Any, str] = {}
        done: Dict[str, int] = {}
        queue = list(todo)
        while queue or pending:
            while queue and len(pending) < max_in_flight:
                n = queue.pop(0)
                pending[task.remote(str(input_dir / n), str(out / n), cols)] = n
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                n = pending.pop(ref)
                try:
                    done[n] = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:
                    for r in pending:
                        ray.cancel(r)
                    cause = getattr(exc, "cause", None)
                    raise (cause if isinstance(cause, Exception) else exc) from None
        return sum(done.values()), [n for n in todo if n in done]


@contextlib.contextmanager
def ray_session(address: Optional[str], num_cpus: Optional[int]) -> Iterator[None]:
    """Ray, connected for the ``with`` block: the running instance when there is one, else the cluster at
    ``address``, else a local instance with ``num_cpus`` CPUs (shut down again at the end)."""
    import ray

    started = not ray.is_initialized()
    if started:
        ray.init(address=address, num_cpus=num_cpus if address is None else None, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        if started:
            ray.shutdown()


__all__ = ["ENGINES", "ShardColumns", "ShardSummary", "project_shard", "project_shards", "ray_session"]
