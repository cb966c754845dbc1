"""Settings shared by the fuzz targets (see conftest.py)."""
from __future__ import annotations

import os
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, settings

SHORT = int(os.environ.get("XLNER_FUZZ_SHORT", "30"))
LONG = int(os.environ.get("XLNER_FUZZ_LONG", "3000"))

# parametrize a target with this: examples=SHORT in the suite, examples=LONG under -m fuzz
EXAMPLES = [pytest.param(SHORT, id="short"), pytest.param(LONG, id="long", marks=pytest.mark.fuzz)]


def fuzz_settings(examples: int) -> Callable[[Any], Any]:
    """Hypothesis settings of a fuzz target: short runs are derandomized (same examples every run)."""
    return settings(max_examples=examples, deadline=None, derandomize=examples <= SHORT, database=None,
                    suppress_health_check=list(HealthCheck))
