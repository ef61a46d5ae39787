#!/usr/bin/env bash
# The one test command: set up (idempotent), build, run the GoogleTest unit tests (ctest), a
# bounded fuzzing round (scripts/fuzz.sh), then the end-to-end tests (pytest driving real
# openduck processes on loopback).
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
# A bounded fuzzing round (FUZZ_SECONDS per target; scripts/fuzz.sh for long runs).
FUZZ_SECONDS="${FUZZ_SECONDS:-20}" OPENDUCK_FUZZ_BUILD_DIR="$BUILD_DIR/fuzz" bash scripts/fuzz.sh
fuzz_status=$?
if [ "$fuzz_status" -ne 0 ]; then
  echo "test.sh: fuzzing FAILED (exit $fuzz_status, see above); running the end-to-end tests anyway"
fi
OPENDUCK_BUILD_DIR="$(cd "$BUILD_DIR" && pwd)" .venv/bin/python -m pytest test/e2e -v
e2e_status=$?
[ "$unit_status" -eq 0 ] && [ "$fuzz_status" -eq 0 ] && [ "$e2e_status" -eq 0 ]
