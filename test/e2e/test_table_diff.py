"""openduck_diff('cloud', 't', from_version [, to_version]): the rows of a remote table added and
removed between two snapshots, computed on the worker. Every diff is compared with the same
multiset difference computed by a local DuckDB that kept a copy of each state (the oracle)."""

import re

import duckdb
import pytest

import odtest
from test_storage_sql_admin import call
from test_time_travel_sql import history  # noqa: F401 (a fixture)

ORACLE_DIFF = """
	SELECT 'added' AS change_type, * FROM (SELECT * FROM {to} EXCEPT ALL SELECT * FROM {frm})
	UNION ALL
	SELECT 'removed', * FROM (SELECT * FROM {frm} EXCEPT ALL SELECT * FROM {to})"""


def rows(con, sql):
	return sorted(con.execute(sql).fetchall(), key=repr)


def diff(con, *args):
	params = ", ".join(odtest.sql_string(a) if isinstance(a, str) else str(a) for a in args)
	return rows(con, f"SELECT * FROM openduck_diff({params})")


def oracle_diff(oracle, frm, to):
	return rows(oracle, ORACLE_DIFF.format(frm=frm, to=to))


def test_diff_between_snapshots_by_name_id_and_time_and_to_the_head(history):  # noqa: F811
	con, oracle, (first, second), between = history
	v1_to_v2 = oracle_diff(oracle, "v1", "v2")
	assert len(v1_to_v2) > 300  # updates show as a removed and an added row, plus deletes and an insert
	assert diff(con, "cloud", "t", "v1", "v2") == v1_to_v2
	assert diff(con, "cloud", "main.t", first, second) == v1_to_v2
	assert diff(con, "cloud", "t", str(first), "v2") == v1_to_v2
	# A time: the snapshot current then, as AT (TIMESTAMP => ...).
	assert rows(con, f"SELECT * FROM openduck_diff('cloud', 't', '{between.isoformat()}'::TIMESTAMPTZ, 'v2')") == \
	    v1_to_v2
	# Backwards is the mirror image.
	flipped = sorted([("added" if c == "removed" else "removed",) + rest for c, *rest in v1_to_v2
	                  for rest in [tuple(rest)]], key=repr)
	assert diff(con, "cloud", "t", "v2", "v1") == flipped
	# Without to_version: up to the head, including its uncheckpointed commits.
	assert diff(con, "cloud", "t", "v2") == oracle_diff(oracle, "v2", "head")
	assert diff(con, "cloud", "t", "v1") == oracle_diff(oracle, "v1", "head")
	assert diff(con, "cloud", "t", "v2", "v2") == []
	columns = con.sql("SELECT * FROM openduck_diff('cloud', 't', 'v1', 'v2')").columns
	assert columns == ["change_type", "id", "v", "n"]
	# Composes like any table function: counts per change, joined with the head.
	assert con.execute("SELECT change_type, count(*) FROM openduck_diff('cloud', 't', 'v1', 'v2') GROUP BY ALL "
	                   "ORDER BY ALL").fetchall() == \
	    oracle.execute(f"SELECT change_type, count(*) FROM ({ORACLE_DIFF.format(frm='v1', to='v2')}) GROUP BY ALL "
	                   "ORDER BY ALL").fetchall()


def test_diff_is_a_multiset_difference_over_every_type(launcher, host):
	srv = launcher.serve(["multi"])
	con = host(srv, "multi")
	oracle = duckdb.connect()
	setup = [
	    "CREATE TABLE m (k INTEGER, s VARCHAR, d DECIMAL(18,3), f DOUBLE, l INTEGER[], st STRUCT(a INTEGER, b VARCHAR),"
	    " ts TIMESTAMP, b BLOB, u UUID)",
	    "INSERT INTO m VALUES (1, 'a', 1.5, 0.5, [1,2], {'a': 1, 'b': 'x'}, '2024-01-01 00:00:00', 'ab', "
	    "'00000000-0000-0000-0000-000000000001'), (1, 'a', 1.5, 0.5, [1,2], {'a': 1, 'b': 'x'}, "
	    "'2024-01-01 00:00:00', 'ab', '00000000-0000-0000-0000-000000000001'), (NULL, NULL, NULL, NULL, NULL, "
	    "NULL, NULL, NULL, NULL), (2, 'long string that is not inlined', -3.25, 'nan', [], {'a': NULL, 'b': NULL}, "
	    "'1970-01-01 00:00:00', '', NULL)",
	]
	changes = [
	    # One of the two duplicates goes, the NULL row is duplicated, a NaN row changes.
	    "DELETE FROM m WHERE rowid = (SELECT min(rowid) FROM m WHERE k = 1)",
	    "INSERT INTO m VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
	    "UPDATE m SET l = [3] WHERE k = 2",
	]
	for sql in setup:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	oracle.execute("CREATE TABLE before AS SELECT * FROM m")
	call(con, "openduck_create_snapshot", "cloud", "before")
	for sql in changes:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	call(con, "openduck_create_snapshot", "cloud", "after")
	expected = oracle_diff(oracle, "before", "m")
	assert [r[0] for r in expected].count("removed") == 2 and [r[0] for r in expected].count("added") == 2
	# repr: NaN equals itself there.
	assert repr(diff(con, "cloud", "m", "before", "after")) == repr(expected)


def test_only_the_differing_rows_travel(launcher, host):
	srv = launcher.serve(["big"])
	con = host(srv, "big")
	odtest.remote(con, "cloud", "CREATE TABLE big AS SELECT range AS id, repeat('x', 100) AS pad FROM range(200000)")
	call(con, "openduck_create_snapshot", "cloud", "s1")
	odtest.remote(con, "cloud", "UPDATE big SET pad = 'changed' WHERE id = 4242")
	assert diff(con, "cloud", "big", "s1") == [("added", 4242, "changed"), ("removed", 4242, "x" * 100)]
	received = con.execute("SELECT bytes_received FROM openduck_last_query_stats()").fetchone()[0]
	# The table is over 20 MB; the diff is two rows.
	assert 0 < received < 64 * 1024, received


def test_diff_errors_name_the_problem(launcher, host):
	srv = launcher.serve(["errs"])
	con = host(srv, "errs")
	odtest.remote(con, "cloud", "CREATE TABLE t (id INTEGER)")
	call(con, "openduck_create_snapshot", "cloud", "s1")
	odtest.remote(con, "cloud", "CREATE TABLE later (id INTEGER)")
	odtest.remote(con, "cloud", "ALTER TABLE t ADD COLUMN extra VARCHAR")
	call(con, "openduck_create_snapshot", "cloud", "s2")
	with pytest.raises(duckdb.Error, match=r"(?s)reading snapshot \d+.*later"):
		con.execute("SELECT * FROM openduck_diff('cloud', 'later', 's1', 's2')")
	with pytest.raises(duckdb.InvalidInputException, match=r"one shape.*\(id INTEGER\) at snapshot \d+ and \(id "
	                   r"INTEGER, extra VARCHAR\) at snapshot \d+.*EXCEPT ALL"):
		con.execute("SELECT * FROM openduck_diff('cloud', 't', 's1', 's2')")
	with pytest.raises(duckdb.Error, match="no_such_snapshot"):
		con.execute("SELECT * FROM openduck_diff('cloud', 't', 'no_such_snapshot')")
	with pytest.raises(duckdb.BinderException, match="cannot be NULL"):
		con.execute("SELECT * FROM openduck_diff('cloud', 't', NULL)")
	with pytest.raises(duckdb.BinderException, match="not an attached OpenDuck database"):
		con.execute("SELECT * FROM openduck_diff('memory', 't', 's1')")
	with pytest.raises(duckdb.BinderException, match="name the table inside the database"):
		con.execute("SELECT * FROM openduck_diff('cloud', 'other.main.t', 's1')")
	with pytest.raises(duckdb.BinderException, match="is not a table name; write it as SQL does"):
		con.execute("SELECT * FROM openduck_diff('cloud', 't + 1', 's1')")
	assert diff(con, "cloud", "cloud.main.t", "s2") == []
	# Inside a transaction the diff still reads committed snapshots, not the session's writes.
	con.execute("BEGIN")
	con.execute("INSERT INTO cloud.later VALUES (1)")
	assert diff(con, "cloud", "later", "s2") == []
	con.execute("ROLLBACK")
	# A name that needs quoting is given as SQL writes it, and reaches the worker quoted.
	quoted = '"odd ""name"""'
	odtest.remote(con, "cloud", f'CREATE TABLE {quoted} ("select" INTEGER)')
	call(con, "openduck_create_snapshot", "cloud", "s3")
	odtest.remote(con, "cloud", f"INSERT INTO {quoted} VALUES (7)")
	assert diff(con, "cloud", quoted, "s3") == [("added", 7)]


def test_a_read_only_host_behind_a_gateway_gets_its_diff_from_the_writer(launcher, tmp_path, request, host):
	from test_read_replicas import _cluster, _queries, _served_by_replica
	gateway, writer, replica, _, _ = _cluster(launcher, tmp_path, request, "shared-dir")
	rw, ro = _served_by_replica(host, gateway, replica, 100)
	call(rw, "openduck_create_snapshot", "cloud", "s1")
	rw.execute("DELETE FROM cloud.t WHERE i < 3")
	served_by_writer = _queries(writer)
	assert diff(ro, "ro", "t", "s1") == [("removed", 0), ("removed", 1), ("removed", 2)]
	assert _queries(writer) > served_by_writer


def test_ranges_that_did_not_change_are_skipped_and_the_rest_compared_exactly(launcher, host):
	"""The worker reads only the row ranges whose fingerprints differ; rows moved between ranges
	(deleted and re-inserted, a vacuum) and views (no rowid) still give the exact diff."""
	srv = launcher.serve(["ranges"])
	con = host(srv, "ranges")
	oracle = duckdb.connect()
	setup = ["CREATE TABLE r AS SELECT range AS id, range % 7 AS g, 'v' || (range % 1000) AS s FROM range(1000000)",
	         "CREATE VIEW w AS SELECT g, count(*) AS n FROM r GROUP BY g"]
	changes = ["UPDATE r SET s = 'changed' WHERE id IN (5, 400000, 400001, 999999)",
	           "DELETE FROM r WHERE id BETWEEN 700000 AND 700009",
	           "INSERT INTO r SELECT id, g, s FROM r WHERE id < 3",  # duplicates of unchanged rows, at the end
	           "INSERT INTO r VALUES (7, 0, 'v7')"]
	for sql in setup:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	oracle.execute("CREATE TABLE r0 AS SELECT * FROM r")
	oracle.execute("CREATE TABLE w0 AS SELECT * FROM w")
	call(con, "openduck_create_snapshot", "cloud", "s0")
	for sql in changes:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	oracle.execute("CREATE TABLE w1 AS SELECT * FROM w")
	expected = oracle_diff(oracle, "r0", "r")
	assert len(expected) == 4 * 2 + 10 + 3 + 1
	assert diff(con, "cloud", "r", "s0") == expected
	call(con, "openduck_create_snapshot", "cloud", "s1")
	odtest.remote(con, "cloud", "CHECKPOINT")
	assert diff(con, "cloud", "r", "s0", "s1") == expected
	assert diff(con, "cloud", "w", "s0") == oracle_diff(oracle, "w0", "w1")
	assert diff(con, "cloud", "r", "s1", "s1") == []
	# Only the changed ranges were read: 1,000,000 rows are 9 ranges of 122,880 rowids; the
	# updates touch ranges 0, 3 and 8, the delete range 5, the inserts (rowids from 1,000,000) 8.
	log = srv.process.output(tail=200000)
	counts = re.findall(r'table_diff table="?\\"r\\""? .*?ranges_differing=(\d+) ranges=(\d+)', log)
	assert counts[:2] == [("4", "9"), ("4", "9")], log[-3000:]
	assert counts[-1] == ("0", "9")


def test_a_column_named_rowid_is_compared_as_a_column(launcher, host):
	"""A table's own `rowid` column hides DuckDB's row ids: the diff must not take it for them
	(NULLs and any values in it are rows like the others)."""
	srv = launcher.serve(["rid"])
	con = host(srv, "rid")
	oracle = duckdb.connect()
	setup = ["CREATE TABLE r (rowid BIGINT, v INTEGER)",
	         "INSERT INTO r SELECT CASE WHEN range % 10 = 0 THEN NULL ELSE range * 1000 END, range FROM range(500)"]
	for sql in setup:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	oracle.execute("CREATE TABLE r0 AS SELECT * FROM r")
	call(con, "openduck_create_snapshot", "cloud", "s0")
	for sql in ["UPDATE r SET v = -v WHERE rowid IS NULL AND v < 100", "DELETE FROM r WHERE v = 7"]:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	expected = oracle_diff(oracle, "r0", "r")
	assert len(expected) == 2 * 9 + 1
	assert diff(con, "cloud", "r", "s0") == expected
