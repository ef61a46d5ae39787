#!/usr/bin/env bash
# Runs the benchmarks in bench/ after installing their extras idempotently: the DuckDB postgres
# extension wheel (the PostgreSQL scanner peer) and the Debian PostgreSQL server (the bench runs
# its own throwaway cluster). Builds first, like scripts/test.sh.
# OPENDUCK_BUILD_DIR selects the build directory (default: build); arguments go to the bench,
# e.g. `bash scripts/bench.sh --sf 10`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
source scripts/versions.env
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
BUILD_DIR="${OPENDUCK_BUILD_DIR:-build}"

bash scripts/setup.sh
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "bench: installing the Debian postgresql package"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
.venv/bin/pip install -q --disable-pip-version-check "duckdb-ext-postgres==$DUCKDB_EXT_VERSION"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" -j"${OPENDUCK_JOBS:-2}"
OPENDUCK_BUILD_DIR="$(cd "$BUILD_DIR" && pwd)" .venv/bin/python bench/remote_scan_bench.py "$@"
