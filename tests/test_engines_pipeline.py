"""``xlner pipeline --engine local|ray`` over Parquet shards (the bundled English–German sample, 200 pairs, as 4
shards): the shard outputs, concatenated, equal byte for byte what the default runner (translate_test /
translate_train, one output folder) writes for the same sentences; Ray (a local instance, 2 CPUs) equals the
local engine; finished shards are skipped; a failing shard is retried and, when it keeps failing, named."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, List

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("pycrfsuite")

from xlner.cli import main  # noqa: E402
from xlner.datasets import resolve_path  # noqa: E402
from xlner.engines.pipeline import (ClusterTooSmall, EngineOptions, ModelFactories, ShardError,  # noqa: E402
                                   run_sharded)
from xlner.io.conll import read_conll  # noqa: E402
from xlner.pipelines import config_from_dict, translate_test, translate_train  # noqa: E402
from xlner.pipelines.stages import iter_talp  # noqa: E402

N_SHARDS = 4
CHUNK = 15  # several chunks per shard, a short last one
TT_OUT = ("predictions.conll", "spans.jsonl")
TR_OUT = ("spans.jsonl", "train.conll", "train.jsonl")


@pytest.fixture(scope="module")
def sample():
    en = read_conll(resolve_path("sample:en.conll"))
    de = read_conll(resolve_path("sample:de.conll"))
    links = [[list(x) for x in ls] for ls in iter_talp(resolve_path("sample:en-de.talp"))]
    assert len(en) == len(de) == len(links) == 200
    return en, de, links


@pytest.fixture(scope="module")
def crf_path(sample, tmp_path_factory):
    """An English CRF trained on the sample's English side (a few iterations: the tags only need to vary)."""
    from xlner.models.crf import CRFConfig, CRFTagger

    en = sample[0]
    path = tmp_path_factory.mktemp("crf") / "en.crf"
    CRFTagger.train([s.tokens for s in en], [s.tags for s in en], CRFConfig(max_iterations=15)).save(path)
    return path


def write_shards(folder: Path, sample, n_shards: int = N_SHARDS) -> None:
    en, de, links = sample
    folder.mkdir(parents=True)
    size = -(-len(en) // n_shards)
    strs = pa.list_(pa.string())
    for k in range(n_shards):
        part = range(k * size, min(len(en), (k + 1) * size))
        pq.write_table(pa.table({
            "de_tokens": pa.array([de[i].tokens for i in part], strs),
            "de_tags": pa.array([de[i].tags for i in part], strs),
            "en_tokens": pa.array([en[i].tokens for i in part], strs),
            "en_tags": pa.array([en[i].tags for i in part], strs),
            "links": pa.array([links[i] for i in part], pa.list_(pa.list_(pa.int64()))),
        }), folder / f"part-{k:03d}.parquet")


def tt_config(shards: Path, out: Path, crf: Path, **extra: Any):
    d = {"kind": "translate-test", "input": str(shards), "output_dir": str(out), "src_lang": "deu_Latn",
         "tgt_lang": "eng_Latn", "chunk_size": CHUNK, "progress": False,
         "input_format": {"tokens_field": "de_tokens", "tags_field": "de_tags"},
         "tagger": {"kind": "crf", "path": str(crf)}, "projection": {"method": "greedy", "labels": ["PER", "LOC"]}}
    d.update(extra)
    return config_from_dict(d)


TT_OPTS = dict(translations_column="en_tokens", alignments_column="links")


def concatenated(out: Path, files, n_shards: int = N_SHARDS):
    return {f: b"".join((out / "shards" / f"part-{k:03d}" / f).read_bytes() for k in range(n_shards)) for f in files}


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    import ray.cloudpickle as cp

    cp.register_pickle_by_value(sys.modules[__name__])  # the flaky tagger below travels to the workers
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def tt_runs(sample, crf_path, tmp_path_factory):
    """translate-test: the default runner over the whole sample and the local engine over its shards."""
    from xlner.models.crf import CRFTagger

    tmp = tmp_path_factory.mktemp("tt")
    write_shards(tmp / "in", sample)
    en, de, links = sample
    cfg = tt_config(tmp / "in", tmp / "local", crf_path)
    ref = translate_test(de, cfg, tagger=CRFTagger.load(crf_path), translations=[s.tokens for s in en],
                         alignments=links, output_dir=tmp / "runner")
    local = run_sharded(cfg, EngineOptions(engine="local", **TT_OPTS))
    return tmp, ref, local


def test_local_engine_translate_test_equals_runner(tt_runs):
    tmp, ref, local = tt_runs
    got = concatenated(tmp / "local", TT_OUT)
    for f in TT_OUT:
        assert got[f] == (tmp / "runner" / f).read_bytes(), f
    assert got["predictions.conll"].count(b"\tB-") > 20  # the CRF found entities that were projected
    assert local.sentences == 200 and len(local.processed) == N_SHARDS and local.attempts == 1
    assert (local.source_entities, local.projected_entities) == (ref.summary.source_entities,
                                                                ref.summary.projected_entities)
    assert set(local.stages) == {"read", "translate", "tag", "align", "project", "write"}
    assert all(st.rows == 200 for st in local.stages.values())


def test_ray_engine_translate_test_equals_local_and_resumes(tt_runs, crf_path, ray_instance, capsys):
    tmp = tt_runs[0]
    args = ["pipeline", "translate-test", "--engine", "ray", "--actors", "2", "--cpus-per-actor", "0.5", "--input",
            str(tmp / "in"), "--out-dir", str(tmp / "ray"), "--src-lang", "deu_Latn", "--tgt-lang", "eng_Latn",
            "--chunk-size", str(CHUNK), "--tokens-field", "de_tokens", "--tags-field", "de_tags", "--tagger",
            str(crf_path), "--method", "greedy", "--labels", "PER", "LOC", "--translations-column", "en_tokens",
            "--alignments-column", "links"]
    assert main(args) == 0
    assert "4 shards processed" in capsys.readouterr().out
    for k in range(N_SHARDS):
        for f in TT_OUT + ("summary.json",):
            a = (tmp / "ray" / "shards" / f"part-{k:03d}" / f).read_bytes()
            assert a == (tmp / "local" / "shards" / f"part-{k:03d}" / f).read_bytes(), (k, f)
    # resume: a finished run does nothing; a shard whose output is gone is redone alone
    before = (tmp / "ray" / "shards" / "part-002" / "spans.jsonl").read_bytes()
    cfg = tt_config(tmp / "in", tmp / "ray", crf_path)
    again = run_sharded(cfg, EngineOptions(engine="ray", **TT_OPTS))
    assert again.processed == [] and len(again.skipped) == N_SHARDS and again.attempts == 0
    (tmp / "ray" / "shards" / "part-002" / "summary.json").unlink()
    third = run_sharded(cfg, EngineOptions(engine="ray", **TT_OPTS))
    assert third.processed == ["part-002.parquet"] and third.sentences == 50
    assert (tmp / "ray" / "shards" / "part-002" / "spans.jsonl").read_bytes() == before


def test_translate_train_local_and_ray_equal_runner(sample, tmp_path, ray_instance):
    """translate-train from the English gold (no tagger), the filter dropping sentences with a lost entity."""
    write_shards(tmp_path / "in", sample)
    en, de, links = sample
    d = {"kind": "translate-train", "src_lang": "eng_Latn", "tgt_lang": "deu_Latn", "chunk_size": CHUNK,
         "progress": False, "input": str(tmp_path / "in"),
         "input_format": {"tokens_field": "en_tokens", "tags_field": "en_tags"},
         "projection": {"method": "exact"}, "filter": {"min_ratio": 1.0}}
    ref = translate_train(en, config_from_dict(d), translations=[s.tokens for s in de], alignments=links,
                          output_dir=tmp_path / "runner")
    assert 0 < ref.summary.kept_sentences < 200
    opts = dict(translations_column="de_tokens", alignments_column="links")
    for engine in ("local", "ray"):
        cfg = config_from_dict({**d, "output_dir": str(tmp_path / engine)})
        s = run_sharded(cfg, EngineOptions(engine=engine, **opts))
        assert s.kept_sentences == ref.summary.kept_sentences
        got = concatenated(tmp_path / engine, TR_OUT)
        for f in TR_OUT:
            assert got[f] == (tmp_path / "runner" / f).read_bytes(), (engine, f)


def test_lexical_aligner_and_tagger_in_actors_equal_local(sample, crf_path, tmp_path, ray_instance):
    """No precomputed alignments: the lexical aligner (built from the config in each actor) aligns."""
    write_shards(tmp_path / "in", sample, 2)
    outs = []
    for engine in ("local", "ray"):
        cfg = tt_config(tmp_path / "in", tmp_path / engine, crf_path, aligner={"kind": "lexical"})
        s = run_sharded(cfg, EngineOptions(engine=engine, cpus_per_actor=0.5, translations_column="en_tokens"))
        assert s.sentences == 200
        outs.append(concatenated(tmp_path / engine, TT_OUT, 2))
    assert outs[0] == outs[1]
    assert outs[0]["spans.jsonl"].count(b'"label"') > 0


class FlakyTagger:
    """The CRF, failing on its first call in the whole session (a file marks that it failed)."""

    def __init__(self, path: str, marker: str):
        from xlner.models.crf import CRFTagger

        self.crf = CRFTagger.load(path)
        self.marker = Path(marker)

    def predict(self, sentences: List[List[str]]) -> List[List[str]]:
        if not self.marker.exists():
            self.marker.write_text("failed once")
            raise RuntimeError("transient failure")
        return self.crf.predict(sentences)


class FlakyFactory:
    def __init__(self, path: str, marker: str):
        self.path, self.marker = path, marker

    def __call__(self) -> FlakyTagger:
        return FlakyTagger(self.path, self.marker)


@pytest.mark.parametrize("engine", ["local", "ray"])
def test_failed_attempt_is_retried(engine, tt_runs, crf_path, tmp_path, request):
    if engine == "ray":
        request.getfixturevalue("ray_instance")
    tmp = tt_runs[0]
    cfg = tt_config(tmp / "in", tmp_path / "out", crf_path)
    models = ModelFactories(tagger=FlakyFactory(str(crf_path), str(tmp_path / "marker")))
    s = run_sharded(cfg, EngineOptions(engine=engine, **TT_OPTS), models)
    assert s.attempts == 2 and len(s.processed) == N_SHARDS and (tmp_path / "marker").exists()
    assert concatenated(tmp_path / "out", TT_OUT) == concatenated(tmp / "local", TT_OUT)
    # no retries left: the error names the shard, its rows and the stage
    (tmp_path / "marker").unlink()
    cfg = tt_config(tmp / "in", tmp_path / "out2", crf_path)
    with pytest.raises(ShardError, match=r"shard part-000.parquet rows 0-14, stage tag: RuntimeError: transient"):
        run_sharded(cfg, EngineOptions(engine=engine, retries=0, **TT_OPTS), models)
    assert not (tmp_path / "out2" / "shards" / "part-000" / "predictions.conll").exists()


@pytest.mark.parametrize("engine", ["local", "ray"])
def test_bad_shard_is_named_and_a_rerun_resumes(engine, sample, tt_runs, crf_path, tmp_path, request):
    if engine == "ray":
        request.getfixturevalue("ray_instance")
    write_shards(tmp_path / "in", sample)
    bad = tmp_path / "in" / "part-002.parquet"
    good = bad.read_bytes()
    t = pq.read_table(bad)
    links = t.column("links").to_pylist()
    links[37] = [[0, 999]]
    pq.write_table(t.set_column(t.schema.get_field_index("links"), "links",
                                pa.array(links, type=t.schema.field("links").type)), bad)
    cfg = tt_config(tmp_path / "in", tmp_path / "out", crf_path)
    with pytest.raises(ShardError, match=r"shard part-002.parquet rows \d+-\d+, stage align: ValueError: sentence 37, "
                                         r"field alignments .*after 2 attempts"):
        run_sharded(cfg, EngineOptions(engine=engine, retries=1, **TT_OPTS))
    shards = tmp_path / "out" / "shards"
    done = sorted(p.name for p in shards.iterdir() if (p / "summary.json").exists()) if shards.exists() else []
    assert "part-002" not in done and not list(shards.glob("part-002/*.conll"))
    if engine == "local":  # shards run in order: those before the bad one are done
        assert done == ["part-000", "part-001"]
    bad.write_bytes(good)  # fixed: the rerun does the rest, and the outputs are those of a clean run
    s = run_sharded(cfg, EngineOptions(engine=engine, **TT_OPTS))
    assert sorted(s.skipped) == [f"{d}.parquet" for d in done] and len(s.processed) == N_SHARDS - len(done)
    assert concatenated(tmp_path / "out", TT_OUT) == concatenated(tt_runs[0] / "local", TT_OUT)


def test_too_few_cpus_for_the_actors_raise(tt_runs, crf_path, tmp_path, ray_instance):
    cfg = tt_config(tt_runs[0] / "in", tmp_path / "out", crf_path)
    with pytest.raises(ClusterTooSmall, match="Ray has 2 CPUs and 0 GPUs; 2 actor.s. for each of 1 model stage.s. "
                                              "plus one task need 3 CPUs"):
        run_sharded(cfg, EngineOptions(engine="ray", actors=2, **TT_OPTS))
    assert not (tmp_path / "out" / "shards").exists()


def test_unsupported_options_raise(tmp_path, crf_path):
    cfg = tt_config(tmp_path, tmp_path / "o", crf_path, projection={"method": "greedy", "scores": "align_ner"})
    with pytest.raises(ValueError, match="alignment scores only"):
        run_sharded(cfg, EngineOptions(engine="local"))
    with pytest.raises(ValueError, match="unknown engine"):
        EngineOptions(engine="spark")


@pytest.mark.slow
def test_tiny_translator_in_actors_equals_runner(sample, tmp_path, ray_instance):
    """translate-train with a translator (the tiny NLLB of tinymodels, built from the config in each actor) and the
    lexical aligner: the local engine, Ray and the default runner write the same files."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    tinymodels = pytest.importorskip("tinymodels")
    import torch

    from xlner.pipelines import build_aligner, build_translator

    en = sample[0][:12]
    folder = tmp_path / "in"
    folder.mkdir()
    strs = pa.list_(pa.string())
    for k in range(2):
        part = en[6 * k:6 * (k + 1)]
        pq.write_table(pa.table({"tokens": pa.array([s.tokens for s in part], strs),
                                 "tags": pa.array([s.tags for s in part], strs)}), folder / f"part-{k:03d}.parquet")
    d = {"kind": "translate-train", "src_lang": "eng_Latn", "tgt_lang": "deu_Latn", "chunk_size": 4,
         "progress": False, "input": str(folder),
         "translator": {"model": str(tinymodels.tiny_nllb_dir()), "beam_size": 1, "max_length": 8, "batch_size": 4,
                        "device": "cpu"},
         "aligner": {"kind": "lexical"}, "projection": {"method": "greedy"}}
    cfg = config_from_dict(d)
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        translate_train(en, cfg, translator=build_translator(cfg.translator), aligner=build_aligner(cfg.aligner),
                        output_dir=tmp_path / "runner")
        for engine in ("local", "ray"):
            run_sharded(config_from_dict({**d, "output_dir": str(tmp_path / engine)}),
                        EngineOptions(engine=engine, cpus_per_actor=0.5))
            got = concatenated(tmp_path / engine, TR_OUT, 2)
            for f in TR_OUT:
                assert got[f] == (tmp_path / "runner" / f).read_bytes(), (engine, f)
    finally:
        torch.set_num_threads(old)
    assert len((tmp_path / "runner" / "train.jsonl").read_text().splitlines()) == 12
