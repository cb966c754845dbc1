"""The sealed boundary between Python and the C++ core: validated objects cannot be changed behind the
validation's back, integers never wrap silently, and one strict parser reads every constraint.

Every reproducer of issue 11 ("A sealed boundary", "One rule per option") is a test here: mutating a
batch's arrays and projecting segfaulted, corrupting a corpus' offsets read out of bounds, 2**32 + 3 was
taken as 3, label 2**31 - 1 overflowed a signed int, and the Python and C++ constraint parsers disagreed.
"""
from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlner import _core
from xlner.batch import ProjectionBatch, ProjectionResult
from xlner.ilp import STATUS_INFEASIBLE, STATUS_SOLVED, SolverOptions, Status, project_exact, relaxed_constraint
from xlner.projection import MatchingConfig, parse_constraint, project
from xlner.scores import alignment_scores

# --------------------------------------------------------------------------------------- sealed objects


def small_batch() -> ProjectionBatch:
    return ProjectionBatch.from_lists(
        [3, 2], [4, 3], [[(0, 2, 0)], [(0, 1, 1), (1, 2, 0)]], [[(0, 1), (1, 2)], [(0, 0), (1, 2)]],
        candidates=[[(1, 3), (0, 1)], [(0, 1), (2, 3)]])


def result_tuple(r: ProjectionResult) -> tuple:
    return tuple(tuple(np.asarray(getattr(r, f)).tolist()) for f in
                 ("offsets", "start", "end", "label", "entity", "score", "objective", "status"))


def test_reproducer_mutated_batch_cannot_reach_the_core():
    b = small_batch()
    before = result_tuple(project(b, "exact"))
    with pytest.raises(ValueError, match="read-only"):
        b.aln_tgt[0] = 10**8
    with pytest.raises(ValueError, match="read-only"):
        b.ent_end[0] = 10**8
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.aln_tgt = np.array([10**8, 0, 0, 0], dtype=np.int32)  # type: ignore[misc]
    with pytest.raises(ValueError):  # numpy refuses to make a view of C++ memory writable again
        b.aln_tgt.flags.writeable = True
    assert result_tuple(project(b, "exact")) == before


def test_batch_keeps_its_own_copy_of_the_callers_arrays():
    src_len = np.array([3], dtype=np.int32)
    aln_tgt = np.array([1, 2], dtype=np.int32)
    b = ProjectionBatch(src_len, np.array([4], np.int32), np.array([0, 1]), np.array([0], np.int32),
                        np.array([2], np.int32), np.array([0], np.int32), np.array([0, 2]), np.array([0, 1], np.int32),
                        aln_tgt)
    before = result_tuple(project(b, "greedy"))
    aln_tgt[0] = 10**8  # the caller's array, validated earlier: the batch does not see the change
    src_len[0] = 0
    assert b.aln_tgt.tolist() == [1, 2] and b.src_len.tolist() == [3]
    assert result_tuple(project(b, "greedy")) == before


def test_reproducer_corpus_and_model_views_are_read_only():
    c = _core.corpus_from_lists([["a", "b"], ["c"]], [["B-PER", "I-PER"], ["O"]], labels=["PER"])
    for name in ("offsets", "tags"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(c, name)[0] = 10**9
    assert c.offsets.tolist() == [0, 2, 3] and c.tokens(1) == ["c"]
    m = _core.ilp_model_alignment(small_batch().core, constraint="=1")
    for name in ("sentences", "col_offsets", "row_offsets", "col_ent", "col_start", "col_end", "col_score", "cost",
                 "a_start", "a_index", "a_value", "fill", "integrality", "row_lower", "row_upper", "col_upper"):
        arr = getattr(m, name)
        if arr.size:
            with pytest.raises(ValueError, match="read-only"):
                arr[0] = arr[0]


def test_a_model_decodes_only_with_its_own_batch():
    b = small_batch()
    m = _core.ilp_model_alignment(b.core, constraint="=1")
    other = ProjectionBatch.from_lists([3, 1], [4, 1], [[(0, 2, 0)], [(0, 1, 1)]], [[(0, 1), (1, 2)], [(0, 0)]])
    x, st = np.zeros(m.n_cols), np.zeros(len(m.sentences), np.int8)
    with pytest.raises(IndexError, match="sentence 1, field model"):
        _core.ilp_decode(other.core, m, x, st)
    with pytest.raises(IndexError, match="field sentences"):
        _core.ilp_decode(ProjectionBatch.from_lists([1], [1], [[]], [[]]).core, m, x, st)
    assert len(_core.ilp_decode(b.core, m, x, st)["status"]) == 2


def public_objects():
    """Every public object of the projection API, built on the small batch."""
    b = small_batch()
    return {
        "batch": b,
        "result": project(b, "greedy"),
        "scores": alignment_scores(b),
        "matching": MatchingConfig(),
        "solver": SolverOptions(),
        "model": _core.ilp_model_alignment(b.core),
        "corpus": _core.corpus_from_lists([["a", "b", "c", "d"], ["e", "f", "g"]]),
    }


def use(name: str, objs: dict) -> tuple:
    """Run what consumes the object; the observable outcome."""
    b = objs["batch"]
    o = objs[name]
    if name == "batch":
        return result_tuple(project(b, "exact")) + result_tuple(project(b, "heuristic"))
    if name == "result":
        return result_tuple(o) + (tuple(_core.spans_to_tags(b.tgt_len, o.offsets, o.start, o.end, o.label).tolist()),)
    if name == "scores":
        return result_tuple(project(b, "exact", scores=o)) + result_tuple(project(b, "greedy", scores=o))
    if name in ("matching", "solver"):
        cfg = o if name == "matching" else MatchingConfig(**dataclasses.asdict(o))
        return result_tuple(project(b, "exact", matching=cfg))
    if name == "model":
        x = np.zeros(o.n_cols)
        return result_tuple(ProjectionResult.from_core(
            _core.ilp_decode(b.core, o, x, np.zeros(len(o.sentences), np.int8)), b.labels))
    return (tuple(o.offsets.tolist()), tuple(o.lengths().tolist()), tuple(o.punctuation_mask().tolist()),
            tuple(tuple(o.tokens(i)) for i in range(len(o))))


def attributes(obj) -> list:
    if dataclasses.is_dataclass(obj):
        return [f.name for f in dataclasses.fields(obj)]
    return [n for n in dir(obj) if not n.startswith("_") and not callable(getattr(obj, n))]


WEIRD = [0, -1, 1, 2**31 - 1, 2**31, 2**32 + 3, -2**63, 10**8, 0.5, float("nan"), "<=1x", None]


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(["batch", "result", "scores", "matching", "solver", "model", "corpus"]),
       field_index=st.integers(0, 100), index=st.integers(0, 100), value=st.sampled_from(WEIRD),
       replace=st.booleans())
def test_mutating_any_field_of_any_public_object_is_refused_or_harmless(name, field_index, index, value, replace):
    """Set an attribute, or write into an array attribute: either refused with a clean exception, or
    everything that consumes the object afterwards gives the same result (or a clean error) — never a
    crash. Sealed objects refuse every change."""
    objs = public_objects()
    before = use(name, objs)
    obj = objs[name]
    names = attributes(obj)
    field = names[field_index % len(names)]
    current = getattr(obj, field)
    changed = False
    try:
        if replace or not isinstance(current, np.ndarray) or current.size == 0:
            setattr(obj, field, np.array([value]) if isinstance(current, np.ndarray) else value)
        else:
            current[index % current.size] = value
        changed = True
    except (AttributeError, TypeError, ValueError, OverflowError):
        pass
    if name in ("batch", "result", "matching", "solver", "model", "corpus"):
        assert not changed, f"{name}.{field} accepted a change"
    try:
        after = use(name, objs)
    except (ValueError, IndexError, TypeError, OverflowError):
        assert changed  # a clean error, only after a change went in
        return
    if not changed:
        assert after == before


# ----------------------------------------------------------------------------- integers at the boundary


def test_reproducer_integers_do_not_wrap_at_the_boundary():
    one = np.array([1])
    with pytest.raises(OverflowError, match="field src_len.*4294967299"):
        _core.Batch(np.array([2**32 + 3]), one, np.array([0, 0]), [], [], [], np.array([0, 0]), [], [])
    b = small_batch()
    with pytest.raises(OverflowError, match="field score_ent"):
        _core.greedy_scored(b.core, np.array([0, 1, 1]), np.array([2**32]), np.array([0]), np.array([1]),
                            np.array([1.0]))
    with pytest.raises(OverflowError, match="field label"):
        _core.spans_to_tags(np.array([3]), np.array([0, 1]), np.array([0]), np.array([1]), np.array([2**31 - 1]))
    with pytest.raises(OverflowError, match="field ent_offsets"):
        _core.Batch(one, one, np.array([0, 2**64 - 1], dtype=np.uint64), [0], [1], [0], [0, 0], [], [])
    with pytest.raises(OverflowError, match="sentence 0, field entities"):
        ProjectionBatch.from_lists([3], [3], [[(0, 2**31, 0)]], [[]])
    with pytest.raises(TypeError, match="field aln_src.*not an integer"):
        _core.Batch(one, one, [0, 0], [], [], [], [0, 1], np.array([0.5]), [0])
    with pytest.raises(TypeError, match="field sentences"):
        _core.ilp_model_alignment(b.core, np.array(["a"]))
    with pytest.raises(ValueError, match="sentence 0, field ent_label: label id 2147483647 out of range"):
        ProjectionBatch.from_lists([3], [3], [[(0, 2, 2**31 - 1)]], [[]])
    # the largest label that still has tag ids in int32 is fine
    top = (2**31 - 1 - 2) // 2
    assert _core.spans_to_tags([2], [0, 1], [0], [2], [top]).tolist() == [2 * top + 1, 2 * top + 2]


@settings(max_examples=80, deadline=None)
@given(st.integers(-2**70, 2**70), st.sampled_from([np.int64, np.uint64, np.float64, object]))
def test_any_integer_is_taken_exactly_or_refused(v, dtype):
    """Whatever the value and dtype, the core sees exactly that value or refuses it; nothing wraps."""
    try:
        arr = np.array([v], dtype=dtype)
    except OverflowError:
        return
    if dtype is np.float64 and float(arr[0]) != v:
        return
    try:
        tags = _core.spans_to_tags(np.array([3]), [0, 1], [0], [1], arr)
    except (OverflowError, TypeError, ValueError):
        assert not 0 <= v <= (2**31 - 3) // 2
        return
    assert 0 <= v <= (2**31 - 3) // 2 and tags[0] == 2 * v + 1


# ------------------------------------------------------------------------------------ one constraint rule

BAD = ["<=1x", "\t<=1", " <=1", "<=1 ", "<= 1", "<=2000000", "=+1", "=-1", "<0", "<=", "", "1", "≤1", "<=1.0",
       "<=0x1", "<=١"]
GOOD = {"<1": ("<", 1), "<=0": ("<=", 0), "=3": ("=", 3), "==3": ("=", 3), ">=1": (">=", 1), ">0": (">", 0),
        "<=1000000": ("<=", 1000000), "<=007": ("<=", 7)}


@pytest.mark.parametrize("text", BAD)
def test_every_path_rejects_a_bad_constraint(text):
    b = small_batch()
    paths = [
        lambda: parse_constraint(text),
        lambda: _core.Constraint(text),
        lambda: MatchingConfig(constraint=text),
        lambda: relaxed_constraint(text),
        lambda: _core.greedy_alignment(b.core, constraint=text),
        lambda: project_exact(b, text),
        lambda: _core.ilp_model_alignment(b.core, constraint=text),
    ]
    for p in paths:
        with pytest.raises(ValueError, match="constraint"):
            p()


@pytest.mark.parametrize("text", sorted(GOOD))
def test_every_path_accepts_a_good_constraint(text):
    assert parse_constraint(text) == GOOD[text]
    c = _core.Constraint(text)
    assert _core.Constraint(str(c)) == c and parse_constraint(str(c)) == GOOD[text]
    b = small_batch()
    a = project(b, "greedy", matching=MatchingConfig(constraint=text))
    z = ProjectionResult.from_core(_core.greedy_alignment(b.core, constraint=c), b.labels)
    assert result_tuple(a) == result_tuple(z)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="<>=0123456789 +-x\t", max_size=8))
def test_constraint_grammar_matches_its_definition(text):
    """The parser accepts exactly the documented grammar (an independent regular expression)."""
    import re

    m = re.fullmatch(r"(<=|>=|==|<|>|=)([0-9]+)", text)
    ok = m is not None and int(m.group(2)) <= _core.Constraint.MAX_COUNT and not (m.group(1) == "<" and
                                                                                  int(m.group(2)) == 0)
    try:
        op, n = parse_constraint(text)
    except ValueError:
        assert not ok
        return
    assert ok and n == int(m.group(2)) and op == {"==": "="}.get(m.group(1), m.group(1))


def test_relaxed_and_enums_come_from_cpp():
    assert str(_core.Constraint("=2").relaxed()) == relaxed_constraint("=2") == "<=2"
    assert relaxed_constraint(">5") == relaxed_constraint(">=1") == ">=0"
    assert _core.Constraint("<3").op == _core.ConstraintOp.LESS and _core.Constraint("<3").cap == 2
    assert _core.Constraint(">3").floor == 4 and _core.Constraint(">=3").cap == -1
    assert (STATUS_SOLVED, STATUS_INFEASIBLE) == (int(Status.SOLVED), int(Status.INFEASIBLE)) == (0, 1)
    # '=1' with two entities and one target word: infeasible, reported with the enum's value
    b = ProjectionBatch.from_lists([2], [1], [[(0, 1, 0), (1, 2, 0)]], [[(0, 0), (1, 0)]])
    assert int(project(b, "exact", matching=MatchingConfig(constraint="=1")).status[0]) == int(Status.INFEASIBLE)
    assert int(project(b, "ilp", matching=MatchingConfig(constraint="=1")).status[0]) == int(Status.INFEASIBLE)


def test_matching_config_is_solver_options_plus_matching():
    cfg = MatchingConfig(constraint="=1", time_limit=5.0, infeasible="relax", certificate=False)
    assert isinstance(cfg, SolverOptions)
    for bad in (dict(infeasible="ignore"), dict(time_limit=0), dict(block_size=0), dict(max_len=0),
                dict(candidates="aligned")):
        with pytest.raises(ValueError):
            MatchingConfig(**bad)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.constraint = "<=1"  # type: ignore[misc]


def test_ilp_prints_nothing_on_stdout():
    code = ("from xlner import ProjectionBatch, project; "
            "b = ProjectionBatch.from_lists([3], [4], [[(0, 2, 0)]], [[(0, 1), (1, 2)]]); "
            "r = project(b, 'ilp'); import sys; sys.stderr.write(repr(r.spans(0)))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "" and p.stderr == "[(1, 3, 0, 0, 1.0)]"


# ----------------------------------------------------------------------- ProjectionBatch.from_lists in C++


@st.composite
def list_batches(draw):
    n = draw(st.integers(0, 6))
    src, tgt, ents, links, cands = [], [], [], [], []
    for _ in range(n):
        s, t = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        src.append(s)
        tgt.append(t)
        es = draw(st.lists(st.tuples(st.integers(0, s - 1), st.integers(1, 3), st.integers(0, 4)), max_size=3))
        ents.append([(a, min(s, a + ln), lab) for a, ln, lab in es])
        links.append(draw(st.lists(st.tuples(st.integers(0, s - 1), st.integers(0, t - 1)), max_size=6)))
        cs = draw(st.lists(st.tuples(st.integers(0, t - 1), st.integers(1, 3)), max_size=3))
        cands.append([(a, min(t, a + ln)) for a, ln in cs])
    return src, tgt, ents, links, cands


def csr(lists, width):
    """Reference CSR of per-sentence tuples, written out with numpy."""
    offsets = np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)
    flat = np.array([v for x in lists for v in x], dtype=np.int32).reshape(-1, width)
    return offsets, [np.ascontiguousarray(flat[:, k]) for k in range(width)]


@settings(max_examples=80, deadline=None)
@given(list_batches(), st.booleans())
def test_from_lists_equals_the_array_constructor(data, with_cands):
    src, tgt, ents, links, cands = data
    b = ProjectionBatch.from_lists(src, tgt, ents, links, candidates=cands if with_cands else None)
    eo, (es, ee, el) = csr(ents, 3)
    ao, (asrc, atgt) = csr(links, 2)
    kw = {}
    if with_cands:
        co, (cs, ce) = csr(cands, 2)
        kw = dict(cand_offsets=co, cand_start=cs, cand_end=ce)
    a = ProjectionBatch(np.array(src, np.int32), np.array(tgt, np.int32), eo, es, ee, el, ao, asrc, atgt, **kw)
    for f in ("src_len", "tgt_len", "ent_offsets", "ent_start", "ent_end", "ent_label", "aln_offsets", "aln_src",
              "aln_tgt") + (("cand_offsets", "cand_start", "cand_end") if with_cands else ()):
        x, y = getattr(a, f), getattr(b, f)
        assert x.dtype == y.dtype and np.array_equal(x, y), f
        assert not y.flags.writeable
    assert (b.cand_offsets is None) == (not with_cands)
    assert [b.entities(i) for i in range(len(b))] == [list(e) for e in ents]


def test_from_lists_errors_name_sentence_and_field():
    with pytest.raises(ValueError, match="sentence 1, field entities: expected 3 values per item"):
        ProjectionBatch.from_lists([2, 2], [2, 2], [[], [(0, 1)]], [[], []])
    with pytest.raises(TypeError, match="sentence 0, field alignments: expected an integer"):
        ProjectionBatch.from_lists([2], [2], [[]], [[(0, "1")]])
    with pytest.raises(TypeError, match="sentence 0, field alignments: expected a sequence"):
        ProjectionBatch.from_lists([2], [2], [[]], [5])
    with pytest.raises(ValueError, match="field alignments: 1 sentences, but src_len has 2"):
        ProjectionBatch.from_lists([2, 2], [2, 2], [[], []], [[]])
    with pytest.raises(IndexError, match="sentence 0, field aln_tgt"):
        ProjectionBatch.from_lists([2], [2], [[]], [[(0, 2)]])
    # lists as items are read like tuples
    b = ProjectionBatch.from_lists([2], [2], [[[0, 1, 0]]], [[[0, 1]]])
    assert b.entities(0) == [(0, 1, 0)] and b.links(0) == [(0, 1)]
