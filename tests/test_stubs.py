"""The type stub python/xlner/_core.pyi is what pybind11-stubgen generates from the compiled module
(tools/gen_stub.sh; CI runs .ci/check_stub.sh): regenerating it gives no difference."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_generated_stub_is_up_to_date():
    pytest.importorskip("pybind11_stubgen", reason="pybind11-stubgen comes with the test extra")
    env = dict(os.environ, PYTHON=sys.executable)
    p = subprocess.run([str(REPO / "tools" / "gen_stub.sh"), "--check"], capture_output=True, text=True, env=env,
                       timeout=300)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]


def test_stub_names_the_new_boundary_types():
    """The generated stub carries the bound enums and the constraint class (a stale stub would not)."""
    text = (REPO / "python" / "xlner" / "_core.pyi").read_text(encoding="utf-8")
    for name in ("class Constraint", "class ConstraintOp", "class Status", "def from_lists"):
        assert name in text
    assert "def looks_like_conll" in text and "def parse_token_lines" in text  # format detection, streaming
