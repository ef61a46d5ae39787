#!/usr/bin/env bash
# Builds the libFuzzer targets of test/fuzz with clang (ASan + UBSan, in build/fuzz) and runs
# each for FUZZ_SECONDS (default 60) from its seed corpus (test/fuzz/corpus/<target>, never
# modified: new inputs go to build/fuzz/corpus). Every input in test/fuzz/regressions/<target>
# (the inputs of crashes found and fixed) runs first. A crash, a sanitizer report or an input
# slower than 10 s fails the script and leaves the input in build/fuzz/artifacts/.
# Usage: bash scripts/fuzz.sh [TARGET...]   (FUZZ_SECONDS=1800 for a long run)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BUILD="${OPENDUCK_FUZZ_BUILD_DIR:-build/fuzz}"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(ipc_stream_fuzzer attach_config_fuzzer join_key_filter_fuzzer layer_format_fuzzer s3_listing_fuzzer active_log_fuzzer
           url_signing_fuzzer http_request_fuzzer request_handler_fuzzer)
fi

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DOPENDUCK_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j"${OPENDUCK_JOBS:-2}" --target "${TARGETS[@]}"

mkdir -p "$BUILD/artifacts"
status=0
for target in "${TARGETS[@]}"; do
  corpus="$BUILD/corpus/$target"
  mkdir -p "$corpus"
  regressions="test/fuzz/regressions/$target"
  if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    if ! "$BUILD/test/fuzz/$target" -timeout=10 -rss_limit_mb=4096 "$regressions"/* >"$BUILD/$target.regressions.log" 2>&1; then
      echo "fuzz: $target FAILED on a kept regression input (see $BUILD/$target.regressions.log)"
      status=1
      continue
    fi
  fi
  if "$BUILD/test/fuzz/$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="$BUILD/artifacts/$target-" -print_final_stats=1 \
      "$corpus" "test/fuzz/corpus/$target" >"$BUILD/$target.log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$BUILD/$target.log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz: $target ok, $runs inputs in ${SECONDS_EACH} s"
  else
    echo "fuzz: $target FAILED; input in $BUILD/artifacts/, log $BUILD/$target.log:"
    grep -m1 -A12 "ERROR\|runtime error\|deadly signal\|timeout" "$BUILD/$target.log" || tail -20 "$BUILD/$target.log"
    status=1
  fi
done
exit $status
