"""The pip `duckdb` CLI as the host: the extension loads, attaches and reads, and what the CLI
prints for a remote table is byte-for-byte what it prints for the same table created locally.

Uses the session server's database `clidb`."""

import pytest

import odtest
from type_cases import TYPE_CASES, wide_table_sql

CLI_CASES = [c for c in TYPE_CASES if c.name != "varchar_large"]


@pytest.fixture(scope="module")
def cli_tables(server):
	"""The wide table and every type case created remotely (in clidb) by one CLI session, and
	the SQL that creates them locally."""
	setup = [wide_table_sql("wide")] + [c.create_sql() for c in CLI_CASES]
	script = server.attach_sql("clidb") + ";\n" + "\n".join(
	    f"SELECT count(*) FROM ({odtest.openduck_query_sql('cloud', sql)});" for sql in setup)
	odtest.run_cli(script, env=odtest.clean_env()).check()
	return setup


def local_cli(setup, query, mode):
	return odtest.run_cli(";\n".join(setup) + ";\n" + query, mode, load_extension=False).check()


def remote_cli(server, query, mode, database="clidb"):
	return odtest.run_cli(server.attach_sql(database) + ";\n" + query, mode).check()


@pytest.mark.parametrize("mode", ["-csv", "-json", "-box"])
def test_wide_table_prints_like_local(server, cli_tables, mode):
	expected = local_cli(cli_tables, "SELECT * FROM wide ORDER BY id", mode)
	actual = remote_cli(server, "SELECT * FROM cloud.wide ORDER BY id", mode)
	assert actual.stdout == expected.stdout
	assert actual.stdout.strip()


def test_every_type_prints_like_local(server, cli_tables):
	query = ";\n".join(f"SELECT '{c.name}' AS type_case, * FROM {{db}}{c.table} ORDER BY id" for c in CLI_CASES)
	expected = local_cli(cli_tables, query.replace("{db}", ""), "-json")
	actual = remote_cli(server, query.replace("{db}", "cloud."), "-json")
	assert actual.json_results() == expected.json_results()
	assert len(actual.json_results()) == len(CLI_CASES)


def test_describe_and_show_all_tables(server, cli_tables):
	expected = local_cli(cli_tables, "DESCRIBE wide", "-csv")
	actual = remote_cli(server, "DESCRIBE cloud.wide", "-csv")
	assert actual.csv_rows() == expected.csv_rows()
	shown = remote_cli(server, "SELECT name FROM (SHOW ALL TABLES) WHERE database = 'cloud' ORDER BY name", "-csv")
	names = [r[0] for r in shown.csv_rows()[1:]]
	assert "wide" in names and "rt_uuid" in names


def test_create_and_read_in_one_cli_session(server, cli_tables):
	out = remote_cli(server, "SELECT * FROM openduck_query('cloud', 'CREATE TABLE cli_session AS SELECT 41 + 1 AS answer');\n"
	                         "SELECT answer FROM cloud.cli_session", "-csv")
	assert out.csv_rows()[-2:] == [["answer"], ["42"]]


def test_environment_defaults(server, cli_tables):
	env = odtest.clean_env(OPENDUCK_ENDPOINT=server.endpoint, OPENDUCK_TOKEN=server.token)
	out = odtest.run_cli("ATTACH 'openduck:clidb' AS cloud;\nSELECT count(*) AS n FROM cloud.wide", "-csv", env=env).check()
	assert out.csv_rows() == [["n"], ["3"]]


def test_auth_failure(server):
	out = odtest.run_cli(server.attach_sql("clidb", token="wrong") + ";\nSELECT 1")
	assert out.returncode != 0
	assert "authentication failed" in out.stderr


def test_server_down():
	port = odtest.free_port()
	out = odtest.run_cli(f"ATTACH 'od:clidb?endpoint=http://127.0.0.1:{port}&token=t' AS cloud;\nSELECT 1")
	assert out.returncode != 0
	assert f"cannot reach OpenDuck gateway at http://127.0.0.1:{port}" in out.stderr


def test_remote_error_message(server):
	out = odtest.run_cli(server.attach_sql("clidb") + ";\nSELECT * FROM openduck_query('cloud', 'SELECT * FROM nope_table')")
	assert out.returncode != 0
	assert "Catalog Error: Table with name nope_table does not exist" in out.stderr
