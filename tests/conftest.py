"""Shared fixtures: the real data under ../shared/data (skipped with a reason when absent)."""
from __future__ import annotations

from pathlib import Path

import pytest

from xlner.datasets import shared_data_dir

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = shared_data_dir(default=ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ../shared/data; skips the test when the folder is absent (a user's fresh clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (set XLNER_SHARED_DATA or run beside ../shared)")
    return SHARED_DATA
