#!/usr/bin/env bash
# Lint: ruff (pyproject.toml [tool.ruff]) over the Python sources, tests and benches, and mypy
# (pyproject.toml [tool.mypy]) over the package. Needs the test extra: pip install -e ".[test]".
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check python tests bench
mypy python/xlner
