#!/usr/bin/env bash
# The one test command: set up (idempotent), build, run the GoogleTest unit tests (ctest), the
# sanitizer round (scripts/sanitize.sh: ASan/UBSan/TSan builds, bounded fuzzing), then the
# end-to-end tests (pytest driving real openduck processes on loopback).
# Both suites always run; the exit code is non-zero if either failed. pytest runs last so the
# output ends with its summary line.
# OPENDUCK_BUILD_DIR selects another build directory (default: build); OPENDUCK_JOBS the
# number of parallel compile jobs (default: 2).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${OPENDUCK_BUILD_DIR:-build}"

bash scripts/setup.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" -j"${OPENDUCK_JOBS:-2}"

set +e
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 300
unit_status=$?
if [ "$unit_status" -ne 0 ]; then
  echo "test.sh: unit tests FAILED (exit $unit_status, see above); running the end-to-end tests anyway"
fi
# The sanitizer round: ASan + UBSan unit tests, a bounded fuzzing round (FUZZ_SECONDS per
# target), end-to-end files against an ASan server, TSan unit tests (scripts/sanitize.sh).
FUZZ_SECONDS="${FUZZ_SECONDS:-20}" OPENDUCK_BUILD_DIR="$BUILD_DIR" OPENDUCK_SANITIZE_BUILD_DIR="$BUILD_DIR/fuzz" \
  OPENDUCK_TSAN_BUILD_DIR="$BUILD_DIR/tsan" bash scripts/sanitize.sh
sanitize_status=$?
if [ "$sanitize_status" -ne 0 ]; then
  echo "test.sh: the sanitizer round FAILED (exit $sanitize_status, see above); running the end-to-end tests anyway"
fi
OPENDUCK_BUILD_DIR="$(cd "$BUILD_DIR" && pwd)" .venv/bin/python -m pytest test/e2e -v
e2e_status=$?
[ "$unit_status" -eq 0 ] && [ "$sanitize_status" -eq 0 ] && [ "$e2e_status" -eq 0 ]
