"""Content-keyed study caches (xlner.studies.cache): a changed input, option or structure changes the key; an
unchanged one keeps it, in every process; the CRF cache of the training study trains anew after a change."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from xlner.io.conll import Sentence
from xlner.studies.cache import content_digest, engine_fingerprint, keyed_path

pytest.importorskip("pycrfsuite")


def _structure() -> list:
    from xlner.models.crf import CRFConfig

    return [[["Paris", "is"], ["B-LOC", "O"]], {"b": 2, "a": 1.5}, CRFConfig(max_iterations=7),
            np.arange(6, dtype=np.float32).reshape(2, 3), None, True, Path("x/y")]


def test_equal_parts_equal_digest_and_order_of_mapping_keys_irrelevant() -> None:
    assert content_digest(*_structure()) == content_digest(*_structure())
    assert content_digest({"a": 1, "b": 2}) == content_digest({"b": 2, "a": 1})


@pytest.mark.parametrize("a,b", [
    (["ab"], ["a", "b"]),             # same characters, other structure
    ([1], [1.0]),                     # int vs float
    ([1], ["1"]),                     # int vs str
    ([1], [True]),                    # int vs bool
    ([[1, 2], [3]], [[1], [2, 3]]),   # nesting boundaries
    ([np.zeros(2)], [np.zeros(2, dtype=np.float32)]),  # dtype
    ([np.zeros((2, 1))], [np.zeros((1, 2))]),          # shape
    ([None], [[]]),
])
def test_different_parts_different_digest(a: list, b: list) -> None:
    assert content_digest(*a) != content_digest(*b)


def test_any_change_of_a_field_or_array_changes_the_digest() -> None:
    from xlner.models.crf import CRFConfig

    base = _structure()
    assert content_digest(CRFConfig(max_iterations=7)) != content_digest(CRFConfig(max_iterations=8))
    changed = _structure()
    changed[3][1, 2] += 1
    assert content_digest(*base) != content_digest(*changed)
    changed = _structure()
    changed[0][1][0] = "B-PER"
    assert content_digest(*base) != content_digest(*changed)


def test_digest_is_the_same_in_another_process() -> None:
    code = ("from xlner.studies.cache import content_digest; import numpy as np; "
            "print(content_digest([['Paris'], ['B-LOC']], {'k': 0.25}, np.arange(3)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == content_digest([["Paris"], ["B-LOC"]], {"k": 0.25}, np.arange(3))


def test_unsupported_type_is_refused_and_no_cache_gives_no_path() -> None:
    with pytest.raises(TypeError, match="set"):
        content_digest({1, 2})
    assert keyed_path(None, "x", ".crf", 1) is None
    p = keyed_path(Path("c"), "crf.en", ".crf", 1)
    assert p is not None and p.parent == Path("c") and p.name.startswith("crf.en.") and p.suffix == ".crf"
    assert engine_fingerprint() == engine_fingerprint()


def test_training_study_crf_cache_reuses_only_an_identical_training_set(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from xlner.models.crf import CRFTagger
    from xlner.studies.training import _crf

    data = [Sentence(["Anna", "lives", "in", "Rome", "."], ["B-PER", "O", "O", "B-LOC", "O"]),
            Sentence(["Paul", "visits", "Oslo"], ["B-PER", "O", "B-LOC"])]
    first = _crf(data, tmp_path / "crf.de.route.crf", 5)
    files = sorted(tmp_path.glob("crf.de.route.*.crf"))
    assert len(files) == 1
    trained = []
    real_train = CRFTagger.train

    def counting_train(*args: object, **kwargs: object) -> CRFTagger:
        trained.append(1)
        return real_train(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(CRFTagger, "train", staticmethod(counting_train))
    again = _crf(data, tmp_path / "crf.de.route.crf", 5)
    assert trained == [] and again.predict([["Anna", "in", "Rome"]]) == first.predict([["Anna", "in", "Rome"]])
    relabelled = [Sentence(data[0].tokens, ["B-PER", "O", "O", "B-ORG", "O"]), data[1]]
    _crf(relabelled, tmp_path / "crf.de.route.crf", 5)
    assert trained == [1] and len(list(tmp_path.glob("crf.de.route.*.crf"))) == 2
    _crf(data, tmp_path / "crf.de.route.crf", 6)  # another configuration: trained anew too
    assert trained == [1, 1] and len(list(tmp_path.glob("crf.de.route.*.crf"))) == 3
