#!/usr/bin/env bash
# The one command for a newcomer: set up, build, start `openduck serve` on 127.0.0.1:7878 with
# its data in ./openduck-data, run a demo with the DuckDB CLI against it, then keep the server
# running until Ctrl-C.
# OPENDUCK_PORT, OPENDUCK_TOKEN (default: random), OPENDUCK_DATA_DIR and OPENDUCK_BUILD_DIR
# (default: build) override the defaults.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${OPENDUCK_BUILD_DIR:-build}"

bash scripts/setup.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" -j"${OPENDUCK_JOBS:-2}"
BUILD_DIR="$(cd "$BUILD_DIR" && pwd)"

PORT="${OPENDUCK_PORT:-7878}"
TOKEN="${OPENDUCK_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')}"
ENDPOINT="http://127.0.0.1:$PORT"
DATA_DIR="${OPENDUCK_DATA_DIR:-$ROOT/openduck-data}"
LOG="$BUILD_DIR/quickstart-serve.log"
EXTENSION="$BUILD_DIR/openduck.duckdb_extension"
# The DuckDB extensions setup.sh installed (pip duckdb-ext-*), which DuckLake databases load.
EXTENSION_DIR="$(ls -d "$ROOT"/.venv/lib/python3*/site-packages/duckdb_ext/extensions | head -n1)"

health() {
  .venv/bin/python -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' \
    "$ENDPOINT/health" 2>/dev/null
}
if health >/dev/null; then
  echo "quickstart: something already answers on $ENDPOINT (another openduck?); stop it or set OPENDUCK_PORT" >&2
  exit 1
fi

echo "quickstart: starting openduck serve on $ENDPOINT (data: $DATA_DIR, log: $LOG)"
"$BUILD_DIR/openduck" serve -d demo -t "$TOKEN" --port "$PORT" --host 127.0.0.1 --data-dir "$DATA_DIR" \
  --extension-dir "$EXTENSION_DIR" >"$LOG" 2>&1 &
SERVER_PID=$!
stop_server() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "quickstart: stopping openduck serve (pid $SERVER_PID)"
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 150); do
  if health >/dev/null; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "quickstart: openduck serve exited; its log:" >&2
    cat "$LOG" >&2
    exit 1
  fi
  sleep 0.2
done
echo "quickstart: /health says $(health)"

echo
echo "=== demo: the DuckDB CLI attaches the remote database 'demo' and uses it ==="
.venv/bin/duckdb -unsigned -box -echo -bail <<SQL
LOAD '$EXTENSION';
ATTACH 'openduck:demo?endpoint=$ENDPOINT&token=$TOKEN' AS cloud;
SELECT * FROM openduck_query('cloud', 'CREATE OR REPLACE TABLE ducks AS SELECT * FROM (VALUES (1, ''Mallard'', 1.2), (2, ''Eider'', 2.1), (3, ''Teal'', 0.35)) AS t(id, name, weight_kg)');
SELECT * FROM cloud.ducks ORDER BY id;
SELECT name, weight_kg * 1000 AS grams FROM cloud.ducks WHERE weight_kg > 1 ORDER BY grams DESC;
SHOW ALL TABLES;
SQL

cat <<EOF

OpenDuck is running: $ENDPOINT, database 'demo', token $TOKEN, data in $DATA_DIR.
Connect from another terminal with the DuckDB CLI:
  $ROOT/.venv/bin/duckdb -unsigned
  LOAD '$EXTENSION';
  ATTACH 'openduck:demo?endpoint=$ENDPOINT&token=$TOKEN' AS cloud;
  SELECT * FROM cloud.ducks;
or from Python:
  import duckdb
  con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
  con.execute("LOAD '$EXTENSION'")
  con.execute("ATTACH 'openduck:demo?endpoint=$ENDPOINT&token=$TOKEN' AS cloud")
Server health: curl $ENDPOINT/health     Server log: $LOG
Press Ctrl-C to stop the server.
EOF
wait "$SERVER_PID"
