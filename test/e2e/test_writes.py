"""Writes through ATTACH: DDL, INSERT (remote, local, files), UPDATE, DELETE, CREATE TABLE AS,
RETURNING, COPY, and transactions bound to the host's transaction.

The oracle is a local DuckDB with an in-memory database attached under the same alias, so the
very same SQL text runs on both sides and every table must end up identical."""

import multiprocessing
import os
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

import odtest
from type_cases import TYPE_CASES


class Twin:
	"""Runs each statement on the host (remote `cloud`) and on the oracle (local `cloud`)."""

	def __init__(self, con):
		self.con = con
		self.local = duckdb.connect()
		self.local.execute("ATTACH ':memory:' AS cloud")

	def run(self, sql):
		local_error = remote_error = None
		try:
			self.local.execute(sql)
		except duckdb.Error as e:
			local_error = e
		try:
			self.con.execute(sql)
		except duckdb.Error as e:
			remote_error = e
		assert (local_error is None) == (remote_error is None), \
		    f"{sql}\nlocal: {local_error!r}\nremote: {remote_error!r}"
		if remote_error is not None:
			assert type(remote_error) is type(local_error), f"{sql}: {remote_error!r} vs {local_error!r}"
		return remote_error

	def both(self, sql):
		"""A statement whose setup (local tables) must exist on both hosts."""
		self.local.execute(sql)
		self.con.execute(sql)

	def same(self, query):
		odtest.assert_same_result(self.con, query, self.local, query)

	def close(self):
		self.local.close()


@pytest.fixture
def twin(cloud):
	t = Twin(cloud)
	yield t
	t.close()


def unique(name):
	return f"{name}_{os.getpid()}_{time.monotonic_ns() % 10**9}"


def test_ddl_dml_sequence_matches_local(twin, tmp_path):
	s = unique("wr")
	csv = tmp_path / "rows.csv"
	csv.write_text("a,b\n7,seven\n8,eight\n")
	twin.both("CREATE OR REPLACE TABLE loc AS SELECT range::INTEGER AS a, 'v' || range AS b FROM range(20)")
	steps = [
		f"CREATE SCHEMA cloud.{s}",
		f"CREATE TABLE cloud.{s}.t (a INTEGER PRIMARY KEY, b VARCHAR DEFAULT 'dflt', c DECIMAL(18,3) CHECK (c >= 0))",
		f"INSERT INTO cloud.{s}.t VALUES (1, 'one', 1.5), (2, 'two', 2.25)",
		f"INSERT INTO cloud.{s}.t (a, b) SELECT a + 100, b FROM loc",
		f"INSERT INTO cloud.{s}.t (a) SELECT a + 1000 FROM loc WHERE a < 3",
		f"INSERT INTO cloud.{s}.t (a, b) SELECT * FROM read_csv('{csv}')",
		f"INSERT INTO cloud.{s}.t (a, b) SELECT t.a + 5000, l.b FROM cloud.{s}.t t JOIN loc l ON t.a - 100 = l.a",
		f"UPDATE cloud.{s}.t SET b = upper(b), c = 7 WHERE a > 110 AND a < 200",
		f"DELETE FROM cloud.{s}.t WHERE a % 3 = 0",
		f"CREATE TABLE cloud.{s}.copy AS SELECT * FROM cloud.{s}.t WHERE a < 1000",
		f"CREATE TABLE cloud.{s}.mixed AS SELECT l.a, t.b FROM loc l JOIN cloud.{s}.t t ON l.a + 100 = t.a",
		f"CREATE TABLE cloud.{s}.fromlocal AS SELECT * FROM loc",
		f"CREATE TABLE IF NOT EXISTS cloud.{s}.fromlocal AS SELECT * FROM loc",
		f"CREATE OR REPLACE TABLE cloud.{s}.replaced AS SELECT * FROM loc",
		f"CREATE OR REPLACE TABLE cloud.{s}.replaced AS SELECT a FROM loc WHERE a < 5",
		f"ALTER TABLE cloud.{s}.copy ADD COLUMN d INTEGER DEFAULT 42",
		f"ALTER TABLE cloud.{s}.copy RENAME COLUMN b TO bee",
		f"ALTER TABLE cloud.{s}.copy DROP COLUMN c",
		f"ALTER TABLE cloud.{s}.fromlocal RENAME TO renamed",
		f"CREATE VIEW cloud.{s}.v AS SELECT a, bee FROM {s}.copy WHERE a > 100",
		f"INSERT INTO cloud.{s}.t VALUES (1, 'duplicate', 0)",
		f"INSERT INTO cloud.{s}.t VALUES (9999, 'negative', -1)",
	]
	for step in steps:
		twin.run(step)
	for table in ["t", "copy", "mixed", "renamed", "replaced", "v"]:
		twin.same(f"SELECT * FROM cloud.{s}.{table} ORDER BY ALL")
	twin.same(f"SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = 'cloud' "
	          f"AND table_schema = '{s}' ORDER BY table_name, ordinal_position")
	twin.run(f"DROP VIEW cloud.{s}.v")
	twin.run(f"DROP TABLE cloud.{s}.renamed")
	twin.run(f"DROP SCHEMA cloud.{s} CASCADE")
	twin.same(f"SELECT count(*) FROM information_schema.schemata WHERE catalog_name = 'cloud' "
	          f"AND schema_name = '{s}'")


def test_constraint_errors_carry_the_workers_message(twin):
	t = unique("pk")
	twin.run(f"CREATE TABLE cloud.{t} (a INTEGER PRIMARY KEY, b INTEGER NOT NULL)")
	twin.run(f"INSERT INTO cloud.{t} VALUES (1, 1)")
	error = twin.run(f"INSERT INTO cloud.{t} VALUES (1, 2)")
	assert "Duplicate key" in str(error)
	error = twin.run(f"INSERT INTO cloud.{t} VALUES (2, NULL)")
	assert "NOT NULL" in str(error)
	twin.both("CREATE OR REPLACE TABLE dup AS SELECT 1 AS a, 5 AS b")
	error = twin.run(f"INSERT INTO cloud.{t} SELECT * FROM dup")
	assert "Duplicate key" in str(error) or "PRIMARY KEY" in str(error)
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY a")


def test_returning(twin):
	t = unique("ret")
	twin.run(f"CREATE TABLE cloud.{t} (a INTEGER, b VARCHAR DEFAULT 'd')")
	twin.both("CREATE OR REPLACE TABLE src AS SELECT range::INTEGER AS a FROM range(3)")
	for sql in [f"INSERT INTO cloud.{t} (a) SELECT a FROM src RETURNING a * 2, b",
	            f"INSERT INTO cloud.{t} VALUES (10, 'x') RETURNING *",
	            f"UPDATE cloud.{t} SET b = 'u' WHERE a = 10 RETURNING a, b",
	            f"DELETE FROM cloud.{t} WHERE a = 0 RETURNING b"]:
		local = twin.local.execute(sql).fetchall()
		remote = twin.con.execute(sql).fetchall()
		assert sorted(remote) == sorted(local), sql
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY ALL")


def test_statements_with_parameters(twin):
	"""Python's execute(sql, params) binds the values with the statement: such statements must not
	be shipped as their bare text (the worker would get '?' without values)."""
	t = unique("prm")
	twin.run(f"CREATE TABLE cloud.{t} (id INTEGER, v VARCHAR)")
	statements = [
	    (f"INSERT INTO cloud.{t} VALUES (?, ?)", [1, "a"]),
	    (f"INSERT INTO cloud.{t} SELECT ?, ?", [2, "it's"]),
	    (f"SELECT * FROM cloud.{t} WHERE id = ?", [1]),
	    (f"SELECT count(*) FROM cloud.{t} WHERE v = $1", ["it's"]),
	    (f"UPDATE cloud.{t} SET v = ? WHERE id = ? RETURNING *", ["z", 1]),
	    (f"DELETE FROM cloud.{t} WHERE id = $id", {"id": 2}),
	]
	for sql, params in statements:
		local = twin.local.execute(sql, params).fetchall()
		remote = twin.con.execute(sql, params).fetchall()
		assert remote == local, sql
	rows = [[10, "x"], [11, None], [12, "y"]]
	twin.local.executemany(f"INSERT INTO cloud.{t} VALUES (?, ?)", rows)
	twin.con.executemany(f"INSERT INTO cloud.{t} VALUES (?, ?)", rows)
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY ALL")


def _requests(con):
	return con.execute("SELECT remote_requests FROM openduck_last_query_stats()").fetchone()[0]


def test_small_host_inserts_travel_as_one_statement(twin):
	"""A few rows from a host plan (parameters, executemany, a small host table) travel as exact
	literals in one INSERT ... VALUES: in auto-commit, one request (that statement, carrying the
	version of the catalog it was bound against, which the worker checks), not four (check,
	session, rows, commit). Column lists, defaults,
	RETURNING, errors, transactions and values without a literal behave as locally, and more rows
	than one statement takes still arrive whole and in order."""
	t = unique("lit")
	twin.run(f"CREATE TABLE cloud.{t} (id INTEGER, v VARCHAR DEFAULT 'd', d DECIMAL(18, 3), ts TIMESTAMPTZ, "
	         "f DOUBLE, b BLOB, u UUID, i INTERVAL)")
	sql = f"INSERT INTO cloud.{t} VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	params = [1, "it's\n'quoted' \u00e9\U0001F986", "12.345", "2024-02-29 23:59:59.123456+00", 0.1, b"\x00\xff'",
	          "00000000-0000-0000-0000-00000000002a", "1 month 2 days 00:00:03.5"]
	assert twin.con.execute(sql, params).fetchall() == twin.local.execute(sql, params).fetchall() == [(1,)]
	assert _requests(twin.con) == 2  # the catalog the CREATE changed is read first
	many = [[2, None, None, None, float("nan"), None, None, None], [3, "", "-0.001", None, -0.0, b"", None, None],
	        [4, "x", "999999999999999.999", "1970-01-01 00:00:00+00", float("inf"), None, None, "-1 year"],
	        [5, "y", None, None, 1e-320, None, None, None]]
	for con in (twin.con, twin.local):
		con.executemany(sql, many)
	returning = f"INSERT INTO cloud.{t} (f, id) VALUES (?, ?), (?, ?) RETURNING *"
	assert twin.con.execute(returning, [2.5, 6, None, 7]).fetchall() == \
	    twin.local.execute(returning, [2.5, 6, None, 7]).fetchall()
	assert _requests(twin.con) == 1
	# A string with a NUL byte has no literal: those rows take the ingest.
	nul = f"INSERT INTO cloud.{t} (id, v) SELECT ?, 'a' || chr(0) || ?"
	assert twin.con.execute(nul, [8, "b"]).fetchall() == twin.local.execute(nul, [8, "b"]).fetchall()
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")

	# Rows from a host table: none, a few, and more than one statement takes (the ingest).
	twin.both("CREATE OR REPLACE TABLE lit_src AS SELECT range::INTEGER AS id, 'r' || range AS v FROM range(1000)")
	for where, expected in (("id < 0", 0), ("id < 10", 10), ("id >= 10", 990)):
		for returning in ("", " RETURNING id"):
			sql = f"INSERT INTO cloud.{t} (id, v) SELECT id, v FROM lit_src WHERE {where}{returning}"
			remote = twin.con.execute(sql).fetchall()
			assert sorted(remote) == sorted(twin.local.execute(sql).fetchall()), sql
			assert len(remote) == (expected if returning else 1), sql
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY ALL")

	# A failing statement leaves nothing; inside a transaction the rows go with it.
	k = unique("litk")
	twin.run(f"CREATE TABLE cloud.{k} (id INTEGER PRIMARY KEY, v VARCHAR)")
	duplicate = f"INSERT INTO cloud.{k} VALUES (?, ?), (?, ?)"
	for con in (twin.con, twin.local):
		with pytest.raises(duckdb.ConstraintException):
			con.execute(duplicate, [1, "a", 1, "b"])
	twin.same(f"SELECT * FROM cloud.{k}")
	for end in ("ROLLBACK", "COMMIT"):
		twin.run("BEGIN")
		for con in (twin.con, twin.local):
			con.execute(f"INSERT INTO cloud.{k} VALUES (?, ?)", [2 if end == "ROLLBACK" else 3, end])
		twin.same(f"SELECT * FROM cloud.{k} ORDER BY id")
		twin.run(end)
	twin.same(f"SELECT * FROM cloud.{k} ORDER BY id")
	assert twin.con.execute(f"SELECT id FROM cloud.{k}").fetchall() == [(3,)]


def test_updates_and_deletes_with_parameters_travel_as_one_statement(twin):
	"""An UPDATE or DELETE with parameters whose plan writes back as SQL (constant values, a
	condition the worker evaluates exactly) is sent as one statement, carrying the version of the
	catalog it was bound against for the worker to check: one request, where the host plan took
	seven. What does not write back (a value read from
	the row, RETURNING, a subquery) runs as a host plan. Errors, transactions and collations
	behave as locally."""
	t = unique("upd")
	twin.run(f"CREATE TABLE cloud.{t} (id INTEGER PRIMARY KEY, v VARCHAR DEFAULT 'd', n DOUBLE, ts TIMESTAMP, "
	         "s VARCHAR COLLATE NOCASE)")
	twin.run(f"INSERT INTO cloud.{t} SELECT range, 'v' || range, range / 4, TIMESTAMP '2024-01-01' + "
	         "INTERVAL (range) HOUR, CASE WHEN range % 3 = 0 THEN 'Ab' ELSE 'b' END FROM range(50)")
	warm_up = f"UPDATE cloud.{t} SET v = ? WHERE id = ?"
	for con in (twin.con, twin.local):
		con.execute(warm_up, ["w", 49])  # the first such statement is described once
	cases = [
	    (f"UPDATE cloud.{t} SET v = ?, n = ? WHERE id = ?", ["it's", 1.5, 3], True),
	    (f"UPDATE cloud.{t} SET v = DEFAULT WHERE id BETWEEN ? AND ?", [5, 9], True),
	    (f"UPDATE cloud.{t} SET ts = ? WHERE id IN (?, ?, ?)", ["2030-05-06 07:08:09", 10, 11, 12], True),
	    (f"UPDATE cloud.{t} SET n = ? WHERE s = ?", [-1.0, "AB"], True),
	    (f"DELETE FROM cloud.{t} WHERE id = ?", [20], True),
	    (f"DELETE FROM cloud.{t} WHERE id > ? AND n IS NULL", [40], True),
	    (f"UPDATE cloud.{t} SET n = n + ? WHERE id = ?", [1, 1], False),
	    (f"UPDATE cloud.{t} SET v = ? WHERE id = ? RETURNING id, v", ["r", 2], False),
	    (f"DELETE FROM cloud.{t} WHERE id = (SELECT min(id) FROM cloud.{t} WHERE id > ?)", [30], False),
	]
	for sql, params, one_statement in cases:
		local = twin.local.execute(sql, params).fetchall()
		remote = twin.con.execute(sql, params).fetchall()
		assert sorted(remote) == sorted(local), sql
		if one_statement:
			assert _requests(twin.con) == 1, sql
		twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	for con in (twin.con, twin.local):
		with pytest.raises(duckdb.ConstraintException):
			con.execute(f"UPDATE cloud.{t} SET id = ? WHERE id = ?", [0, 1])
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	for end in ("ROLLBACK", "COMMIT"):
		twin.run("BEGIN")
		for con in (twin.con, twin.local):
			con.execute(f"UPDATE cloud.{t} SET v = ? WHERE id < ?", [end, 5])
			con.execute(f"DELETE FROM cloud.{t} WHERE id = ?", [45 if end == "ROLLBACK" else 46])
		twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
		twin.run(end)
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")


@pytest.mark.parametrize("case", TYPE_CASES, ids=[c.name for c in TYPE_CASES])
def test_every_type_round_trips_through_insert(twin, case):
	"""Host data of every type INSERTed into a remote table reads back exactly."""
	t = unique("ty")
	twin.both(case.create_sql("src_types"))
	twin.run(f"CREATE TABLE cloud.{t} (id INTEGER, v {case.type})")
	twin.run(f"INSERT INTO cloud.{t} SELECT * FROM src_types")
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	twin.run(f"CREATE TABLE cloud.{t}_ctas AS SELECT * FROM src_types")
	twin.same(f"SELECT * FROM cloud.{t}_ctas ORDER BY id")


def test_rollback_leaves_nothing_and_commit_is_atomic(server, host):
	t = unique("tx")
	a = host(server)
	b = host(server)
	a.execute(f"CREATE TABLE cloud.{t} (a INTEGER, b VARCHAR)")
	a.execute("CREATE OR REPLACE TABLE loc AS SELECT range::INTEGER AS a FROM range(100)")
	a.execute("BEGIN")
	a.execute(f"INSERT INTO cloud.{t} SELECT a, 'x' FROM loc")
	a.execute(f"UPDATE cloud.{t} SET b = 'y' WHERE a < 10")
	a.execute(f"CREATE TABLE cloud.{t}_inner AS SELECT 1 AS z")
	assert a.execute(f"SELECT count(*), count(*) FILTER (b = 'y') FROM cloud.{t}").fetchall() == [(100, 10)]
	assert b.execute(f"SELECT count(*) FROM cloud.{t}").fetchall() == [(0,)]
	a.execute("ROLLBACK")
	assert a.execute(f"SELECT count(*) FROM cloud.{t}").fetchall() == [(0,)]
	assert b.execute(f"SELECT count(*) FROM duckdb_tables() WHERE database_name = 'cloud' "
	                 f"AND table_name = '{t}_inner'").fetchall() == [(0,)]

	a.execute("BEGIN")
	a.execute(f"INSERT INTO cloud.{t} SELECT a, 'c' FROM loc")
	a.execute(f"DELETE FROM cloud.{t} WHERE a >= 50")
	assert b.execute(f"SELECT count(*) FROM cloud.{t}").fetchall() == [(0,)]
	a.execute("COMMIT")
	assert b.execute(f"SELECT count(*), min(b), max(a) FROM cloud.{t}").fetchall() == [(50, "c", 49)]


def test_concurrent_writers_get_a_conflict_not_a_lost_write(server, host):
	t = unique("cf")
	a = host(server)
	b = host(server)
	a.execute(f"CREATE TABLE cloud.{t} (id INTEGER, v INTEGER)")
	a.execute(f"INSERT INTO cloud.{t} VALUES (1, 0)")
	a.execute("BEGIN")
	b.execute("BEGIN")
	a.execute(f"UPDATE cloud.{t} SET v = 1 WHERE id = 1")
	with pytest.raises(duckdb.Error) as raised:
		b.execute(f"UPDATE cloud.{t} SET v = 2 WHERE id = 1")
		b.execute("COMMIT")
	assert "onflict" in str(raised.value), raised.value
	try:
		b.execute("ROLLBACK")
	except duckdb.Error:
		pass
	a.execute("COMMIT")
	assert a.execute(f"SELECT v FROM cloud.{t}").fetchall() == [(1,)]


def test_host_dying_mid_transaction_leaves_nothing(server, host):
	t = unique("die")
	con = host(server)
	con.execute(f"CREATE TABLE cloud.{t} (a INTEGER)")
	script = textwrap.dedent(f"""
		import os, sys
		sys.path.insert(0, {str(odtest.REPO / 'test' / 'e2e')!r})
		import odtest
		con = odtest.python_host()
		con.execute({server.attach_sql('testdb')!r})
		con.execute("BEGIN")
		con.execute("INSERT INTO cloud.{t} SELECT range FROM range(1000)")
		print("inserted", flush=True)
		os._exit(9)
	""")
	result = subprocess.run([str(odtest.VENV_PYTHON), "-c", script], capture_output=True, text=True, timeout=60)
	assert "inserted" in result.stdout, result.stderr
	deadline = time.time() + 10
	while True:
		count = con.execute(f"SELECT count(*) FROM cloud.{t}").fetchall()[0][0]
		if count == 0 or time.time() > deadline:
			break
		time.sleep(0.2)
	assert count == 0
	# The session's locks are gone: this host can write the table.
	con.execute(f"INSERT INTO cloud.{t} VALUES (1)")
	assert con.execute(f"SELECT count(*) FROM cloud.{t}").fetchall() == [(1,)]


def test_committed_writes_survive_a_restart(launcher, host, tmp_path):
	srv = launcher.serve(["persist"])
	con = host(srv, "persist")
	con.execute("CREATE TABLE cloud.keep (a INTEGER, s VARCHAR)")
	con.execute("CREATE TABLE loc AS SELECT range::INTEGER AS a, 'r' || range AS s FROM range(1000)")
	con.execute("INSERT INTO cloud.keep SELECT * FROM loc")
	con.execute("BEGIN")
	con.execute("INSERT INTO cloud.keep VALUES (-1, 'uncommitted')")
	con.execute("ROLLBACK")
	con.close()
	assert srv.process.stop() == 0
	srv = launcher.serve(["persist"], data_dir=srv.data_dir, port=srv.port, token=srv.token)
	con = host(srv, "persist")
	assert con.execute("SELECT count(*), sum(a), min(a) FROM cloud.keep").fetchall() == [(1000, 499500, 0)]


def test_commit_after_the_server_restarted_says_the_transaction_was_rolled_back(launcher, host):
	"""The worker rolls a session back when its call ends; the host learns that from the session's
	own call, so COMMIT fails at once with what happened and ROLLBACK succeeds, neither waiting
	on the lost connection."""
	srv = launcher.serve(["restarted"])
	con = host(srv, "restarted")
	con.execute("CREATE TABLE cloud.txn (a INTEGER)")
	for end in ("COMMIT", "ROLLBACK"):
		con.execute("BEGIN")
		con.execute("INSERT INTO cloud.txn VALUES (1)")
		srv.process.kill_now()
		srv = launcher.serve(["restarted"], data_dir=srv.data_dir, port=srv.port, token=srv.token)
		started = time.monotonic()
		if end == "COMMIT":
			with pytest.raises(duckdb.TransactionException, match="rolled back before COMMIT: its session on the "
			                                                      "server ended") as raised:
				con.execute("COMMIT")
			assert "run the transaction again" in str(raised.value)
		else:
			con.execute("ROLLBACK")
		assert time.monotonic() - started < 5, end
		assert con.execute("SELECT count(*) FROM cloud.txn").fetchall() == [(0,)]


def test_update_and_delete_driven_by_host_data(twin):
	t = unique("ud")
	twin.both("CREATE OR REPLACE TABLE keys AS SELECT range::INTEGER AS k, 'new' || range AS label FROM range(0, 100, 7)")
	twin.run(f"CREATE TABLE cloud.{t} (id INTEGER, label VARCHAR DEFAULT 'dflt', n INTEGER)")
	twin.run(f"INSERT INTO cloud.{t} SELECT range, 'old' || range, range * 2 FROM range(100)")
	for sql in [
	    f"UPDATE cloud.{t} SET label = keys.label, n = n + 1 FROM keys WHERE cloud.{t}.id = keys.k",
	    f"UPDATE cloud.{t} SET label = DEFAULT WHERE id IN (SELECT k + 1 FROM keys)",
	    f"DELETE FROM cloud.{t} WHERE id IN (SELECT k + 2 FROM keys)",
	    f"DELETE FROM cloud.{t} USING keys WHERE cloud.{t}.n = keys.k",
	]:
		twin.run(sql)
		twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	twin.con.execute("BEGIN")
	twin.con.execute(f"DELETE FROM cloud.{t} WHERE id IN (SELECT k FROM keys)")
	twin.con.execute("ROLLBACK")
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	returned = twin.con.execute(f"DELETE FROM cloud.{t} WHERE id IN (SELECT k + 3 FROM keys) RETURNING id").fetchall()
	expected = twin.local.execute(f"DELETE FROM cloud.{t} WHERE id IN (SELECT k + 3 FROM keys) RETURNING id").fetchall()
	assert sorted(returned) == sorted(expected)
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")


def same_statement(twin, sql):
	"""Runs `sql` on both sides; its rows (counts, RETURNING) and errors must agree."""
	try:
		local = twin.local.execute(sql).fetchall()
	except duckdb.Error as e:
		local = e
	try:
		remote = twin.con.execute(sql).fetchall()
	except duckdb.Error as e:
		remote = e
	if isinstance(local, duckdb.Error) or isinstance(remote, duckdb.Error):
		assert type(remote) is type(local), f"{sql}\nlocal: {local!r}\nremote: {remote!r}"
	else:
		assert sorted(remote) == sorted(local), sql


def test_upsert_with_remote_and_host_rows(twin):
	"""INSERT ... ON CONFLICT / OR REPLACE / OR IGNORE, rows from VALUES, from remote tables
	(shipped whole) and from host tables (ingested, then applied on the worker)."""
	t = unique("up")
	twin.both("CREATE OR REPLACE TABLE loc AS SELECT range::INTEGER AS id, 'loc' || range AS v FROM range(6)")
	twin.run(f"CREATE TABLE cloud.{t} (id INTEGER PRIMARY KEY, v VARCHAR, n INTEGER DEFAULT 7)")
	twin.run(f"CREATE TABLE cloud.{t}_src AS SELECT range::INTEGER AS id, 'src' || range AS v, "
	         f"range::INTEGER AS n FROM range(3, 9)")
	for sql in [
	    f"INSERT INTO cloud.{t} VALUES (1, 'a', 1), (2, 'b', 2)",
	    f"INSERT INTO cloud.{t} VALUES (1, 'z', 9) ON CONFLICT DO NOTHING",
	    f"INSERT INTO cloud.{t} VALUES (2, 'y', 5), (3, 'c', 3) ON CONFLICT (id) DO UPDATE "
	    f"SET v = excluded.v, n = {t}.n + excluded.n",
	    f"INSERT INTO cloud.{t} VALUES (3, 'w', 0) ON CONFLICT DO UPDATE SET v = excluded.v WHERE excluded.n > 0",
	    f"INSERT OR REPLACE INTO cloud.{t} VALUES (3, 'r', 30)",
	    f"INSERT OR IGNORE INTO cloud.{t} VALUES (3, 'i', 0), (4, 'd', 4)",
	    f"INSERT INTO cloud.{t} (id, v) VALUES (4, 'cols'), (5, 'dflt') ON CONFLICT DO UPDATE SET v = excluded.v",
	    f"INSERT INTO cloud.{t} AS tgt VALUES (5, 'al', 1) ON CONFLICT DO UPDATE SET n = tgt.n + excluded.n "
	    f"RETURNING id, v, n",
	    f"INSERT INTO cloud.{t} SELECT * FROM cloud.{t}_src ON CONFLICT (id) DO UPDATE SET v = excluded.v",
	    f"WITH s AS (SELECT id + 1 AS id, v, n FROM cloud.{t}_src) INSERT INTO cloud.{t} SELECT * FROM s "
	    f"ON CONFLICT DO UPDATE SET n = excluded.n",
	    f"INSERT INTO cloud.{t} BY NAME SELECT 'byname' AS v, 9 AS id ON CONFLICT DO UPDATE SET v = excluded.v",
	    f"INSERT INTO cloud.{t} (id, v) SELECT id + 5, v FROM loc ON CONFLICT DO UPDATE SET v = excluded.v || '!'",
	    f"INSERT OR REPLACE INTO cloud.{t} SELECT id, v, 70 FROM loc WHERE id % 2 = 0",
	    f"INSERT OR IGNORE INTO cloud.{t} SELECT id + 20, v, 1 FROM loc",
	    f"INSERT INTO cloud.{t} BY NAME SELECT v || '?' AS v, id FROM loc ON CONFLICT DO UPDATE SET v = excluded.v",
	    f"INSERT OR REPLACE INTO cloud.{t} BY NAME SELECT id + 1 AS id, 3 AS n FROM loc",
	    f"INSERT INTO cloud.{t} AS tgt SELECT id, v, 1 FROM loc ON CONFLICT DO UPDATE SET n = tgt.n + excluded.n",
	    f"INSERT INTO cloud.{t} SELECT l.id + 50, s.v, s.n FROM loc l JOIN cloud.{t}_src s ON l.id + 3 = s.id "
	    f"ON CONFLICT DO NOTHING RETURNING id",
	    f"INSERT INTO cloud.{t} SELECT id, v, 0 FROM loc WHERE id < 0 ON CONFLICT DO NOTHING",
	    f"INSERT INTO cloud.{t} VALUES (1, 'x', 1) ON CONFLICT (v) DO NOTHING",
	    f"INSERT INTO cloud.{t} SELECT id, v, 0 FROM loc ON CONFLICT (n) DO NOTHING",
	]:
		same_statement(twin, sql)
		twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	# All-remote upserts run as one statement on the worker; host rows are sent, then applied there.
	plan = twin.con.execute(f"EXPLAIN INSERT INTO cloud.{t} SELECT * FROM cloud.{t}_src "
	                        f"ON CONFLICT DO NOTHING").fetchall()[0][1]
	assert "OPENDUCK_QUERY" in plan and "MERGE" not in plan, plan
	plan = twin.con.execute(f"EXPLAIN INSERT OR REPLACE INTO cloud.{t} SELECT id, v, 1 FROM loc").fetchall()[0][1]
	assert "OPENDUCK_INSERT" in plan and "MERGE" not in plan, plan


def test_upsert_composite_unique_and_hostile_names(twin):
	t = unique("Up we\"ird")
	table = '"' + t.replace('"', '""') + '"'
	twin.both("CREATE OR REPLACE TABLE loc AS SELECT range::INTEGER AS id, 'loc' || range AS v FROM range(6)")
	twin.run(f'CREATE TABLE cloud.{table} ("K 1" INTEGER, "Kä""2" VARCHAR, "Val ue" VARCHAR, "U" INTEGER UNIQUE, '
	         f'PRIMARY KEY ("K 1", "Kä""2"))')
	for sql in [
	    f"INSERT INTO cloud.{table} VALUES (1, 'a', 'x', 10), (1, 'b', 'y', 20)",
	    f'INSERT INTO cloud.{table} VALUES (1, \'a\', \'new\', 30) ON CONFLICT ("K 1", "Kä""2") '
	    f'DO UPDATE SET "Val ue" = excluded."Val ue" || \'+\'',
	    f'INSERT INTO cloud.{table} VALUES (2, \'c\', \'u\', 20) ON CONFLICT ("U") '
	    f'DO UPDATE SET "Val ue" = excluded."Val ue"',
	    f"INSERT INTO cloud.{table} VALUES (1, 'b', 'n', 99), (3, 'd', 'n', 10) ON CONFLICT DO NOTHING",
	    f'INSERT INTO cloud.{table} VALUES (1, \'b\', \'n\', 99) ON CONFLICT DO UPDATE SET "Val ue" = \'multi\'',
	    f"INSERT OR IGNORE INTO cloud.{table} SELECT id, 'a', v, id + 100 FROM loc",
	    f'INSERT INTO cloud.{table} SELECT id, \'a\', v, id + 1000 FROM loc ON CONFLICT ("K 1", "Kä""2") '
	    f'DO UPDATE SET "Val ue" = excluded."Val ue", "U" = excluded."U"',
	]:
		same_statement(twin, sql)
		twin.same(f"SELECT * FROM cloud.{table} ORDER BY ALL")


def test_upsert_rolls_back_with_the_host_transaction(twin):
	t = unique("upt")
	twin.both("CREATE OR REPLACE TABLE loc AS SELECT range::INTEGER AS id, 'loc' || range AS v FROM range(6)")
	twin.run(f"CREATE TABLE cloud.{t} (id INTEGER PRIMARY KEY, v VARCHAR)")
	twin.run(f"INSERT INTO cloud.{t} VALUES (1, 'a'), (2, 'b')")
	twin.run("BEGIN")
	same_statement(twin, f"INSERT INTO cloud.{t} VALUES (1, 'tx') ON CONFLICT DO UPDATE SET v = excluded.v")
	same_statement(twin, f"INSERT OR REPLACE INTO cloud.{t} SELECT * FROM loc")
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	twin.run("ROLLBACK")
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	assert twin.con.execute(f"SELECT count(*) FROM cloud.{t}").fetchall() == [(2,)]


def test_upsert_with_parameters_names_the_workaround(twin):
	"""A prepared upsert is planned as MERGE INTO, which would join the remote table on the host."""
	t = unique("upp")
	twin.run(f"CREATE TABLE cloud.{t} (id INTEGER PRIMARY KEY, v VARCHAR)")
	with pytest.raises(duckdb.NotImplementedException, match="stage the rows first"):
		twin.con.execute(f"INSERT INTO cloud.{t} SELECT ?, 'p' ON CONFLICT DO NOTHING", [1])
	assert twin.con.execute(f"SELECT count(*) FROM cloud.{t}").fetchall() == [(0,)]


def test_copy_to_and_from_files(twin, tmp_path):
	t = unique("cp")
	out = tmp_path / "out.parquet"
	src = tmp_path / "in.csv"
	src.write_text("id,name\n1,a\n2,b\n3,c\n")
	twin.run(f"CREATE TABLE cloud.{t} (id INTEGER, name VARCHAR)")
	twin.run(f"COPY cloud.{t} FROM '{src}'")
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	twin.con.execute(f"COPY (SELECT * FROM cloud.{t} WHERE id > 1) TO '{out}'")
	assert duckdb.sql(f"SELECT * FROM '{out}' ORDER BY id").fetchall() == [(2, "b"), (3, "c")]


def test_large_insert_streams_in_order_and_fails_atomically(twin):
	"""Several ingest batches appended straight into the table (and through a temporary table
	for a column list): rows and their order arrive intact, and a duplicate key in a late batch
	leaves nothing behind."""
	t = unique("big")
	twin.both("CREATE OR REPLACE TABLE many AS SELECT range::BIGINT AS id, 'row ' || range AS s, "
	          "range / 3.0 AS d, [range, range + 1] AS l FROM range(300000)")
	twin.run(f"CREATE TABLE cloud.{t} (id BIGINT PRIMARY KEY, s VARCHAR, d DOUBLE, l BIGINT[])")
	twin.run(f"INSERT INTO cloud.{t} SELECT * FROM many")
	twin.same(f"SELECT * FROM cloud.{t}")
	twin.run(f"CREATE TABLE cloud.{t}_ctas AS SELECT * FROM many")
	twin.same(f"SELECT * FROM cloud.{t}_ctas")
	twin.run(f"CREATE TABLE cloud.{t}_cols (id BIGINT, s VARCHAR, extra INTEGER DEFAULT 7)")
	twin.run(f"INSERT INTO cloud.{t}_cols (s, id) SELECT s, id FROM many")
	twin.same(f"SELECT * FROM cloud.{t}_cols")
	error = twin.run(f"INSERT INTO cloud.{t} SELECT id + 299990, s, d, l FROM many")
	assert "Duplicate key" in str(error) or "PRIMARY KEY" in str(error)
	twin.same(f"SELECT count(*), sum(id) FROM cloud.{t}")


def test_ingest_scan_is_private_to_the_inserting_connection(twin):
	"""The worker reads host rows through openduck_ingest_scan; another connection naming a key
	(valid or not) gets a clear binder error instead of someone else's rows in flight."""
	twin.both("CREATE OR REPLACE TABLE few AS SELECT range AS id FROM range(10)")
	t = unique("priv")
	twin.run(f"CREATE TABLE cloud.{t} AS SELECT * FROM few")
	for key in ("ingest-1", "ingest-2", "nonsense"):
		with pytest.raises(duckdb.BinderException, match="not meant to be called directly"):
			twin.con.execute(f"SELECT * FROM openduck_query('cloud', 'SELECT * FROM openduck_ingest_scan(''{key}'')')")
	twin.same(f"SELECT * FROM cloud.{t}")


def test_indexes_create_drop_and_serve_as_conflict_targets(twin):
	"""CREATE [UNIQUE] INDEX on a remote table builds the index on the worker (DuckDB's own plan
	would build it over local storage the host does not have), duckdb_indexes() and DROP INDEX
	see it, and a unique index is an ON CONFLICT target like a UNIQUE constraint."""
	t = unique("idx")
	twin.both("CREATE OR REPLACE TABLE upd AS SELECT * FROM (VALUES (1, 'host one'), (3, 'host three')) v(id, \"co l\")")
	twin.run(f'CREATE TABLE cloud.{t} (id INTEGER, "co l" VARCHAR)')
	twin.run(f"INSERT INTO cloud.{t} VALUES (1, 'one'), (2, 'two')")
	twin.run(f'CREATE UNIQUE INDEX "u ""x" ON cloud.{t}(id)')
	twin.run(f'CREATE UNIQUE INDEX IF NOT EXISTS "u ""x" ON cloud.{t}(id)')
	twin.run(f'CREATE INDEX by_expr ON cloud.{t}((id + 1))')
	twin.run(f'CREATE INDEX "select" ON cloud.{t}("co l", id)')
	assert twin.run(f'CREATE UNIQUE INDEX "u ""x" ON cloud.{t}(id)') is not None
	indexes = ("SELECT index_name, table_name, is_unique, is_primary, expressions FROM duckdb_indexes() "
	           f"WHERE database_name = 'cloud' AND table_name = '{t}' ORDER BY index_name")
	twin.same(indexes)
	assert len(twin.con.execute(indexes).fetchall()) == 3
	twin.run(f"INSERT INTO cloud.{t} VALUES (2, 'new two') ON CONFLICT (id) DO UPDATE SET \"co l\" = excluded.\"co l\"")
	twin.run(f"INSERT INTO cloud.{t} SELECT * FROM upd ON CONFLICT (id) DO UPDATE SET \"co l\" = excluded.\"co l\"")
	twin.run(f"INSERT OR REPLACE INTO cloud.{t} VALUES (3, 'replaced')")
	assert "Duplicate key" in str(twin.run(f"INSERT INTO cloud.{t} VALUES (1, 'again')"))
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id")
	# Rolled back with the transaction, like any DDL.
	twin.run("BEGIN")
	twin.run(f"CREATE INDEX temp_idx ON cloud.{t}(\"co l\")")
	twin.same(indexes)
	twin.run("ROLLBACK")
	twin.same(indexes)
	twin.run(f'DROP INDEX cloud."u ""x"')
	twin.run(f"DROP INDEX IF EXISTS cloud.\"u \"\"x\"")
	assert twin.run(f'DROP INDEX cloud."u ""x"') is not None
	twin.run("DROP INDEX cloud.main.by_expr")
	twin.same(indexes)
	twin.run(f"INSERT INTO cloud.{t} VALUES (1, 'duplicate allowed now')")
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY id, \"co l\"")
	# ALTER TABLE ... ADD PRIMARY KEY validates the existing rows on the worker, then holds.
	k = unique("addpk")
	twin.run(f"CREATE TABLE cloud.{k} (id INTEGER, v VARCHAR)")
	twin.run(f"INSERT INTO cloud.{k} VALUES (1, 'a'), (1, 'b')")
	assert twin.run(f"ALTER TABLE cloud.{k} ADD PRIMARY KEY (id)") is not None
	twin.run(f"TRUNCATE cloud.{k}")
	twin.run(f"INSERT INTO cloud.{k} VALUES (1, 'a'), (2, 'b')")
	twin.run(f"ALTER TABLE cloud.{k} ADD PRIMARY KEY (id)")
	assert "Duplicate key" in str(twin.run(f"INSERT INTO cloud.{k} VALUES (2, 'dup')"))
	twin.run(f"INSERT INTO cloud.{k} VALUES (2, 'pk') ON CONFLICT (id) DO UPDATE SET v = excluded.v")
	twin.same(f"SELECT * FROM cloud.{k} ORDER BY id")


def test_host_settings_and_variables_reach_shipped_statements(twin):
	"""Statements shipped to the worker compute with the host session's TimeZone, variables and
	NULL order, as the same statements do on local DuckDB; values written with them are stored
	the same way."""
	t = unique("sess")
	twin.run(f"CREATE TABLE cloud.{t} (a INTEGER, ts TIMESTAMPTZ, s VARCHAR)")
	twin.run(f"INSERT INTO cloud.{t} VALUES (1, '2024-01-01 12:00:00+00', 'x'), (2, NULL, NULL)")
	twin.run("SET VARIABLE vv = 3")
	twin.run("SET VARIABLE \"odd name\" = ['l', 'i']")
	twin.run("SET TimeZone = 'America/New_York'")
	twin.run(f"INSERT INTO cloud.{t} (a) VALUES (getvariable('vv'))")
	twin.run(f"INSERT INTO cloud.{t} (a, s) VALUES (4, '2024-01-01 12:00:00'::TIMESTAMPTZ::VARCHAR)")
	twin.run(f"INSERT INTO cloud.{t} (a, s) VALUES (5, getvariable('odd name')[2])")
	twin.run(f"UPDATE cloud.{t} SET s = getvariable('vv')::VARCHAR WHERE a = getvariable('vv')")
	twin.same(f"SELECT a, ts::VARCHAR, date_part('hour', ts), strftime(ts, '%H:%M %Z'), s FROM cloud.{t} ORDER BY a")
	twin.run("BEGIN")
	twin.run("SET VARIABLE vv = 6")
	twin.run(f"INSERT INTO cloud.{t} (a) VALUES (getvariable('vv'))")
	twin.run("COMMIT")
	twin.run("SET default_null_order = 'nulls_first'")
	twin.same(f"SELECT a, ts FROM cloud.{t} ORDER BY ts, a")
	twin.run("RESET default_null_order")
	twin.run("RESET TimeZone")
	twin.same(f"SELECT a, ts::VARCHAR FROM cloud.{t} ORDER BY a")


def test_generated_columns(twin):
	"""A remote table's generated column is computed by the worker: inserts that leave it out,
	updates of its inputs and reads match local DuckDB, and writing it is refused as locally."""
	t = unique("gen")
	twin.both("CREATE OR REPLACE TABLE gen_src AS SELECT range::INTEGER AS a FROM range(5)")
	twin.run(f"CREATE TABLE cloud.{t} (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2), c VARCHAR DEFAULT 'd')")
	twin.run(f"INSERT INTO cloud.{t} (a) VALUES (1)")
	twin.run(f"INSERT INTO cloud.{t} (a, c) SELECT a, 'host' FROM gen_src")
	twin.run(f"UPDATE cloud.{t} SET a = a + 10 WHERE a > 2")
	twin.run(f"UPDATE cloud.{t} SET a = gen_src.a * 100 FROM gen_src WHERE {t}.a = gen_src.a AND gen_src.a = 1")
	assert twin.run(f"INSERT INTO cloud.{t} VALUES (7, 8, 'x')") is not None
	twin.same(f"SELECT * FROM cloud.{t} ORDER BY a, c")


def test_sequences_created_through_attach_live_on_the_worker(twin):
	"""CREATE SEQUENCE through ATTACH creates it on the worker, which owns its counter, and lists
	it in the host's catalog; DROP SEQUENCE reaches the worker (test_catalog.py has the rest)."""
	twin.con.execute("CREATE SEQUENCE cloud.seq_x START 5")
	assert odtest.remote(twin.con, "cloud", "SELECT start_value FROM duckdb_sequences() WHERE sequence_name = 'seq_x'") \
	    == [(5,)]
	assert twin.con.execute("SELECT nextval('cloud.seq_x'), nextval('cloud.seq_x')").fetchall() == [(5, 6)]
	twin.con.execute("DROP SEQUENCE cloud.seq_x")
	assert odtest.remote(twin.con, "cloud", "SELECT count(*) FROM duckdb_sequences() WHERE sequence_name = 'seq_x'") \
	    == [(0,)]


def test_types_created_through_attach_are_used_by_the_host_and_the_worker(twin):
	"""CREATE TYPE through ATTACH runs on the worker and lists the type in the host's catalog:
	remote tables and casts use it, and its values come back as the ENUM they are."""
	twin.con.execute("CREATE TYPE cloud.mood_x AS ENUM ('a', 'b', 'c')")
	twin.con.execute("CREATE TABLE cloud.typed_x (m cloud.mood_x)")
	twin.con.execute("INSERT INTO cloud.typed_x VALUES ('c'), ('a')")
	assert twin.con.execute("SELECT m FROM cloud.typed_x ORDER BY m").fetchall() == [("a",), ("c",)]
	assert str(twin.con.execute("SELECT m FROM cloud.typed_x").description[0][1]) == "ENUM('a', 'b', 'c')"
	assert twin.con.execute("SELECT 'b'::cloud.mood_x < 'c'::cloud.mood_x").fetchone() == (True,)
	assert odtest.remote(twin.con, "cloud", "SELECT count(*) FROM duckdb_types() WHERE type_name = 'mood_x'") == [(1,)]


def test_merge_into_between_remote_tables_runs_on_the_worker(twin):
	"""MERGE INTO whose source is remote too is shipped whole (identifiers quoted), matching
	local DuckDB for every action kind; with a host-side source it still names the workaround."""
	t, s = unique("mrg \"t\""), unique("mrg src")
	twin.run(f'CREATE TABLE cloud."{t.replace(chr(34), chr(34) * 2)}" ("the id" INTEGER, "v al" VARCHAR, n INTEGER)')
	target = f'cloud."{t.replace(chr(34), chr(34) * 2)}"'
	twin.run(f"INSERT INTO {target} VALUES (1, 'one', 0), (2, 'two', 0), (3, 'three', 0), (9, 'gone', 0)")
	twin.run(f'CREATE TABLE cloud."{s}" AS SELECT * FROM (VALUES (1, \'uno\'), (2, NULL), (4, \'cuatro\')) v("the id", "v al")')
	twin.run(f'MERGE INTO {target} AS tt USING cloud."{s}" AS src ON tt."the id" = src."the id" '
	         'WHEN MATCHED AND src."v al" IS NULL THEN DELETE '
	         'WHEN MATCHED THEN UPDATE SET "v al" = src."v al", n = tt.n + 1 '
	         'WHEN NOT MATCHED THEN INSERT VALUES (src."the id", src."v al", 100) '
	         'WHEN NOT MATCHED BY SOURCE AND tt."the id" > 5 THEN DELETE')
	twin.same(f'SELECT * FROM {target} ORDER BY "the id"')
	twin.both("CREATE OR REPLACE TABLE local_src AS SELECT 3 AS \"the id\", 'tres' AS \"v al\"")
	with pytest.raises(duckdb.NotImplementedException, match="stage the rows first"):
		twin.con.execute(f'MERGE INTO {target} USING local_src ON {target}."the id" = local_src."the id" '
		                 'WHEN MATCHED THEN UPDATE SET "v al" = local_src."v al"')
	twin.same(f'SELECT * FROM {target} ORDER BY "the id"')


def test_comments_are_stored_on_the_worker(twin):
	"""COMMENT ON TABLE / COLUMN / VIEW through ATTACH reach the worker's catalog, names quoted,
	and show in the host's catalog functions."""
	t = unique("cmt \"x\"").replace('"', '""')
	twin.run(f'CREATE TABLE cloud."{t}" ("c ""q" INTEGER, v INTEGER)')
	twin.run(f"COMMENT ON TABLE cloud.\"{t}\" IS 'table''s'")
	twin.run(f"COMMENT ON COLUMN cloud.main.\"{t}\".\"c \"\"q\" IS 'it''s'")
	twin.run(f"COMMENT ON COLUMN cloud.main.\"{t}\".v IS NULL")
	name = t.replace('""', '"').replace("'", "''")
	assert odtest.remote(twin.con, "cloud", f"SELECT column_name, comment FROM duckdb_columns() "
	                                        f"WHERE table_name = '{name}' ORDER BY column_index") == [('c "q', "it's"), ("v", None)]
	assert odtest.remote(twin.con, "cloud", f"SELECT comment FROM duckdb_tables() WHERE table_name = '{name}'") \
	    == [("table's",)]
	# The host's own catalog functions show them as local DuckDB does.
	twin.same(f"SELECT comment FROM duckdb_tables() WHERE database_name = 'cloud' AND table_name = '{name}'")
	twin.same(f"SELECT column_name, comment FROM duckdb_columns() WHERE database_name = 'cloud' "
	          f"AND table_name = '{name}' ORDER BY column_index")
	twin.run(f"CREATE VIEW cloud.\"{t}_v\" AS SELECT v FROM cloud.\"{t}\"")
	twin.run(f"COMMENT ON VIEW cloud.\"{t}_v\" IS 'a view'")
	twin.same(f"SELECT comment FROM duckdb_views() WHERE database_name = 'cloud' AND view_name = '{name}_v'")


def test_keys_are_described_like_local_ones(twin):
	"""PRIMARY KEY and UNIQUE constraints of a remote table show in DESCRIBE, duckdb_constraints()
	and information_schema as they do locally; a unique index stays an index."""
	t = unique("keys")
	twin.run(f'CREATE TABLE cloud.{t} (id INTEGER PRIMARY KEY, "u k" VARCHAR UNIQUE, a INTEGER, b INTEGER, '
	         "UNIQUE (a, b))")
	twin.run(f"CREATE UNIQUE INDEX {t}_b ON cloud.{t} (b)")
	twin.same(f"DESCRIBE cloud.{t}")
	twin.same("SELECT constraint_type, constraint_column_names FROM duckdb_constraints() "
	          f"WHERE database_name = 'cloud' AND table_name = '{t}' ORDER BY ALL")
	twin.same("SELECT constraint_type FROM information_schema.table_constraints "
	          f"WHERE table_catalog = 'cloud' AND table_name = '{t}' ORDER BY ALL")
	twin.same(f"SELECT has_primary_key FROM duckdb_tables() WHERE database_name = 'cloud' AND table_name = '{t}'")
	twin.run(f"INSERT INTO cloud.{t} VALUES (1, 'x', 1, 1)")
	twin.run(f"UPDATE cloud.{t} SET id = 2 WHERE id = 1")
	twin.run(f"INSERT INTO cloud.{t} VALUES (2, 'z', 5, 5) ON CONFLICT (id) DO UPDATE SET a = excluded.a")
	twin.same(f"SELECT * FROM cloud.{t}")
