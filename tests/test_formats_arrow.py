"""Parquet and Hugging Face ``datasets`` token/tag data: round trips, ClassLabel names, column errors, the
pipeline and ``xlner project`` reading tables, and ``project_dataset`` against ``xlner project``."""
from __future__ import annotations

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
datasets = pytest.importorskip("datasets")

from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value  # noqa: E402

from xlner.cli import main  # noqa: E402
from xlner.datasets import resolve_path  # noqa: E402
from xlner.integrations.hf import Projector, project_dataset  # noqa: E402
from xlner.io import FormatError, Sentence, load_conll, load_tokens, read_conll, read_talp  # noqa: E402
from xlner.io.tables import default_tag_names, iter_table_sentences, table_format, write_table  # noqa: E402
from xlner.pipelines.stages import iter_sentences  # noqa: E402

SENTS = [
    Sentence(["Angela", "Merkel", "visited", "Paris", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"]),
    Sentence(["Nothing", "here"], ["O", "O"]),
    Sentence(["The", "United", "Nations", "met", "Kofi", "Annan"], ["O", "B-ORG", "I-ORG", "O", "B-PER", "I-PER"]),
    Sentence(["x"], ["I-LOC"]),  # I- after O: kept as written
]


def sample(name: str) -> str:
    return resolve_path(f"sample:{name}")


def as_pairs(sents):
    return [(list(s.tokens), list(s.tags)) for s in sents]


def test_table_format_detection(tmp_path):
    assert table_format(tmp_path / "a.parquet") == "parquet"
    assert table_format(tmp_path / "a.PQ") == "parquet"
    assert table_format(tmp_path / "a.conll") is None
    assert table_format(tmp_path / "a.jsonl") is None
    assert table_format(tmp_path) is None  # an empty folder
    write_table(tmp_path / "ds", SENTS, format="hf")
    assert table_format(tmp_path / "ds") == "hf"


def test_default_tag_names_order_of_appearance():
    assert default_tag_names([s.tags for s in SENTS]) == ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
    with pytest.raises(ValueError, match="sentence 1, field tags: 'PER' is not an IOB2 tag"):
        default_tag_names([["O"], ["PER"]])


@pytest.mark.parametrize("class_label", [True, False])
def test_parquet_round_trip(tmp_path, class_label):
    path = tmp_path / "data.parquet"
    write_table(path, SENTS, class_label=class_label, tags_field="ner_tags")
    back = list(iter_table_sentences(path, tags_field="ner_tags", batch_size=3))  # several record batches
    assert as_pairs(back) == as_pairs(SENTS)
    # independent reading: the raw Parquet columns
    table = pq.read_table(path)
    assert table.column("tokens").to_pylist() == [s.tokens for s in SENTS]
    raw = table.column("ner_tags").to_pylist()
    if class_label:
        names = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
        assert raw == [[names.index(t) for t in s.tags] for s in SENTS]
        # datasets reads the ClassLabel names from the file's metadata
        ds = Dataset.from_parquet(str(path))
        assert ds.features["ner_tags"].feature.names == names
    else:
        assert raw == [s.tags for s in SENTS]


def test_hf_round_trip_with_classlabel_features(tmp_path):
    path = tmp_path / "ds"
    write_table(path, SENTS, format="hf", tokens_field="words", tags_field="labels")
    ds = datasets.load_from_disk(str(path))
    assert ds.column_names == ["words", "labels"]
    assert ds.features["labels"].feature.names == ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
    assert ds[0]["labels"] == [1, 2, 0, 3, 0]
    back = list(iter_table_sentences(path, tokens_field="words", tags_field="labels"))
    assert as_pairs(back) == as_pairs(SENTS)


def test_classlabel_names_taken_from_dataset_features(tmp_path):
    # a dataset built by hand with its own id order (as on the Hub: conll2003-style ner_tags)
    names = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    feats = Features({"id": Value("string"), "tokens": Sequence(Value("string")),
                      "ner_tags": Sequence(ClassLabel(names=names))})
    ds = Dataset.from_dict({"id": ["a", "b"], "tokens": [["Ali", "in", "Bamako"], ["Mali"]],
                            "ner_tags": [[3, 0, 1], [1]]}, features=feats)
    ds.save_to_disk(str(tmp_path / "ds"))
    got = list(iter_table_sentences(tmp_path / "ds", tags_field="ner_tags"))
    assert as_pairs(got) == [(["Ali", "in", "Bamako"], ["B-PER", "O", "B-LOC"]), (["Mali"], ["B-LOC"])]
    # the pipeline input reader goes through the same route
    assert as_pairs(iter_sentences(tmp_path / "ds", tags_field="ner_tags")) == as_pairs(got)
    # explicit tag names override the features
    other = list(iter_table_sentences(tmp_path / "ds", tags_field="ner_tags",
                                      tag_names=["O", "B-X", "I-X", "B-Y", "I-Y"]))
    assert other[0].tags == ["B-Y", "O", "B-X"]
    # a DatasetDict folder: one split is chosen
    DatasetDict({"train": ds, "test": ds.select([1])}).save_to_disk(str(tmp_path / "dd"))
    assert as_pairs(iter_table_sentences(tmp_path / "dd", tags_field="ner_tags", split="test")) == as_pairs(got[1:])
    assert as_pairs(iter_table_sentences(tmp_path / "dd" / "test", tags_field="ner_tags")) == as_pairs(got[1:])
    with pytest.raises(ValueError, match=r"splits \['train', 'test'\]"):
        list(iter_table_sentences(tmp_path / "dd", tags_field="ner_tags"))


def test_bad_columns_and_values_raise_clear_errors(tmp_path):
    path = tmp_path / "d.parquet"
    write_table(path, SENTS)
    with pytest.raises(FormatError,
                       match=r"d\.parquet, field words: no such column; the table has \['tokens', 'tags'\]"):
        list(iter_table_sentences(path, tokens_field="words"))
    with pytest.raises(FormatError, match=r"field ner: no such column"):
        list(iter_table_sentences(path, tags_field="ner", with_tags=True))
    assert [s.tags for s in iter_table_sentences(path, tags_field="ner")] == [[]] * 4  # optional tags: absent
    write_table(tmp_path / "ds", SENTS, format="hf")
    with pytest.raises(FormatError, match=r"field toks: no such column; the table has \['tokens', 'tags'\]"):
        list(iter_table_sentences(tmp_path / "ds", tokens_field="toks"))
    # integer tags without names, ids out of range, length mismatches, empty tokens
    pq.write_table(pa.table({"tokens": [["a", "b"], ["c"]], "tags": [[0, 0], [0]]}), tmp_path / "ints.parquet")
    with pytest.raises(FormatError, match=r"sentence 0 \(0-based\), field tags: integer tags need tag names"):
        list(iter_table_sentences(tmp_path / "ints.parquet"))
    assert [s.tags for s in iter_table_sentences(tmp_path / "ints.parquet", tag_names=["O"])] == [["O", "O"], ["O"]]
    pq.write_table(pa.table({"tokens": [["a", "b"], ["c"]], "tags": [[0, 0], [5]]}), tmp_path / "range.parquet")
    with pytest.raises(FormatError, match=r"sentence 1 \(0-based\), field tags: tag id 5 out of range 0\.\.1"):
        list(iter_table_sentences(tmp_path / "range.parquet", tag_names=["O", "B-X"]))
    pq.write_table(pa.table({"tokens": [["a", "b"], ["c", ""]], "tags": [["O", "O"], ["O", "O"]]}),
                   tmp_path / "empty.parquet")
    with pytest.raises(FormatError, match=r"sentence 1 \(0-based\), field tokens: expected a list of non-empty"):
        list(iter_table_sentences(tmp_path / "empty.parquet"))
    pq.write_table(pa.table({"tokens": [["a", "b"]], "tags": [["O"]]}), tmp_path / "short.parquet")
    with pytest.raises(FormatError, match=r"sentence 0 \(0-based\), field tags: expected 2 tags"):
        list(iter_table_sentences(tmp_path / "short.parquet"))


def test_parquet_folder_of_shards_numbers_rows_across_files(tmp_path):
    (tmp_path / "shards").mkdir()
    write_table(tmp_path / "shards" / "part-000.parquet", SENTS[:2])
    write_table(tmp_path / "shards" / "part-001.parquet", SENTS[2:])
    assert table_format(tmp_path / "shards") == "parquet"
    assert as_pairs(iter_table_sentences(tmp_path / "shards")) == as_pairs(SENTS)
    pq.write_table(pa.table({"tokens": [["a"], ["b", "c"]], "tags": [["O"], ["O"]]}),
                   tmp_path / "shards" / "part-002.parquet")
    with pytest.raises(FormatError, match=r"part-002\.parquet, sentence 5 \(0-based\), field tags"):
        list(iter_table_sentences(tmp_path / "shards"))


def sample_dataset(*, class_label: bool, talp_strings: bool = False) -> Dataset:
    """The bundled en-de sample as one dataset: source tokens/tags, target tokens, alignments."""
    src = read_conll(sample("en.conll"))
    tgt = read_conll(sample("de.conll"), with_tags=False)
    links = read_talp(sample("en-de.talp"))
    names = default_tag_names([s.tags for s in src])
    cols = {"en_tokens": [s.tokens for s in src], "de_tokens": [s.tokens for s in tgt]}
    if talp_strings:
        cols["links"] = [" ".join(f"{i}-{j}" for i, j in ls) for ls in links]
    else:
        cols["links"] = [[list(p) for p in ls] for ls in links]
    if class_label:
        cols["en_tags"] = [[names.index(t) for t in s.tags] for s in src]
        feats = Features({"en_tokens": Sequence(Value("string")), "de_tokens": Sequence(Value("string")),
                          "links": Value("string") if talp_strings else Sequence(Sequence(Value("int64"))),
                          "en_tags": Sequence(ClassLabel(names=names))})
        return Dataset.from_dict(cols, features=feats)
    cols["en_tags"] = [s.tags for s in src]
    return Dataset.from_dict(cols)


def cli_projection(tmp_path, method: str) -> list:
    out = tmp_path / f"cli-{method}.conll"
    assert main(["project", "--source", "sample:en.conll", "--target", "sample:de.conll", "--alignments",
                 "sample:en-de.talp", "--method", method, "--out", str(out), "--threads", "1", "--quiet"]) == 0
    return [s.tags for s in read_conll(out)]


@pytest.mark.parametrize("method", ["greedy", "heuristic", "exact"])
def test_project_dataset_equals_xlner_project(tmp_path, method):
    expected = cli_projection(tmp_path, method)
    assert any(any(t != "O" for t in tags) for tags in expected)
    ds = sample_dataset(class_label=True)
    out = project_dataset(ds, source_tokens="en_tokens", source_tags="en_tags", target_tokens="de_tokens",
                          alignments="links", method=method, output="de_tags", batch_size=37)
    names = ds.features["en_tags"].feature.names
    assert out.features["de_tags"].feature.names == names  # the source's ClassLabel
    assert out.column_names == ds.column_names + ["de_tags"]
    assert [[names[t] for t in row] for row in out["de_tags"]] == expected
    # string tags in, string tags out
    out_s = project_dataset(sample_dataset(class_label=False), source_tokens="en_tokens", source_tags="en_tags",
                            target_tokens="de_tokens", alignments="links", method=method, output="de_tags")
    assert out_s["de_tags"] == expected


def test_projector_inside_a_users_map_with_talp_strings(tmp_path):
    expected = cli_projection(tmp_path, "greedy")
    ds = sample_dataset(class_label=False, talp_strings=True)
    fn = Projector(source_tokens="en_tokens", source_tags="en_tags", target_tokens="de_tokens", alignments="links",
                   output="pred")
    out = ds.map(fn, batched=True, batch_size=50).map(lambda b: {"n": [len(x) for x in b["pred"]]}, batched=True)
    assert out["pred"] == expected
    assert out["n"] == [len(t) for t in ds["de_tokens"]]


def test_project_dataset_errors_name_column_and_row():
    ds = sample_dataset(class_label=False)
    with pytest.raises(FormatError, match=r"field tgt: no such column; the dataset has \['en_tokens'"):
        project_dataset(ds, source_tokens="en_tokens", source_tags="en_tags", target_tokens="tgt", alignments="links")
    bad = ds.select(range(5)).map(lambda r, i: {"links": [[0, 999]] if i == 3 else r["links"]}, with_indices=True)
    with pytest.raises(FormatError, match=r"sentence 3 \(0-based\), field links"):
        project_dataset(bad, source_tokens="en_tokens", source_tags="en_tags", target_tokens="de_tokens",
                        alignments="links")
    bad_tag = ds.select(range(5)).map(lambda r, i: {"en_tags": ["Q"] + r["en_tags"][1:] if i == 2 else r["en_tags"]},
                                      with_indices=True)
    with pytest.raises(FormatError, match=r"sentence 2 \(0-based\), field en_tags: .*Q"):
        project_dataset(bad_tag, source_tokens="en_tokens", source_tags="en_tags", target_tokens="de_tokens",
                        alignments="links", batch_size=2)
    bad_tok = ds.select(range(5)).map(
        lambda r, i: {"de_tokens": [""] + r["de_tokens"][1:] if i == 4 else r["de_tokens"]}, with_indices=True)
    with pytest.raises(FormatError, match=r"sentence 4 \(0-based\), field de_tokens: expected a list of non-empty"):
        project_dataset(bad_tok, source_tokens="en_tokens", source_tags="en_tags", target_tokens="de_tokens",
                        alignments="links", batch_size=3)
    with pytest.raises(ValueError, match="unknown projection method"):
        project_dataset(ds, source_tokens="en_tokens", source_tags="en_tags", target_tokens="de_tokens",
                        alignments="links", method="magic")


def test_xlner_project_reads_and_writes_tables(tmp_path):
    expected = cli_projection(tmp_path, "greedy")
    src = read_conll(sample("en.conll"))
    tgt = load_tokens(sample("de.conll"))
    write_table(tmp_path / "en.parquet", src)
    write_table(tmp_path / "de_ds", tgt, format="hf")
    assert main(["project", "--source", str(tmp_path / "en.parquet"), "--target", str(tmp_path / "de_ds"),
                 "--alignments", "sample:en-de.talp", "--method", "greedy", "--out", str(tmp_path / "out.parquet"),
                 "--threads", "1", "--quiet"]) == 0
    got = list(iter_table_sentences(tmp_path / "out.parquet"))
    assert [s.tags for s in got] == expected
    assert [s.tokens for s in got] == tgt.token_lists()
    # a datasets folder as output (--out-format), ClassLabel names over the projected labels
    assert main(["project", "--source", str(tmp_path / "en.parquet"), "--target", sample("de.conll"),
                 "--alignments", "sample:en-de.talp", "--method", "greedy", "--out", str(tmp_path / "out_ds"),
                 "--out-format", "hf", "--threads", "1", "--quiet"]) == 0
    ds = datasets.load_from_disk(str(tmp_path / "out_ds"))
    names = ds.features["tags"].feature.names
    assert [[names[t] for t in row] for row in ds["tags"]] == expected
    assert load_conll(sample("en.conll")).labels.names == [n[2:] for n in names[1::2]]


def test_pipeline_input_from_parquet_equals_conll(tmp_path):
    src = read_conll(sample("en.conll"))
    write_table(tmp_path / "en.parquet", src, tags_field="ner")
    got = list(iter_sentences(tmp_path / "en.parquet", tags_field="ner"))
    assert as_pairs(got) == as_pairs(iter_sentences(sample("en.conll")))


def test_evaluate_and_train_tagger_read_tables(tmp_path, capsys):
    import json

    pred_conll = tmp_path / "pred.conll"
    assert main(["project", "--source", "sample:en.conll", "--target", "sample:de.conll", "--alignments",
                 "sample:en-de.talp", "--method", "greedy", "--out", str(pred_conll), "--threads", "1", "--quiet"]) == 0
    write_table(tmp_path / "gold.parquet", read_conll(sample("de.conll")), tags_field="ner_tags")
    write_table(tmp_path / "pred_ds", read_conll(pred_conll), format="hf", tags_field="ner_tags")
    capsys.readouterr()
    assert main(["evaluate", "--gold", "sample:de.conll", "--pred", str(pred_conll), "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    assert main(["evaluate", "--gold", str(tmp_path / "gold.parquet"), "--pred", str(tmp_path / "pred_ds"),
                 "--tags-field", "ner_tags", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected
    assert 0 < expected["micro"]["f1"] < 1
    # a CRF trained from a datasets folder equals one trained from the same sentences in CoNLL
    for name, train in (("conll", sample("en.conll")), ("table", str(tmp_path / "en_ds"))):
        if name == "table":
            write_table(tmp_path / "en_ds", read_conll(sample("en.conll")), format="hf", tags_field="ner_tags")
        assert main(["train-tagger", "--train", train, "--tags-field", "ner_tags",
                     "--out", str(tmp_path / f"{name}.crf"),
                     "--max-iterations", "5"]) == 0
    assert (tmp_path / "conll.crf").read_bytes() == (tmp_path / "table.crf").read_bytes()
