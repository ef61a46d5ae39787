"""Small statements cost one request (issue #17): an auto-commit write shipped whole runs and
commits on the worker in the request that carries it (no session open and commit calls), its
description is shared by statements of the same shape, and a shipped read's first response is
its description. The host binds auto-commit statements against its cached catalog; what
another host changed meanwhile is caught and the statement is planned again."""

import resource
import threading
import time

import duckdb
import pytest

import odtest

REQUESTS = "SELECT remote_requests FROM openduck_last_query_stats()"


def requests(con) -> int:
	return con.execute(REQUESTS).fetchone()[0]


def test_single_row_auto_commit_inserts_take_one_request_each(server, host):
	a = host(server)
	b = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_ins (id INTEGER PRIMARY KEY, note VARCHAR, day DATE)")
	a.execute("INSERT INTO cloud.rt_ins VALUES (0, 'first', DATE '2024-01-01')")
	counts = []
	for i in range(1, 6):
		a.execute(f"INSERT INTO cloud.rt_ins VALUES ({i}, 'row {i}', DATE '2024-01-0{i}')")
		counts.append(requests(a))
	assert counts == [1] * 5
	# committed by the worker: another host sees every row at once
	assert b.execute("SELECT count(*), max(id) FROM cloud.rt_ins").fetchone() == (6, 5)


def test_an_insert_of_a_new_shape_is_described_first(server, host):
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_shape (i INTEGER, s VARCHAR)")
	a.execute("INSERT INTO cloud.rt_shape VALUES (1, 'a')")
	a.execute("INSERT INTO cloud.rt_shape VALUES (2, NULL)")  # a NULL literal: another shape
	assert requests(a) == 2
	a.execute("INSERT INTO cloud.rt_shape VALUES (3, NULL)")
	assert requests(a) == 1
	a.execute("INSERT INTO cloud.rt_shape VALUES (4, 'x'), (5, 'y')")  # two rows: another shape
	assert requests(a) == 2
	assert a.execute("SELECT count(*) FROM cloud.rt_shape").fetchone()[0] == 5


def test_a_value_that_does_not_fit_fails_as_in_duckdb_and_commits_nothing(server, host):
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_fit (i INTEGER PRIMARY KEY)")
	local = duckdb.connect()
	local.execute("CREATE TABLE rt_fit (i INTEGER PRIMARY KEY)")
	for con, table in ((a, "cloud.rt_fit"), (local, "rt_fit")):
		con.execute(f"INSERT INTO {table} VALUES ('1')")  # a string that converts: shape cached
	errors = []
	for con, table in ((a, "cloud.rt_fit"), (local, "rt_fit")):
		with pytest.raises(duckdb.Error) as raised:
			con.execute(f"INSERT INTO {table} VALUES ('x')")
		errors.append(str(raised.value))
		with pytest.raises(duckdb.ConstraintException):
			con.execute(f"INSERT INTO {table} VALUES (2), (1)")  # the second row conflicts
	assert "Could not convert string 'x' to INT32" in errors[0], errors
	assert errors[1].split("\n")[0] in errors[0], errors
	assert a.execute("SELECT i FROM cloud.rt_fit").fetchall() == [(1,)]


def test_literal_updates_and_deletes_of_one_shape_take_one_request_each(server, host):
	"""UPDATE and DELETE share a description per shape too: the values they set and compare with
	are masked by type, so only the first of a shape is described."""
	a = host(server)
	local = duckdb.connect()
	a.execute("CREATE OR REPLACE TABLE cloud.rt_upd AS SELECT range::INTEGER AS id, 'v' || range AS v FROM range(100)")
	local.execute("CREATE TABLE rt_upd AS SELECT range::INTEGER AS id, 'v' || range AS v FROM range(100)")
	counts = []
	for con, table in ((a, "cloud.rt_upd"), (local, "rt_upd")):
		for i in range(6):
			con.execute(f"UPDATE {table} SET v = 'row {i}' WHERE id = {i} OR id IN ({i + 10}, {i + 20})")
			counts.append(requests(a) if con is a else None)
			con.execute(f"DELETE FROM {table} WHERE id BETWEEN {90 + i} AND {90 + i} AND NOT v = 'x{i}'")
			counts.append(requests(a) if con is a else None)
	# The first of each shape is described; the very first also reads the catalog the CREATE
	# changed.
	assert counts[:12] == [3, 2] + [1, 1] * 5
	# A value of another type is another shape, described again.
	for con, table in ((a, "cloud.rt_upd"), (local, "rt_upd")):
		con.execute(f"UPDATE {table} SET v = 31 WHERE id = 31")
	assert requests(a) == 2
	# A string compared with an INTEGER column converts, or fails as in DuckDB, under one shape.
	errors = []
	for con, table in ((a, "cloud.rt_upd"), (local, "rt_upd")):
		con.execute(f"UPDATE {table} SET v = 's' WHERE id = '32'")
		with pytest.raises(duckdb.ConversionException) as raised:
			con.execute(f"UPDATE {table} SET v = 's' WHERE id = 'abc'")
		errors.append(str(raised.value).split("\n")[0])
	assert errors[0] == errors[1], errors
	assert a.execute("SELECT * FROM cloud.rt_upd ORDER BY id").fetchall() == \
	    local.execute("SELECT * FROM rt_upd ORDER BY id").fetchall()


def test_inserts_inside_a_transaction_still_roll_back(server, host):
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_txn (i INTEGER)")
	a.execute("BEGIN")
	a.execute("INSERT INTO cloud.rt_txn VALUES (1)")
	a.execute("INSERT INTO cloud.rt_txn VALUES (2)")
	assert a.execute("SELECT count(*) FROM cloud.rt_txn").fetchone()[0] == 2
	a.execute("ROLLBACK")
	assert a.execute("SELECT count(*) FROM cloud.rt_txn").fetchone()[0] == 0


def test_small_reads_take_one_request(server, host):
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_read AS SELECT range AS id, range * 2 AS v FROM range(100000)")
	a.execute("SELECT * FROM cloud.rt_read WHERE id = 1").fetchall()
	for sql, expected in (("SELECT * FROM cloud.rt_read WHERE id = 77", [(77, 154)]),
	                      ("SELECT v FROM cloud.rt_read WHERE id = 78", [(156,)]),
	                      ("SELECT count(*) FROM cloud.rt_read", [(100000,)])):
		assert a.execute(sql).fetchall() == expected
		assert requests(a) == 1, sql


def test_a_hybrid_read_with_a_shipped_part_keeps_the_cached_catalog(server, host):
	"""The remote-only part of a hybrid read runs as an openduck_query SELECT. A SELECT changes no
	schema: it must not drop the host's cached catalog, else every such statement read the whole
	catalog again and described its part again (two requests more each time)."""
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_part AS SELECT range % 100 AS k, range AS v FROM range(100000)")
	a.execute("CREATE TEMP TABLE wanted AS SELECT range AS k FROM range(10)")
	# Else the small host table is sent along and the whole statement runs on the worker.
	a.execute("SET openduck_placement = 'local'")
	sql = ("WITH sums AS (SELECT k, sum(v) AS total FROM cloud.rt_part GROUP BY k) "
	       "SELECT count(*), sum(total) FROM sums JOIN wanted USING (k)")
	plan = "\n".join(row[1] for row in a.execute("EXPLAIN " + sql).fetchall())
	assert "OPENDUCK_QUERY" in plan, plan
	counts = []
	for _ in range(3):
		assert a.execute(sql).fetchall() == [(10, sum(v for v in range(100000) if v % 100 < 10))]
		counts.append(requests(a))
	# The cached catalog confirmed unchanged, and the part run: its description is cached too.
	assert counts[1:] == [2, 2], counts


def test_reads_with_parameters_take_one_request(server, host):
	"""With parameters a statement runs as a host plan. A read of one table sends its scan while
	it is planned, with the version of the cached catalog it was bound against, which the worker
	checks: one request. A small INSERT sends its rows as literals in one statement with that
	version, which the worker checks before it inserts: one request. A join still reads the
	statistics its plan uses."""
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_prm AS SELECT range AS id, range * 2 AS v FROM range(100000)")
	a.execute("SELECT * FROM cloud.rt_prm WHERE id = ?", [1])  # reads the catalog the CREATE changed
	for sql, params, expected, expected_requests in (
	    ("SELECT * FROM cloud.rt_prm WHERE id = ?", [77], [(77, 154)], 1),
	    ("SELECT * FROM cloud.rt_prm WHERE id = ?", [10**9], [], 1),
	    ("SELECT count(*), sum(v) FROM cloud.rt_prm WHERE id < ?", [10], [(10, 90)], 1),
	    ("SELECT id FROM cloud.rt_prm WHERE id > ? ORDER BY id DESC LIMIT 1", [5], [(99999,)], 1),
	    ("SELECT v FROM cloud.rt_prm WHERE id + 0 = $1 AND v = $1 * 2", [12], [(24,)], 1),
	    ("INSERT INTO cloud.rt_prm VALUES (?, ?)", [-1, -2], [(1,)], 1),
	    ("INSERT INTO cloud.rt_prm VALUES (?, ?), (?, ?) RETURNING v", [-3, -6, -4, -8], [(-6,), (-8,)], 1),
	    ("SELECT v FROM cloud.rt_prm WHERE id = ?", [-1], [(-2,)], 1)):
		assert a.execute(sql, params).fetchall() == expected, sql
		assert requests(a) == expected_requests, sql
	join = "SELECT count(*) FROM cloud.rt_prm x JOIN cloud.rt_prm y USING (id) WHERE x.id < ?"
	assert a.execute(join, [10]).fetchall() == [(13,)]
	assert requests(a) > 3


def test_a_read_with_parameters_sees_another_hosts_schema_change(server, host):
	"""The scan sent while planning carries the cached catalog's version; when another host changed
	the table meanwhile the worker refuses it and the statement is bound again, so `*` has the new
	column and a dropped one is gone, as they would be in DuckDB."""
	a = host(server)
	b = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_stale AS SELECT range AS id, range * 2 AS v FROM range(10)")
	assert a.execute("SELECT * FROM cloud.rt_stale WHERE id = ?", [3]).fetchall() == [(3, 6)]
	b.execute("ALTER TABLE cloud.rt_stale ADD COLUMN w VARCHAR DEFAULT 'new'")
	assert a.execute("SELECT * FROM cloud.rt_stale WHERE id = ?", [3]).fetchall() == [(3, 6, "new")]
	assert requests(a) == 3  # the refused scan, the current catalog, the scan again
	assert a.execute("SELECT * FROM cloud.rt_stale WHERE id = ?", [4]).fetchall() == [(4, 8, "new")]
	assert requests(a) == 1
	b.execute("ALTER TABLE cloud.rt_stale DROP COLUMN v")
	b.execute("ALTER TABLE cloud.rt_stale RENAME COLUMN w TO v")
	assert a.execute("SELECT v FROM cloud.rt_stale WHERE id = ?", [5]).fetchall() == [("new",)]
	b.execute("DROP TABLE cloud.rt_stale")
	with pytest.raises(duckdb.CatalogException, match="rt_stale"):
		a.execute("SELECT * FROM cloud.rt_stale WHERE id = ?", [5])


def test_an_insert_with_parameters_after_another_hosts_ddl(server, host):
	"""The INSERT's request carries the version of the catalog it was bound against. After DDL
	elsewhere in the database the worker refuses it before inserting anything; the host confirms
	its catalog and, the target table being as it was, sends the rows again: inserted once. When
	the target table itself changed, the statement fails with nothing inserted and asks to be run
	again, which then binds against the new table as DuckDB would."""
	a = host(server)
	b = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_ins_ddl (id INTEGER PRIMARY KEY, v VARCHAR)")
	a.execute("INSERT INTO cloud.rt_ins_ddl VALUES (?, ?)", [1, "one"])
	b.execute("CREATE OR REPLACE TABLE cloud.rt_other (x INTEGER)")
	assert a.execute("INSERT INTO cloud.rt_ins_ddl VALUES (?, ?)", [2, "two"]).fetchall() == [(1,)]
	assert requests(a) == 3  # the refused INSERT, the current catalog, the INSERT again
	assert a.execute("INSERT INTO cloud.rt_ins_ddl VALUES (?, ?)", [3, "three"]).fetchall() == [(1,)]
	assert requests(a) == 1
	b.execute("ALTER TABLE cloud.rt_ins_ddl ADD COLUMN w INTEGER DEFAULT 7")
	with pytest.raises(duckdb.TransactionException, match="rt_ins_ddl.*changed while this statement was planned"):
		a.execute("INSERT INTO cloud.rt_ins_ddl VALUES (?, ?)", [4, "four"])
	with pytest.raises(duckdb.BinderException, match="3 columns but 2 values"):
		a.execute("INSERT INTO cloud.rt_ins_ddl VALUES (?, ?)", [4, "four"])
	a.execute("INSERT INTO cloud.rt_ins_ddl (id, v) VALUES (?, ?)", [4, "four"])
	assert a.execute("SELECT * FROM cloud.rt_ins_ddl ORDER BY id").fetchall() == [
	    (1, "one", 7), (2, "two", 7), (3, "three", 7), (4, "four", 7)]
	# A conflict is the INSERT's own error, reported once; nothing is sent again.
	with pytest.raises(duckdb.ConstraintException):
		a.execute("INSERT INTO cloud.rt_ins_ddl (id, v) VALUES (?, ?)", [4, "again"])
	assert a.execute("SELECT count(*) FROM cloud.rt_ins_ddl").fetchall() == [(4,)]
	# An UPDATE or DELETE written back from its plan is checked the same way.
	update, delete = "UPDATE cloud.rt_ins_ddl SET w = ? WHERE id = ?", "DELETE FROM cloud.rt_ins_ddl WHERE id = ?"
	a.execute(delete, [-1])  # the first statement of its shape is described first
	assert a.execute(update, [9, 1]).fetchall() == [(1,)]
	assert requests(a) == 1
	b.execute("CREATE OR REPLACE TABLE cloud.rt_other (x INTEGER)")
	assert a.execute(delete, [4]).fetchall() == [(1,)]
	assert requests(a) == 3
	b.execute("ALTER TABLE cloud.rt_ins_ddl ALTER COLUMN w SET DEFAULT 8")
	with pytest.raises(duckdb.TransactionException, match="rt_ins_ddl.*changed while this statement was planned"):
		a.execute(delete, [3])
	assert a.execute("SELECT id, w FROM cloud.rt_ins_ddl ORDER BY id").fetchall() == [(1, 9), (2, 7), (3, 7)]


def test_prepared_statements_run_again_with_new_values(server, host):
	"""A prepared statement's plan, run with other values each time, keeps its parameters unbound:
	its scan is not sent while planning, and each run reads with its own values."""
	a = host(server)
	local = duckdb.connect()
	for con, table in ((a, "cloud.rt_prep"), (local, "rt_prep")):
		con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT range AS id, range % 7 AS g FROM range(1000)")
		con.execute(f"PREPARE rt_lookup AS SELECT count(*), sum(id) FROM {table} WHERE g = $1 AND id < $2")
	for values in ((1, 100), (3, 1000), (6, 10), (9, 1000)):
		assert a.execute(f"EXECUTE rt_lookup({values[0]}, {values[1]})").fetchall() == \
		    local.execute(f"EXECUTE rt_lookup({values[0]}, {values[1]})").fetchall(), values


def test_explain_does_not_run_a_shipped_write(server, host):
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_explain (i INTEGER)")
	a.execute("EXPLAIN INSERT INTO cloud.rt_explain VALUES (1)").fetchall()
	a.execute("EXPLAIN SELECT * FROM cloud.rt_explain").fetchall()
	assert a.execute("SELECT count(*) FROM cloud.rt_explain").fetchone()[0] == 0


def test_a_hybrid_join_is_planned_again_after_another_hosts_ddl(server, host):
	a = host(server)
	b = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_hybrid AS SELECT 1 AS id, 'x' AS s")
	b.execute("CREATE TEMP TABLE keys AS SELECT 1 AS id")
	join = "SELECT * FROM keys JOIN cloud.rt_hybrid r USING (id)"
	assert b.execute(join).fetchall() == [(1, "x")]
	a.execute("ALTER TABLE cloud.rt_hybrid ADD COLUMN extra INTEGER DEFAULT 42")
	# b's cached catalog has two columns: the plan is verified before it runs and bound again
	assert b.execute(join).fetchall() == [(1, "x", 42)]
	a.execute("ALTER TABLE cloud.rt_hybrid DROP COLUMN s")
	assert b.execute(join).fetchall() == [(1, 42)]
	assert [r[0] for r in b.execute("SHOW TABLES FROM cloud").fetchall() if r[0] == "rt_hybrid"] == ["rt_hybrid"]


def test_a_listing_shows_another_hosts_new_table(server, host):
	a = host(server)
	b = host(server)
	b.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'cloud'").fetchall()
	a.execute("CREATE OR REPLACE TABLE cloud.rt_listed (i INTEGER)")
	names = [r[0] for r in b.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'cloud'").fetchall()]
	assert "rt_listed" in names


def test_a_read_planned_but_never_run_is_cancelled(server, host):
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_big AS SELECT range AS i FROM range(3000000)")
	# planning sends the read; dropping the unrun result must end it on the worker
	for _ in range(20):
		pending = a.execute("SELECT i FROM cloud.rt_big")
		pending.fetchmany(1)
	assert a.execute("SELECT count(*) FROM cloud.rt_big").fetchone()[0] == 3000000
	health = server.health()
	assert health.get("running_statements", 0) <= 1, health


def host_cpu_seconds() -> float:
	usage = resource.getrusage(resource.RUSAGE_SELF)
	return usage.ru_utime + usage.ru_stime


def test_hosts_waiting_for_shipped_writes_sleep(server, host):
	"""A write shipped whole waits for the worker without keeping a host thread busy: its operator
	returns BLOCKED and is woken when the answer arrives. Held in a DuckDB thread instead, the
	client threads' ExecuteTask loops spun on the cores for as long as the worker worked. Four
	connections of this process wait at once, as an application's threads would."""
	statement = "INSERT INTO cloud.rt_slow_sink SELECT {n}, sum(hash(t.i, r.range)) FROM cloud.rt_slow t, range(20000) r"
	setup = host(server)
	setup.execute("CREATE OR REPLACE TABLE cloud.rt_slow AS SELECT range AS i FROM range(10000)")
	setup.execute("CREATE OR REPLACE TABLE cloud.rt_slow_sink (n INTEGER, h HUGEINT)")
	cons = [host(server) for _ in range(4)]
	plan = "\n".join(row[1] for row in cons[0].execute("EXPLAIN " + statement.format(n=0)).fetchall())
	assert "OPENDUCK_QUERY" in plan and "CROSS_PRODUCT" not in plan, plan
	errors = []

	def run(n):
		try:
			cons[n].execute(statement.format(n=n))
		except Exception as error:  # reported below, with the figures
			errors.append(error)

	cpu, started = host_cpu_seconds(), time.monotonic()
	threads = [threading.Thread(target=run, args=(n,)) for n in range(len(cons))]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	waited, burned = time.monotonic() - started, host_cpu_seconds() - cpu
	assert not errors, errors
	print(f"4 shipped writes: {waited:.2f}s waited, {burned:.2f}s of host CPU")
	assert waited > 0.5, f"the statements took {waited:.2f}s: too short to tell waiting from spinning"
	assert burned < 0.1 * waited, f"the host used {burned:.2f}s of CPU while waiting {waited:.2f}s for the worker"


def test_small_shipped_statements_do_not_spin_the_client_thread(server, host):
	"""A small auto-commit INSERT is sent, and its answer awaited asleep, on the connection's own
	thread while DuckDB builds the pipelines. When a DuckDB background thread took the statement's
	task and waited there instead, the client's ExecuteTask loop spun meanwhile: with a background
	thread the host spent 2.4-3.4x the CPU per INSERT that it spends without one. Same loop, same
	process, threads alternated."""
	con = host(server)
	con.execute("CREATE OR REPLACE TABLE cloud.rt_small_writes (i INTEGER)")
	cpu = {1: 0.0, 2: 0.0}
	for round_ in range(4):
		threads = 1 + round_ % 2
		con.execute(f"SET threads = {threads}")
		before = host_cpu_seconds()
		for i in range(200):
			con.execute(f"INSERT INTO cloud.rt_small_writes VALUES ({i})")
		cpu[threads] += host_cpu_seconds() - before
	assert con.execute("SELECT count(*) FROM cloud.rt_small_writes").fetchone()[0] == 800
	print(f"host CPU per INSERT: {cpu[1] / 0.4:.3f} ms alone, {cpu[2] / 0.4:.3f} ms with a background thread")
	assert cpu[2] < 1.5 * cpu[1], f"host CPU with a background thread {cpu[2]:.2f}s, without {cpu[1]:.2f}s"


def test_a_read_runs_only_against_the_catalog_version_it_names(server, host):
	"""ExecuteFragmentRequest.expected_catalog_version, sent by hand: another version than the
	database's is refused before anything runs, with the error the host rebinds on (a write
	writes nothing); a session's or a snapshot's request may not name one."""
	from test_hostile_messages import INVALID_ARGUMENT, OK, call, message
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.rt_raw (i INTEGER)")
	for sql in ("SELECT 1", "INSERT INTO rt_raw VALUES (1)"):
		code, text, responses = call(server, "ExecuteFragment", message(f1=sql, f2="testdb", f25="0.0.1"))
		errors = [line for line in responses if " error " in line]
		assert code == OK and len(errors) == 1, (code, text, responses)
		assert "Catalog" in errors[0] and "catalog version mismatch" in errors[0], errors
	assert a.execute("SELECT count(*) FROM cloud.rt_raw").fetchall() == [(0,)]
	for field, value in (("f9", "some-session"), ("f3", "@0")):
		code, text, _ = call(server, "ExecuteFragment", message(f1="SELECT 1", f2="testdb", **{field: value}, f25="1"))
		assert code == INVALID_ARGUMENT and "expected_catalog_version" in text, (field, code, text)
