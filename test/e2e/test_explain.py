"""openduck_explain(sql): where each part of a plan runs, with the bridges between host and
worker, and the worker's own plan of what is shipped to it."""

import duckdb
import pytest


@pytest.fixture
def con(server, host):
	con = host(server)
	con.execute("CREATE OR REPLACE TABLE cloud.ex_sales AS SELECT range AS id, range % 10 AS product, "
	            "range * 1.5 AS amount FROM range(100000)")
	con.execute("CREATE OR REPLACE TABLE memory.main.ex_products AS SELECT range AS id, 'p' || range AS name "
	            "FROM range(10)")
	return con


def explain(con, sql):
	return con.execute("SELECT location, operator, detail FROM openduck_explain(?)", [sql]).fetchall()


def test_a_hybrid_join_shows_both_sides_and_the_bridge(con):
	# Kept on the host: the remote rows come up (the default would send the host table down).
	con.execute("SET openduck_placement = 'local'")
	rows = explain(con, "SELECT p.name, sum(s.amount) FROM cloud.ex_sales s JOIN memory.main.ex_products p "
	                    "ON s.product = p.id GROUP BY p.name")
	ops = [(location, op.strip()) for location, op, _ in rows]
	assert ("LOCAL", "HASH_JOIN") in ops, rows
	assert ("LOCAL", "Bridge(REMOTE→LOCAL)") in ops, rows
	assert ("LOCAL", "SEQ_SCAN") in ops, rows
	bridge = ops.index(("LOCAL", "Bridge(REMOTE→LOCAL)"))
	location, op, detail = rows[bridge + 1]
	assert (location, op.strip()) == ("REMOTE", "TABLE_SCAN") and "ex_sales" in detail, rows
	# the remote scan sits under the join, one level below the bridge
	assert len(op) - len(op.lstrip()) == len(rows[bridge][1]) - len(rows[bridge][1].lstrip()) + 2
	# every row above the bridge runs on the host
	assert all(location == "LOCAL" for location, _, _ in rows[:bridge])


def test_join_keys_sent_to_a_remote_scan_show_as_a_bridge(con):
	con.execute("SET openduck_placement = 'local'")
	rows = explain(con, "SELECT p.name, sum(s.amount) FROM cloud.ex_sales s JOIN memory.main.ex_products p "
	                    "ON s.product = p.id GROUP BY p.name")
	ops = [(location, op.strip()) for location, op, _ in rows]
	keys = ops.index(("LOCAL", "Bridge(LOCAL→REMOTE)"))
	assert "id -> remote product" in rows[keys][2], rows
	# The host side whose keys cross sits under it; the remote scan shows what it receives.
	assert ops[keys + 1] == ("LOCAL", "SEQ_SCAN") and "ex_products" in rows[keys + 1][2], rows
	scan = ops.index(("REMOTE", "TABLE_SCAN"))
	assert "Join keys from host" in rows[scan][2], rows


def test_a_host_table_sent_to_the_worker_shows_both_bridges(con):
	sql = ("SELECT p.name, sum(s.amount) FROM cloud.ex_sales s JOIN memory.main.ex_products p "
	       "ON s.product = p.id GROUP BY p.name")
	rows = explain(con, sql)
	ops = [(location, op.strip()) for location, op, _ in rows]
	assert ops[0] == ("LOCAL", "Bridge(REMOTE→LOCAL)"), rows
	# The worker joins: its plan has the join and the scan of the uploaded table.
	assert ("REMOTE", "HASH_JOIN") in ops, rows
	up = ops.index(("LOCAL", "Bridge(LOCAL→REMOTE)"))
	assert "ex_products" in rows[up][2] and "openduck_upload_0" in rows[up][2], rows
	assert ops[up + 1] == ("LOCAL", "SEQ_SCAN") and "ex_products" in rows[up + 1][2], rows
	remote_sql = next(detail for _, op, detail in rows if op.strip() == "SQL")
	assert "openduck_upload_0" in remote_sql and "ex_sales" in remote_sql, rows
	assert con.execute(sql + " ORDER BY 1").fetchall() == \
	    [(f"p{i}", sum(r * 1.5 for r in range(i, 100000, 10))) for i in range(10)]


def test_a_shipped_statement_shows_the_workers_plan_and_sql(con):
	rows = explain(con, "SELECT count(*) FROM cloud.ex_sales WHERE amount > 10")
	assert rows[0][0] == "LOCAL" and rows[0][1].strip() == "Bridge(REMOTE→LOCAL)", rows
	remote = rows[1:]
	assert remote and all(location == "REMOTE" for location, _, _ in remote), rows
	operators = {op.strip() for _, op, _ in remote}
	assert "SQL" in operators and any("SCAN" in op for op in operators), rows
	assert "ex_sales" in next(detail for _, op, detail in remote if op.strip() == "SQL")


def test_a_remote_insert_of_host_rows_shows_the_upward_bridge(con):
	con.execute("CREATE OR REPLACE TABLE cloud.ex_copy (id BIGINT, name VARCHAR)")
	rows = explain(con, "INSERT INTO cloud.ex_copy SELECT id, name FROM memory.main.ex_products")
	ops = [(location, op.strip()) for location, op, _ in rows]
	assert ops[0][0] == "REMOTE", rows
	assert ("LOCAL", "Bridge(LOCAL→REMOTE)") in ops, rows
	assert ("LOCAL", "SEQ_SCAN") in ops, rows
	# explaining runs nothing
	assert con.execute("SELECT count(*) FROM cloud.ex_copy").fetchone() == (0,)


def test_a_local_statement_is_all_local(con):
	rows = explain(con, "SELECT count(*) FROM memory.main.ex_products")
	assert rows and all(location == "LOCAL" for location, _, _ in rows)


def test_explain_shows_the_location_of_remote_operators(con):
	plan = "\n".join(r[1] for r in con.execute(
	    "EXPLAIN SELECT * FROM cloud.ex_sales s JOIN memory.main.ex_products p ON s.product = p.id").fetchall())
	assert "REMOTE (testdb@" in plan and "Catalog" in plan, plan


def test_a_bad_statement_gives_the_statements_own_error(con):
	with pytest.raises(duckdb.CatalogException, match="no_such_table"):
		explain(con, "SELECT * FROM cloud.no_such_table")
