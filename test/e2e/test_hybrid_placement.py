"""Hybrid placement LOCAL→REMOTE: a query joining small host tables with a large remote table
sends the host tables along (temporary tables of the worker's connection) and runs whole next to
the remote data; only the result comes back. Every result is compared with the same query on a
local DuckDB holding every table (the oracle), under each openduck_placement."""

import duckdb
import pytest

import odtest

BIG_ROWS = 300_000
SETUP_REMOTE = [
	f"CREATE TABLE facts AS SELECT range AS id, range % 1000 AS k, (range * 7) % 101 AS v, "
	f"'f' || (range % 37) AS tag FROM range({BIG_ROWS})",
]
SETUP_LOCAL = [
	"CREATE TABLE dim AS SELECT range AS k, 'name ' || range AS name, range % 5 AS grp FROM range(1000)",
	"CREATE TABLE wanted AS SELECT * FROM (VALUES (3, 'three'), (77, 'seventy-seven'), (999, NULL)) t(k, label)",
]
QUERIES = [
	"SELECT d.grp, count(*), sum(f.v) FROM cloud.facts f JOIN dim d ON f.k = d.k GROUP BY d.grp ORDER BY d.grp",
	"SELECT w.label, count(*) FROM cloud.facts JOIN wanted w USING (k) GROUP BY w.label ORDER BY ALL",
	"SELECT * FROM cloud.facts f WHERE f.k IN (SELECT k FROM wanted) ORDER BY id LIMIT 7",
	"SELECT count(*) FROM cloud.facts f WHERE NOT EXISTS (SELECT 1 FROM dim d WHERE d.k = f.k AND d.grp = 1)",
	"WITH x AS (SELECT k, sum(v) AS s FROM cloud.facts GROUP BY k) "
	"SELECT d.name, x.s FROM x JOIN dim d USING (k) JOIN wanted USING (k) ORDER BY ALL",
	"SELECT tag, grp, rank() OVER (PARTITION BY grp ORDER BY count(*) DESC, tag) FROM cloud.facts "
	"JOIN main.dim USING (k) GROUP BY tag, grp ORDER BY ALL LIMIT 20",
	"SELECT k FROM wanted UNION ALL SELECT k FROM cloud.facts WHERE id < 3 ORDER BY ALL",
	"SELECT dim.name, facts.v FROM cloud.facts, memory.main.dim WHERE facts.k = dim.k AND facts.id = 12345",
	# Clauses that reach host columns without naming them: every column is sent.
	"SELECT * FROM cloud.facts NATURAL JOIN wanted ORDER BY ALL",
	"SELECT f.id, w.* FROM cloud.facts f JOIN wanted w USING (k) ORDER BY ALL",
	"SELECT count(*), sum(g) FROM cloud.facts f JOIN dim AS d(kk, nm, g) ON f.k = d.kk WHERE g = 2",
	"SELECT count(*) FROM cloud.facts WHERE k IN (SELECT k FROM dim WHERE rowid < 10)",
	# Stars reach the tables of their own query (a derived table's are over-approximated).
	"SELECT d.grp, count(*) FROM dim d WHERE EXISTS (SELECT * FROM cloud.facts f WHERE f.k = d.k AND f.v = 3) "
	"GROUP BY ALL ORDER BY ALL",
	"SELECT * FROM (SELECT * FROM wanted) w JOIN cloud.facts USING (k) ORDER BY ALL LIMIT 5",
	"WITH c AS (SELECT * FROM dim WHERE grp = 4) SELECT c.*, f.v FROM c JOIN cloud.facts f USING (k) ORDER BY ALL LIMIT 5",
	# A host table's own filters are applied before sending only where a dropped row cannot
	# change the result: not on the padded side of an outer join, nor when it is read twice.
	"SELECT count(*), sum(f.v) FROM cloud.facts f JOIN dim d ON f.k = d.k WHERE d.grp = 2 AND d.name LIKE '%7'",
	"SELECT count(*) FROM cloud.facts f LEFT JOIN dim d ON f.k = d.k AND d.grp = 1 WHERE d.grp IS NULL",
	"SELECT count(*), count(d.k) FROM cloud.facts f LEFT JOIN dim d ON f.k = d.k WHERE d.grp IS NULL OR d.grp = 3",
	"SELECT count(*) FROM dim d RIGHT JOIN cloud.facts f ON f.k = d.k WHERE d.k IS NULL OR d.grp = 0",
	"SELECT count(*) FROM dim d1 JOIN cloud.facts f ON f.k = d1.k JOIN dim d2 ON d2.k = f.k + 1 WHERE d1.grp = 1",
	# Read twice, each read filtered its own way: the rows either keeps are sent.
	"SELECT count(*) FROM dim d1 JOIN cloud.facts f ON f.k = d1.k JOIN dim d2 ON d2.k = f.k + 1 "
	"WHERE d1.grp = 1 AND d2.grp IN (2, 3) AND d2.name LIKE '%2%'",
	"SELECT count(*), sum(d.k) FROM dim d WHERE d.grp IN (1, 2) AND d.k > (SELECT avg(k) FROM dim WHERE grp IN (1, 2)) "
	"AND NOT EXISTS (SELECT 1 FROM cloud.facts f WHERE f.k = d.k AND f.v = 1)",
	"SELECT d.name FROM dim d WHERE d.grp = 3 AND d.k IN (SELECT k FROM cloud.facts WHERE v = 1) ORDER BY ALL",
	"SELECT count(*) FROM cloud.facts f WHERE f.k NOT IN (SELECT k FROM dim WHERE grp <> 2)",
	"SELECT d.grp, count(f.id) FROM dim d LEFT JOIN cloud.facts f ON f.k = d.k AND f.v = 1 WHERE d.grp > 2 "
	"GROUP BY ALL ORDER BY ALL",
	# Conditions the sent rows already meet are not sent again: a range, qualified names, a
	# subquery's own, one beside conditions that stay (on the remote table, on both tables).
	"SELECT count(*), sum(f.v) FROM cloud.facts f JOIN dim d ON f.k = d.k WHERE d.k BETWEEN 100 AND 100 + 399 "
	"AND d.grp = 2 AND f.v < 50 AND f.v > d.grp",
	"SELECT count(*) FROM cloud.facts f WHERE f.k IN (SELECT k FROM dim WHERE grp = 2 AND name LIKE '%5')",
	"SELECT count(*) FROM cloud.facts, dim WHERE facts.k = dim.k AND dim.grp = 1 AND grp + facts.v = 3",
]


@pytest.fixture
def hybrid(launcher, host):
	srv = launcher.serve(["hyb"])
	con = host(srv, "hyb")
	oracle = odtest.hybrid_oracle(con, SETUP_REMOTE, SETUP_LOCAL)
	return con, oracle


def stats(con):
	return con.execute("SELECT bytes_received, bytes_sent FROM openduck_last_query_stats()").fetchone()


def explain(con, sql):
	return "\n".join(row[1] for row in con.execute("EXPLAIN " + sql).fetchall())


@pytest.mark.parametrize("placement", ["auto", "remote", "local"])
def test_every_placement_returns_what_all_local_duckdb_returns(hybrid, placement):
	con, oracle = hybrid
	con.execute(f"SET openduck_placement = '{placement}'")
	for sql in QUERIES:
		assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall(), sql


def test_auto_sends_the_small_host_tables_and_brings_back_only_the_result(hybrid):
	con, oracle = hybrid
	sql = QUERIES[0]
	assert "Uploads (LOCAL→REMOTE)" in explain(con, sql)
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
	received, sent = stats(con)
	assert received < 16 * 1024 and 0 < sent < 64 * 1024, (received, sent)
	# Only the host columns the statement names travel: dim.name (a string) stays home here.
	con.execute("SELECT d.grp, max(d.name), count(*) FROM cloud.facts f JOIN dim d ON f.k = d.k GROUP BY d.grp").fetchall()
	assert stats(con)[1] > sent + 8 * 1000, (stats(con), sent)
	con.execute("SET openduck_placement = 'local'")
	assert "Uploads" not in explain(con, sql)
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
	received_local, _ = stats(con)
	assert received_local > 50 * received, (received_local, received)


def test_a_host_table_is_sent_with_only_the_rows_its_filters_keep(hybrid):
	con, oracle = hybrid
	con.execute("SET openduck_placement = 'remote'")
	sql = "SELECT d.grp, count(*), sum(f.v) FROM cloud.facts f JOIN dim d ON f.k = d.k GROUP BY d.grp ORDER BY d.grp"
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
	_, all_rows = stats(con)
	filtered = sql.replace("GROUP BY", "WHERE d.grp = 2 AND d.k < 500 GROUP BY")
	assert con.execute(filtered).fetchall() == oracle.execute(filtered).fetchall()
	_, some_rows = stats(con)
	# A tenth of the rows (k < 500 and grp = 2 of 1000): the stream's fixed part aside.
	assert some_rows < all_rows / 4, (some_rows, all_rows)
	# Through a host view of the table, too.
	for db in (con, oracle):
		db.execute("CREATE VIEW dim_view AS SELECT * FROM dim")
	through_view = filtered.replace("JOIN dim d", "JOIN dim_view d")
	assert con.execute(through_view).fetchall() == oracle.execute(through_view).fetchall()
	assert stats(con)[1] < all_rows / 4, (stats(con), all_rows)
	# Read twice, once unfiltered: every row goes, for both readers.
	twice = "SELECT count(*) FROM dim d1 JOIN cloud.facts f ON f.k = d1.k JOIN dim d2 ON d2.k = f.k WHERE d1.grp = 2"
	assert con.execute(twice).fetchall() == oracle.execute(twice).fetchall()
	assert stats(con)[1] >= all_rows, (stats(con), all_rows)
	# Read twice, each read filtered (TPC-H Q22's shape): the rows one of them keeps, 2 in 5.
	both = twice + " AND d2.grp IN (2, 3)"
	assert con.execute(both).fetchall() == oracle.execute(both).fetchall()
	assert stats(con)[1] < all_rows / 2, (stats(con), all_rows)


def test_conditions_the_sent_rows_already_meet_are_not_sent_again(hybrid):
	"""A host table read once is sent with only the rows its conditions keep; the statement the
	worker runs then leaves those conditions out: repeated, the worker's optimizer would count
	them a second time (a fifth of the rows for a range) and could pick the wrong side of a join
	to build (TPC-DS Q38: twice as slow)."""
	con, oracle = hybrid
	con.execute("SET openduck_placement = 'remote'")
	sql = ("SELECT d.grp, count(*), sum(f.v) FROM cloud.facts f JOIN dim d ON f.k = d.k "
	       "WHERE d.k BETWEEN 100 AND 100 + 399 AND f.tag LIKE 'f1%' GROUP BY d.grp ORDER BY d.grp")
	plan = explain(con, sql)
	assert "Uploads (LOCAL→REMOTE)" in plan and "f.tag" in plan, plan
	assert "BETWEEN" not in plan, plan
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
	# Read twice, the sent rows are those either read keeps: each read's condition stays.
	twice = ("SELECT count(*) FROM dim d1 JOIN cloud.facts f ON f.k = d1.k JOIN dim d2 ON d2.k = f.k + 1 "
	         "WHERE d1.k BETWEEN 100 AND 499 AND d2.grp = 3")
	assert "BETWEEN" in explain(con, twice)
	assert con.execute(twice).fetchall() == oracle.execute(twice).fetchall()
	# Read twice for the same keys (TPC-DS Q38 reads `date_dim` three times for the same months):
	# every sent row meets the condition, which goes from both reads.
	same = twice.replace("d2.grp = 3", "d2.k BETWEEN 100 AND 499")
	assert "BETWEEN" not in explain(con, same), explain(con, same)
	assert con.execute(same).fetchall() == oracle.execute(same).fetchall()
	# On the padded side of an outer join nothing was filtered before sending: it stays.
	outer = "SELECT count(*) FROM cloud.facts f LEFT JOIN dim d ON f.k = d.k WHERE d.k BETWEEN 100 AND 499"
	assert con.execute(outer).fetchall() == oracle.execute(outer).fetchall()


def test_a_host_table_larger_than_the_remote_side_stays_on_the_host(hybrid):
	con, oracle = hybrid
	con.execute("CREATE TABLE big_local AS SELECT range AS k, range % 3 AS z FROM range(2000000)")
	oracle.execute("CREATE TABLE big_local AS SELECT range AS k, range % 3 AS z FROM range(2000000)")
	sql = "SELECT z, count(*) FROM big_local JOIN cloud.facts USING (k) GROUP BY z ORDER BY z"
	assert "Uploads" not in explain(con, sql)
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
	# Over openduck_max_upload_bytes even when placement is forced.
	con.execute("SET openduck_placement = 'remote'")
	con.execute("SET openduck_max_upload_bytes = 1000")
	assert "Uploads" not in explain(con, QUERIES[0])
	assert con.execute(QUERIES[0]).fetchall() == oracle.execute(QUERIES[0]).fetchall()


def test_uploads_see_the_transactions_own_uncommitted_host_rows(hybrid):
	con, oracle = hybrid
	con.execute("BEGIN")
	con.execute("INSERT INTO wanted VALUES (5, 'five')")
	sql = QUERIES[1]
	oracle.execute("INSERT INTO wanted VALUES (5, 'five')")
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
	con.execute("ROLLBACK")
	oracle.execute("DELETE FROM wanted WHERE k = 5")
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()


def test_settings_are_checked(hybrid):
	con, _ = hybrid
	with pytest.raises(duckdb.InvalidInputException, match="'auto', 'local' or 'remote'"):
		con.execute("SET openduck_placement = 'sideways'")
	with pytest.raises(duckdb.InvalidInputException, match="at most"):
		con.execute("SET openduck_max_upload_bytes = 1000000000")


def test_a_prepared_statement_sends_the_host_rows_of_each_execution(hybrid):
	"""The host tables are read for each execution: a prepared statement executed again after the
	host table changed sees the change. (DuckDB binds a prepared statement again whenever it
	reads a catalog without versions, as an OpenDuck catalog is, so the uploads are read anew.)"""
	con, oracle = hybrid
	sql = QUERIES[1]
	con.execute(f"PREPARE p AS {sql}")
	assert con.execute("EXECUTE p").fetchall() == oracle.execute(sql).fetchall()
	for db in (con, oracle):
		db.execute("INSERT INTO wanted VALUES (5, 'five'), (6, 'six')")
	assert con.execute("EXECUTE p").fetchall() == oracle.execute(sql).fetchall()
	assert "Uploads" in explain(con, sql)


def test_a_statement_the_worker_refused_whole_is_not_sent_again(hybrid):
	"""A host macro over a remote table: the worker refuses the text once (it has no such macro)
	and the host plan runs; placement does not send the same text a second time."""
	con, oracle = hybrid
	for db in (con, oracle):
		db.execute("CREATE MACRO host_only(x) AS x * 2 + 1")
	sql = "SELECT sum(host_only(v)) FROM cloud.facts WHERE id < 1000"
	assert con.execute(sql).fetchall() == oracle.execute(sql).fetchall()
	# The catalog (its first use on this connection), the refused whole statement, then the host
	# plan's one remote scan (a lone scan reads no statistics).
	assert con.execute("SELECT remote_requests FROM openduck_last_query_stats()").fetchone() == (3,)


def test_conditions_derived_from_an_or_count_in_the_remote_estimate(hybrid):
	"""TPC-H Q19's shape: an OR whose every branch has conditions on the remote table alone.
	DuckDB derives the OR of those conditions and pushes it into the remote scan, so pulling the
	few rows past it beats sending the host table; 'auto' counts them (it chose the upload when
	it saw the whole remote table). Where a branch has none, nothing is derived and the upload
	stays."""
	con, oracle = hybrid
	for db in (con, oracle):
		db.execute("CREATE TABLE items AS SELECT range AS k, range % 10 AS brand, range % 50 AS size FROM range(50000)")
	derived = ("SELECT count(*), sum(f.v) FROM cloud.facts f JOIN items i ON f.k = i.k "
	           "WHERE (i.brand = 1 AND f.v = 3 AND f.tag = 'f1') OR (i.size = 2 AND f.v BETWEEN 5 AND 7 AND f.tag = 'f2')")
	assert "Uploads" not in explain(con, derived)
	assert con.execute(derived).fetchall() == oracle.execute(derived).fetchall()
	assert stats(con)[0] < 256 * 1024, stats(con)
	underived = derived.replace("(i.size = 2 AND f.v BETWEEN 5 AND 7 AND f.tag = 'f2')", "i.size = 2")
	assert "Uploads (LOCAL→REMOTE)" in explain(con, underived)
	assert con.execute(underived).fetchall() == oracle.execute(underived).fetchall()


def test_a_remote_only_aggregate_counts_its_groups_not_its_rows(hybrid):
	"""TPC-H Q15's shape: a CTE aggregating the remote table alone, joined with a host table. The
	host plan ships the CTE whole and pulls its groups (their number from the group column's
	listed distinct values), so sending the host table is not worth it; 'auto' chose the upload
	when it counted the rows the CTE reads. Grouped by a column with a value per row, the rows
	read are what counts, and the upload stays."""
	con, oracle = hybrid
	for db in (con, oracle):
		db.execute("CREATE TABLE people AS SELECT range AS k, 'person ' || range AS name FROM range(5000)")
	grouped = ("WITH per_k AS (SELECT k, sum(v) AS s FROM cloud.facts WHERE v < 50 GROUP BY k) "
	           "SELECT p.name, per_k.s FROM people p JOIN per_k USING (k) WHERE per_k.s = (SELECT max(s) FROM per_k) "
	           "ORDER BY ALL")
	assert "Uploads" not in explain(con, grouped)
	assert con.execute(grouped).fetchall() == oracle.execute(grouped).fetchall()
	assert stats(con)[0] < 64 * 1024, stats(con)
	per_row = grouped.replace("SELECT k, sum(v) AS s FROM cloud.facts WHERE v < 50 GROUP BY k",
	                          "SELECT id AS k, sum(v) AS s FROM cloud.facts WHERE v < 50 GROUP BY id")
	assert "Uploads (LOCAL→REMOTE)" in explain(con, per_row)
	assert con.execute(per_row).fetchall() == oracle.execute(per_row).fetchall()
