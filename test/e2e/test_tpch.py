"""TPC-H SF0.1 generated in a remote database (the worker loads the tpch extension from the
duckdb-ext-tpch package and runs dbgen), queries 1-22 run through ATTACH and compared with the
same queries on a local SF0.1 database.

Two placements of every query:
- `remote`: `USE cloud`, so every table lives in the attached database and the whole statement
  is shipped to the worker (joins, aggregates, TopN run there);
- `hybrid`: the host reads the tables through local views over `cloud.<table>`, so the statement
  is not shipped whole: the host joins and aggregates, and the remote scans carry the filters
  DuckDB pushes into them (dates, IN lists, LIKE-derived prefixes, dynamic join filters).

Selective queries on lineitem must ship about their result's own Arrow size
(openduck_last_query_stats), including LIMIT and TopN over a remote scan inside a hybrid plan.
"""

import math
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import odtest

SCALE_FACTOR = 0.1
TABLES = ["customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"]


def tpch_extension_path() -> Path:
	"""tpch.duckdb_extension inside the pip package duckdb-ext-tpch (installed by setup.sh)."""
	import duckdb_ext  # the namespace package of the duckdb-ext-* wheels
	for root in duckdb_ext.__path__:
		found = sorted(Path(root).glob(f"extensions/v{duckdb.__version__}/*/tpch.duckdb_extension"))
		if found:
			return found[0]
	raise AssertionError(f"duckdb-ext-tpch for DuckDB {duckdb.__version__} is not installed (run scripts/setup.sh)")


@pytest.fixture(scope="module")
def tpch(session_launcher):
	"""(server, local oracle connection, {n: query text}) with SF0.1 on both sides."""
	extension = odtest.sql_string(str(tpch_extension_path()))
	# Clients cannot load extensions on the server; the operator allows tpch at start.
	srv = session_launcher.serve(["tpchdb"], extra_args=["--allow-extension", tpch_extension_path()])
	loader = odtest.python_host()
	try:
		loader.execute(srv.attach_sql("tpchdb"))
		odtest.remote(loader, "cloud", f"CALL dbgen(sf={SCALE_FACTOR})")
	finally:
		loader.close()

	local = duckdb.connect()
	local.execute(f"LOAD {extension}")
	local.execute(f"CALL dbgen(sf={SCALE_FACTOR})")
	queries = dict(local.execute("SELECT query_nr, query FROM tpch_queries()").fetchall())
	assert sorted(queries) == list(range(1, 23))
	yield srv, local, queries
	local.close()
	assert srv.process.stop() == 0, srv.process.describe()


@pytest.fixture(scope="module")
def tpch_hosts(tpch):
	"""One host per placement, shared by the 22 queries."""
	srv = tpch[0]
	remote_host = odtest.python_host()
	remote_host.execute(srv.attach_sql("tpchdb"))
	remote_host.execute("USE cloud")
	hybrid_host = odtest.python_host()
	hybrid_host.execute(srv.attach_sql("tpchdb"))
	for table in TABLES:
		hybrid_host.execute(f"CREATE VIEW {table} AS SELECT * FROM cloud.{table}")
	yield {"remote": remote_host, "hybrid": hybrid_host}
	remote_host.close()
	hybrid_host.close()


def _same_value(a, b) -> bool:
	if isinstance(a, float) and isinstance(b, float):
		# Parallel aggregation sums floats in a different order on each run.
		return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
	if isinstance(a, Decimal) and isinstance(b, Decimal):
		return a == b
	return type(a) is type(b) and a == b


def _assert_rows_match(actual, expected, ordered: bool, context: str):
	assert len(actual) == len(expected), f"{len(actual)} rows, expected {len(expected)}{context}"
	if not ordered:
		actual, expected = sorted(actual, key=repr), sorted(expected, key=repr)
	for i, (a, e) in enumerate(zip(actual, expected)):
		assert len(a) == len(e) and all(_same_value(x, y) for x, y in zip(a, e)), \
		    f"row {i} differs: {a!r} != {e!r}{context}"


def _has_top_level_order_by(query: str) -> bool:
	# Every ORDER BY in the TPC-H texts belongs to the outermost query.
	return re.search(r"\border\s+by\b", query, re.IGNORECASE) is not None


@pytest.mark.parametrize("placement", ["remote", "hybrid"])
@pytest.mark.parametrize("n", range(1, 23))
def test_tpch_query_matches_local(tpch, tpch_hosts, placement, n):
	_, local, queries = tpch
	query = queries[n]
	host = tpch_hosts[placement]
	context = f"\nTPC-H Q{n} ({placement})"

	remote_rel = host.sql(query)
	local_rel = local.sql(query)
	assert remote_rel.columns == local_rel.columns, "column names differ" + context
	assert [str(t) for t in remote_rel.types] == [str(t) for t in local_rel.types], "column types differ" + context

	expected = local.execute(query).fetchall()
	actual = host.execute(query).fetchall()
	assert expected, f"the oracle returned no rows{context}"
	_assert_rows_match(actual, expected, _has_top_level_order_by(query), context)

	plan = "\n".join(row[1] for row in host.execute("EXPLAIN " + query).fetchall())
	if placement == "remote":
		assert "OPENDUCK_QUERY" in plan and "OPENDUCK_SCAN" not in plan, f"not shipped whole{context}\n{plan}"
	else:
		assert "OPENDUCK_SCAN" in plan and "OPENDUCK_QUERY" not in plan, f"not run locally{context}\n{plan}"


def _ipc_stream_size(table) -> int:
	import pyarrow as pa
	sink = pa.BufferOutputStream()
	with pa.ipc.new_stream(sink, table.schema) as writer:
		writer.write_table(table)
	return sink.getvalue().size


def _shipped_vs_result(host, query: str):
	"""(bytes shipped, rows received, the result's own Arrow IPC stream size, result rows)."""
	table = host.execute(query).fetch_arrow_table()
	_, shipped, rows_received = host.execute("SELECT * FROM openduck_last_query_stats()").fetchone()
	return shipped, rows_received, _ipc_stream_size(table), table.num_rows


SELECTIVE = "SELECT * FROM lineitem WHERE l_shipmode = 'AIR' AND l_quantity < 3 AND l_discount > 0.05"


@pytest.mark.parametrize("placement, query", [
	pytest.param("remote", SELECTIVE + " LIMIT 1000", id="remote-filter-limit"),
	pytest.param("remote", SELECTIVE, id="remote-filter"),
	pytest.param("hybrid", SELECTIVE, id="hybrid-filter"),
	pytest.param("hybrid", "SELECT * FROM lineitem WHERE l_shipdate = DATE '1995-06-17' AND l_returnflag = 'N'",
	             id="hybrid-date-filter"),
	pytest.param("hybrid", SELECTIVE + " LIMIT 1000", id="hybrid-filter-limit"),
	pytest.param("hybrid", "SELECT * FROM lineitem ORDER BY l_extendedprice DESC LIMIT 10", id="hybrid-topn"),
])
def test_selective_queries_ship_about_the_result(tpch, tpch_hosts, placement, query):
	"""A selective query ships at most 1.1x its result's own Arrow IPC size, plus one schema
	message (ours carries each column's exact DuckDB type: about 1 KiB for lineitem), which only
	matters for tiny results."""
	host = tpch_hosts[placement]
	shipped, rows_received, own, rows = _shipped_vs_result(host, query)
	assert 0 < rows <= rows_received
	assert shipped <= 1.1 * own + 2048, \
	    f"{placement}: shipped {shipped} bytes ({rows_received} rows) for a {own}-byte result ({rows} rows): {query}"
