#!/usr/bin/env bash
# The sanitizer round of the test command (issue #18): with clang-14,
#   1. an ASan + UBSan build (OPENDUCK_SANITIZE_BUILD_DIR, default build/fuzz, -DOPENDUCK_FUZZ=ON)
#      of the server, the unit tests and the libFuzzer targets;
#   2. the unit tests under it (ctest), a fuzzing round (scripts/fuzz.sh, FUZZ_SECONDS each), and
#      the end-to-end files in SANITIZE_E2E with their servers run from that build
#      (OPENDUCK_SERVER_BIN; hosts load the extension of the plain build);
#   3. a ThreadSanitizer build (OPENDUCK_TSAN_BUILD_DIR, default build/tsan) of the unit tests of
#      our own concurrent parts (openduck_tsan_tests, test/unit/CMakeLists.txt: the prebuilt
#      DuckDB is invisible to TSan, so tests that run it stay with ASan).
# Any sanitizer report fails the round: ASan and TSan reports end the process that made them,
# UBSan reports too (halt_on_error), and the servers' reports land in build/<dir>/sanitizer-logs,
# which must stay empty. Exit status 0 only when every part passed.
# Usage: bash scripts/sanitize.sh   (after scripts/setup.sh and the plain build, OPENDUCK_BUILD_DIR or build/)
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
ASAN_BUILD="$(realpath -m "${OPENDUCK_SANITIZE_BUILD_DIR:-build/fuzz}")"
TSAN_BUILD="$(realpath -m "${OPENDUCK_TSAN_BUILD_DIR:-build/tsan}")"
PLAIN_BUILD="$(realpath -m "${OPENDUCK_BUILD_DIR:-build}")" # its extension is what hosts load
JOBS="${OPENDUCK_JOBS:-2}"
SANITIZE_E2E="${SANITIZE_E2E:-test_hostile_messages.py test_hostile_input.py test_server_security.py test_writes.py test_topology.py test_cancel.py test_round_trips.py test_compression.py test_storage_admin.py}"
SUPPRESSIONS="$ROOT/test/sanitizers"
status=0
fail() {
  echo "sanitize: $1 FAILED"
  status=1
}

set -e
cmake -S . -B "$ASAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DOPENDUCK_FUZZ=ON >/dev/null
cmake --build "$ASAN_BUILD" -j"$JOBS" --target openduck openduck_unit_tests
set +e

export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$SUPPRESSIONS/ubsan.supp"
export ASAN_OPTIONS="detect_leaks=1"
export LSAN_OPTIONS="suppressions=$SUPPRESSIONS/lsan.supp:print_suppressions=0"
ctest --test-dir "$ASAN_BUILD" --output-on-failure --timeout 600 -j"$JOBS" || fail "ASan + UBSan unit tests"

FUZZ_SECONDS="${FUZZ_SECONDS:-20}" OPENDUCK_FUZZ_BUILD_DIR="$ASAN_BUILD" bash scripts/fuzz.sh || fail "fuzzing"

logs="$ASAN_BUILD/sanitizer-logs"
rm -rf "$logs" && mkdir -p "$logs"
e2e=()
for file in $SANITIZE_E2E; do
  e2e+=("test/e2e/$file")
done
# The servers' reports go to files: their output is the test's evidence, and a report must not
# depend on a test looking at it.
ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan" UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$logs/ubsan" \
  LSAN_OPTIONS="$LSAN_OPTIONS" OPENDUCK_SERVER_BIN="$ASAN_BUILD/openduck" \
  OPENDUCK_BUILD_DIR="$PLAIN_BUILD" .venv/bin/python -m pytest "${e2e[@]}" -q -p no:cacheprovider ||
  fail "end-to-end tests against the ASan + UBSan server"
if [ -n "$(ls -A "$logs")" ]; then
  for report in "$logs"/*; do
    echo "sanitize: report $report:"
    head -60 "$report"
  done
  fail "sanitizer reports from the servers"
fi

set -e
cmake -S . -B "$TSAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DOPENDUCK_TSAN=ON >/dev/null
cmake --build "$TSAN_BUILD" -j"$JOBS" --target openduck_tsan_tests
set +e
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPPRESSIONS/tsan.supp" \
  "$TSAN_BUILD/test/unit/openduck_tsan_tests" --gtest_brief=1 || fail "TSan unit tests"

if [ "$status" -eq 0 ]; then
  echo "sanitize: ASan + UBSan (unit, fuzzing, end-to-end servers) and TSan (unit) passed"
fi
exit $status
