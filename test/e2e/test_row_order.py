"""Remote scans whose row order nothing above observes run unordered on the worker
(pushdown/row_order.hpp, ExecuteFragmentRequest.any_row_order); every other scan keeps the
table's order, so results match local DuckDB row for row."""

import pytest

ROWS = 400_000  # four row groups: a worker with two threads could interleave them


@pytest.fixture
def big(mirror):
	mirror.execute(f"CREATE TABLE ordered_rows AS SELECT i AS id, i % 7 AS k, i * 3 AS v FROM range({ROWS}) t(i)")
	for con in (mirror.con, mirror.local):
		con.execute("CREATE OR REPLACE TABLE one AS SELECT x FROM range(7) t(x)")
	# The remote scan stays on the host (with 'auto' the small host table would go to the worker).
	mirror.con.execute("SET openduck_placement = 'local'")
	yield mirror
	mirror.con.execute("RESET openduck_placement")
	mirror.execute("DROP TABLE ordered_rows")
	for con in (mirror.con, mirror.local):
		con.execute("DROP TABLE IF EXISTS many")


def explain(con, query):
	return "\n".join(row[1] for row in con.execute("EXPLAIN " + query).fetchall())


UNORDERED = [
	# Under an aggregate of order-free functions, through a join's probe side.
	"SELECT count(*), sum(v), min(id), max(id) FROM {db}ordered_rows b JOIN one ON b.k = one.x WHERE b.id % 1000 = 0",
	"SELECT k, count(*) FROM {db}ordered_rows b JOIN one ON b.k = one.x WHERE b.id % 3 = 0 GROUP BY k ORDER BY k",
	"SELECT DISTINCT b.k FROM {db}ordered_rows b JOIN one ON b.k = one.x ORDER BY 1",
]

# A parameter keeps these statements on the host (statements with parameters are never shipped
# as text) without a join: DuckDB keeps a scan's order through filters, projections and LIMIT,
# not through a parallel join, so only such plans have one answer to compare row for row.
HOST = "id >= ?"
ORDERED = [
	# The result shows the scan's order.
	f"SELECT id, v FROM {{db}}ordered_rows WHERE id % 997 = 0 AND {HOST}",
	# A LIMIT keeps the first rows; a window without ORDER BY numbers rows as they come.
	f"SELECT sum(id) FROM (SELECT id FROM {{db}}ordered_rows WHERE id % 5 = 0 AND {HOST} LIMIT 1000)",
	f"SELECT max(r) FILTER (WHERE id = 333333) FROM "
	f"(SELECT id, row_number() OVER () AS r FROM {{db}}ordered_rows WHERE {HOST})",
]


# Aggregates DuckDB marks order-dependent keep the scan's order too, though a parallel local
# aggregate gives them no fixed order either (so only the plan is checked); an ORDER BY of the
# aggregate's own is not looked into.
ORDER_DEPENDENT_AGGREGATES = [
	f"SELECT list(id) FROM {{db}}ordered_rows WHERE id % 4999 = 0 AND {HOST}",
	f"SELECT list(id ORDER BY v DESC) FROM {{db}}ordered_rows WHERE id % 4999 = 0 AND {HOST}",
	f"SELECT k, first(id) FROM {{db}}ordered_rows WHERE id > 1000 AND {HOST} GROUP BY k ORDER BY k",
	f"SELECT k, string_agg(id::VARCHAR, ',') FROM {{db}}ordered_rows b JOIN one ON b.k = one.x WHERE {HOST} GROUP BY k",
]


@pytest.mark.parametrize("query", UNORDERED)
def test_scans_under_order_free_consumers_run_unordered(big, query):
	assert "Row order" in explain(big.con, big.render(query, True))
	big.check(query)


def explain_with_parameter(con, query):
	return "\n".join(row[1] for row in con.execute("EXPLAIN " + query, [0]).fetchall())


@pytest.mark.parametrize("query", ORDERED)
def test_scans_whose_order_shows_keep_it(big, query):
	plan = explain_with_parameter(big.con, big.render(query, True))
	assert "OPENDUCK_SCAN" in plan and "Row order" not in plan, plan
	assert big.con.execute(big.render(query, True), [0]).fetchall() == \
	    big.local.execute(big.render(query, False), [0]).fetchall()


def test_build_side_of_a_hash_join_runs_unordered(big):
	# The host table is the larger side, so the remote one is the hash table's build side.
	for con in (big.con, big.local):
		con.execute("CREATE OR REPLACE TABLE many AS SELECT i AS id, i % 7 AS k FROM range(2000000) t(i)")
	query = "SELECT m.id, b.v FROM many m JOIN {db}ordered_rows b ON m.id = b.id WHERE b.id % 50000 = 1 ORDER BY m.id"
	plan = explain(big.con, big.render(query, True))
	assert "Row order" in plan, plan
	big.check(query)


@pytest.mark.parametrize("query", ORDER_DEPENDENT_AGGREGATES)
def test_order_dependent_aggregates_keep_the_order(big, query):
	plan = explain_with_parameter(big.con, big.render(query, True))
	assert "OPENDUCK_SCAN" in plan and "Row order" not in plan, plan


def test_without_insertion_order_every_scan_runs_unordered(big):
	big.con.execute("SET preserve_insertion_order = false")
	try:
		plain = f"SELECT id, v FROM cloud.ordered_rows WHERE id % 997 = 0 AND {HOST}"
		assert "Row order" in explain_with_parameter(big.con, plain)
		assert sorted(big.con.execute(plain, [0]).fetchall()) == [(i, 3 * i) for i in range(0, ROWS, 997)]
		# A LIMIT then takes any qualifying rows, locally as here.
		limited = big.con.execute(f"SELECT id FROM cloud.ordered_rows WHERE id % 5 = 0 AND {HOST} LIMIT 1000", [0]).fetchall()
		assert len(set(limited)) == 1000 and all(row[0] % 5 == 0 for row in limited)
	finally:
		big.con.execute("RESET preserve_insertion_order")
