"""The ways to ATTACH a remote database, DETACH, and several attachments in one host."""

import pytest

import odtest


def test_attach_query_string_form(server, host):
	con = host()
	con.execute(f"ATTACH 'openduck:testdb?endpoint={server.endpoint}&token={server.token}' AS cloud")
	odtest.remote(con, "cloud", "CREATE TABLE at_qs AS SELECT 1 AS x")
	assert con.execute("SELECT x FROM cloud.at_qs").fetchall() == [(1,)]
	assert con.execute("SELECT x FROM cloud.main.at_qs").fetchall() == [(1,)]


def test_attach_od_alias(server, host):
	con = host()
	con.execute(f"ATTACH '{server.attach_path('testdb', prefix='od:')}' AS short")
	odtest.remote(con, "short", "CREATE TABLE at_od AS SELECT 'od' AS via")
	assert con.execute("SELECT via FROM short.at_od").fetchall() == [("od",)]


def test_attach_options_form(server, host):
	con = host()
	con.execute(f"ATTACH 'openduck:testdb' AS cloud (ENDPOINT '{server.endpoint}', TOKEN '{server.token}')")
	odtest.remote(con, "cloud", "CREATE TABLE at_opts AS SELECT 2 AS x")
	assert con.execute("SELECT x FROM cloud.at_opts").fetchall() == [(2,)]


def test_attach_defaults_from_environment(server, host, monkeypatch):
	monkeypatch.setenv("OPENDUCK_ENDPOINT", server.endpoint)
	monkeypatch.setenv("OPENDUCK_TOKEN", server.token)
	con = host()
	con.execute("ATTACH 'openduck:testdb' AS cloud")
	odtest.remote(con, "cloud", "CREATE TABLE at_env AS SELECT 3 AS x")
	assert con.execute("SELECT x FROM cloud.at_env").fetchall() == [(3,)]


def test_attach_string_overrides_environment(server, host, monkeypatch):
	monkeypatch.setenv("OPENDUCK_ENDPOINT", f"http://127.0.0.1:{odtest.free_port()}")
	monkeypatch.setenv("OPENDUCK_TOKEN", "not-the-token")
	con = host()
	con.execute(server.attach_sql("testdb"))
	assert con.execute("SELECT 1 FROM openduck_query('cloud', 'SELECT 1')").fetchall() == [(1,)]


def test_default_endpoint_is_localhost_7878(host, monkeypatch):
	if odtest.port_is_listening("127.0.0.1", 7878) or odtest.port_is_listening("::1", 7878):
		pytest.skip("something listens on port 7878 here (a quick-start server?)")
	monkeypatch.delenv("OPENDUCK_ENDPOINT", raising=False)
	con = host()
	with pytest.raises(Exception) as error:
		con.execute("ATTACH 'openduck:testdb?token=whatever' AS cloud")
	assert "cannot reach OpenDuck gateway at http://localhost:7878" in str(error.value)


def test_two_databases_in_one_host(server, host):
	con = host(server, "testdb", "a")
	con.execute(server.attach_sql("otherdb", "b"))
	odtest.remote(con, "a", "CREATE TABLE at_two AS SELECT * FROM (VALUES (1, 'from testdb'), (2, 'only in testdb')) v(id, s)")
	odtest.remote(con, "b", "CREATE TABLE at_two AS SELECT * FROM (VALUES (1, 'from otherdb')) v(id, s)")
	assert con.execute("SELECT * FROM a.at_two ORDER BY id").fetchall() == [(1, "from testdb"), (2, "only in testdb")]
	assert con.execute("SELECT * FROM b.at_two ORDER BY id").fetchall() == [(1, "from otherdb")]
	# Both remote databases and a local table in one query.
	con.execute("CREATE TABLE local_names AS SELECT * FROM (VALUES (1, 'local one'), (2, 'local two')) v(id, name)")
	rows = con.execute("SELECT l.id, l.name, x.s, y.s FROM local_names l JOIN a.at_two x USING (id) "
	                   "LEFT JOIN b.at_two y USING (id) ORDER BY l.id").fetchall()
	assert rows == [(1, "local one", "from testdb", "from otherdb"), (2, "local two", "only in testdb", None)]
	databases = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
	assert {"a", "b"} <= databases


def test_same_database_attached_twice(server, host):
	con = host(server, "testdb", "one")
	con.execute(server.attach_sql("testdb", "two"))
	odtest.remote(con, "one", "CREATE TABLE at_twice AS SELECT 5 AS x")
	assert con.execute("SELECT x FROM two.at_twice").fetchall() == [(5,)]


def test_detach_and_attach_again(server, host):
	con = host(server)
	odtest.remote(con, "cloud", "CREATE TABLE at_detach AS SELECT 7 AS x")
	assert con.execute("SELECT x FROM cloud.at_detach").fetchall() == [(7,)]
	con.execute("DETACH cloud")
	assert "cloud" not in {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
	with pytest.raises(Exception) as error:
		con.execute("SELECT x FROM cloud.at_detach")
	assert "Catalog Error" in str(error.value)
	con.execute(server.attach_sql("testdb"))
	assert con.execute("SELECT x FROM cloud.at_detach").fetchall() == [(7,)]


def test_join_remote_with_local_matches_local_duckdb(mirror):
	mirror.execute("CREATE TABLE at_sales AS SELECT range AS id, range % 7 AS region, range * 1.5 AS amount "
	               "FROM range(10000)")
	for con in (mirror.con, mirror.local):
		con.execute("CREATE TEMP TABLE regions AS SELECT range AS region, 'r' || range AS name FROM range(5)")
	mirror.check("SELECT r.name, count(*) AS n, sum(s.amount) AS total FROM {db}at_sales s "
	             "JOIN regions r USING (region) GROUP BY r.name ORDER BY r.name")
