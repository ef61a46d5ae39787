"""Semi-join reduction: a hash join whose probe side streams a remote table sends its build
side's keys to the worker (a Bloom filter in the scan's SQL), so only rows that may match come
back. Results are compared with a local DuckDB holding every table (the oracle); the rows
received are compared with the rows that match."""

import re

import pytest

import odtest

FACT_ROWS = 300_000
KEYS = 20_000
SETUP_REMOTE = [
	f"CREATE TABLE facts AS SELECT range AS id, range % {KEYS} AS k, (range * 7) % 101 AS v, "
	f"'s' || (range % {KEYS}) AS sk, CASE WHEN range % 3 = 0 THEN NULL ELSE range % 500 END AS nk "
	f"FROM range({FACT_ROWS})",
]
SETUP_LOCAL = [
	# 500 keys spread over the whole range: min/max says nothing, and far past DuckDB's own
	# IN-list limit (50).
	"CREATE TABLE sel AS SELECT range * 40 AS k, 's' || (range * 40) AS sk, range % 7 AS grp FROM range(500)",
	"INSERT INTO sel VALUES (NULL, NULL, 0)",
	f"CREATE TABLE all_keys AS SELECT range AS k FROM range({KEYS})",
	"CREATE TABLE small_int AS SELECT CAST(range * 40 AS INTEGER) AS k FROM range(500)",
]
MATCHING_ROWS = 500 * (FACT_ROWS // KEYS)
QUERIES = [
	"SELECT count(*), sum(v) FROM cloud.facts JOIN sel USING (k)",
	"SELECT s.grp, count(*), sum(f.v) FROM cloud.facts f JOIN sel s ON f.sk = s.sk GROUP BY ALL ORDER BY ALL",
	"SELECT count(*) FROM cloud.facts WHERE k IN (SELECT k FROM sel)",
	"SELECT count(*) FROM cloud.facts f WHERE EXISTS (SELECT 1 FROM sel s WHERE s.k = f.k AND s.grp > 2)",
	"SELECT count(*) FROM cloud.facts f WHERE NOT EXISTS (SELECT 1 FROM sel s WHERE s.k = f.k)",
	"SELECT count(*), count(f.id) FROM cloud.facts f RIGHT JOIN sel s ON f.k = s.k",
	"SELECT count(*), count(s.k) FROM cloud.facts f LEFT JOIN sel s ON f.k = s.k",
	"SELECT count(*), count(f.id), count(s.k) FROM cloud.facts f FULL JOIN sel s ON f.k = s.k",
	# Through a filter and a projection, and the probe side of two joins.
	"SELECT count(*) FROM (SELECT k AS key, v FROM cloud.facts WHERE v > 50) f JOIN sel s ON f.key = s.k",
	"SELECT count(*), sum(f.v) FROM cloud.facts f JOIN sel s ON f.k = s.k JOIN sel t ON f.sk = t.sk",
	"SELECT count(*) FROM cloud.facts f JOIN sel s ON f.k = s.k AND f.sk = s.sk",
	# Keys on both sides NULL, computed build-side keys, and keys of another type (a cast).
	"SELECT count(*) FROM cloud.facts f JOIN sel s ON f.nk = s.k",
	"SELECT count(*) FROM cloud.facts f JOIN sel s ON f.k = s.k + 1",
	"SELECT count(*) FROM cloud.facts f JOIN small_int s ON f.k = s.k",
	"SELECT count(*) FROM cloud.facts f JOIN all_keys a USING (k)",
	"SELECT f.id, f.sk FROM cloud.facts f JOIN sel s USING (k) ORDER BY f.id LIMIT 5",
]


@pytest.fixture(scope="module")
def hybrid(session_launcher):
	srv = session_launcher.serve(["semijoin"])
	con = odtest.python_host()
	con.execute(srv.attach_sql("semijoin"))
	oracle = odtest.hybrid_oracle(con, SETUP_REMOTE, SETUP_LOCAL)
	# The host-side plan is the subject: nothing is sent the other way.
	con.execute("SET openduck_placement = 'local'")
	yield con, oracle
	con.close()
	assert srv.process.stop() == 0, srv.process.describe()


def rows_received(con):
	return con.execute("SELECT rows_received FROM openduck_last_query_stats()").fetchone()[0]


def explain(con, sql):
	return "\n".join(row[1] for row in con.execute("EXPLAIN " + sql).fetchall())


@pytest.mark.parametrize("sql", QUERIES)
def test_reduced_joins_return_what_all_local_duckdb_returns(hybrid, sql):
	con, oracle = hybrid
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()


def test_a_selective_join_receives_about_the_rows_that_match(hybrid):
	con, oracle = hybrid
	sql = QUERIES[0]
	plan = explain(con, sql)
	assert "OPENDUCK_JOIN_KEYS" in plan and "Join keys from host" in plan, plan
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
	received = rows_received(con)
	assert MATCHING_ROWS <= received <= 1.2 * MATCHING_ROWS, (received, MATCHING_ROWS)
	# Strings too, and keys of an IN subquery.
	for sql in (QUERIES[1], QUERIES[2]):
		assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
		assert MATCHING_ROWS <= rows_received(con) <= 1.2 * MATCHING_ROWS, sql


def test_joins_that_keep_unmatched_remote_rows_are_not_reduced(hybrid):
	con, _ = hybrid
	for sql in (QUERIES[4], QUERIES[6], QUERIES[7]):
		assert "OPENDUCK_JOIN_KEYS" not in explain(con, sql), sql
		con.execute(sql).fetchall()
		assert rows_received(con) == FACT_ROWS, sql


def test_keys_that_match_most_rows_are_not_sent(hybrid):
	con, _ = hybrid
	con.execute(QUERIES[-2]).fetchall()
	assert rows_received(con) == FACT_ROWS
	sent = con.execute("SELECT bytes_sent FROM openduck_last_query_stats()").fetchone()[0]
	assert sent < 4096, sent


def test_keys_covering_most_of_the_remote_columns_values_are_not_sent(hybrid):
	# 12,000 of facts.k's 20,000 values: few per row of facts (the older rule would send them),
	# but more than half the column's distinct values, which its statistics tell.
	con, oracle = hybrid
	sql = "SELECT count(*), sum(v) FROM cloud.facts f JOIN (SELECT k FROM all_keys WHERE k < 12000) a USING (k)"
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
	sent = con.execute("SELECT bytes_sent FROM openduck_last_query_stats()").fetchone()[0]
	assert sent < 4096, sent
	# A fifth of them still go.
	selective = sql.replace("k < 12000", "k < 4000")
	assert con.execute(selective).fetchall() == oracle.execute(selective).fetchall()
	assert rows_received(con) <= 1.2 * FACT_ROWS / 5, rows_received(con)


def test_each_execution_of_a_prepared_statement_sends_its_own_keys(hybrid):
	con, oracle = hybrid
	sql = "SELECT count(*), sum(f.v) FROM cloud.facts f JOIN (SELECT k FROM sel WHERE grp = ?) s USING (k)"
	for grp in (3, 5, 3):
		assert con.execute(sql, [grp]).fetchall() == oracle.execute(sql, [grp]).fetchall(), grp
		assert rows_received(con) <= 1.2 * MATCHING_ROWS / 7 + 50, grp


def test_a_transactions_own_remote_rows_are_reduced_by_the_same_keys(hybrid):
	con, oracle = hybrid
	insert = "INSERT INTO cloud.facts SELECT range, range * 40 % 20000, 1, 'x', NULL FROM range(1000000, 1000100)"
	sql = QUERIES[0]
	oracle.execute("BEGIN")
	oracle.execute(insert)
	expected = oracle.execute(sql).fetchall()
	oracle.execute("ROLLBACK")
	con.execute("BEGIN")
	try:
		con.execute(insert)
		assert con.execute(sql).fetchall() == expected
	finally:
		con.execute("ROLLBACK")
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()


def test_explain_analyze_shows_what_crossed_the_bridge(hybrid):
	con, _ = hybrid
	plan = "\n".join(row[1] for row in con.execute("EXPLAIN ANALYZE " + QUERIES[0]).fetchall())
	assert "Join keys sent" in plan and "500 keys in" in plan, plan
	received = rows_received(con)
	assert "Rows received" in plan and str(received) in plan.replace(",", ""), (received, plan)


def test_the_filter_travels_beside_the_text_as_bytes(hybrid):
	"""A filter goes as the request's binary join_key_filters, not as a base64 literal in the
	scan's SQL (a third larger, and parsed by the worker)."""
	con, _ = hybrid
	con.execute("CREATE OR REPLACE TEMP TABLE every_fourth AS SELECT range * 4 AS k FROM range(5000)")
	sql = "SELECT count(*) FROM cloud.facts JOIN every_fourth USING (k)"
	assert con.execute(sql).fetchall() == [(5000 * (FACT_ROWS // KEYS),)]
	sent = con.execute("SELECT bytes_sent FROM openduck_last_query_stats()").fetchone()[0]
	plan = "\n".join(row[1] for row in con.execute("EXPLAIN ANALYZE " + sql).fetchall())
	kib = int(re.search(r"5000 keys in (\d+) KiB", plan).group(1))
	assert kib >= 16, plan
	# The filter (its size rounded up to KiB) and the short text: 16.3 KiB for 17, 21.6 KiB as base64.
	assert 0.9 * kib * 1024 < sent < kib * 1024 + 1024, (sent, kib)


def test_writes_driven_by_host_rows_touch_exactly_the_matching_rows(hybrid):
	"""UPDATE / DELETE of remote rows chosen by a join with host rows: the reduced scan still finds
	every row to change."""
	con, oracle = hybrid
	assert "OPENDUCK_JOIN_KEYS" in explain(con, "UPDATE cloud.facts SET v = v + 1000 FROM sel WHERE facts.k = sel.k")
	check = "SELECT count(*), sum(v), sum(id) FROM cloud.facts"
	for writes in (["UPDATE cloud.facts SET v = v + 1000 FROM sel WHERE facts.k = sel.k"],
	               ["DELETE FROM cloud.facts WHERE k IN (SELECT k FROM sel WHERE grp = 2)"]):
		for db in (con, oracle):
			db.execute("BEGIN")
		try:
			for sql in writes:
				con.execute(sql)
				oracle.execute(sql)
			assert con.execute(check).fetchall() == oracle.execute(check).fetchall(), writes
		finally:
			con.execute("ROLLBACK")
			oracle.execute("ROLLBACK")
	assert con.execute(check).fetchall() == oracle.execute(check).fetchall()
