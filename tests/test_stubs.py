"""The type stub python/xlner/_core.pyi agrees with the compiled module xlner._core.

Checked both ways: every public name of the module is in the stub and every public name of the stub is
in the module; classes have the same public methods and properties; every function and method has the
same parameters (names, order, positional-only / keyword-only markers, which have defaults and, where
the stub writes a literal default, its value). ``...`` as a stub default means "has some default".

The module side comes from ``__text_signature__`` where set, else from the signature line(s) pybind11
writes at the start of each docstring (``name(a: int, *, b: str = 'x') -> None``); overloaded pybind11
functions are compared with the stub's ``@overload`` definitions in order. The dtype annotations of
class properties and the keys of returned dicts are checked against what the module really returns.
"""
from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest

import xlner
from xlner import _core

STUB_PATH = Path(xlner.__file__).with_name("_core.pyi")

ANY_DEFAULT = "<any default>"  # the stub wrote `...`
NO_DEFAULT = "<no default>"


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "positional_only", "positional_or_keyword", "var_positional", "keyword_only", "var_keyword"
    default: Any = NO_DEFAULT

    def __str__(self) -> str:
        d = "" if self.default is NO_DEFAULT else f" = {self.default!r}"
        return f"{self.kind} {self.name}{d}"


Signature = Tuple[Param, ...]


# ---- parsing ---------------------------------------------------------------------------------------


def _default_value(node: Optional[ast.expr]) -> Any:
    if node is None:
        return NO_DEFAULT
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return ANY_DEFAULT
    try:
        return ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)  # not a literal: compare the source text


def params_of_def(fn: ast.FunctionDef) -> Signature:
    """Parameters of an ``ast`` function definition."""
    a = fn.args
    positional = [(p, "positional_only") for p in a.posonlyargs] + [(p, "positional_or_keyword") for p in a.args]
    defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    out = [Param(p.arg, kind, _default_value(d)) for (p, kind), d in zip(positional, defaults)]
    if a.vararg is not None:
        out.append(Param(a.vararg.arg, "var_positional"))
    out += [Param(p.arg, "keyword_only", _default_value(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    if a.kwarg is not None:
        out.append(Param(a.kwarg.arg, "var_keyword"))
    return tuple(out)


def _parse_signature_line(line: str) -> Signature:
    """Parameters of a pybind11 signature line ``name(a: T, *, b: U = 1) -> R``."""
    src = f"def {line.strip()}: ..."
    try:
        tree = ast.parse(src)
    except SyntaxError:
        # defaults pybind11 could only write as `<repr of an object>` are not Python: keep them as text
        tree = ast.parse(re.sub(r"= (<[^<>]*>)", lambda m: "= " + repr(m.group(1)), src))
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef)
    return params_of_def(fn)


def runtime_signatures(obj: Any, name: str) -> List[Signature]:
    """The signature(s) of a compiled function or method (several for an overloaded pybind11 function)."""
    if getattr(obj, "__text_signature__", None):
        sig = inspect.signature(obj)
        return [
            tuple(
                Param(p.name, p.kind.name.lower(), NO_DEFAULT if p.default is p.empty else p.default)
                for p in sig.parameters.values()
            )
        ]
    doc = obj.__doc__ or ""
    lines = doc.splitlines()
    assert lines and lines[0].startswith(name + "("), f"{name}: no signature line in its docstring: {doc[:200]!r}"
    if len(lines) > 1 and lines[1].strip() == "Overloaded function.":
        overloads = [m.group(1) for m in re.finditer(rf"^\d+\. ({re.escape(name)}\(.*)$", doc, re.M)]
        assert overloads, f"{name}: overloaded but no numbered signatures in its docstring"
        return [_parse_signature_line(s) for s in overloads]
    return [_parse_signature_line(lines[0])]


@dataclass
class StubClass:
    methods: Dict[str, List[ast.FunctionDef]]
    properties: Dict[str, ast.FunctionDef]
    attributes: List[str]


@dataclass
class Stub:
    functions: Dict[str, List[ast.FunctionDef]]
    classes: Dict[str, StubClass]
    variables: List[str]

    def public_names(self) -> set:
        names = set(self.functions) | set(self.classes) | set(self.variables)
        return {n for n in names if not n.startswith("_")}


def _decorators(fn: ast.FunctionDef) -> List[str]:
    return [ast.unparse(d) for d in fn.decorator_list]


def _assigned_names(node: ast.stmt) -> List[str]:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    return []


def parse_stub(text: str) -> Stub:
    """Top-level functions, classes (methods, properties, attributes) and variables of a stub."""
    tree = ast.parse(text)
    stub = Stub({}, {}, [])
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            stub.functions.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.ClassDef):
            cls = StubClass({}, {}, [])
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    decos = _decorators(item)
                    if "property" in decos:
                        cls.properties[item.name] = item
                    elif any(d.endswith(".setter") or d.endswith(".deleter") for d in decos):
                        continue
                    else:
                        cls.methods.setdefault(item.name, []).append(item)
                else:
                    cls.attributes += _assigned_names(item)
            stub.classes[node.name] = cls
        else:
            stub.variables += _assigned_names(node)
    return stub


# ---- comparison ------------------------------------------------------------------------------------


def _is_pybind_function(name: str, obj: Any) -> bool:
    doc = getattr(obj, "__doc__", None) or ""
    return callable(obj) and doc.startswith(name + "(")


def _public(name: str) -> bool:
    return not name.startswith("_")


def _class_members(cls: type) -> Tuple[Dict[str, Any], Dict[str, property]]:
    """Methods (pybind11 functions, public or dunder) and properties a compiled class defines itself."""
    methods: Dict[str, Any] = {}
    props: Dict[str, property] = {}
    for name, value in vars(cls).items():
        if isinstance(value, property):
            if _public(name):
                props[name] = value
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        is_dunder = name.startswith("__") and name.endswith("__")
        if (_public(name) or is_dunder) and _is_pybind_function(name, value):
            methods[name] = value
    return methods, props


def _same_default(stub: Any, runtime: Any) -> bool:
    if stub is ANY_DEFAULT:
        return runtime is not NO_DEFAULT
    return type(stub) is type(runtime) and stub == runtime


def compare_signature(where: str, stub_defs: List[ast.FunctionDef], runtime: List[Signature]) -> List[str]:
    problems = []
    stub_sigs = [params_of_def(d) for d in stub_defs]
    if len(stub_sigs) != len(runtime):
        return [f"{where}: {len(runtime)} signature(s) in the module, {len(stub_sigs)} in the stub"]
    for k, (s, r) in enumerate(zip(stub_sigs, runtime)):
        tag = where if len(runtime) == 1 else f"{where} (overload {k + 1})"
        if [(p.name, p.kind) for p in s] != [(p.name, p.kind) for p in r]:
            problems.append(
                f"{tag}: parameters differ\n    module: {', '.join(map(str, r))}\n    stub:   {', '.join(map(str, s))}"
            )
            continue
        for ps, pr in zip(s, r):
            if not (ps.default is NO_DEFAULT and pr.default is NO_DEFAULT) and not _same_default(ps.default, pr.default):
                problems.append(f"{tag}: default of {pr.name!r}: module {pr.default!r}, stub {ps.default!r}")
    return problems


def compare(module: ModuleType, stub: Stub) -> List[str]:
    """Every disagreement between the module and the stub, as readable lines (empty: in sync)."""
    problems: List[str] = []
    mod_names = {n for n in dir(module) if _public(n)}
    stub_names = stub.public_names()
    for n in sorted(mod_names - stub_names):
        problems.append(f"{n}: in {module.__name__} but not in the stub")
    for n in sorted(stub_names - mod_names):
        problems.append(f"{n}: in the stub but not in {module.__name__}")
    for name in sorted(mod_names & stub_names):
        obj = getattr(module, name)
        if isinstance(obj, type):
            if name not in stub.classes:
                problems.append(f"{name}: a class in the module, not in the stub")
                continue
            problems += _compare_class(name, obj, stub.classes[name])
        elif _is_pybind_function(name, obj) or getattr(obj, "__text_signature__", None):
            if name not in stub.functions:
                problems.append(f"{name}: a function in the module, not in the stub")
                continue
            problems += compare_signature(name, stub.functions[name], runtime_signatures(obj, name))
        elif name in stub.functions or name in stub.classes:
            problems.append(f"{name}: a {type(obj).__name__} in the module, a def/class in the stub")
    return problems


def _compare_class(name: str, cls: type, sc: StubClass) -> List[str]:
    problems = []
    methods, props = _class_members(cls)
    for m in sorted(set(methods) - set(sc.methods)):
        problems.append(f"{name}.{m}: method in the module but not in the stub")
    for m in sorted(set(sc.methods) - set(methods)):
        problems.append(f"{name}.{m}: method in the stub but not in the module")
    for m in sorted(set(methods) & set(sc.methods)):
        problems += compare_signature(f"{name}.{m}", sc.methods[m], runtime_signatures(methods[m], m))
    stub_props = set(sc.properties) | {a for a in sc.attributes if _public(a)}
    for p in sorted(set(props) - stub_props):
        problems.append(f"{name}.{p}: property in the module but not in the stub")
    for p in sorted(stub_props - set(props)):
        problems.append(f"{name}.{p}: property in the stub but not in the module")
    return problems


# ---- the checks ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stub_text() -> str:
    return STUB_PATH.read_text(encoding="utf-8")


def test_stub_and_marker_ship_next_to_the_package():
    pkg = Path(xlner.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert STUB_PATH.is_file()


def test_stub_matches_module(stub_text):
    problems = compare(_core, parse_stub(stub_text))
    assert not problems, "python/xlner/_core.pyi is out of sync with xlner._core:\n" + "\n".join(problems)


def test_every_binding_is_checked(stub_text):
    """The check covers all of the module: each public name is a class or a function with a signature."""
    stub = parse_stub(stub_text)
    names = [n for n in dir(_core) if _public(n)]
    assert len(names) >= 30
    for n in names:
        obj = getattr(_core, n)
        assert isinstance(obj, type) or runtime_signatures(obj, n), n
    assert set(stub.classes) >= {"Batch", "IlpModel", "TokenCorpus"}
    methods, props = _class_members(_core.TokenCorpus)
    assert {"tokens", "lengths", "__len__"} <= set(methods) and {"labels", "offsets", "tags"} <= set(props)


# The check itself must notice drift: mutate the real stub text in memory and expect the exact problem.


def _mutated(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"mutation anchor {old!r} is not unique in the stub"
    return text.replace(old, new)


@pytest.mark.parametrize(
    "old, new, expected",
    [
        # a binding missing from the stub (as after adding one in C++)
        ("def fusion_preset_names() -> list[str]:", "def _gone() -> list[str]:", "fusion_preset_names: in xlner._core but not"),
        # a binding renamed in the stub only
        ("def looks_like_conll(", "def looks_like_conl(", "looks_like_conl: in the stub but not"),
        # a parameter renamed
        ("def iob2_tag_names(labels:", "def iob2_tag_names(label_names:", "iob2_tag_names: parameters differ"),
        # keyword-only marker dropped
        ("tags: ArrayLike, *, threads: int = -1) -> _SpanArrays", "tags: ArrayLike, threads: int = -1) -> _SpanArrays",
         "tags_to_spans: parameters differ"),
        # a default changed
        ("measure: str = \"max\"", "measure: str = \"edit\"", "lexical_similarity: default of 'measure'"),
        # a default removed
        ("def read_talp(path: str, *, one_based: bool = False,", "def read_talp(path: str, *, one_based: bool,",
         "read_talp: default of 'one_based'"),
        # a method and a property missing
        ("    def token_lists(self)", "    def token_listz(self)", "TokenCorpus.token_lists: method in the module"),
        ("    def n_rows(self) -> int: ...", "    def n_rowz(self) -> int: ...", "IlpModel.n_rows: property in the module"),
        # constructor parameters
        ("        *,\n        cand_offsets: ArrayLike | None = None,", "        cand_offsets: ArrayLike | None = None,",
         "Batch.__init__: parameters differ"),
    ],
)
def test_check_detects_drift(stub_text, old, new, expected):
    problems = compare(_core, parse_stub(_mutated(stub_text, old, new)))
    assert any(expected in p for p in problems), problems
    assert len(problems) <= 2, problems  # only the mutated binding is reported


def test_docstring_signature_parser():
    """pybind11's docstring signature lines, parsed independently of the stub."""
    line = "f(self: m.C, a: typing.Annotated[numpy.typing.ArrayLike, numpy.int32], /, b: str = '\\t', *, c: int = -1, d: list = []) -> None"
    got = _parse_signature_line(line)
    assert got == (
        Param("self", "positional_only"),
        Param("a", "positional_only"),
        Param("b", "positional_or_keyword", "\t"),
        Param("c", "keyword_only", -1),
        Param("d", "keyword_only", []),
    )
    # a default pybind11 can only print as an object repr
    got = _parse_signature_line("g(x: m.Opt = <m.Opt object at 0x7f>) -> int")
    assert got == (Param("x", "positional_or_keyword", "<m.Opt object at 0x7f>"),)

    class Overloaded:
        __doc__ = "h(*args, **kwargs)\nOverloaded function.\n\n1. h(x: int) -> int\n\nInt.\n\n2. h(x: str, y: str = 'a') -> str\n"

    sigs = runtime_signatures(Overloaded(), "h")
    assert sigs == [(Param("x", "positional_or_keyword"),),
                    (Param("x", "positional_or_keyword"), Param("y", "positional_or_keyword", "a"))]
    stub = parse_stub("from typing import overload\n@overload\ndef h(x: int) -> int: ...\n@overload\ndef h(x: str, y: str = 'a') -> str: ...\n")
    assert compare_signature("h", stub.functions["h"], sigs) == []
    assert compare_signature("h", stub.functions["h"][:1], sigs) == ["h: 2 signature(s) in the module, 1 in the stub"]


# ---- a few dtype annotations against real return values --------------------------------------------


def _annotation_dtype(ann: Optional[ast.expr]) -> Optional[np.dtype]:
    """np.dtype of an ``NDArray[np.X]`` annotation, else None."""
    if isinstance(ann, ast.Subscript) and ast.unparse(ann.value) == "NDArray":
        return np.dtype(ast.unparse(ann.slice).removeprefix("np."))
    return None


# Keys and dtypes of the dicts the bindings return (docs/architecture.md data model; the stub lists them in comments).
PROJECTION = {"offsets": "int64", "start": "int32", "end": "int32", "label": "int32", "entity": "int32",
              "score": "float64", "objective": "float64", "status": "int8"}
SCORES = {"offsets": "int64", "ent": "int32", "start": "int32", "end": "int32", "score": "float64"}
SPANS = {"offsets": "int64", "start": "int32", "end": "int32", "label": "int32"}
TALP = {"offsets": "int64", "src": "int32", "tgt": "int32", "possible": "uint8"}


def _stub_comment_keys(stub_text: str, alias: str) -> List[str]:
    """Keys the stub's comment above ``alias: TypeAlias = ...`` names (words before ':' / dtypes, in order)."""
    lines = stub_text.splitlines()
    i = next(k for k, line in enumerate(lines) if re.match(rf"{alias}(: TypeAlias)? = ", line))
    comment = []
    while lines[i - 1].startswith("# "):
        i -= 1
        comment.insert(0, lines[i][2:])
    text = re.sub(r"\([^)]*\)|\[[^]]*\]", "", " ".join(comment))
    words = re.findall(r"[a-z_][a-z_0-9]*", text)
    return [w for w in words if w not in {"int64", "int32", "int8", "uint8", "float64", "float", "exclusive"}]


def _tiny_batch() -> Any:
    # sentence 0: entity [0, 2) label 0 linked to target words 1 and 2; sentence 1: no entity
    return _core.Batch(
        [3, 2], [4, 2], [0, 1, 1], [0], [2], [0], [0, 2, 2], [0, 1], [1, 2], cand_offsets=None
    )


def _check_dict(name: str, got: Dict[str, Any], spec: Dict[str, str]) -> None:
    assert set(got) == set(spec), (name, sorted(got), sorted(spec))
    for key, dtype in spec.items():
        assert isinstance(got[key], np.ndarray) and got[key].dtype == np.dtype(dtype), (name, key, got[key])


def test_returned_dicts_have_the_documented_keys_and_dtypes(stub_text):
    b = _tiny_batch()
    _check_dict("greedy_alignment", _core.greedy_alignment(b), PROJECTION)
    _check_dict("exact_alignment", _core.exact_alignment(b), PROJECTION)
    _check_dict("project_heuristic", _core.project_heuristic(b), PROJECTION)
    scores = _core.alignment_scores(b)
    _check_dict("alignment_scores", scores, SCORES)
    # sentence 0: entity words {0, 1}, links (0,1), (1,2): candidate [1, 3) scores 2*2/(2+2) = 1
    k = np.flatnonzero((scores["start"] == 1) & (scores["end"] == 3))
    assert scores["score"][k].tolist() == [1.0]
    _check_dict("tags_to_spans", _core.tags_to_spans(np.array([0, 3]), np.array([1, 2, 0])), SPANS)
    _check_dict("parse_talp", _core.parse_talp("0-1 1-2\n\n"), TALP)
    weights = _core.fusion_preset("align")
    assert set(weights) == {"align", "ner", "ner_spans", "nmt"} and all(type(v) is float for v in weights.values())
    # the stub's comments name the same keys
    for alias, spec in (("_ProjectionArrays", PROJECTION), ("_ScoreArrays", SCORES), ("_SpanArrays", SPANS),
                        ("_TalpArrays", TALP), ("_FusionWeights", weights)):
        assert sorted(_stub_comment_keys(stub_text, alias)) == sorted(spec), alias


def test_class_properties_match_the_stub_annotations(stub_text):
    stub = parse_stub(stub_text)
    corpus = _core.corpus_from_lists([["a", "b"], ["c"]], [["B-PER", "I-PER"], ["O"]])
    model = _core.ilp_model_alignment(_tiny_batch())
    for obj, cls in ((corpus, "TokenCorpus"), (model, "IlpModel")):
        checked = 0
        for pname, fn in stub.classes[cls].properties.items():
            dtype = _annotation_dtype(fn.returns)
            value = getattr(obj, pname)
            if dtype is not None:
                assert isinstance(value, np.ndarray) and value.dtype == dtype, (cls, pname, value)
                checked += 1
            else:
                expected = {"int": int, "bool": bool, "str": str, "list[str]": list}[ast.unparse(fn.returns)]
                assert isinstance(value, expected), (cls, pname, value)
        assert checked >= 2
    assert corpus.labels == ["PER"] and corpus.tags.tolist() == [1, 2, 0]
