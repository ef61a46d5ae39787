"""Time travel in SQL: FROM cloud.t AT (VERSION => <snapshot id or name>) and
AT (TIMESTAMP => <time>) on remote tables and views, in any query: the same table at two
times, hybrid joins with local tables, CREATE TABLE AS of an old state, inside transactions.
Every result is compared with a local DuckDB that kept a copy of each state (the oracle)."""

import datetime
import time

import duckdb
import pytest

import odtest
from test_storage_sql_admin import call

SETUP = [
	"CREATE TABLE t (id INTEGER, v VARCHAR, n DOUBLE)",
	"INSERT INTO t SELECT range, 'one', range / 4 FROM range(1000)",
]
CHANGES_2 = ["UPDATE t SET v = 'two' WHERE id % 3 = 0", "DELETE FROM t WHERE id >= 900",
             "INSERT INTO t VALUES (5000, 'new', 1.5)"]
CHANGES_HEAD = ["UPDATE t SET v = 'head' WHERE id < 100", "INSERT INTO t VALUES (6000, 'later', 2.5)"]


@pytest.fixture
def history(launcher, host):
	"""(connection, oracle, snapshot ids, time between the two snapshots): t at snapshot v1
	(named), at v2 (named, its id used), and uncheckpointed head changes after them. The
	oracle has tables v1, v2 and head."""
	srv = launcher.serve(["hist"])
	con = host(srv, "hist")
	oracle = duckdb.connect()
	for sql in SETUP:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	oracle.execute("CREATE TABLE v1 AS SELECT * FROM t")
	first = call(con, "openduck_create_snapshot", "cloud", "v1")
	# Snapshot times are whole seconds: the point in between is clear of both.
	time.sleep(1.2)
	between = datetime.datetime.now(datetime.timezone.utc)
	time.sleep(1.2)
	con.execute("CREATE VIEW cloud.vw AS SELECT id, v || '!' AS w FROM cloud.t WHERE id < 50")
	for sql in CHANGES_2:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	oracle.execute("CREATE TABLE v2 AS SELECT * FROM t")
	second = call(con, "openduck_create_snapshot", "cloud", "v2")
	for sql in CHANGES_HEAD:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	oracle.execute("ALTER TABLE t RENAME TO head")
	return con, oracle, (first["snapshot_id"], second["snapshot_id"]), between


def rows(con, sql):
	return sorted(con.execute(sql).fetchall(), key=repr)


def test_at_version_and_timestamp_read_past_states(history):
	con, oracle, (first, second), between = history
	expect_v1, expect_v2 = rows(oracle, "SELECT * FROM v1"), rows(oracle, "SELECT * FROM v2")
	assert rows(con, "SELECT * FROM cloud.t AT (VERSION => 'v1')") == expect_v1
	assert rows(con, f"SELECT * FROM cloud.t AT (VERSION => {second})") == expect_v2
	assert rows(con, f"SELECT * FROM cloud.t AT (VERSION => '{first}')") == expect_v1
	assert rows(con, f"SELECT * FROM cloud.t AT (TIMESTAMP => '{between.isoformat()}'::TIMESTAMPTZ)") == expect_v1
	assert rows(con, "SELECT * FROM cloud.t AT (TIMESTAMP => now())") == expect_v2
	# The head is untouched by all of it.
	assert rows(con, "SELECT * FROM cloud.t") == rows(oracle, "SELECT * FROM head")
	# Filters, projections and aggregates over a past state.
	assert con.execute("SELECT count(*), sum(n) FROM cloud.t AT (VERSION => 'v2') WHERE v = 'two'").fetchall() == \
	    oracle.execute("SELECT count(*), sum(n) FROM v2 WHERE v = 'two'").fetchall()


def test_past_states_in_joins_hybrid_queries_ctas_and_transactions(history):
	con, oracle, (first, second), _ = history
	two_times = ("SELECT a.id, a.v, b.v FROM {a} JOIN {b} USING (id) WHERE a.v <> b.v")
	assert rows(con, two_times.format(a="cloud.t a AT (VERSION => 'v1')", b="cloud.t b AT (VERSION => 'v2')")) == \
	    rows(oracle, two_times.format(a="v1 a", b="v2 b"))
	assert rows(con, two_times.format(a="cloud.t a AT (VERSION => 'v2')", b="cloud.t b")) == \
	    rows(oracle, two_times.format(a="v2 a", b="head b"))
	# Hybrid: a local table joined with a past remote state.
	for target in (con, oracle):
		target.execute("CREATE TEMP TABLE wanted AS SELECT range * 7 AS id FROM range(200)")
	assert rows(con, "SELECT w.id, t.v FROM wanted w JOIN cloud.t t AT (VERSION => 'v1') USING (id)") == \
	    rows(oracle, "SELECT w.id, t.v FROM wanted w JOIN v1 t USING (id)")
	# An old state restored into a new remote table.
	con.execute("CREATE TABLE cloud.restored AS SELECT * FROM cloud.t AT (VERSION => 'v1')")
	assert rows(con, "SELECT * FROM cloud.restored") == rows(oracle, "SELECT * FROM v1")
	# Inside a transaction that writes: the past read runs outside its session.
	con.execute("BEGIN")
	con.execute("INSERT INTO cloud.t VALUES (7000, 'txn', 0)")
	assert rows(con, "SELECT * FROM cloud.t AT (VERSION => 'v1')") == rows(oracle, "SELECT * FROM v1")
	assert con.execute("SELECT count(*) FROM cloud.t WHERE id = 7000").fetchone() == (1,)
	con.execute("COMMIT")
	# A view at a past snapshot reads that snapshot (it did not exist at v1).
	assert rows(con, "SELECT * FROM cloud.vw AT (VERSION => 'v2')") == \
	    rows(oracle, "SELECT id, v || '!' AS w FROM v2 WHERE id < 50")
	with pytest.raises(duckdb.CatalogException, match="vw"):
		con.execute("SELECT * FROM cloud.vw AT (VERSION => 'v1')")


def test_at_errors_name_the_history(history):
	con, _, _, _ = history
	with pytest.raises(duckdb.Error, match=r"no snapshot at or before 2000-01-01.*history starts at"):
		con.execute("SELECT * FROM cloud.t AT (TIMESTAMP => TIMESTAMPTZ '2000-01-01 00:00:00+00')")
	with pytest.raises(duckdb.Error, match="no snapshot named or numbered 'nope'"):
		con.execute("SELECT * FROM cloud.t AT (VERSION => 'nope')")
	with pytest.raises(duckdb.Error, match="no snapshot named or numbered '987654'"):
		con.execute("SELECT * FROM cloud.t AT (VERSION => 987654)")
	with pytest.raises(duckdb.Error, match="NULL"):
		con.execute("SELECT * FROM cloud.t AT (VERSION => NULL)")
	# Writes never go to a past state.
	with pytest.raises(duckdb.Error):
		con.execute("UPDATE cloud.t AT (VERSION => 'v1') SET v = 'x'")
	with pytest.raises(duckdb.Error):
		con.execute("INSERT INTO cloud.t AT (VERSION => 'v1') VALUES (1, 'x', 0)")
	assert con.execute("SELECT count(*) FROM cloud.t WHERE v = 'x'").fetchone() == (0,)


def test_a_read_of_one_past_snapshot_is_shipped_to_it_whole(history):
	con, oracle, _, _ = history
	query = "SELECT v, count(*), sum(n), max(id) FROM {t} GROUP BY v"
	for _ in range(2):
		assert rows(con, query.format(t="cloud.t AT (VERSION => 'v1')")) == rows(oracle, query.format(t="v1"))
	# The statement ran on the worker's instance of v1, not as a pull of the table: one row
	# received. Two requests: the name resolved (a name can move to another snapshot), then the
	# statement.
	stats = con.execute("SELECT remote_requests, rows_received FROM openduck_last_query_stats()").fetchone()
	assert stats == (2, 1), stats
	# A plan run again (a prepared statement) still reads v1, not the head.
	con.execute(f"PREPARE p AS {query.format(t='cloud.t AT (VERSION => ' + chr(39) + 'v2' + chr(39) + ')')}")
	for _ in range(2):
		assert rows(con, "EXECUTE p") == rows(oracle, query.format(t="v2"))
	# Two different snapshots in one statement: a host plan over both, still right.
	both = "SELECT count(*) FROM {a} JOIN {b} USING (id)"
	assert rows(con, both.format(a="cloud.t a AT (VERSION => 'v1')", b="cloud.t b AT (VERSION => 'v2')")) == \
	    rows(oracle, both.format(a="v1 a", b="v2 b"))
