"""The `openduck` secret type: ATTACH takes its token and endpoint from DuckDB's secret manager,
with the precedence ATTACH option > URL parameter > secret > environment; the token never shows."""

import pytest

import odtest


def _secret_sql(server, name="od_s", token=None, scope=None, persistent=False, endpoint=True):
	parts = ["TYPE openduck", f"TOKEN '{token or server.token}'"]
	if endpoint:
		parts.append(f"ENDPOINT '{server.endpoint}'")
	if scope:
		parts.append(f"SCOPE '{scope}'")
	return f"CREATE {'PERSISTENT ' if persistent else ''}SECRET {name} ({', '.join(parts)})"


def test_attach_uses_a_secret(server, host, monkeypatch):
	monkeypatch.delenv("OPENDUCK_TOKEN", raising=False)
	monkeypatch.delenv("OPENDUCK_ENDPOINT", raising=False)
	con = host()
	con.execute(_secret_sql(server))
	con.execute("ATTACH 'openduck:testdb' AS cloud")
	odtest.remote(con, "cloud", "CREATE OR REPLACE TABLE sec_plain AS SELECT 7 AS x")
	assert con.execute("SELECT x FROM cloud.sec_plain").fetchall() == [(7,)]


def test_secret_token_is_redacted(server, host):
	con = host()
	con.execute(_secret_sql(server))
	shown = con.execute("SELECT secret_string FROM duckdb_secrets() WHERE name = 'od_s'").fetchone()[0]
	assert server.token not in shown
	assert "token=redacted" in shown
	assert server.endpoint in shown
	con.execute("ATTACH 'openduck:testdb' AS cloud (SECRET od_s)")
	for query in ("SELECT path FROM duckdb_databases() WHERE database_name = 'cloud'",
	              "EXPLAIN SELECT * FROM openduck_query('cloud', 'SELECT 1')"):
		assert server.token not in str(con.execute(query).fetchall())


def test_scoped_secret_matches_its_database_exactly(server, host, monkeypatch):
	monkeypatch.delenv("OPENDUCK_TOKEN", raising=False)
	monkeypatch.setenv("OPENDUCK_ENDPOINT", server.endpoint)
	con = host()
	con.execute(_secret_sql(server, "for_test", scope="od:testdb", endpoint=False))
	con.execute(_secret_sql(server, "wrong_for_other", token="not-the-token", scope="openduck:testdb_other",
	                        endpoint=False))
	con.execute("ATTACH 'openduck:testdb' AS cloud")
	assert con.execute("SELECT * FROM openduck_query('cloud', 'SELECT 42')").fetchall() == [(42,)]
	# 'openduck:testdb' must not serve 'otherdb'; with no secret and no token, ATTACH fails on auth.
	with pytest.raises(Exception) as error:
		con.execute("ATTACH 'openduck:otherdb' AS other")
	assert "authentication failed" in str(error.value)
	assert server.token not in str(error.value)


def test_precedence_option_over_url_over_secret_over_environment(server, host, monkeypatch):
	bad = "not-the-token"
	monkeypatch.setenv("OPENDUCK_TOKEN", bad)
	monkeypatch.setenv("OPENDUCK_ENDPOINT", server.endpoint)
	con = host()
	# secret beats the environment
	con.execute(_secret_sql(server, endpoint=False))
	con.execute("ATTACH 'openduck:testdb' AS a")
	# the URL beats the secret
	con.execute("DROP SECRET od_s")
	con.execute(_secret_sql(server, token=bad, endpoint=False))
	with pytest.raises(Exception, match="authentication failed"):
		con.execute("ATTACH 'openduck:testdb' AS b")
	con.execute(f"ATTACH 'openduck:testdb?token={server.token}' AS c")
	# the ATTACH option beats the URL
	with pytest.raises(Exception, match="authentication failed"):
		con.execute(f"ATTACH 'openduck:testdb?token={server.token}' AS d (TOKEN '{bad}')")
	con.execute(f"ATTACH 'openduck:testdb?token={bad}' AS e (TOKEN '{server.token}')")
	assert con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name IN ('a', 'c', 'e')").fetchone() == (3,)


def test_named_secret_errors_are_clear(server, host):
	con = host()
	with pytest.raises(Exception, match="no secret named 'nope'"):
		con.execute(f"ATTACH 'openduck:testdb' AS cloud (ENDPOINT '{server.endpoint}', SECRET nope)")
	with pytest.raises(Exception, match="names no database"):
		con.execute("CREATE SECRET (TYPE openduck, TOKEN 'x', SCOPE 's3://bucket')")
	with pytest.raises(Exception, match="needs TOKEN, ENDPOINT or CA"):
		con.execute("CREATE SECRET (TYPE openduck)")
	with pytest.raises(Exception, match="endpoint"):
		con.execute("CREATE SECRET (TYPE openduck, ENDPOINT 'ftp://h:1')")


def test_persistent_secret_from_the_cli(server, tmp_path):
	home = tmp_path / "home"
	home.mkdir()
	env = odtest.clean_env(HOME=str(home))
	env.pop("OPENDUCK_TOKEN", None)
	env.pop("OPENDUCK_ENDPOINT", None)
	odtest.run_cli(_secret_sql(server, "od_saved", persistent=True) + ";", env=env).check()
	stored = list(home.rglob("*.duckdb_secret"))
	assert stored, "the persistent secret was not written under $HOME"
	result = odtest.run_cli("ATTACH 'openduck:testdb' AS cloud; "
	                        "SELECT * FROM openduck_query('cloud', 'SELECT 5 AS five');", env=env).check()
	assert result.csv_rows()[-1] == ["5"]
	listed = odtest.run_cli("SELECT secret_string FROM duckdb_secrets();", env=env).check()
	assert server.token not in listed.stdout
