#!/usr/bin/env bash
# Fuzz the Python bindings against a build of xlner._core with AddressSanitizer + UndefinedBehaviorSanitizer:
# builds the module into build/asan-py, lays out a package tree with it, and runs the short fuzz targets
# (tests/fuzz, plus the streaming and input-error tests) with libasan preloaded into the interpreter.
# Needs the test dependencies installed in the active Python (pytest, hypothesis, numpy, pybind11) and
# cmake, ninja and pybind11 (.ci/run installs them). A few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
# XLNER_ASAN_FLAGS: extra compile flags (.ci/run runs it twice: as is, and with -DXLNER_NO_SIMD so that the
# readers' plain-loop scans are fuzzed under the sanitizers as well as their SSE2 versions).
PY=${PYTHON:-python}
EXTRA=${XLNER_ASAN_FLAGS:-}
BUILD=build/asan-py${EXTRA:+-$(echo "$EXTRA" | tr -c 'A-Za-z0-9_\n' '_')}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1 $EXTRA" \
  -DXLNER_SANITIZE=ON -DXLNER_BUILD_PYTHON=ON -DXLNER_BUILD_TESTS=OFF \
  -DPython_EXECUTABLE="$(command -v "$PY")" -Dpybind11_DIR="$("$PY" -m pybind11 --cmakedir)" >/dev/null
cmake --build "$BUILD" --target _core
PKG="$PWD/$BUILD/pkg"
rm -rf "$PKG" && mkdir -p "$PKG"
cp -r python/xlner "$PKG/"
find "$PKG/xlner" -name '_core*.so' -delete
cp "$BUILD"/_core*.so "$PKG/xlner/"
# libstdc++ is preloaded too: the interpreter does not link it, and ASan's __cxa_throw interceptor must find it
PRELOAD="$(${CXX:-g++} -print-file-name=libasan.so) $(${CXX:-g++} -print-file-name=libstdc++.so)"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:detect_odr_violation=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export XLNER_FUZZ_SHORT=${XLNER_FUZZ_SHORT:-60}
# the sanitized package tree first on the path; an editable install's import hook is taken out of the way
LD_PRELOAD="$PRELOAD" PYTHONPATH="$PKG" "$PY" -c "
import sys
sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in type(f).__module__]
import xlner._core as c
assert c.__file__.startswith('$PKG'), c.__file__
print('sanitized module:', c.__file__, '$EXTRA')
import pytest
sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'tests/fuzz', 'tests/test_streaming.py',
                      'tests/test_input_errors.py', 'tests/test_scanners.py', 'tests/test_parallel_parse.py']))
"
