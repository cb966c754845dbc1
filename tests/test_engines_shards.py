"""Projection over a folder of Parquet shards: local engine equals ``xlner project``, the Ray engine (a local
Ray instance with 2 CPUs) equals the local engine, finished shards are skipped, bad shards are named."""
from __future__ import annotations

import pytest

pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("datasets")

from test_formats_arrow import cli_projection, sample_dataset  # noqa: E402

from xlner.cli import main  # noqa: E402
from xlner.engines.shards import ShardColumns, project_shards  # noqa: E402
from xlner.io import FormatError  # noqa: E402

COLS = ShardColumns(source_tokens="en_tokens", source_tags="en_tags", target_tokens="de_tokens", alignments="links",
                    output="de_tags")


def write_shards(folder, n_shards: int = 4):
    """The bundled sample as ``n_shards`` Parquet shards written by ``datasets`` (ClassLabel tags)."""
    ds = sample_dataset(class_label=True)
    folder.mkdir()
    size = -(-len(ds) // n_shards)
    for k in range(n_shards):
        ds.select(range(k * size, min(len(ds), (k + 1) * size))).to_parquet(str(folder / f"part-{k:03d}.parquet"))
    return ds.features["en_tags"].feature.names


def read_output(folder):
    files = sorted(folder.glob("*.parquet"))
    return [row for f in files for row in pq.read_table(f).column("de_tags").to_pylist()]


def test_local_engine_equals_xlner_project_and_resumes(tmp_path):
    names = write_shards(tmp_path / "in")
    summary = project_shards(tmp_path / "in", tmp_path / "out", COLS)
    assert summary.shards == 4 and len(summary.projected) == 4 and summary.sentences == 200
    expected = cli_projection(tmp_path, "greedy")
    assert [[names[t] for t in row] for row in read_output(tmp_path / "out")] == expected
    import datasets

    back = datasets.Dataset.from_parquet(str(tmp_path / "out" / "part-000.parquet"))
    assert back.features["de_tags"].feature.names == names  # the source's ClassLabel
    # resume: a finished run does nothing; a missing shard is redone alone
    before = (tmp_path / "out" / "part-002.parquet").read_bytes()
    again = project_shards(tmp_path / "in", tmp_path / "out", COLS)
    assert again.projected == [] and len(again.skipped) == 4
    (tmp_path / "out" / "part-002.parquet").unlink()
    third = project_shards(tmp_path / "in", tmp_path / "out", COLS)
    assert third.projected == ["part-002.parquet"] and third.sentences == 50
    assert (tmp_path / "out" / "part-002.parquet").read_bytes() == before


def test_bad_shard_is_named(tmp_path):
    write_shards(tmp_path / "in", 2)
    t = pq.read_table(tmp_path / "in" / "part-001.parquet")
    links = t.column("links").to_pylist()
    links[7] = [[0, 999]]
    import pyarrow as pa

    t = t.set_column(t.schema.get_field_index("links"), "links", pa.array(links, type=t.schema.field("links").type))
    pq.write_table(t, tmp_path / "in" / "part-001.parquet")
    with pytest.raises(FormatError, match=r"part-001\.parquet, sentence 7 \(0-based\), field links"):
        project_shards(tmp_path / "in", tmp_path / "out", COLS)
    assert (tmp_path / "out" / "part-000.parquet").is_file() and not (tmp_path / "out" / "part-001.parquet").exists()
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        project_shards(tmp_path / "in", tmp_path / "out", COLS, engine="spark")


def test_cli_shards_and_ray_engine_equal_local(tmp_path, capsys):
    pytest.importorskip("ray")
    write_shards(tmp_path / "in")
    args = ["project", "--input", str(tmp_path / "in"), "--method", "greedy", "--tokens-field", "en_tokens",
            "--tags-field", "en_tags", "--target-field", "de_tokens", "--alignments-field", "links",
            "--output-field", "de_tags", "--quiet"]
    assert main(args + ["--out", str(tmp_path / "local")]) == 0
    assert main(args + ["--out", str(tmp_path / "ray"), "--engine", "ray", "--num-cpus", "2"]) == 0
    for f in sorted((tmp_path / "local").glob("*.parquet")):
        assert pq.read_table(tmp_path / "ray" / f.name).equals(pq.read_table(f))
    assert len(read_output(tmp_path / "ray")) == 200
    capsys.readouterr()
    assert main(["project", "--source", "sample:en.conll", "--target", "sample:de.conll", "--alignments",
                 "sample:en-de.talp", "--method", "greedy", "--out", str(tmp_path / "x.conll"), "--engine", "ray"]) != 0
    assert "--engine ray projects a folder of shards: give --input SHARDS" in capsys.readouterr().err
