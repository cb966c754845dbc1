"""Translate-test and translate-train over a folder of Parquet shards, locally or with Ray Data.

The input is a Parquet file or a folder of ``*.parquet`` shards (one row per sentence: the tokens column and,
optionally, gold tags and precomputed columns). The run is a chain of stages over chunks of
``chunk_size`` rows of one shard:

``read`` (the shard, chunk by chunk) → ``translate`` → ``tag`` → ``align`` → ``project`` → ``write``

Each stage is one function of a chunk (:class:`StageFn`), built on the per-chunk stage functions of the
pipelines (:func:`~xlner.pipelines.chunk_stages.translation_records`, :func:`~xlner.pipelines.chunk_stages.
label_records`, :func:`~xlner.pipelines.chunk_stages.link_records`, :func:`~xlner.pipelines.chunk_stages.
project_labelled`) and the C++ writers; the engines only orchestrate them:

* ``local``: the stages one after the other in this process, chunk by chunk;
* ``ray``: a Ray Data dataset with streaming execution (order preserved): ``read`` is a task per shard
  yielding chunks; the model stages run in actor pools (``actors`` actors, ``num_gpus_per_actor`` GPUs each
  for the neural models, one CPU for the CRF); ``project`` runs as CPU tasks (the C++ batch engine); the
  driver writes the outputs as chunks arrive. No stage holds more than a chunk per worker.

A stage whose values are in a column of the shards (``translations_column``, ``source_labels_column``,
``alignments_column``) reads them instead of calling a model. Outputs, per shard ``NAME.parquet``, in
``<output_dir>/shards/NAME/``: translate-test ``predictions.conll`` and ``spans.jsonl``; translate-train
``spans.jsonl``, ``train.conll`` and ``train.jsonl`` (ids are sentence numbers across the shards, in name
order), each the lines the default runner (:func:`xlner.pipelines.translate_test`,
:func:`~xlner.pipelines.translate_train`) writes for those sentences, and ``summary.json`` (written last: a shard
with it is done, and a rerun skips it). A shard's files appear all together (:func:`xlner.io.atomic.
atomic_outputs`). A failed attempt is retried ``retries`` times over the shards not yet done; the error then
names the shard, its rows and the stage. ``<output_dir>/summary.json`` holds per stage the rows, the busy seconds
and the CPU seconds of the stage's thread (both summed over workers and over every chunk processed, failed
attempts included) and the rows per busy / CPU second; also logged at INFO.
"""
from __future__ import annotations

import functools
import json
import logging
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from xlner.engines.shards import ENGINES, ray_session
from xlner.models.base import Aligner, Tagger, Translator
from xlner.pipelines.config import PipelineConfig, build_aligner, build_tagger, build_translator

log = logging.getLogger(__name__)

#: One chunk between stages: column name → one value per row.
Batch = Dict[str, List[Any]]
#: The stages, in order.
STAGES = ("read", "translate", "tag", "align", "project", "write")
#: Chunk columns of the precomputed values (read from the shard columns the options name).
PRE_TRANSLATION, PRE_TAGS, PRE_LINKS = "pre:translation", "pre:source_tags", "pre:links"
#: Output files of a shard per pipeline kind.
OUTPUTS = {"translate-test": ("predictions.conll", "spans.jsonl"),
           "translate-train": ("spans.jsonl", "train.conll", "train.jsonl")}


@dataclass
class EngineOptions:
    """How the shards are run.

    Arguments:
        engine: ``local`` or ``ray``.
        address: Ray cluster address (``HEAD:6379``; None: start a local instance with ``num_cpus``).
        num_cpus: CPUs of the local Ray instance (None: all).
        actors: actors per model stage (``ray``).
        num_gpus_per_actor: GPUs of each translator / neural tagger / embedding aligner actor (``ray``).
        cpus_per_actor: CPUs reserved by each model actor on CPU (``ray``; fractions share a CPU).
        retries: attempts after a failed one, over the shards not yet done.
        translations_column / source_labels_column / alignments_column: shard columns with precomputed
            translation tokens, source IOB2 tags (strings) and links (``[[source, target], ...]``, the source
            being the projection source: English in translate-test).
    """

    engine: str = "local"
    address: Optional[str] = None
    num_cpus: Optional[int] = None
    actors: int = 1
    num_gpus_per_actor: float = 0.0
    cpus_per_actor: float = 1.0
    retries: int = 2
    translations_column: Optional[str] = None
    source_labels_column: Optional[str] = None
    alignments_column: Optional[str] = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}; choose one of {ENGINES}")
        if self.actors < 1 or self.retries < 0 or self.num_gpus_per_actor < 0 or self.cpus_per_actor <= 0:
            raise ValueError(f"actors must be >= 1, retries >= 0, num_gpus_per_actor >= 0 and cpus_per_actor > 0, "
                             f"got {self.actors}, {self.retries}, {self.num_gpus_per_actor}, {self.cpus_per_actor}")


@dataclass
class ModelFactories:
    """Builders of the models, called once in each process (actor) that runs their stage; ``None``: built
    from the pipeline configuration (:func:`~xlner.pipelines.config.build_translator` ...)."""

    translator: Optional[Callable[[], Translator]] = None
    tagger: Optional[Callable[[], Tagger]] = None
    aligner: Optional[Callable[[], Aligner]] = None


@dataclass
class StageStats:
    """Rows, busy (wall) seconds and CPU seconds (of the thread running it) of one stage, summed over its
    workers."""

    rows: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        """Rows per busy second (the throughput of one worker)."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def rows_per_cpu_second(self) -> float:
        """Rows per CPU second (the throughput of one worker on a core of its own)."""
        return self.rows / self.cpu_seconds if self.cpu_seconds > 0 else 0.0


@dataclass
class EngineSummary:
    """What a run did: shards done / skipped, sentences, entities, attempts, wall seconds and per-stage stats."""

    pipeline: str
    engine: str
    shards: int = 0
    processed: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    sentences: int = 0
    source_entities: int = 0
    projected_entities: int = 0
    kept_sentences: int = 0
    attempts: int = 0
    seconds: float = 0.0
    stages: Dict[str, StageStats] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict (with rows/s per stage)."""
        d = asdict(self)
        d["stages"] = {k: {"rows": v.rows, "seconds": v.seconds, "rows_per_second": v.rows_per_second,
                           "cpu_seconds": v.cpu_seconds, "rows_per_cpu_second": v.rows_per_cpu_second}
                       for k, v in self.stages.items()}
        return d

    def format(self) -> str:
        """A short text table of the run."""
        lines = [f"{self.pipeline} ({self.engine}): {len(self.processed)} shards processed, {len(self.skipped)} "
                 f"skipped, {self.sentences} sentences, {self.seconds:.2f} s wall, {self.attempts} attempt(s); "
                 f"projected {self.projected_entities}/{self.source_entities} entities"]
        for name, st in self.stages.items():
            lines.append(f"  {name:<10s} {st.rows:>10d} rows {st.seconds:>10.2f} s busy "
                         f"{st.rows_per_second:>12.1f} rows/s {st.cpu_seconds:>10.2f} s CPU "
                         f"{st.rows_per_cpu_second:>12.1f} rows/CPU-s")
        return "\n".join(lines)


class ShardError(RuntimeError):
    """A stage failed on a chunk: names the shard, its rows, the stage and the cause."""


class ClusterTooSmall(ValueError):
    """The Ray cluster lacks the CPUs / GPUs the actor pools need (raised at once, not retried)."""


# ---------------------------------------------------------------------------------------------
# Stage functions (one chunk in, one chunk out; the same objects run locally and in Ray)


@dataclass
class Plan:
    """Everything the stages need (picklable: sent to the Ray workers)."""

    cfg: PipelineConfig
    opts: EngineOptions
    models: ModelFactories
    tags_column: Optional[str]

    @property
    def kind(self) -> str:
        return self.cfg.kind


def _where(batch: Batch) -> str:
    """``shard NAME rows A-B`` of a chunk (every shard it holds)."""
    parts: List[str] = []
    shards, rows = batch.get("shard", []), batch.get("row", [])
    k = 0
    while k < len(shards):
        j = k
        while j + 1 < len(shards) and shards[j + 1] == shards[k]:
            j += 1
        parts.append(f"shard {shards[k]} rows {rows[k]}-{rows[j]}")
        k = j + 1
    return ", ".join(parts) or "an empty chunk"


class StageFn:
    """One stage over a chunk: times itself (column ``t:<stage>``) and names the shard and rows in errors."""

    name = ""

    def __init__(self, plan: Plan):
        self.plan = plan

    def run(self, batch: Batch) -> Batch:  # pragma: no cover - overridden
        raise NotImplementedError

    def __call__(self, batch: Batch) -> Batch:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            out = self.run(batch)
        except Exception as exc:
            raise ShardError(f"{_where(batch)}, stage {self.name}: {type(exc).__name__}: {exc}") from exc
        _timed(out, self.name, len(out["row"]), t0, c0)
        return out


def _timed(batch: Batch, stage: str, n: int, t0: float, c0: float) -> None:
    """Put the wall and CPU seconds since ``t0`` / ``c0`` in columns ``t:<stage>`` / ``c:<stage>`` (first row)."""
    batch[f"t:{stage}"] = [time.perf_counter() - t0] + [0.0] * (n - 1) if n else []
    batch[f"c:{stage}"] = [time.thread_time() - c0] + [0.0] * (n - 1) if n else []


def _start(batch: Batch) -> int:
    """Row (in its shard) of a chunk's first sentence: the sentence numbers of stage errors count from it."""
    return int(batch["row"][0]) if batch["row"] else 0


class TranslateFn(StageFn):
    """Translate the input tokens (translate-test: into the pivot language; translate-train: into the target
    language); column ``translation`` (tokens)."""

    name = "translate"

    def __init__(self, plan: Plan):
        super().__init__(plan)
        col = plan.opts.translations_column
        self.translator = None if col else (plan.models.translator or functools.partial(
            build_translator, plan.cfg.translator))()

    def run(self, batch: Batch) -> Batch:
        from xlner.pipelines.chunk_stages import translation_records
        from xlner.pipelines.stages import default_tokenize

        cfg, col = self.plan.cfg, self.plan.opts.translations_column
        recs = translation_records(batch["tokens"], batch[PRE_TRANSLATION] if col else None, self.translator,
                                   cfg.src_lang,
                                   cfg.tgt_lang, default_tokenize)
        batch["translation"] = [r["tokens"] for r in recs]
        return batch


class TagFn(StageFn):
    """The source labels of the projection (translate-test: the tagger on the translations; translate-train:
    the input's tags, or the tagger's when the input has none); column ``source_tags``."""

    name = "tag"

    def __init__(self, plan: Plan):
        super().__init__(plan)
        self.tagger: Optional[Tagger] = None

    def _tagger(self) -> Tagger:
        if self.tagger is None:
            self.tagger = (self.plan.models.tagger or functools.partial(build_tagger, self.plan.cfg.tagger))()
        return self.tagger

    def run(self, batch: Batch) -> Batch:
        from xlner.pipelines.chunk_stages import filter_labels, label_records

        cfg, col = self.plan.cfg, self.plan.opts.source_labels_column
        test = self.plan.kind == "translate-test"
        tokens = batch["translation"] if test else batch["tokens"]
        given = batch[PRE_TAGS] if col else None
        inp = None if test else batch["gold"]
        needs_model = given is None and (inp is None or not all(inp))
        start = _start(batch)
        recs = label_records(tokens, given, self._tagger() if needs_model else None, cfg.tagger.batch_size, inp,
                             [start + k for k in range(len(tokens))], "translation tokens" if test else "tokens")
        batch["source_tags"] = [filter_labels(r["tags"], cfg.projection.labels) for r in recs]
        return batch


def _sides(plan: Plan, batch: Batch) -> Tuple[List[List[str]], List[List[str]]]:
    """(projection source tokens, projection target tokens) of a chunk."""
    if plan.kind == "translate-test":
        return batch["translation"], batch["tokens"]
    return batch["tokens"], batch["translation"]


class AlignFn(StageFn):
    """Word-align the projection source (English in translate-test) to the target; column ``links``."""

    name = "align"

    def __init__(self, plan: Plan):
        super().__init__(plan)
        col = plan.opts.alignments_column
        self.aligner = None if col else (plan.models.aligner or functools.partial(build_aligner, plan.cfg.aligner))()

    def run(self, batch: Batch) -> Batch:
        from xlner.pipelines.chunk_stages import link_records

        col = self.plan.opts.alignments_column
        src, tgt = _sides(self.plan, batch)
        given = [[(int(a), int(b)) for a, b in ls] for ls in batch[PRE_LINKS]] if col else None
        recs = link_records(src, tgt, given, self.aligner, _start(batch), range(len(src)))
        batch["links"] = [r["links"] for r in recs]
        return batch


def _lines(data: bytes, counts: Sequence[int], what: str) -> List[str]:
    """``data`` cut into consecutive pieces of ``counts[i]`` lines each (checked to use every line)."""
    lines = data.decode("utf-8").splitlines(keepends=True)
    out: List[str] = []
    k = 0
    for c in counts:
        out.append("".join(lines[k:k + c]))
        k += c
    if k != len(lines):
        raise RuntimeError(f"{what}: {len(lines)} lines written for {k} expected")
    return out


class ProjectFn(StageFn):
    """Project the source entities onto the target words (C++ batch engine) and format each sentence's output
    lines with the C++ writers of the default runner; keeps only the columns the driver writes."""

    name = "project"

    def run(self, batch: Batch) -> Batch:
        from xlner.batch import LabelVocab
        from xlner.io.conll import write_conll_tags_to
        from xlner.io.jsonl import write_spans_jsonl_to
        from xlner.io.talp import Alignments
        from xlner.pipelines.chunk_stages import project_labelled

        cfg = self.plan.cfg
        test = self.plan.kind == "translate-test"
        src, tgt = _sides(self.plan, batch)
        langs = (cfg.tgt_lang, cfg.src_lang) if test else (cfg.src_lang, cfg.tgt_lang)
        pr = project_labelled(cfg, src, batch["source_tags"], tgt, Alignments.from_lists(batch["links"]),
                              vocab=LabelVocab(), heuristic=cfg.projection.heuristic_config(), src_lang=langs[0],
                              tgt_lang=langs[1], start=_start(batch))
        res = pr.result
        ids = pr.tag_ids()
        lengths = [len(t) for t in tgt]
        with tempfile.TemporaryDirectory(prefix="xlner-chunk-") as tmp:
            conll, spans = Path(tmp) / "c", Path(tmp) / "s"
            write_conll_tags_to(conll, pr.target, ids, res.labels, threads=1)
            write_spans_jsonl_to(spans, res, threads=1)
            conll_text = _lines(conll.read_bytes(), [n + 1 for n in lengths], "predictions")
            spans_text = _lines(spans.read_bytes(), [1] * len(tgt), "spans")
        n_src = pr.source_entities.tolist()
        n_proj = [int(x) for x in (res.offsets[1:] - res.offsets[:-1])]
        out: Batch = {"shard": batch["shard"], "row": batch["row"], "sid": batch["sid"], "conll": conll_text,
                      "spans": spans_text, "n_src": n_src, "n_proj": n_proj}
        if not test:
            out.update(self._training_records(batch, pr, n_src))
        out.update({k: v for k, v in batch.items() if k[:2] in ("t:", "c:")})
        return out

    def _training_records(self, batch: Batch, pr: Any, n_src: List[int]) -> Batch:
        """translate-train: the filter's verdict and the ``train.jsonl`` record (without ``id``) per sentence,
        built by the default runner's :class:`~xlner.pipelines.translate_train.TrainingDataWriter` rules."""
        from xlner.batch import LabelVocab
        from xlner.pipelines.translate_train import keep_sentence
        from xlner.tagging import batch_tags_to_spans

        spans = pr.spans()
        tags = pr.tags()
        keep = [keep_sentence(n_src[i], [x.score for x in spans[i].spans], self.plan.cfg.filter)
                for i in range(len(spans))]
        off, ent_start, ent_end, _ = batch_tags_to_spans(batch["source_tags"], LabelVocab(), threads=1)
        records: List[str] = []
        for i, sp in enumerate(spans):
            a = int(off[i])
            ents = [dict(asdict(x), source=[int(ent_start[a + x.entity]), int(ent_end[a + x.entity])])
                    for x in sp.spans]
            records.append(json.dumps({"tokens": list(batch["translation"][i]), "tags": list(tags[i]),
                                       "source_tokens": list(batch["tokens"][i]), "entities": ents},
                                      ensure_ascii=False))
        return {"keep": keep, "train": records}


# ---------------------------------------------------------------------------------------------
# Reading shards


@dataclass
class ShardInfo:
    """A shard: path, rows and the sentence number of its first row (across the shards, in name order)."""

    path: str
    rows: int
    offset: int

    @property
    def name(self) -> str:
        return Path(self.path).name


def _shard_infos(input_path: str) -> List[ShardInfo]:
    import pyarrow.parquet as pq

    from xlner.io.errors import FormatError
    from xlner.io.parquet import parquet_files

    out: List[ShardInfo] = []
    off = 0
    for f in parquet_files(input_path):
        try:
            n = pq.ParquetFile(str(f)).metadata.num_rows
        except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for non-Parquet bytes
            raise FormatError(str(f), None, "file", f"not a readable Parquet file ({exc})") from None
        out.append(ShardInfo(str(f), n, off))
        off += n
    names = [s.name for s in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"{input_path}: shard names must be unique, got {dup} twice")
    return out


class ReadFn:
    """Read one shard chunk by chunk (``chunk_size`` rows): the tokens (``tokens``), the gold tags as strings
    (``gold``, ``[]`` without), the precomputed columns, ``shard``, ``row`` (in the shard) and ``sid`` (sentence
    number across the shards). Errors name the file, the row and the column."""

    name = "read"

    def __init__(self, plan: Plan):
        self.plan = plan

    def chunks(self, shard: ShardInfo) -> Iterator[Batch]:
        """The chunks of ``shard``."""
        from xlner.io.parquet import open_parquet
        from xlner.io.tables import TableColumns, rows_to_sentences

        cfg, opts = self.plan.cfg, self.plan.opts
        f = cfg.input_format
        cols = TableColumns(f.tokens_field, f.tags_field, f.tag_names)
        pre = {k: c for k, c in ((PRE_TRANSLATION, opts.translations_column), (PRE_TAGS, opts.source_labels_column),
                                 (PRE_LINKS, opts.alignments_column)) if c}
        pf, read_tags, names, wanted = open_parquet(shard.path, cols, extra_columns=list(pre.values()))
        row = 0
        t0, c0 = time.perf_counter(), time.thread_time()
        for rb in pf.iter_batches(batch_size=cfg.chunk_size, columns=wanted):
            d = rb.to_pydict()
            sents = rows_to_sentences(shard.path, row, d[cols.tokens], d[str(cols.tags)] if read_tags else None,
                                      cols, names)
            n = len(sents)
            batch: Batch = {"shard": [shard.name] * n, "row": list(range(row, row + n)),
                            "sid": list(range(shard.offset + row, shard.offset + row + n)),
                            "tokens": [s.tokens for s in sents], "gold": [s.tags for s in sents]}
            for k, c in pre.items():
                batch[k] = d[c]
            if opts.source_labels_column:
                _check_tag_strings(shard.path, row, opts.source_labels_column, batch[PRE_TAGS])
            _timed(batch, "read", n, t0, c0)
            yield batch
            row += n
            t0, c0 = time.perf_counter(), time.thread_time()


def _check_tag_strings(path: str, start: int, column: str, values: Sequence[Any]) -> None:
    from xlner.io.errors import FormatError

    for k, v in enumerate(values):
        if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
            raise FormatError(path, start + k, column, "expected a list of IOB2 tag strings")


# ---------------------------------------------------------------------------------------------
# Writing (driver side)


class ShardWriter:
    """Writes the chunks of each shard as they arrive (in order) and commits a shard when its last row is in."""

    def __init__(self, plan: Plan, out: Path, shards: Sequence[ShardInfo], summary: EngineSummary):
        self.plan = plan
        self.out = out
        self.info = {s.name: s for s in shards}
        self.summary = summary
        self._stack: Optional[Any] = None
        self._files: Dict[str, Any] = {}
        self._shard: Optional[str] = None
        self._rows = 0
        self._counts = [0, 0, 0]

    def _open(self, name: str) -> None:
        import contextlib

        from xlner.io.atomic import atomic_outputs

        d = shard_dir(self.out, name)
        d.mkdir(parents=True, exist_ok=True)
        files = OUTPUTS[self.plan.kind]
        self._stack = contextlib.ExitStack()
        temps = self._stack.enter_context(atomic_outputs([d / f for f in files]))
        self._files = {f: self._stack.enter_context(open(str(t), "w", encoding="utf-8", newline=""))
                       for f, t in zip(files, temps)}
        self._shard, self._rows, self._counts = name, 0, [0, 0, 0]

    def add(self, batch: Batch) -> None:
        """Write one chunk (rows of one or more consecutive shards)."""
        t0, c0 = time.perf_counter(), time.thread_time()
        n = len(batch["row"])
        for k in range(n):
            name = batch["shard"][k]
            if name != self._shard:
                if self._shard is not None:
                    raise RuntimeError(f"shard {self._shard}: {self._rows} rows arrived of "
                                       f"{self.info[self._shard].rows}")
                self._open(name)
            self._write_row(batch, k)
            if self._rows == self.info[name].rows:
                self._commit()
        for key, vals in batch.items():
            if key.startswith("t:"):
                st = self.summary.stages.setdefault(key[2:], StageStats())
                st.rows += n
                st.seconds += float(sum(vals))
            elif key.startswith("c:"):
                self.summary.stages.setdefault(key[2:], StageStats()).cpu_seconds += float(sum(vals))
        w = self.summary.stages.setdefault("write", StageStats())
        w.rows += n
        w.seconds += time.perf_counter() - t0
        w.cpu_seconds += time.thread_time() - c0

    def _write_row(self, batch: Batch, k: int) -> None:
        f = self._files
        if self.plan.kind == "translate-test":
            f["predictions.conll"].write(batch["conll"][k])
            f["spans.jsonl"].write(batch["spans"][k])
        else:
            f["spans.jsonl"].write(batch["spans"][k])
            if batch["keep"][k]:
                f["train.conll"].write(batch["conll"][k])
                f["train.jsonl"].write(f'{{"id": {batch["sid"][k]}, ' + batch["train"][k][1:] + "\n")
                self._counts[2] += 1
        self._counts[0] += int(batch["n_src"][k])
        self._counts[1] += int(batch["n_proj"][k])
        self._rows += 1

    def _commit(self) -> None:
        from xlner.io.atomic import atomic_open

        assert self._stack is not None and self._shard is not None
        self._stack.close()  # closes the files, then renames them into place
        name = self._shard
        info = self.info[name]
        n_src, n_proj, kept = self._counts
        if self.plan.kind == "translate-test":
            kept = info.rows
        rec = {"shard": name, "sentences": info.rows, "first_sentence": info.offset, "source_entities": n_src,
               "projected_entities": n_proj, "kept_sentences": kept}
        with atomic_open(shard_dir(self.out, name) / "summary.json", "w") as fh:
            fh.write(json.dumps(rec, indent=1))
        s = self.summary
        s.processed.append(name)
        s.sentences += info.rows
        s.source_entities += n_src
        s.projected_entities += n_proj
        s.kept_sentences += kept
        self._stack, self._shard, self._files = None, None, {}

    def commit_empty(self, name: str) -> None:
        """Write the (empty) outputs of a shard without rows."""
        self._open(name)
        self._commit()

    def abort(self) -> None:
        """Drop the shard being written (its temporary files are removed)."""
        if self._stack is not None:
            self._stack.__exit__(ShardError, ShardError("aborted"), None)
        self._stack, self._shard, self._files = None, None, {}


def shard_dir(out: Path, name: str) -> Path:
    """The output folder of shard ``name`` (``<out>/shards/<name without .parquet>``)."""
    return out / "shards" / Path(name).stem


def shard_done(out: Path, name: str) -> bool:
    """Whether the outputs of shard ``name`` are complete (its ``summary.json`` is written last)."""
    return (shard_dir(out, name) / "summary.json").is_file()


# ---------------------------------------------------------------------------------------------
# Engines


def _model_stages(plan: Plan) -> List[type]:
    if plan.kind == "translate-test":
        return [TranslateFn, TagFn, AlignFn]
    return [TagFn, TranslateFn, AlignFn]


def _check_supported(cfg: PipelineConfig) -> None:
    from xlner.scores import preset_weights

    if cfg.kind not in OUTPUTS:
        raise ValueError(f"the shard engines run {sorted(OUTPUTS)}, not {cfg.kind!r}")
    p = cfg.projection
    w = preset_weights(p.scores) if isinstance(p.scores, str) else dict(p.scores or {})
    if p.method == "backtranslation" or p.candidates != "ngrams" or any(w.get(k) for k in ("ner", "ner_spans", "nmt")):
        raise ValueError("the shard engines project with alignment scores only (no backtranslation, NER/NMT scores "
                         "or NER candidates); run these without --engine")


def run_sharded(cfg: PipelineConfig, opts: Optional[EngineOptions] = None,
                models: Optional[ModelFactories] = None) -> EngineSummary:
    """Run ``cfg.kind`` (translate-test or translate-train) over the shards ``cfg.input`` into
    ``cfg.output_dir`` (see the module docstring); returns the summary, also written to
    ``<output_dir>/summary.json``.

    Raises ``ValueError`` for options the shard engines do not run (:class:`ClusterTooSmall` when the Ray cluster
    cannot hold the actor pools), and :class:`ShardError` naming the shard, rows and stage when a shard still
    fails after ``opts.retries`` more attempts.
    """
    from xlner.io.atomic import atomic_open

    opts = opts if opts is not None else EngineOptions()
    if cfg.input is None or cfg.output_dir is None:
        raise ValueError("the shard engines need an input (a Parquet file or folder of shards) and an output folder")
    _check_supported(cfg)
    shards = _shard_infos(cfg.input)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan = Plan(cfg, opts, models or ModelFactories(), cfg.input_format.tags_field)
    summary = EngineSummary(cfg.kind, opts.engine, shards=len(shards))
    summary.skipped = [s.name for s in shards if shard_done(out, s.name)]
    writer = ShardWriter(plan, out, shards, summary)
    t0 = time.perf_counter()
    for s in shards:
        if s.rows == 0 and s.name not in summary.skipped:
            writer.commit_empty(s.name)
    error: Optional[BaseException] = None
    for attempt in range(opts.retries + 1):
        todo = [s for s in shards if s.name not in summary.skipped and s.name not in summary.processed]
        if not todo:
            break
        summary.attempts += 1
        try:
            if opts.engine == "local":
                _run_local(plan, todo, writer)
            else:
                _run_ray(plan, todo, writer)
            error = None
        except ClusterTooSmall:
            writer.abort()
            raise
        except Exception as exc:  # a failed attempt: retried over the shards not done
            writer.abort()
            error = exc
            log.warning("attempt %d of %d failed: %s", attempt + 1, opts.retries + 1, _cause(exc))
    summary.seconds = time.perf_counter() - t0
    with atomic_open(out / "summary.json", "w") as fh:
        fh.write(json.dumps(summary.to_dict(), indent=1))
    if error is not None:
        raise ShardError(f"{_cause(error)} (after {summary.attempts} attempts; {len(summary.processed)} shards "
                         f"done this run)") from error
    for line in summary.format().splitlines():
        log.info("%s", line)
    return summary


def _cause(exc: BaseException) -> str:
    """The message of the :class:`ShardError` inside ``exc`` (Ray wraps it), else ``exc``'s."""
    seen: set = set()
    e: Optional[BaseException] = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, ShardError):
            return str(e)
        nxt = getattr(e, "cause", None)
        e = nxt if isinstance(nxt, BaseException) else (e.__cause__ or e.__context__)
    text = str(exc)
    k = text.find("ShardError: ")
    return text[k + len("ShardError: "):].splitlines()[0] if k >= 0 else f"{type(exc).__name__}: {text}"


def _run_local(plan: Plan, todo: Sequence[ShardInfo], writer: ShardWriter) -> None:
    reader = ReadFn(plan)
    stages: List[StageFn] = [cls(plan) for cls in _model_stages(plan)] + [ProjectFn(plan)]
    for shard in todo:
        for batch in reader.chunks(shard):
            for st in stages:
                batch = st(batch)
            writer.add(batch)


# Ray Data glue: batches travel as pyarrow tables; the stage objects see dicts of lists.

def _to_table(batch: Batch) -> Any:
    import pyarrow as pa

    return pa.Table.from_pydict({k: pa.array(v, type=_TYPES.get(k)) for k, v in batch.items()})


_TYPES: Dict[str, Any] = {}


def _types() -> None:
    import pyarrow as pa

    if not _TYPES:
        strs = pa.list_(pa.string())
        _TYPES.update({"shard": pa.string(), "row": pa.int64(), "sid": pa.int64(), "tokens": strs, "gold": strs,
                       "translation": strs, "source_tags": strs, "links": pa.list_(pa.list_(pa.int64())),
                       "conll": pa.string(), "spans": pa.string(), "train": pa.string(), "keep": pa.bool_(),
                       "n_src": pa.int64(), "n_proj": pa.int64()})


class _RayStage:
    """A stage as a Ray Data callable class (one per actor, the model built once)."""

    def __init__(self, cls: type, plan: Plan):
        _types()
        self.fn = cls(plan)

    def __call__(self, table: Any) -> Any:
        return _to_table(self.fn(table.to_pydict()))


def _ray_task(table: Any, cls: type, plan: Plan) -> Any:
    """A stage without a model (precomputed values, the projection with the C++ batch engine) as a Ray task."""
    _types()
    return _to_table(cls(plan)(table.to_pydict()))


def _ray_read(table: Any, plan: Plan) -> Iterator[Any]:
    _types()
    reader = ReadFn(plan)
    for d in table.to_pylist():
        info = ShardInfo(d["path"], d["rows"], d["offset"])
        for batch in reader.chunks(info):
            try:
                yield _to_table(batch)
            except Exception as exc:
                raise ShardError(f"{_where(batch)}, stage read: {type(exc).__name__}: {exc}") from exc


def _ray_read_checked(table: Any, plan: Plan) -> Iterator[Any]:
    """:func:`_ray_read`, its errors naming the shard."""
    try:
        yield from _ray_read(table, plan)
    except ShardError:
        raise
    except Exception as exc:
        raise ShardError(f"shard {Path(table.column('path')[0].as_py()).name}, stage read: "
                         f"{type(exc).__name__}: {exc}") from exc


def _run_ray(plan: Plan, todo: Sequence[ShardInfo], writer: ShardWriter) -> None:
    import ray.data

    opts = plan.opts
    size = plan.cfg.chunk_size
    with ray_session(opts.address, opts.num_cpus):
        _check_resources(plan)
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        tasks = ray.data.TaskPoolStrategy(size=opts.actors)
        ds: Any = ray.data.from_items([asdict(s) for s in todo], override_num_blocks=len(todo))
        ds = ds.map_batches(_ray_read_checked, fn_kwargs={"plan": plan}, batch_size=1, batch_format="pyarrow",
                            num_cpus=1)
        for cls in _model_stages(plan) + [ProjectFn]:
            if _runs_model(plan, cls):  # an actor pool, the model built once per actor
                gpus = opts.num_gpus_per_actor if _uses_gpu(plan, cls) else 0
                res: Dict[str, Any] = {"num_gpus": gpus} if gpus else {"num_cpus": opts.cpus_per_actor}
                ds = ds.map_batches(_RayStage, fn_constructor_args=(cls, plan), batch_size=size,
                                    batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=opts.actors), **res)
            else:  # precomputed values or the projection: CPU tasks
                ds = ds.map_batches(_ray_task, fn_kwargs={"cls": cls, "plan": plan}, batch_size=size,
                                    batch_format="pyarrow", compute=tasks, num_cpus=1)
        table: Any
        for table in ds.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=1):
            writer.add(table.to_pydict())


def _check_resources(plan: Plan) -> None:
    """Raise when the cluster has too few CPUs / GPUs for the actor pools and one task (it would wait forever)."""
    import ray

    opts = plan.opts
    models = [c for c in _model_stages(plan) if _runs_model(plan, c)]
    gpu = [c for c in models if _uses_gpu(plan, c) and opts.num_gpus_per_actor > 0]
    cpus = opts.actors * (len(models) - len(gpu)) * opts.cpus_per_actor + 1
    gpus = opts.actors * len(gpu) * opts.num_gpus_per_actor
    have = ray.cluster_resources()
    if have.get("CPU", 0) < cpus or have.get("GPU", 0) < gpus:
        raise ClusterTooSmall(f"Ray has {have.get('CPU', 0):g} CPUs and {have.get('GPU', 0):g} GPUs; {opts.actors} "
                         f"actor(s) for each of {len(models)} model stage(s) plus one task need {cpus:g} CPUs and "
                         f"{gpus:g} GPUs (fewer --actors, a smaller --cpus-per-actor, or a bigger cluster)")


def _runs_model(plan: Plan, cls: type) -> bool:
    """Whether stage ``cls`` calls a model (else its values come from a shard column, or it is the projection)."""
    opts, cfg = plan.opts, plan.cfg
    if cls is TranslateFn:
        return opts.translations_column is None
    if cls is TagFn:
        test = cfg.kind == "translate-test"
        return opts.source_labels_column is None and (test or cfg.input_format.tags_field is None
                                                      or bool(cfg.tagger.path))
    if cls is AlignFn:
        return opts.alignments_column is None
    return False


def _uses_gpu(plan: Plan, cls: type) -> bool:
    """Whether stage ``cls`` runs a neural model (translator, transformers tagger, embedding aligner)."""
    cfg = plan.cfg
    if not _runs_model(plan, cls):
        return False
    return cls is TranslateFn or (cls is TagFn and cfg.tagger.kind == "transformers") or \
        (cls is AlignFn and cfg.aligner.kind == "embedding")


__all__ = ["ClusterTooSmall", "EngineOptions", "EngineSummary", "ModelFactories", "OUTPUTS", "STAGES", "ShardError",
           "StageStats", "run_sharded", "shard_dir", "shard_done"]
