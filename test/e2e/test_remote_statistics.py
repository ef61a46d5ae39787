"""Column statistics of remote tables reach the host's optimizer (join order, filter pruning,
statistics propagation) and never change a result: filters at and beyond the min/max bounds of
every numeric and temporal type (and of string types, which get no statistics), NULLs, bounds
moved by INSERT/UPDATE from this host or another one, and reads inside a transaction all match
local DuckDB."""

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import odtest

# name -> (type, expression over i in range(500)); every column but `i` and `allnull` has NULLs.
COLUMNS = {
	"ti": ("TINYINT", "(i % 200 - 100)::TINYINT"),
	"si": ("SMALLINT", "(i * 3 - 700)::SMALLINT"),
	"i": ("INTEGER", "i * 1000 - 17"),
	"bi": ("BIGINT", "i * 10000000000"),
	"hi": ("HUGEINT", "i::HUGEINT * 100000000000000000000"),
	"uti": ("UTINYINT", "(abs(i) % 250)::UTINYINT"),
	"usi": ("USMALLINT", "(abs(i) * 7)::USMALLINT"),
	"ui": ("UINTEGER", "(abs(i) * 100000)::UINTEGER"),
	"ubi": ("UBIGINT", "abs(i)::UBIGINT * 3000000000000000"),
	"uhi": ("UHUGEINT", "abs(i)::UHUGEINT * 100000000000000000000"),
	"fl": ("FLOAT", "(i / 7)::FLOAT"),
	"db": ("DOUBLE", "CASE WHEN i = 13 THEN 'nan'::DOUBLE ELSE i / 3 - 20 END"),
	"d1": ("DECIMAL(4,1)", "(i / 10)::DECIMAL(4,1)"),
	"d2": ("DECIMAL(18,3)", "(i * 1.125 - 3)::DECIMAL(18,3)"),
	"d3": ("DECIMAL(38,10)", "(i::DECIMAL(38,10) * 1000000000000.5)"),
	"dt": ("DATE", "DATE '2020-01-01' + i::INTEGER"),
	"tm": ("TIME", "TIME '00:00:00' + i * INTERVAL 1 MINUTE"),
	"ts": ("TIMESTAMP", "TIMESTAMP '2020-01-01' + i * INTERVAL 1 HOUR"),
	"ts_s": ("TIMESTAMP_S", "(TIMESTAMP '2020-01-01' + i * INTERVAL 1 SECOND)::TIMESTAMP_S"),
	"ts_ms": ("TIMESTAMP_MS", "(TIMESTAMP '2020-01-01' + i * INTERVAL 1 SECOND)::TIMESTAMP_MS"),
	"ts_ns": ("TIMESTAMP_NS", "(TIMESTAMP '2020-01-01' + i * INTERVAL 1 SECOND)::TIMESTAMP_NS"),
	"tstz": ("TIMESTAMPTZ", "TIMESTAMPTZ '2020-01-01 00:00:00+00' + i * INTERVAL 1 DAY"),
	# Strings sharing their first 8 bytes: DuckDB keeps only 8-byte prefixes as min/max.
	"v": ("VARCHAR", "'prefix_s' || lpad(i::VARCHAR, 5, '0') || CASE WHEN i % 3 = 0 THEN 'ü' ELSE '' END"),
	"bl": ("BLOB", "('\\x' || lpad(to_hex(i % 256), 2, '0'))::BLOB"),
	"uu": ("UUID", "('00000000-0000-0000-0000-' || lpad(abs(i)::VARCHAR, 12, '0'))::UUID"),
	"bo": ("BOOLEAN", "i % 2 = 0"),
	"iv": ("INTERVAL", "INTERVAL (i) MINUTE"),
	"allnull": ("INTEGER", "NULL"),
}

TABLE = "stat_types"


def _create_sql():
	columns = ", ".join(f'"{name}" {kind}' for name, (kind, _) in COLUMNS.items())
	return f"CREATE TABLE {TABLE} ({columns})"


def _insert_sql(rows: str, with_nulls: bool = True, target: str = TABLE):
	values = []
	for name, (kind, expression) in COLUMNS.items():
		if with_nulls and name not in ("i", "allnull"):
			expression = f"CASE WHEN i % 10 = 3 THEN NULL ELSE {expression} END"
		values.append(f"CAST({expression} AS {kind})")
	return f"INSERT INTO {target} SELECT {', '.join(values)} FROM {rows}"


@pytest.fixture
def st(mirror):
	# Statistics shape host plans: keep hybrid statements on the host.
	mirror.con.execute("SET openduck_placement = 'local'")
	mirror.execute(_create_sql())
	mirror.execute(_insert_sql("range(500) r(i)"))
	for con in (mirror.con, mirror.local):
		con.execute("CREATE OR REPLACE TABLE one AS SELECT 1 AS x")
	yield mirror
	mirror.execute(f"DROP TABLE {TABLE}")


def _bounds(mirror, column):
	kind = COLUMNS[column][0]
	low, high = mirror.local.execute(f'SELECT min("{column}")::VARCHAR, max("{column}")::VARCHAR FROM {TABLE}').fetchone()
	if low is None:
		low = high = "1"
	literal = lambda text: f"CAST({odtest.sql_string(text)} AS {kind})"
	return literal(low), literal(high)


def _filters(column, low, high):
	c = f'"{column}"'
	return [f"{c} = {low}", f"{c} < {low}", f"{c} <= {low}", f"{c} > {low}", f"{c} > {high}", f"{c} >= {high}",
	        f"{c} < {high}", f"{c} <= {high}", f"{c} BETWEEN {low} AND {high}", f"{c} IS NULL", f"{c} IS NOT NULL"]


def _check_filters(mirror, column, low, high):
	# Each branch is its own hybrid scan (joined with the local `one`), so every filter is pushed
	# into a remote scan and judged against the remote statistics.
	branches = [f'SELECT {n} AS f, count(*) AS n, min("{column}")::VARCHAR AS lo, max("{column}")::VARCHAR AS hi '
	            f"FROM {{db}}{TABLE} t, one WHERE {predicate}"
	            for n, predicate in enumerate(_filters(column, low, high))]
	mirror.check(" UNION ALL ".join(branches) + " ORDER BY f")


def _plan(con, sql):
	return "\n".join(row[1] for row in con.execute("EXPLAIN " + sql).fetchall())


@pytest.mark.parametrize("column", list(COLUMNS))
def test_filters_at_bounds_match_local(st, column):
	low, high = _bounds(st, column)
	_check_filters(st, column, low, high)


@pytest.mark.parametrize("column", ["i", "hi", "d2", "db", "ts", "v", "bl", "allnull"])
def test_bounds_moved_by_writes_match_local(st, server, host, column):
	low, high = _bounds(st, column)
	# Through ATTACH on this host: rows beyond both bounds, and an UPDATE moving a value out.
	for con, target in ((st.con, f"cloud.{TABLE}"), (st.local, TABLE)):
		con.execute(_insert_sql("range(1000, 1003) r(i)", target=target))
		con.execute(_insert_sql("range(-3, 0) r(i)", with_nulls=False, target=target))
		con.execute(f'UPDATE {target} SET "{column}" = (SELECT "{column}" FROM {target} WHERE i = 999983) '
		            "WHERE i = 983")
		con.execute(f"INSERT INTO {target} (i, allnull) VALUES (-1, 7)")
	_check_filters(st, column, low, high)
	# From another host: this host's next statement must not use statistics read before it.
	other = host(server)
	low2, high2 = _bounds(st, column)
	other.execute(_insert_sql("range(2000, 2002) r(i)", target=f"cloud.{TABLE}"))
	st.local.execute(_insert_sql("range(2000, 2002) r(i)"))
	_check_filters(st, column, low2, high2)


def test_statistics_prune_impossible_filters(st):
	_, high = _bounds(st, "i")
	sql = f'SELECT count(*) FROM cloud.{TABLE} t, one WHERE "i" > {high}'
	assert "EMPTY_RESULT" in _plan(st.con, sql), _plan(st.con, sql)
	assert st.con.execute(sql).fetchall() == [(0,)]
	# A row beyond the old bound: the next statement reads fresh statistics.
	st.execute(_insert_sql("range(600, 601) r(i)"))
	assert "EMPTY_RESULT" not in _plan(st.con, sql)
	assert st.con.execute(sql).fetchall() == [(1,)]


def test_transaction_sees_its_own_rows_beyond_bounds(st):
	_, high = _bounds(st, "i")
	sql = f'SELECT "i" FROM cloud.{TABLE} t, one WHERE "i" > {high}'
	st.con.execute("BEGIN")
	st.con.execute(f"INSERT INTO cloud.{TABLE} (i, allnull) VALUES (1000000, 5)")
	# Table statistics do not cover the session's uncommitted row, so none are used here.
	assert "EMPTY_RESULT" not in _plan(st.con, sql)
	assert st.con.execute(sql).fetchall() == [(1000000,)]
	assert st.con.execute(f"SELECT count(*) FROM cloud.{TABLE} t, one WHERE allnull IS NOT NULL").fetchall() == [(1,)]
	st.con.execute("ROLLBACK")
	assert st.con.execute(sql).fetchall() == []


def _operators(node):
	yield node
	for child in node.get("children", []):
		yield from _operators(child)


def test_small_local_side_is_the_build_side(mirror):
	mirror.execute("CREATE TABLE stat_big AS SELECT i AS k, i % 97 AS g FROM range(200000) r(i)")
	try:
		con = mirror.con
		con.execute("SET openduck_placement = 'local'")  # the host's join order is the subject
		con.execute("CREATE OR REPLACE TABLE stat_small AS SELECT i * 1000 AS k FROM range(20) r(i)")
		mirror.local.execute("CREATE OR REPLACE TABLE stat_small AS SELECT i * 1000 AS k FROM range(20) r(i)")
		for sql in ["SELECT count(*), sum(b.g) FROM {db}stat_big b JOIN stat_small s ON b.k = s.k",
		            "SELECT count(*), sum(b.g) FROM stat_small s JOIN {db}stat_big b ON b.k = s.k"]:
			plan = json.loads(con.execute("EXPLAIN (FORMAT json) " + mirror.render(sql, True)).fetchall()[0][1])
			joins = [op for root in plan for op in _operators(root) if op["name"] == "HASH_JOIN"]
			assert len(joins) == 1, plan
			probe, build = joins[0]["children"]
			names = lambda side: {op["name"] for op in _operators(side)}
			assert "OPENDUCK_SCAN" in " ".join(names(probe)), plan
			assert "OPENDUCK_SCAN" not in " ".join(names(build)), plan
			mirror.check(sql)
	finally:
		mirror.execute("DROP TABLE stat_big")


def test_prepared_statement_reads_fresh_statistics(st, server, host):
	# A prepared hybrid statement planned before another host's commit moved a bound: its next
	# execution must not run with the statistics read when it was prepared.
	sql = f'SELECT count(*), max("i") FROM cloud.{TABLE} t, one WHERE "i" >= ?'
	st.con.execute(f"PREPARE stat_prepared AS {sql}")
	assert st.con.execute("EXECUTE stat_prepared(0)").fetchall() == [(499, 498983)]
	other = host(server)
	other.execute(f"INSERT INTO cloud.{TABLE} (i, allnull) VALUES (5000000, 1)")
	assert st.con.execute("EXECUTE stat_prepared(0)").fetchall() == [(500, 5000000)]
	assert st.con.execute(sql, [0]).fetchall() == [(500, 5000000)]


_RACING_HOST = """
import json, sys
sys.path.insert(0, sys.argv[1])
import odtest
con = odtest.python_host()
con.execute(sys.argv[2])
con.execute("SET openduck_placement = 'local'")
con.execute("CREATE TABLE one AS SELECT 1 AS x")
print("ready", flush=True)
print(json.dumps(con.execute(sys.argv[3]).fetchall()), flush=True)
"""


def test_commit_between_statistics_and_scan_is_not_seen(st, server, host):
	# The host plans with statistics read during optimization and then runs the scan: a commit
	# landing in between that moves a bound must neither fail the statement nor reach a plan
	# made for the old bounds. The scan reads the snapshot the statistics were read in. The
	# failpoint holds the statement for 3 s after its statistics were read; the commit lands
	# 1 s in.
	sql = f'SELECT count(*), max("i") FROM cloud.{TABLE} t, one WHERE "i" >= 0'
	racing = subprocess.Popen(
	    [sys.executable, "-c", _RACING_HOST, str(Path(__file__).parent), server.attach_sql("testdb"), sql],
	    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
	    env=odtest.clean_env(OPENDUCK_FAILPOINTS="scan.statistics.loaded=delay:3000"))
	try:
		assert racing.stdout.readline().strip() == "ready", racing.stderr.read()
		time.sleep(1.0)
		host(server).execute(f"INSERT INTO cloud.{TABLE} (i, allnull) VALUES (5000000, 1)")
		out, err = racing.communicate(timeout=60)
	finally:
		if racing.poll() is None:
			racing.kill()
	assert racing.returncode == 0, err
	assert json.loads(out) == [[499, 498983]], (out, err)
	# The next statement plans with the new bounds and sees the row.
	assert st.con.execute(sql).fetchall() == [(500, 5000000)]


@pytest.mark.parametrize("stop", ["limit", "error"])
def test_read_in_its_statistics_session_ends_with_the_statement(st, server, stop):
	# The statement's only read runs as its statistics session's final read, streaming: when the
	# statement stops reading early (LIMIT) or fails, the worker lets go of it at once.
	st.execute("CREATE TABLE stat_long AS SELECT i AS k, repeat('x', 100) AS pad FROM range(300000) r(i)")
	try:
		sql = {"limit": "SELECT t.k FROM cloud.stat_long t, one WHERE t.k >= 0 LIMIT 3",
		       "error": "SELECT CASE WHEN t.k = 250000 THEN error('stop here') END FROM cloud.stat_long t, one "
		                "WHERE t.k >= 0"}[stop]
		for _ in range(3):
			if stop == "limit":
				assert len(st.con.execute(sql).fetchall()) == 3
			else:
				with pytest.raises(duckdb.InvalidInputException, match="stop here"):
					st.con.execute(sql).fetchall()
		deadline = time.monotonic() + 10
		gauges = odtest.leak_gauges(server.port, server.token)
		while any(gauges.values()) and time.monotonic() < deadline:
			time.sleep(0.1)
			gauges = odtest.leak_gauges(server.port, server.token)
		assert not any(gauges.values()), gauges
		# The session's transaction ended: the next statement's write commits and is read back.
		st.execute("INSERT INTO stat_long VALUES (-1, 'y')")
		st.check("SELECT count(*), min(k) FROM {db}stat_long t, one")
	finally:
		st.execute("DROP TABLE stat_long")


def test_a_scans_statistics_read_only_its_table(session_launcher, host):
	# A scan asks for its own table's statistics (GetCatalogRequest.statistics_table), not the
	# whole catalog: 30 other tables do not make the answer larger, and the statistics still
	# prune as before.
	from test_hostile_messages import call, message
	srv = session_launcher.serve(["statsonly"])
	con = host(srv, "statsonly")
	con.execute("CREATE TABLE cloud.wanted AS SELECT range AS id FROM range(1000)")
	for i in range(30):
		con.execute(f"CREATE TABLE cloud.other_{i} (a INTEGER, b VARCHAR, c DOUBLE, d DATE)")
	status, _, whole = call(srv, "GetCatalog", message(f1="statsonly"))
	assert status == 0, whole
	status, _, only = call(srv, "GetCatalog", message(f1="statsonly", f8="main", f9="wanted"))
	assert status == 0, only
	size = lambda lines: int(lines[0].split()[1])
	assert size(only) < size(whole) / 20, (only, whole)
	status, _, missing = call(srv, "GetCatalog", message(f1="statsonly", f8="main", f9="no_such_table"))
	assert status == 0 and size(missing) < 64, missing
	# The host's optimizer still gets them (a hybrid statement is planned there): an impossible
	# filter is pruned.
	con.execute("CREATE TABLE one AS SELECT 1 AS x")
	con.execute("SET openduck_placement = 'local'")
	sql = "SELECT count(*) FROM cloud.wanted w, one WHERE id > 5000"
	assert "EMPTY_RESULT" in _plan(con, sql), _plan(con, sql)
	assert con.execute(sql).fetchall() == [(0,)]
	assert "EMPTY_RESULT" not in _plan(con, sql.replace("5000", "500"))
	assert con.execute(sql.replace("5000", "500")).fetchall() == [(499,)]
	srv.process.stop()
