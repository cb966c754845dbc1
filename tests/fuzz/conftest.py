"""Fuzzing harness: hypothesis targets for the public functions and the bindings.

Every target runs twice: briefly in the normal suite (a few dozen derandomized examples), and long under the
``fuzz`` marker (``python -m pytest -m fuzz tests/fuzz``; skipped otherwise). ``.ci/asan_fuzz.sh`` runs the
short targets against a build with AddressSanitizer and UndefinedBehaviorSanitizer.
"""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    """Skip the long targets unless the run selects the ``fuzz`` marker."""
    if "fuzz" in (config.getoption("-m") or "") and "not fuzz" not in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="long fuzz target: run with -m fuzz")
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(skip)
