"""Bounded memory on large scans and inserts: ~1.1 GiB of Arrow data streamed from the server
into a host aggregate that keeps nothing, or from the host into a remote table, with the peak
RSS (VmHWM) of both processes far below it.

The host runs in a child process so its VmHWM is its own; each server is freshly started so its
VmHWM covers only the scan. The table's strings come from 1000 distinct values, so the stored
table is small (dictionary-compressed) while every row ships its full ~50-byte string: the
result is much bigger than anything either side may legitimately cache."""

import functools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import odtest

ROWS = 20_000_000
ROW_SQL = f"range AS i, 'row-' || (range % 1000) || repeat('x', 40) AS s FROM range({ROWS})"
# Peak resident memory allowed to each process: a fraction of the bytes shipped.
RSS_BOUND_MB = 300
# An insert's worker also holds the request being inserted (up to 48 MiB as received, once more
# as parsed) and each thread's row group while it compresses.
INSERT_RSS_BOUND_MB = 400
MIN_SHIPPED_MB = 1000

# Both host scripts start like this: argv = extension, attach path, SQL.
HOST_PREAMBLE = textwrap.dedent("""
	import duckdb, json, sys
	extension, path, sql = sys.argv[1], sys.argv[2], sys.argv[3]
	con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
	con.execute("SET enable_progress_bar = false")
	con.execute(f"LOAD '{extension}'")
	# Plain batches: the bounds are fractions of the bytes shipped, which must be the data's size.
	con.execute("SET openduck_compression = 'none'")
	# The remote side is pulled to the host (the default would send the host table to the worker).
	con.execute("SET openduck_placement = 'local'")
	con.execute(f"ATTACH '{path}' AS cloud")
""")

HOST_SCRIPT = HOST_PREAMBLE + textwrap.dedent("""
	query = sql
	con.execute("CREATE TABLE one AS SELECT 1 AS x")
	plan = "\\n".join(row[1] for row in con.execute("EXPLAIN " + query).fetchall())
	rows = con.execute(query).fetchall()
	stats = con.execute("SELECT * FROM openduck_last_query_stats()").fetchall()[0]
	hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
	print(json.dumps({"rows": [[str(v) for v in row] for row in rows], "plan": plan,
	                  "requests": stats[0], "bytes": stats[1], "rows_received": stats[2], "hwm_mb": hwm_kb / 1024}))
""")


def vm_hwm_mb(pid: int) -> float:
	for line in Path(f"/proc/{pid}/status").read_text().splitlines():
		if line.startswith("VmHWM:"):
			return int(line.split()[1]) / 1024
	raise AssertionError(f"no VmHWM in /proc/{pid}/status")


def run_host(server, database: str, query: str, script: str = HOST_SCRIPT) -> dict:
	done = subprocess.run([sys.executable, "-c", script, str(odtest.EXTENSION), server.attach_path(database), query],
	                      capture_output=True, text=True, timeout=200, env=odtest.clean_env())
	assert done.returncode == 0, f"host failed: {done.stderr[-3000:]}"
	return json.loads(done.stdout.strip().splitlines()[-1])


@functools.lru_cache(maxsize=None)
def expected_aggregate() -> list:
	import duckdb
	con = duckdb.connect()
	try:
		return [[str(v) for v in row] for row in con.execute(f"SELECT count(*), sum(hash(i, s)) FROM (SELECT {ROW_SQL})").fetchall()]
	finally:
		con.close()


def assert_bounded(result: dict, server_hwm_mb: float, what: str):
	shipped_mb = result["bytes"] / 2**20
	print(f"{what}: shipped {shipped_mb:.0f} MiB in {result['requests']} requests; "
	      f"peak RSS host {result['hwm_mb']:.0f} MiB, server {server_hwm_mb:.0f} MiB")
	assert result["rows_received"] == ROWS, result
	assert shipped_mb >= MIN_SHIPPED_MB, f"only {shipped_mb:.0f} MiB shipped: the test is not measuring a large scan"
	assert result["hwm_mb"] < RSS_BOUND_MB, \
	    f"host peak RSS {result['hwm_mb']:.0f} MiB for a {shipped_mb:.0f} MiB stream: results are buffered"
	assert server_hwm_mb < RSS_BOUND_MB, \
	    f"server peak RSS {server_hwm_mb:.0f} MiB for a {shipped_mb:.0f} MiB stream: results are buffered"


@pytest.mark.timeout_s(300)
def test_table_scan_memory_is_bounded(launcher):
	srv = launcher.serve(["memdb"])
	con = odtest.python_host()
	try:
		con.execute(srv.attach_sql("memdb"))
		odtest.remote(con, "cloud", f"CREATE TABLE big AS SELECT {ROW_SQL}")
	finally:
		con.close()
	# A fresh process, so its high-water mark covers the scan only.
	srv = launcher.restart(srv)

	# The local table keeps the statement on the host: parallel remote scans feed a local aggregate.
	result = run_host(srv, "memdb", "SELECT count(*), sum(hash(i, s)) FROM cloud.big, one")
	assert "OPENDUCK_SCAN" in result["plan"] and "OPENDUCK_QUERY" not in result["plan"], result["plan"]
	assert result["rows"] == expected_aggregate()
	assert_bounded(result, vm_hwm_mb(srv.process.pid), "table scan")


@pytest.mark.timeout_s(300)
def test_streamed_query_memory_is_bounded(launcher):
	"""openduck_query: one remote result stream, produced as fast as the worker can, consumed by
	a host aggregate."""
	srv = launcher.serve(["memdb"])
	inner = f"SELECT {ROW_SQL}"
	result = run_host(srv, "memdb", f"SELECT count(*), sum(hash(i, s)) FROM openduck_query('cloud', {odtest.sql_string(inner)})")
	assert result["rows"] == expected_aggregate()
	assert_bounded(result, vm_hwm_mb(srv.process.pid), "streamed query")


INSERT_SCRIPT = HOST_PREAMBLE + textwrap.dedent("""
	row_sql = sql
	con.execute(f"CREATE TABLE cloud.big AS SELECT {row_sql} LIMIT 0")
	# Through a view of the host's: range() alone would run on the worker, sending no rows.
	con.execute(f"CREATE TEMP VIEW host_rows AS SELECT {row_sql}")
	inserted = con.execute("INSERT INTO cloud.big SELECT * FROM host_rows").fetchone()[0]
	requests = con.execute("SELECT * FROM openduck_last_query_stats()").fetchone()[0]
	hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
	print(json.dumps({"inserted": inserted, "requests": requests, "hwm_mb": hwm_kb / 1024}))
""")


@pytest.mark.timeout_s(300)
def test_large_insert_memory_is_bounded(launcher):
	"""INSERT of host rows: ~1.1 GiB of Arrow data travels in bounded requests, so neither the
	host nor the worker holds more than a few of them, and every row arrives."""
	srv = launcher.serve(["memdb"])
	result = run_host(srv, "memdb", ROW_SQL, INSERT_SCRIPT)
	server_hwm_mb = vm_hwm_mb(srv.process.pid)
	print(f"insert: {result['requests']} requests; peak RSS host {result['hwm_mb']:.0f} MiB, "
	      f"server {server_hwm_mb:.0f} MiB")
	assert result["inserted"] == ROWS
	assert result["requests"] >= ROWS // 250_000, result
	con = odtest.python_host()
	try:
		con.execute(srv.attach_sql("memdb"))
		got = [[str(v) for v in row] for row in con.execute("SELECT count(*), sum(hash(i, s)) FROM cloud.big").fetchall()]
	finally:
		con.close()
	assert got == expected_aggregate()
	assert result["hwm_mb"] < INSERT_RSS_BOUND_MB, f"host peak RSS {result['hwm_mb']:.0f} MiB: the insert buffers its input"
	assert server_hwm_mb < INSERT_RSS_BOUND_MB, f"server peak RSS {server_hwm_mb:.0f} MiB: the insert buffers its input"


def memory_gauges(server) -> dict:
	"""openduck_memory_bytes of a server's /metrics, in MiB by kind."""
	prefix = 'openduck_memory_bytes{kind="'
	return {name[len(prefix):-2]: value / 2**20
	        for name, value in odtest.metrics_values(server.port, server.token).items() if name.startswith(prefix)}


def test_metrics_tell_what_the_memory_is(launcher):
	"""/metrics splits a server's memory by allocator, so a growing RSS can be told apart into live
	memory and memory an allocator keeps (docs/reliability.md, "Soak"): a worker session's
	temporary table shows in DuckDB's allocator while it lives, and leaves it with its session."""
	srv = launcher.serve(["memdb"])
	before = memory_gauges(srv)
	assert set(before) == {"resident", "malloc_allocated", "malloc_free", "duckdb_allocated", "duckdb_resident"}, before
	assert before["resident"] >= before["duckdb_resident"] > 0 and before["malloc_allocated"] > 0, before
	con = odtest.python_host()
	try:
		con.execute(srv.attach_sql("memdb"))
		con.execute("BEGIN")
		# About 160 MiB of uncompressed rows in the worker session's temporary table.
		con.execute(odtest.openduck_query_sql(
		    "cloud", "CREATE TEMP TABLE held AS SELECT range AS i, range * 2 AS j FROM range(10000000)")).fetchall()
		holding = memory_gauges(srv)
		con.execute("ROLLBACK")
		after = memory_gauges(srv)
	finally:
		con.close()
	print(f"MiB before {before}, holding {holding}, after {after}")
	assert holding["duckdb_allocated"] - before["duckdb_allocated"] > 100, (before, holding)
	assert holding["resident"] - before["resident"] > 100, (before, holding)
	assert holding["duckdb_allocated"] - after["duckdb_allocated"] > 100, (holding, after)


def test_layer_cache_is_bounded_by_its_option_and_shows_in_metrics(launcher):
	"""--layer-cache-mb bounds the sealed layer data a server keeps in memory, and /metrics says how
	much it holds: a restarted server reads its checkpointed table from sealed layers."""
	srv = launcher.serve(["memdb"], extra_args=["--layer-cache-mb", "2"])
	con = odtest.python_host()
	try:
		con.execute(srv.attach_sql("memdb"))
		odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(1000000)")
		odtest.remote(con, "cloud", "CHECKPOINT")
	finally:
		con.close()
	srv.process.stop()
	srv = launcher.serve(srv.databases, token=srv.token, data_dir=srv.data_dir, extra_args=["--layer-cache-mb", "2"])
	con = odtest.python_host()
	try:
		con.execute(srv.attach_sql("memdb"))
		assert con.execute(odtest.openduck_query_sql("cloud", "SELECT count(DISTINCT s) FROM t")).fetchall() == [(1000000,)]
	finally:
		con.close()
	values = {name: value for name, value in odtest.metrics_values(srv.port, srv.token).items()
	          if name.startswith("openduck_layer_cache")}
	assert values["openduck_layer_cache_capacity_bytes"] == 2 * 2**20, values
	# The table is far larger than the cache: it holds some of it, never more than its capacity.
	assert 0 < values["openduck_layer_cache_bytes"] <= 2 * 2**20, values
