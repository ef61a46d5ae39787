"""Remote-only parts of hybrid statements (CTEs, derived tables, set-operation branches,
uncorrelated subqueries reading one OpenDuck database) run on the worker as one query: results
equal local DuckDB, hostile identifiers and literals survive, fewer bytes cross the wire, and
what cannot be shipped exactly (correlated subqueries, place-dependent functions, local-only
statements) stays as it was."""

import pytest

import odtest

SETUP = [
	"CREATE TABLE sp_items AS SELECT i % 1000 AS okey, i % 7 AS qty, 'it''s ' || (i % 13) AS tag "
	"FROM range(60000) t(i)",
	'CREATE TABLE "we""ird sub" ("sel ect" INTEGER, "Grüße" VARCHAR)',
	"INSERT INTO \"we\"\"ird sub\" SELECT i, 'o''k ' || i FROM range(1000) t(i)",
]
LOCAL = [
	"CREATE OR REPLACE TABLE local_orders AS SELECT i AS okey, 'order ' || i AS name FROM range(0, 1000, 20) t(i)",
	"CREATE OR REPLACE TABLE one AS SELECT 1 AS x",
]


@pytest.fixture
def sp(mirror):
	# Remote-only parts shipped as subtrees (REMOTE→LOCAL) are what this file tests; sending the
	# host tables to the worker instead is test_hybrid_placement.py's.
	mirror.con.execute("SET openduck_placement = 'local'")
	for sql in SETUP:
		mirror.execute(sql)
	for sql in LOCAL:
		mirror.con.execute(sql)
		mirror.local.execute(sql)
	yield mirror
	mirror.execute("DROP TABLE sp_items")
	mirror.execute('DROP TABLE "we""ird sub"')


def _plan(con, sql):
	return "\n".join(row[1] for row in con.execute("EXPLAIN " + sql).fetchall())


def _bytes(con, sql):
	con.execute(sql).fetchall()
	return con.execute("SELECT bytes_received FROM openduck_last_query_stats()").fetchone()[0]


SHIPPED = [
	"WITH agg AS (SELECT okey, sum(qty) AS q, count(*) AS n FROM {db}sp_items GROUP BY 1) "
	"SELECT o.name, agg.q, agg.n FROM local_orders o JOIN agg ON o.okey = agg.okey ORDER BY 1",
	"SELECT o.name, a.q FROM local_orders o JOIN (SELECT okey, max(tag) AS q FROM {db}sp_items "
	"WHERE tag <> 'it''s 3' GROUP BY okey) a USING (okey) ORDER BY 1",
	# Two remote tables joined remotely, the result joined with local data.
	'SELECT o.name, j.g FROM local_orders o JOIN (SELECT s."sel ect" AS k, max(s."Grüße") AS g '
	'FROM {db}"we""ird sub" s JOIN {db}sp_items i ON i.okey = s."sel ect" GROUP BY 1) j ON j.k = o.okey ORDER BY 1',
	"SELECT name FROM local_orders WHERE okey IN (SELECT okey FROM {db}sp_items WHERE tag = 'it''s 5' AND qty = 2) "
	"ORDER BY 1",
	"SELECT name, (SELECT count(DISTINCT tag) FROM {db}sp_items) AS tags FROM local_orders ORDER BY 1 LIMIT 3",
	"SELECT okey, 'remote' AS side FROM (SELECT DISTINCT okey FROM {db}sp_items WHERE okey < 30) r "
	"UNION ALL SELECT okey, 'local' FROM local_orders WHERE okey < 100 ORDER BY 1, 2",
	'WITH "x ""y" AS (SELECT "sel ect" AS "a""b", "Grüße" FROM {db}"we""ird sub" WHERE "Grüße" LIKE \'o\'\'k 1%\') '
	'SELECT o.name, x."a""b", x."Grüße" FROM "x ""y" x JOIN local_orders o ON o.okey = x."a""b" ORDER BY 1',
]


def _assert_remote_reads_shipped(con, sql):
	plan = _plan(con, sql)
	assert "OPENDUCK_QUERY" in plan, plan
	assert "OPENDUCK_SCAN" not in plan, plan



KEPT_LOCAL = [
	# Correlated: the worker cannot bind the outer column.
	"SELECT name, (SELECT max(qty) FROM {db}sp_items i WHERE i.okey = o.okey) AS m FROM local_orders o ORDER BY 1",
	# The value depends on where it runs.
	"SELECT count(*) FROM local_orders o JOIN (SELECT okey, random() < 2 AS r FROM {db}sp_items) s USING (okey) "
	"WHERE s.r",
	# A CTE of the enclosing query is local data.
	"WITH l AS (SELECT * FROM local_orders) SELECT count(*) FROM (SELECT i.okey FROM {db}sp_items i JOIN l USING (okey)) s",
]


@pytest.mark.parametrize("query", KEPT_LOCAL)
def test_unsafe_parts_stay_local(sp, query):
	plan = _plan(sp.con, sp.render(query, True))
	assert "OPENDUCK_SCAN" in plan, plan
	assert "OPENDUCK_QUERY" not in plan, plan
	sp.check(query)


# A shipped part beside a correlated subquery over local data (the shapes of TPC-H Q22 with
# customer remote and orders local): the statement is planned again with DuckDB's decorrelation
# of the whole plan, or a column reference of the correlated part is left without a source.
BESIDE_CORRELATED = [
	"SELECT count(*), sum(i.qty) FROM {db}sp_items i WHERE i.qty > (SELECT avg(qty) FROM {db}sp_items) "
	"AND NOT EXISTS (SELECT * FROM local_orders o WHERE o.okey = i.okey)",
	"SELECT count(*), sum(s.qty) FROM (SELECT * FROM {db}sp_items) s "
	"WHERE NOT EXISTS (SELECT * FROM local_orders o WHERE o.okey = s.okey)",
]


@pytest.mark.parametrize("query", BESIDE_CORRELATED)
def test_shipped_part_beside_a_correlated_subquery(sp, query):
	assert "OPENDUCK_QUERY" in _plan(sp.con, sp.render(query, True))
	sp.check(query)


# A remote table whose conditions hold a subquery over the same database (TPC-H Q22's
# c_acctbal > (SELECT avg(c_acctbal) FROM customer ...)): such a condition never becomes a filter
# of the remote scan, so every row was pulled and compared on the host. The table and its
# remote-only conditions now ship as one derived table of the columns the query reads; conditions
# on local data stay on the host.
WITH_CONDITIONS = [
	"SELECT count(*), sum(i.qty) FROM {db}sp_items i WHERE i.qty > (SELECT avg(qty) FROM {db}sp_items) "
	"AND NOT EXISTS (SELECT * FROM local_orders o WHERE o.okey = i.okey)",
	# A star of the query's own reads every column; the condition over the local `one` stays.
	"SELECT * FROM {db}sp_items WHERE okey IN (SELECT okey FROM {db}sp_items WHERE tag = 'it''s 5') "
	"AND qty < (SELECT max(x) + 2 FROM one) ORDER BY ALL",
	# Inside a subquery correlated with a local table: the correlated condition stays.
	"SELECT name FROM local_orders o WHERE EXISTS (SELECT 1 FROM {db}sp_items i WHERE i.okey = o.okey "
	"AND i.qty > (SELECT avg(qty) + 2 FROM {db}sp_items)) ORDER BY 1",
	'SELECT count(*), max(w."Grüße") FROM {db}"we""ird sub" w WHERE w."sel ect" > '
	'(SELECT avg("sel ect") FROM {db}"we""ird sub") AND NOT EXISTS (SELECT 1 FROM local_orders o '
	'WHERE o.okey = w."sel ect")',
]


@pytest.mark.parametrize("query", SHIPPED + WITH_CONDITIONS)
def test_remote_parts_ship_and_match_local(sp, query):
	_assert_remote_reads_shipped(sp.con, sp.render(query, True))
	sp.check(query)


def test_shipping_moves_fewer_bytes(sp):
	raw = _bytes(sp.con, "SELECT t.okey, t.qty FROM cloud.sp_items t, one")
	shipped = _bytes(sp.con, sp.render(SHIPPED[0], True))
	with_conditions = _bytes(sp.con, sp.render(WITH_CONDITIONS[0], True))
	print(f"bytes: raw rows {raw}, shipped aggregate {shipped}, table with its conditions {with_conditions}")
	assert shipped * 10 < raw, (shipped, raw)
	# 4 of the 7 qty values pass (the average is just under 3): 0.57 of the bytes. With `tag` sent
	# too, it would be about 0.95.
	assert with_conditions < 0.7 * raw, (with_conditions, raw)
	# One read of the database: no worker session, and the host needs no order from the worker.
	assert "Row order" in _plan(sp.con, sp.render(WITH_CONDITIONS[0], True))


def test_local_only_statements_untouched(sp):
	sql = "WITH a AS (SELECT okey FROM local_orders) SELECT count(*) FROM a JOIN (SELECT okey FROM local_orders) b USING (okey)"
	plan = _plan(sp.con, sql)
	assert "OPENDUCK" not in plan, plan
	sp.check(sql)
	assert sp.con.execute("SELECT remote_requests FROM openduck_last_query_stats()").fetchone()[0] == 0


# Views the host keeps over remote tables (the local oracle has the same views over its own
# tables): DuckDB expands them only when binding, the subtree check sees through them.
VIEWS = [
	"CREATE VIEW sp_view AS SELECT * FROM {db}sp_items",
	"CREATE VIEW sp_cols(k, q) AS SELECT okey, qty FROM {db}sp_items WHERE qty > 2",
	"CREATE VIEW sp_nested AS SELECT k, sum(q) AS total FROM sp_cols GROUP BY k",
	"CREATE VIEW sp_mixed AS SELECT i.okey FROM {db}sp_items i JOIN local_orders USING (okey)",
	# In its own schema, with a local table of a remote table's name: the view's schema comes
	# first when its names resolve, whatever the reader's search path.
	"CREATE SCHEMA s1",
	"CREATE TABLE s1.sp_items AS SELECT i * 40 AS okey FROM range(10) t(i)",
	"CREATE VIEW s1.v AS SELECT okey FROM sp_items",
]


@pytest.fixture
def views(sp):
	for sql in VIEWS:
		sp.con.execute(sp.render(sql, True))
		sp.local.execute(sp.render(sql, False))
	yield sp
	for sql in ("DROP SCHEMA s1 CASCADE", "DROP VIEW sp_mixed", "DROP VIEW sp_nested", "DROP VIEW sp_cols",
	            "DROP VIEW sp_view"):
		sp.con.execute(sql)


SHIPPED_THROUGH_VIEWS = [
	"SELECT name FROM local_orders WHERE okey IN (SELECT k FROM sp_nested WHERE total > 100) ORDER BY 1",
	"SELECT o.name, v.n FROM local_orders o JOIN (SELECT okey, count(*) AS n FROM sp_view v WHERE tag = 'it''s 5' "
	"GROUP BY okey) v USING (okey) ORDER BY 1",
	# The reference's own column aliases over the view's.
	"SELECT o.name, c.m FROM local_orders o JOIN (SELECT x.a, max(x.b) AS m FROM sp_cols AS x(a, b) GROUP BY x.a) c "
	"ON c.a = o.okey ORDER BY 1",
	"WITH t AS (SELECT sp_view.okey, sp_view.qty FROM sp_view WHERE qty = 3) "
	"SELECT count(*), sum(t.qty) FROM t JOIN local_orders USING (okey)",
]


@pytest.mark.parametrize("query", SHIPPED_THROUGH_VIEWS)
def test_remote_parts_ship_through_host_views(views, query):
	_assert_remote_reads_shipped(views.con, query)
	views.check_pair(query, query)


def test_views_over_local_data_stay_local(views):
	# sp_mixed joins local_orders; s1.v reads the local s1.sp_items even with the remote
	# database's schema first on the reader's search path.
	views.con.execute("SET search_path = 'cloud.main,memory.main'")
	views.local.execute("SET search_path = 'memory.main'")
	try:
		# The second query also reads the remote table elsewhere, so that subtrees are looked for;
		# only that part is shipped.
		for query, shipped in (
		    ("SELECT count(*) FROM local_orders WHERE okey IN (SELECT okey FROM sp_mixed)", 0),
		    ("SELECT count(*), sum(okey) FROM local_orders WHERE okey IN (SELECT okey FROM memory.s1.v) "
		     "AND okey IN (SELECT okey FROM sp_items WHERE qty = 3)", 1)):
			plan = _plan(views.con, query)
			assert plan.count("OPENDUCK_QUERY") == shipped, plan
			views.check_pair(query, query)
	finally:
		views.con.execute("RESET search_path")
		views.local.execute("RESET search_path")


def test_a_views_cte_does_not_capture_a_table_beside_it(views):
	# The view names its CTE like the host table next to it, and the worker has a table of that
	# name too, with other rows: the host table must stay the host's.
	views.con.execute("CREATE TABLE cloud.local_orders AS SELECT 0 AS okey, 'remote' AS name")
	view = ("CREATE VIEW sp_cte AS WITH local_orders AS (SELECT okey FROM {db}sp_items WHERE qty = 1) "
	        "SELECT okey FROM local_orders")
	views.con.execute(views.render(view, True))
	views.local.execute(views.render(view, False))
	try:
		query = "SELECT count(*), sum(s.okey) FROM (SELECT v.okey FROM sp_cte v JOIN local_orders o USING (okey)) s"
		views.check_pair(query, query)
	finally:
		views.con.execute("DROP VIEW sp_cte")
		views.con.execute("DROP TABLE cloud.local_orders")
