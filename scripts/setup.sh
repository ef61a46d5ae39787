#!/usr/bin/env bash
# Installs everything OpenDuck needs on a fresh Debian 12 machine, idempotently:
# Debian packages (compilers, gRPC, protobuf, flatbuffers, GoogleTest), DuckDB headers and the
# prebuilt libduckdb.so from the npm registry, and a Python virtualenv in .venv.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/scripts/versions.env"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

APT_PACKAGES=(build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libflatbuffers-dev flatbuffers-compiler libgtest-dev libsqlite3-dev python3-venv
  libcurl4-openssl-dev libssl-dev libpq-dev liblz4-dev libzstd-dev postgresql openssl curl
  clang-14 libclang-rt-14-dev)  # the last two: libFuzzer (scripts/fuzz.sh)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# DuckDB: the npm package carries the full C++ source tree (we use its headers); the node
# bindings package carries a prebuilt libduckdb.so exporting the C++ API.
THIRD="$ROOT/third_party/duckdb-$DUCKDB_VERSION"
if [ ! -f "$THIRD/.complete" ]; then
  rm -rf "$THIRD"; mkdir -p "$THIRD/tmp"
  ( cd "$THIRD/tmp"
    npm pack --silent "duckdb@$DUCKDB_VERSION" >/dev/null
    npm pack --silent "@duckdb/node-bindings-linux-x64@$DUCKDB_NODE_BINDINGS_VERSION" >/dev/null
    mkdir src bin
    tar -xzf duckdb-"$DUCKDB_VERSION".tgz -C src
    tar -xzf duckdb-node-bindings-linux-x64-*.tgz -C bin )
  mkdir -p "$THIRD/lib"
  mv "$THIRD/tmp/src/package/src/duckdb/src/include" "$THIRD/include"
  so="$(find "$THIRD/tmp/bin" -name 'libduckdb.so' | head -n1)"
  cp "$so" "$THIRD/lib/libduckdb.so"
  rm -rf "$THIRD/tmp"
  touch "$THIRD/.complete"
fi

VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check \
  "duckdb==$DUCKDB_VERSION" "duckdb-cli==$DUCKDB_VERSION" "pyarrow==$PYARROW_VERSION" \
  "pytest==$PYTEST_VERSION" "duckdb-ext-tpch==$DUCKDB_EXT_VERSION" "duckdb-ext-tpcds==$DUCKDB_EXT_VERSION" \
  "duckdb-ext-ducklake==$DUCKDB_EXT_VERSION" "duckdb-ext-sqlite==$DUCKDB_EXT_VERSION" \
  "duckdb-ext-postgres==$DUCKDB_EXT_VERSION" "duckdb-ext-httpfs==$DUCKDB_EXT_VERSION"
# The duckdb-cli wheel ships its binary without the executable bit.
chmod +x "$VENV/bin/duckdb"
# moto's S3 server (with signature checks) backs the S3 object-store tests.
"$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -e "$ROOT/clients/python"
echo "setup: done"
