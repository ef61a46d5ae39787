"""Large results: 10 million rows streamed from the worker, aggregated by the host, and
streaming (first rows long before a huge result could have been produced)."""

import json
import subprocess
import sys
import textwrap
import time

import pytest

import odtest

ROWS = 10_000_000


@pytest.mark.timeout_s(300)
def test_ten_million_rows(mirror):
	mirror.execute(f"CREATE TABLE big AS SELECT range AS i, (range * 7) % 1000003 AS j, "
	               f"'row-' || (range % 1000) AS s, range // 3 AS d FROM range({ROWS})")
	started = time.monotonic()
	rows = mirror.check("SELECT count(*) AS n, sum(i) AS si, min(i) AS mini, max(i) AS maxi, sum(j) AS sj, "
	                    "min(s) AS mins, max(s) AS maxs, sum(d) AS sd, bit_xor(hash(i, j, s, d)) AS h FROM {db}big")
	elapsed = time.monotonic() - started
	assert rows[0][0] == ROWS
	print(f"10M-row scan + aggregate, compared with the oracle: {elapsed:.1f}s")
	# Projection of one column of the big table.
	mirror.check("SELECT count(DISTINCT s) AS n, bit_xor(hash(s)) AS h FROM {db}big")


def test_limit_on_a_big_table_returns_quickly(mirror, server):
	mirror.execute(f"CREATE TABLE big_limit AS SELECT range AS i, repeat('x', 100) AS pad FROM range({ROWS})")
	started = time.monotonic()
	rows = mirror.con.execute("SELECT count(*) FROM (SELECT * FROM cloud.big_limit LIMIT 5)").fetchall()
	assert rows == [(5,)]
	assert time.monotonic() - started < 20
	assert server.health()["status"] == "ok"


STREAM_SCRIPT = textwrap.dedent("""
	import duckdb, json, sys, time
	extension, path = sys.argv[1], sys.argv[2]
	con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
	con.execute(f"LOAD '{extension}'")
	con.execute(f"ATTACH '{path}' AS cloud")
	started = time.monotonic()
	rows = con.execute("SELECT * FROM openduck_query('cloud', "
	                   "'SELECT range AS i FROM range(1000000000)') LIMIT 5").fetchall()
	first = time.monotonic() - started
	con.close()
	print(json.dumps({"rows": rows, "seconds": first, "total": time.monotonic() - started}))
""")


def test_first_rows_arrive_before_the_whole_result(launcher):
	"""A billion-row remote query (8 GB as BIGINT) under LIMIT 5 must return within seconds:
	rows stream, and the worker stops (or blocks) when the host has had enough. Run in a child
	process so a hang cannot take the test run with it."""
	srv = launcher.serve(["streamdb"])
	try:
		done = subprocess.run([sys.executable, "-c", STREAM_SCRIPT, str(odtest.EXTENSION), srv.attach_path("streamdb")],
		                      capture_output=True, text=True, timeout=90, env=odtest.clean_env())
	except subprocess.TimeoutExpired:
		pytest.fail("LIMIT 5 over a billion-row remote query did not finish in 90s: the result is not streamed")
	assert done.returncode == 0, done.stderr
	result = json.loads(done.stdout.strip().splitlines()[-1])
	assert result["rows"] == [[0], [1], [2], [3], [4]]
	assert result["seconds"] < 20, f"first rows took {result['seconds']:.1f}s"
	assert result["total"] < 30, f"closing the connection took {result['total'] - result['seconds']:.1f}s"

	# The server is healthy, answers promptly, and is not still producing the billion rows.
	assert srv.health()["status"] == "ok"
	before = srv.process.cpu_seconds()
	time.sleep(3)
	burned = srv.process.cpu_seconds() - before
	assert burned < 1.5, f"the server used {burned:.1f}s CPU in 3s idle: the abandoned query still runs"
	con = odtest.python_host()
	try:
		con.execute(srv.attach_sql("streamdb"))
		assert odtest.remote(con, "cloud", "SELECT 42") == [(42,)]
	finally:
		con.close()
