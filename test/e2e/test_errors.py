"""Errors a user can run into, and that they say what happened."""

import time

import duckdb
import pytest

import odtest


def local_error(sql: str) -> str:
	"""The first line of the error local DuckDB raises for `sql` (e.g. 'Catalog Error: ...').
	Through con.sql(): con.execute() of a query failing mid-stream reports "Attempting to execute
	an unsuccessful or closed pending query result" instead (a quirk of the Python client)."""
	local = duckdb.connect()
	with pytest.raises(duckdb.Error) as error:
		local.sql(sql).fetchall()
	return str(error.value).splitlines()[0]


def remote_error(con, sql: str) -> str:
	with pytest.raises(duckdb.Error) as error:
		con.sql(odtest.openduck_query_sql("cloud", sql)).fetchall()
	return str(error.value)


def test_wrong_token(server, host):
	con = host()
	with pytest.raises(duckdb.Error) as error:
		con.execute(server.attach_sql("testdb", token="wrong-" + server.token))
	message = str(error.value)
	assert "authentication failed" in message
	assert server.token not in message, "the error must not echo a token"


def test_missing_token(server, host, monkeypatch):
	monkeypatch.delenv("OPENDUCK_TOKEN", raising=False)
	con = host()
	with pytest.raises(duckdb.Error) as error:
		con.execute(f"ATTACH 'openduck:testdb?endpoint={server.endpoint}' AS cloud")
	assert "authentication failed" in str(error.value)


def test_token_is_never_logged(server, host):
	con = host(server)
	odtest.remote(con, "cloud", "SELECT 1")
	with pytest.raises(duckdb.Error):
		host().execute(server.attach_sql("testdb", token="wrong-token-value-xyz"))
	log = server.process.output(tail=10_000_000)
	assert server.token not in log
	assert "wrong-token-value-xyz" not in log


def test_server_down(host):
	port = odtest.free_port()   # nothing listens there
	con = host()
	started = time.monotonic()
	with pytest.raises(duckdb.Error) as error:
		con.execute(f"ATTACH 'openduck:testdb?endpoint=http://127.0.0.1:{port}&token=x' AS cloud")
	assert f"cannot reach OpenDuck gateway at http://127.0.0.1:{port}" in str(error.value)
	assert time.monotonic() - started < 30, "a refused connection should fail fast"


def test_server_goes_away_after_attach(launcher, host):
	srv = launcher.serve(["gone"])
	con = host(srv, "gone")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT 1 AS x")
	srv.process.stop()
	with pytest.raises(duckdb.Error) as error:
		con.execute("SELECT * FROM cloud.t").fetchall()
	assert "cannot reach OpenDuck gateway at " + srv.endpoint in str(error.value)


def test_unknown_database(server, host):
	con = host()
	with pytest.raises(duckdb.Error) as error:
		# The error may come at ATTACH or at the first use of the catalog; either way it must come.
		con.execute(server.attach_sql("no_such_db_42"))
		con.execute("SELECT * FROM duckdb_tables() WHERE database_name = 'cloud'").fetchall()
	message = str(error.value)
	assert "does not exist" in message
	assert "no_such_db_42" in message


def test_missing_table_catalog_error_passes_through(cloud):
	expected = local_error("SELECT * FROM no_such_table_xyz")
	assert expected.startswith("Catalog Error: Table with name no_such_table_xyz does not exist")
	assert expected in remote_error(cloud, "SELECT * FROM no_such_table_xyz")


def test_conversion_error_passes_through(cloud):
	expected = local_error("SELECT 'abc'::INTEGER")
	assert expected.startswith("Conversion Error:")
	assert expected in remote_error(cloud, "SELECT 'abc'::INTEGER")


def test_parser_error_passes_through(cloud):
	expected = local_error("SELEC 1")
	assert expected.startswith("Parser Error:")
	assert expected in remote_error(cloud, "SELEC 1")


def test_error_in_the_middle_of_a_stream(cloud):
	"""The worker fails after it has already sent rows; the host gets the error, not a short result."""
	sql = ("SELECT CASE WHEN range < 3000000 THEN range ELSE error('boom at row ' || range) END AS v "
	       "FROM range(10000000)")
	expected = local_error(sql)
	assert "boom at row" in expected
	assert "boom at row" in remote_error(cloud, sql)
	# The connection and the server are still usable afterwards.
	assert odtest.remote(cloud, "cloud", "SELECT 42") == [(42,)]


def test_constraint_error_passes_through(cloud):
	odtest.remote(cloud, "cloud", "CREATE TABLE err_pk (id INTEGER PRIMARY KEY)")
	odtest.remote(cloud, "cloud", "INSERT INTO err_pk VALUES (1)")
	message = remote_error(cloud, "INSERT INTO err_pk VALUES (1)")
	assert "Constraint Error" in message and "Duplicate key" in message
