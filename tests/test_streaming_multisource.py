"""Multi-source projection files to files (:func:`xlner.streaming.project_multi_files`, ``xlner project`` with
several ``--source``/``--alignments`` pairs): block by block, the same bytes as the whole corpus combined in memory
(:func:`xlner.multisource.project_multi` and the writers) for every combination, block size and thread count, also
when labels first appear in other orders across sources and blocks; errors numbered over the whole file; nothing
written when a run fails."""
from __future__ import annotations

import gzip
import random
from pathlib import Path
from typing import Any, Dict, List

import pytest

from xlner.cli import main
from xlner.heuristic import HeuristicConfig
from xlner.io import FormatError, build_batch, load_conll, load_talp, load_tokens
from xlner.io.conll import write_conll_tags_to
from xlner.io.corpus import result_tag_ids
from xlner.multisource import project_multi
from xlner.projection import MatchingConfig
from xlner.streaming import project_multi_files

LABELS = ["PER", "ORG", "LOC", "MISC"]


def _corpus(tmp: Path, seed: int, n: int = 60, k: int = 3) -> Dict[str, Any]:
    """A target of ``n`` sentences and ``k`` sources with random entities and links. Each source draws its labels
    from its own order of LABELS, so they first appear in another order in each, and source 0 has no entity before
    sentence 20: labels united in the order they first appear would be ordered otherwise in the first blocks than
    in the whole corpus. Source 1 also has DATE entities from sentence 40 on only (a label the first blocks do not
    know)."""
    rng = random.Random(seed)
    tgt_len = [rng.randint(1, 9) for _ in range(n)]
    tgt_lines = [" ".join(f"t{i}w{j}" if rng.random() > 0.1 else "," for j in range(m)) for i, m in enumerate(tgt_len)]
    (tmp / "tgt.txt").write_text("\n".join(tgt_lines) + "\n", encoding="utf-8")
    sources, aligns = [], []
    for s in range(k):
        order = LABELS[s:] + LABELS[:s]
        conll, talp = [], []
        for i in range(n):
            m = rng.randint(1, 8)
            tags = ["O"] * m
            pos = 0
            while pos < m:
                if rng.random() < 0.35 and (s > 0 or i >= 20):
                    end = min(m, pos + rng.randint(1, 3))
                    pool = order[:1 + min(3, i // 10)] + (["DATE"] if s == 1 and i >= 40 else [])
                    lab = rng.choice(pool)
                    tags[pos:end] = [f"B-{lab}"] + [f"I-{lab}"] * (end - pos - 1)
                    pos = end + 1
                else:
                    pos += 1
            conll.append("".join(f"s{s}w{j}\t{t}\n" for j, t in enumerate(tags)))
            links = {(a, rng.randrange(tgt_len[i])) for a in range(m) if rng.random() < 0.8}
            links |= {(rng.randrange(m), rng.randrange(tgt_len[i])) for _ in range(rng.randint(0, 2))}
            talp.append(" ".join(f"{a}-{b}" for a, b in sorted(links)))
        (tmp / f"s{s}.conll").write_text("\n".join(conll), encoding="utf-8")
        (tmp / f"s{s}.talp").write_text("\n".join(talp) + "\n", encoding="utf-8")
        sources.append(str(tmp / f"s{s}.conll"))
        aligns.append(str(tmp / f"s{s}.talp"))
    return {"target": str(tmp / "tgt.txt"), "sources": sources, "alignments": aligns}


def _in_memory(tmp: Path, job: Dict[str, Any], name: str, **kw: Any) -> tuple:
    """The whole corpus read, projected, combined and written in memory (the reference)."""
    target = load_tokens(job["target"], keep_tokens=True)
    batches = [build_batch(load_conll(s, with_tags=True), target, load_talp(a), threads=1)
               for s, a in zip(job["sources"], job["alignments"])]
    extra: Dict[str, Any] = {}
    if kw.get("method") == "heuristic":
        extra = {"heuristic": HeuristicConfig.preset("thesis"), "tgt_tokens": target}
    res = project_multi(batches, threads=1, **kw, **extra)
    result = res.to_result()
    out, spans = tmp / f"{name}.conll", tmp / f"{name}.jsonl"
    write_conll_tags_to(out, target, result_tag_ids(target, result, threads=1), result.labels, threads=1)
    res.write_spans_jsonl(spans, job["sources"])
    return out.read_bytes(), spans.read_bytes()


SETTINGS: List[Dict[str, Any]] = [
    dict(method="greedy", combine="vote"),
    dict(method="greedy", combine="vote", min_votes=1.0),
    dict(method="exact", combine="vote", boundary="median", min_votes=1.0),
    dict(method="greedy", combine="vote", min_votes={"DATE": 1.0, "ORG": 2.0}),
    dict(method="greedy", combine="vote", label_weights={"DATE": [0.0, 2.0, 1.0], "PER": [1.0, 0.5, 2.0]}),
    dict(method="heuristic", combine="vote", weights=[1.0, 2.0, 1.0], min_votes=2.0),
    dict(method="greedy", combine="priority", primary=1, corroboration=1.0),
    dict(method="greedy", combine="joint", span_cost=0.5),
    dict(method="exact", combine="joint", span_cost=0.5, weights=[1.0, 0.5, 2.0]),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("setting", SETTINGS, ids=lambda d: "-".join(str(v)[:12] for v in d.values()))
def test_block_by_block_is_byte_identical_to_the_whole_corpus_in_memory(tmp_path, seed, setting):
    job = _corpus(tmp_path, seed)
    want = _in_memory(tmp_path, job, "mem", **setting)
    assert b"DATE" in want[1] or setting["combine"] != "vote" or "min_votes" not in setting
    heuristic = "thesis" if setting["method"] == "heuristic" else None
    for chunk, threads in ((1, 1), (3, 2), (7, 1), (41, 2), (10000, 1)):
        out, spans = tmp_path / "o.conll", tmp_path / "o.jsonl"
        stats = project_multi_files(job["target"], job["sources"], job["alignments"], out, spans_out=spans,
                                    heuristic=heuristic, chunk_sentences=chunk, threads=threads,
                                    source_names=job["sources"], **setting)
        assert (out.read_bytes(), spans.read_bytes()) == want, (chunk, threads)
        assert stats.sentences == 60 and stats.chunks == -(-60 // chunk)
        assert stats.spans == sum(line.count(b"B-") for line in want[0].splitlines())


def test_gzip_inputs_and_outputs(tmp_path):
    job = _corpus(tmp_path, 3)
    want = _in_memory(tmp_path, job, "mem", method="greedy", combine="vote")
    gz: Dict[str, Any] = {}
    for key in ("sources", "alignments"):
        gz[key] = []
        for path in job[key]:
            gz[key].append(path + ".gz")
            Path(path + ".gz").write_bytes(gzip.compress(Path(path).read_bytes()))
    Path(job["target"] + ".gz").write_bytes(gzip.compress(Path(job["target"]).read_bytes()))
    out, spans = tmp_path / "o.conll.gz", tmp_path / "o.jsonl.gz"
    project_multi_files(job["target"] + ".gz", gz["sources"], gz["alignments"], out, spans_out=spans,
                        chunk_sentences=9, source_names=job["sources"], threads=2)
    assert (gzip.decompress(out.read_bytes()), gzip.decompress(spans.read_bytes())) == want


def _cut(path: str, keep: int) -> None:
    """Keep the first ``keep`` sentences of a CoNLL file or lines of a talp file."""
    text = Path(path).read_text(encoding="utf-8")
    sep = "\n\n" if path.endswith(".conll") else "\n"
    Path(path).write_text(sep.join(text.rstrip("\n").split(sep)[:keep]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("which,key,what", [
    (1, "sources", "sentence count"), (2, "alignments", "line count"), (0, "alignments", "line count")])
def test_a_shorter_input_is_named_with_its_first_missing_sentence(tmp_path, which, key, what):
    job = _corpus(tmp_path, 4)
    _cut(job[key][which], 45)
    out = tmp_path / "o.conll"
    for chunk in (7, 100):
        with pytest.raises(FormatError) as err:
            project_multi_files(job["target"], job["sources"], job["alignments"], out, chunk_sentences=chunk)
        assert err.value.path == job[key][which] and err.value.sentence == 45 and err.value.field == what
        assert "sentence 45 is the first one missing here" in str(err.value)
        assert not out.exists()


def test_a_longer_second_source_is_refused_at_the_end(tmp_path):
    job = _corpus(tmp_path, 5)
    _cut(job["sources"][0], 50)
    _cut(job["target"], 50)
    _cut(job["alignments"][0], 50)
    _cut(job["alignments"][2], 50)
    with pytest.raises(FormatError) as err:
        project_multi_files(job["target"], job["sources"], job["alignments"], tmp_path / "o.conll",
                            chunk_sentences=8)
    assert err.value.path == job["sources"][0] and err.value.sentence == 50
    assert f"{job['sources'][1]} has more sentences" in str(err.value)


def test_a_malformed_line_of_a_later_source_is_numbered_over_the_whole_file(tmp_path):
    job = _corpus(tmp_path, 6)
    blocks = Path(job["sources"][2]).read_text(encoding="utf-8").split("\n\n")
    line = sum(b.count("\n") + 2 for b in blocks[:33]) + 1  # first line of sentence 33 (1-based lines)
    blocks[33] = "w\tB-PER\textra\n" + blocks[33]
    Path(job["sources"][2]).write_text("\n\n".join(blocks), encoding="utf-8")
    for chunk in (5, 1000):
        with pytest.raises(FormatError) as err:
            project_multi_files(job["target"], job["sources"], job["alignments"], tmp_path / "o.conll",
                                chunk_sentences=chunk, threads=2)
        assert (err.value.path, err.value.sentence, err.value.line) == (job["sources"][2], 33, line)


def test_a_label_no_source_has_is_refused_and_nothing_is_written(tmp_path):
    job = _corpus(tmp_path, 7)
    out, spans = tmp_path / "o.conll", tmp_path / "o.jsonl"
    for kw in ({"min_votes": {"DATE": 1.0, "TIME": 2.0}}, {"label_weights": {"TIME": [1.0, 1.0, 1.0]}}):
        with pytest.raises(ValueError, match=r"labels \['TIME'\] are not labels of the sources"):
            project_multi_files(job["target"], job["sources"], job["alignments"], out, spans_out=spans,
                                chunk_sentences=10, **kw)
        assert not out.exists() and not spans.exists()
        assert sorted(p.name for p in tmp_path.iterdir() if ".tmp" in p.name) == []


def test_options_are_checked(tmp_path):
    job = _corpus(tmp_path, 8)
    out = tmp_path / "o.conll"
    with pytest.raises(ValueError, match="3 sources but 2 alignment files"):
        project_multi_files(job["target"], job["sources"], job["alignments"][:2], out)
    with pytest.raises(ValueError, match="at least two sources"):
        project_multi_files(job["target"], job["sources"][:1], job["alignments"][:1], out)
    with pytest.raises(ValueError, match="chunk_sentences must be >= 1"):
        project_multi_files(job["target"], job["sources"], job["alignments"], out, chunk_sentences=0)
    with pytest.raises(ValueError, match="combine must be one of"):
        project_multi_files(job["target"], job["sources"], job["alignments"], out, combine="union")
    assert not out.exists()


def test_cli_streams_with_alignments_and_equals_the_library(tmp_path, capsys):
    job = _corpus(tmp_path, 9)
    pairs = [x for s, a in zip(job["sources"], job["alignments"]) for x in ("--source", s, "--alignments", a)]
    want = _in_memory(tmp_path, job, "mem", method="greedy", combine="vote", min_votes={"DATE": 1.0},
                      matching=MatchingConfig(max_len=4))
    for chunk in ("1", "16"):
        rc = main(["project", *pairs, "--target", job["target"], "--method", "greedy", "--min-votes", "DATE=1",
                   "--max-len", "4", "--out", str(tmp_path / "o.conll"), "--spans-out", str(tmp_path / "o.jsonl"),
                   "--chunk-sentences", chunk, "--quiet"])
        assert rc == 0
        assert ((tmp_path / "o.conll").read_bytes(), (tmp_path / "o.jsonl").read_bytes()) == want
    for bad, msg in ((["--out", str(tmp_path / "o.parquet")], "several sources read and write CoNLL"),
                     (["--out", str(tmp_path / "o.conll"), "--out-format", "hf"], "several sources read and write"),
                     (["--out", str(tmp_path / "o.conll"), "--input", str(tmp_path)], "--input SHARDS projects one")):
        rc = main(["project", *pairs, "--target", job["target"], "--method", "greedy", *bad])
        assert rc == 1 and msg in capsys.readouterr().err


def test_a_tie_between_labels_goes_to_the_label_name_in_every_block(tmp_path):
    """Hand-worked: in sentence 0, source 1 projects ORG and source 2 LOC onto the same two words (one vote and
    score 1 each, min_votes 1): the tie goes to the label that sorts first, LOC. Source 0 names ORG (sentence 2)
    before LOC (sentence 3), and its labels are not known yet in the first block: labels united in the order they
    first appear would give ORG to the whole corpus (source 0's order) and LOC to a first block of one sentence
    (source 1 before source 2), or the reverse with other files."""
    (tmp_path / "tgt.txt").write_text("a b\nc\nd\ne\n", encoding="utf-8")
    rows = {0: ["x\tO\ny\tO", "x\tO", "x\tB-ORG", "x\tB-LOC"],
            1: ["x\tB-ORG\ny\tI-ORG", "x\tO", "x\tO", "x\tO"],
            2: ["x\tB-LOC\ny\tI-LOC", "x\tO", "x\tO", "x\tO"]}
    talp = "0-0 1-1\n0-0\n0-0\n0-0\n"
    srcs, alns = [], []
    for s, sents in rows.items():
        (tmp_path / f"s{s}.conll").write_text("\n\n".join(sents) + "\n", encoding="utf-8")
        (tmp_path / f"s{s}.talp").write_text(talp, encoding="utf-8")
        srcs.append(str(tmp_path / f"s{s}.conll"))
        alns.append(str(tmp_path / f"s{s}.talp"))
    want = "a\tB-LOC\nb\tI-LOC\n\nc\tO\n\nd\tB-ORG\n\ne\tB-LOC\n\n"
    job = {"target": str(tmp_path / "tgt.txt"), "sources": srcs, "alignments": alns}
    assert _in_memory(tmp_path, job, "mem", min_votes=1.0)[0].decode() == want
    for chunk in (1, 2, 4):
        project_multi_files(job["target"], srcs, alns, tmp_path / "o.conll", min_votes=1.0, chunk_sentences=chunk)
        assert (tmp_path / "o.conll").read_text(encoding="utf-8") == want
