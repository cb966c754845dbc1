#!/usr/bin/env bash
# Generate python/xlner/_core.pyi from the compiled module xlner._core with pybind11-stubgen (the `test`
# extra installs it), as tokenizers does: the stub is never written by hand.
#   tools/gen_stub.sh          regenerate python/xlner/_core.pyi
#   tools/gen_stub.sh --check  regenerate into a temporary directory; exit 1 with a diff if the checked-in
#                              stub differs (run after building the module: pip install -e .)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$PYTHON" -m pybind11_stubgen xlner._core --output-dir "$out" --numpy-array-use-type-var --exit-code >/dev/null
generated="$out/xlner/_core.pyi"
if [[ "${1:-}" == "--check" ]]; then
  if ! diff -u python/xlner/_core.pyi "$generated"; then
    echo "python/xlner/_core.pyi is out of date: run tools/gen_stub.sh and commit the result" >&2
    exit 1
  fi
  echo "python/xlner/_core.pyi matches the module"
else
  cp "$generated" python/xlner/_core.pyi
  echo "wrote python/xlner/_core.pyi"
fi
