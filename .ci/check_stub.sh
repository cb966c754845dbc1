#!/usr/bin/env bash
# CI step: the checked-in type stub of xlner._core equals what pybind11-stubgen generates from the built
# module (needs the package installed with the `test` extra). Called from .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/gen_stub.sh --check
