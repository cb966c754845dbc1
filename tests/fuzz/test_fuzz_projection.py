"""Fuzz the projection core: alignment scores against the pure-Python definition (every candidate mode), every
method on random batches (a result or a ValueError / IndexError, never a crash), and the streamed files → files
path against the in-memory one on random corpora."""
from __future__ import annotations

import numpy as np
import pytest
from fuzzing import EXAMPLES, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from xlner import MatchingConfig, ProjectionBatch, _core, project
from xlner.batch import LabelVocab
from xlner.heuristic import is_punctuation, project_heuristic
from xlner.io import Alignments, TokenCorpus, build_batch, write_projection
from xlner.reference.greedy import alignment_score_matrix, ngrams
from xlner.streaming import project_files


@st.composite
def sentence_pairs(draw, max_len: int = 9):
    """(src_len, tgt_len, entities [(start, end)], links [(i, j)]) with valid indices."""
    sl = draw(st.integers(1, max_len))
    tl = draw(st.integers(0, max_len))
    cuts = sorted(draw(st.sets(st.integers(0, sl), max_size=6)))
    ents = [(a, b) for a, b in zip(cuts, cuts[1:]) if draw(st.booleans())]
    links = draw(st.lists(st.tuples(st.integers(0, sl - 1), st.integers(0, max(tl - 1, 0))), max_size=20)) \
        if tl else []
    return sl, tl, ents, links


def _batch(pairs, cands=None) -> ProjectionBatch:
    return ProjectionBatch.from_lists(
        src_lens=[p[0] for p in pairs], tgt_lens=[p[1] for p in pairs],
        entities=[[(a, b, 0) for a, b in p[2]] for p in pairs], alignments=[p[3] for p in pairs],
        candidates=cands, labels=LabelVocab(["X"]))


@pytest.mark.parametrize("examples", EXAMPLES)
def test_alignment_scores_match_the_definition(examples):
    @fuzz_settings(examples)
    @given(st.lists(sentence_pairs(), min_size=1, max_size=4), st.integers(1, 4), st.data())
    def check(pairs, m, data):
        ext = [sorted(set(data.draw(st.lists(st.tuples(st.integers(0, max(tl - 1, 0)), st.integers(1, 4)),
                                             max_size=5)))) if tl else [] for _, tl, _, _ in pairs]
        ext = [[(s, min(s + w, tl)) for s, w in c] for c, (_, tl, _, _) in zip(ext, pairs)]
        for mode in ("ngrams", "aligned", "external"):
            batch = _batch(pairs, ext if mode == "external" else None)
            got = _core.alignment_scores(batch.core, candidates=mode, max_len=m, threads=1)
            for i, (_, tl, ents, links) in enumerate(pairs):
                lo, hi = int(got["offsets"][i]), int(got["offsets"][i + 1])
                have = [(int(e), int(s), int(t), float(v)) for e, s, t, v in
                        zip(got["ent"][lo:hi], got["start"][lo:hi], got["end"][lo:hi], got["score"][lo:hi])]
                cands = {"ngrams": ngrams(tl, m), "external": ext[i]}.get(mode)
                if mode == "aligned":  # ranges whose first and last words are aligned to the entity
                    cands = ngrams(tl, m)
                mat = alignment_score_matrix(ents, links, cands) if ents else []
                want = []
                for e, row in enumerate(mat):
                    for (s, t), v in zip(cands, row):
                        if v <= 0:
                            continue
                        if mode == "aligned":
                            targets = {j for (k, j) in links if ents[e][0] <= k < ents[e][1]}
                            if s not in targets or t - 1 not in targets:
                                continue
                        want.append((e, s, t, v))
                assert [(e, s, t) for e, s, t, _ in have] == [(e, s, t) for e, s, t, _ in want], (mode, i)
                assert np.allclose([v for *_, v in have], [v for *_, v in want])

    check()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_every_method_on_random_batches(examples):
    @fuzz_settings(examples)
    @given(st.lists(sentence_pairs(), min_size=1, max_size=5), st.integers(1, 5),
           st.sampled_from(["<1", "<=1", "=1", ">=1", "<=2", ">1"]))
    def check(pairs, m, constraint):
        batch = _batch(pairs)
        cfg = MatchingConfig(max_len=m, constraint=constraint)
        results = {meth: project(batch, meth, matching=cfg, threads=1) for meth in ("greedy", "exact")}
        results["heuristic"] = project(batch, "heuristic", heuristic="thesis", threads=1)
        for res in results.values():
            assert len(res) == len(pairs)
            for i, (_, tl, _, _) in enumerate(pairs):
                spans = sorted(res.spans(i))
                assert all(0 <= s < e <= tl for s, e, *_ in spans)
                assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # no overlap
        if constraint in ("<=1", "<=2", "<1"):  # the optimum is never worse than greedy
            assert np.all(results["exact"].objective >= results["greedy"].objective - 1e-9)

    check()


def _arr(values, dtype) -> np.ndarray:
    return np.array(values, dtype=dtype)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_invalid_batches_raise_value_or_index_errors(examples):
    ints = st.integers(-3, 12)

    @fuzz_settings(examples)
    @given(st.lists(ints, max_size=3), st.lists(ints, max_size=3), st.lists(st.integers(-1, 5), max_size=4),
           st.lists(st.tuples(ints, ints), max_size=4), st.lists(st.integers(-1, 5), max_size=4),
           st.lists(st.tuples(ints, ints), max_size=4))
    def check(src_len, tgt_len, ent_off, ents, aln_off, links):
        try:
            batch = ProjectionBatch(_arr(src_len, np.int32), _arr(tgt_len, np.int32), _arr(ent_off, np.int64),
                                    _arr([a for a, _ in ents], np.int32), _arr([b for _, b in ents], np.int32),
                                    _arr([0] * len(ents), np.int32), _arr(aln_off, np.int64),
                                    _arr([a for a, _ in links], np.int32), _arr([b for _, b in links], np.int32),
                                    labels=LabelVocab(["X"]))
        except (ValueError, IndexError):
            return
        for method in ("greedy", "exact", "heuristic"):
            kw = {"heuristic": "thesis"} if method == "heuristic" else {}
            res = project(batch, method, threads=1, **kw)
            assert len(res) == len(src_len)

    check()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_streamed_files_equal_the_in_memory_path(tmp_path_factory, examples):
    words = st.sampled_from(["a", "Zoë", "-", ",", "New", "York", "x"])
    tags = st.sampled_from(["O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC"])

    @fuzz_settings(min(examples, 200))
    @given(st.lists(st.tuples(st.lists(st.tuples(words, tags), min_size=1, max_size=6),
                              st.lists(words, min_size=1, max_size=6), st.data()), min_size=1, max_size=8),
           st.integers(1, 4), st.sampled_from(["greedy", "exact", "heuristic"]), st.sampled_from([1, 2]))
    def check(sents, chunk, method, threads):
        tmp = tmp_path_factory.mktemp("s")
        src = [[w for w, _ in s] for s, _, _ in sents]
        stags = [[g for _, g in s] for s, _, _ in sents]
        tgt = [t for _, t, _ in sents]
        links = [sorted(set(d.draw(st.lists(st.tuples(st.integers(0, len(s) - 1), st.integers(0, len(t) - 1)),
                                            max_size=8)))) for s, t, d in zip(src, tgt, (x for _, _, x in sents))]
        (tmp / "s.conll").write_text("".join("".join(f"{w} {g}\n" for w, g in zip(a, b)) + "\n"
                                             for a, b in zip(src, stags)), encoding="utf-8")
        (tmp / "t.txt").write_text("".join(" ".join(t) + "\n" for t in tgt), encoding="utf-8")
        (tmp / "a.talp").write_text("".join(" ".join(f"{i}-{j}" for i, j in ln) + "\n" for ln in links),
                                    encoding="utf-8")
        source = TokenCorpus.from_lists(src, stags)
        target = TokenCorpus.from_lists(tgt)
        batch = build_batch(source, target, Alignments.from_lists(links), threads=1)
        kw = {"heuristic": "elp", "tgt_tokens": target} if method == "heuristic" else {}
        res = project(batch, method, threads=1, **kw)
        write_projection(tmp / "mem.conll", target, res, spans_out=tmp / "mem.jsonl", threads=1)
        project_files(tmp / "s.conll", tmp / "t.txt", tmp / "a.talp", tmp / "st.conll", spans_out=tmp / "st.jsonl",
                      method=method, heuristic="elp" if method == "heuristic" else None, threads=threads,
                      chunk_sentences=chunk, target_format="lines")
        assert (tmp / "st.conll").read_bytes() == (tmp / "mem.conll").read_bytes()
        assert (tmp / "st.jsonl").read_bytes() == (tmp / "mem.jsonl").read_bytes()

    check()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_entity_punctuation_mask_on_any_tokens(examples):
    """Token lists of any shape and type: the mask at the words entities link to, or a TypeError / ValueError."""
    tokens = st.one_of(st.text(max_size=3), st.sampled_from([",", ".", "«", "", " "]), st.none(), st.integers(),
                       st.binary(max_size=2))

    @fuzz_settings(examples)
    @given(st.lists(sentence_pairs(), min_size=1, max_size=4), st.data())
    def check(pairs, data):
        batch = _batch(pairs)
        toks = [data.draw(st.lists(tokens, min_size=max(tl - 1, 0), max_size=tl + 1)) for _, tl, _, _ in pairs]
        read = [{t for s, t in links if any(a <= s < b for a, b in ents)} for _, _, ents, links in pairs]
        bad_len = any(len(t) != p[1] for t, p in zip(toks, pairs))
        bad_type = any(not isinstance(t[j], str) for t, r in zip(toks, read) for j in r if j < len(t))
        try:
            mask = _core.entity_punctuation_mask(batch.core, toks)
        except ValueError:
            assert bad_len
            return
        except TypeError:
            assert bad_type
            return
        assert not bad_len and not bad_type
        want = [int(j in r and is_punctuation(t[j])) for t, r in zip(toks, read) for j in range(len(t))]
        assert mask.tolist() == want
        res = project(batch, "heuristic", heuristic="elp", tgt_tokens=toks, threads=1)
        full = project_heuristic(batch, "elp", punct=np.array(want, np.uint8), threads=1)
        assert [res.spans(i) for i in range(len(pairs))] == [full.spans(i) for i in range(len(pairs))]

    check()
