"""Scoped tokens (`openduck token`): read / write / admin tokens for one database or all, checked
on every RPC and HTTP endpoint by a real server and real DuckDB hosts; revoked and expired
tokens refused on their next request; tokens never in the server logs; a gateway and a worker
sharing the metadata store that holds them."""

import subprocess
import time

import pytest

import odtest
from odtest import http_get, sql_string


def token_cli(*args, data_dir=None, metadata=None, check=True):
	command = [str(odtest.OPENDUCK_BIN), "token", *[str(a) for a in args]]
	if data_dir is not None:
		command += ["--data-dir", str(data_dir)]
	if metadata is not None:
		command += ["--metadata", metadata]
	result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=odtest.clean_env())
	if check:
		assert result.returncode == 0, result.stderr
	return result


def new_token(database, scope, name, expires=None, **where):
	args = ["create", "--database", database, "--scope", scope, "--name", name]
	if expires:
		args += ["--expires", expires]
	out = token_cli(*args, **where).stdout
	secret = out.strip().splitlines()[-1]
	assert secret.startswith("odt_") and " " not in secret, out
	return secret


@pytest.fixture(scope="module")
def team(session_launcher):
	"""A server with databases sales and hr, and one token per scope for sales, plus an admin
	token for every database."""
	server = session_launcher.serve(["sales", "hr"])
	con = odtest.python_host()
	con.execute(server.attach_sql("sales"))
	odtest.remote(con, "cloud", "CREATE TABLE orders AS SELECT range AS id FROM range(10)")
	con.close()
	tokens = {name: new_token(database, scope, name, data_dir=server.data_dir)
	          for name, database, scope in [("sales-read", "sales", "read"), ("sales-write", "sales", "write"),
	                                        ("sales-admin", "sales", "admin"), ("all-admin", "*", "admin")]}
	return server, tokens


def attach(server, token, database="sales"):
	con = odtest.python_host()
	con.execute(f"ATTACH {sql_string(server.attach_path(database, token))} AS cloud")
	return con


def refused(con, sql, *expected):
	with pytest.raises(Exception) as failure:
		con.execute(sql).fetchall()
	message = str(failure.value)
	for text in expected:
		assert text in message, message
	return message


@pytest.mark.parametrize("name", ["sales-read", "sales-write", "sales-admin", "all-admin"])
def test_scope_matrix(team, name):
	server, tokens = team
	token = tokens[name]
	can_write = name != "sales-read"
	con = attach(server, token)
	try:
		# every token reads its database, as a remote scan and shipped whole
		assert con.execute("SELECT count(*) FROM cloud.orders").fetchall() == [(10,)]
		assert con.execute("SELECT count(*) FROM cloud.orders WHERE id < ?", [5]).fetchall() == [(5,)]
		con.execute("BEGIN")
		assert con.execute("SELECT max(id) FROM cloud.orders").fetchall() == [(9,)]
		con.execute("COMMIT")
		writes = [f"INSERT INTO cloud.orders VALUES (100)", f"CREATE TABLE cloud.t_{name.replace('-', '_')} (i INTEGER)",
		          "UPDATE cloud.orders SET id = id WHERE id = 0", "DELETE FROM cloud.orders WHERE id = 100",
		          "SELECT * FROM openduck_query('cloud', 'INSERT INTO orders VALUES (101)')",
		          "SELECT * FROM openduck_query('cloud', 'DELETE FROM orders WHERE id = 101')"]
		for sql in writes:
			if can_write:
				con.execute(sql).fetchall()
			else:
				refused(con, sql, "token 'sales-read' has scope read")
		if not can_write:
			con.execute("BEGIN")
			refused(con, "INSERT INTO cloud.orders VALUES (102)", "scope read")
			con.execute("ROLLBACK")
			refused(con, "SELECT * FROM openduck_create_snapshot('cloud', 'by_reader')", "needs scope write")
		else:
			con.execute(f"SELECT * FROM openduck_create_snapshot('cloud', 'by_{name.replace('-', '_')}')").fetchall()
		create = f"SELECT * FROM openduck_create_database('cloud', 'new_{name.replace('-', '_')}')"
		if name == "all-admin":
			con.execute(create).fetchall()
		else:
			refused(con, create, "token '" + name + "'")
		assert con.execute("SELECT count(*) FROM cloud.orders").fetchall() == [(10,)]
	finally:
		con.close()

	# another database: invisible, as if it did not exist, and never listed
	con = odtest.python_host()
	try:
		if name == "all-admin":
			con.execute(f"ATTACH {sql_string(server.attach_path('hr', token))} AS other")
		else:
			message = refused(con, f"ATTACH {sql_string(server.attach_path('hr', token))} AS other",
			                  "database 'hr' does not exist")
			assert "available: sales" in message and "hr," not in message and "hr)" not in message, message
			message = refused(con, f"ATTACH {sql_string(server.attach_path('nope', token))} AS other",
			                  "'nope' does not exist")
			assert "hr" not in message.replace("'nope'", ""), message
	finally:
		con.close()

	status, body = http_get(server.port, "/health", token=token)
	assert status == 200 and b'"sales"' in body
	assert (b'"hr"' in body) == (name == "all-admin"), body
	status, _ = http_get(server.port, "/metrics", token=token)
	assert status == (200 if name == "all-admin" else 403)


def test_a_revoked_token_is_refused_on_its_next_request(launcher):
	server = launcher.serve(["rev"])
	token = new_token("rev", "write", "to-revoke", data_dir=server.data_dir)
	con = attach(server, token, "rev")
	try:
		con.execute("CREATE TABLE cloud.t AS SELECT 1 AS i")
		assert con.execute("SELECT * FROM cloud.t").fetchall() == [(1,)]
		token_cli("revoke", "to-revoke", data_dir=server.data_dir)
		refused(con, "SELECT * FROM openduck_query('cloud', 'SELECT 42')", "token 'to-revoke' was revoked")
		refused(con, "SELECT * FROM cloud.t", "revoked")
	finally:
		con.close()
	listed = token_cli("list", data_dir=server.data_dir).stdout
	assert "to-revoke" in listed and "revoked" in listed and token not in listed


def test_an_expired_token_is_refused(launcher):
	server = launcher.serve(["exp"])
	token = new_token("exp", "read", "short-lived", expires="2s", data_dir=server.data_dir)
	con = attach(server, token, "exp")
	try:
		assert con.execute("SELECT * FROM openduck_query('cloud', 'SELECT 1')").fetchall() == [(1,)]
		time.sleep(3)
		refused(con, "SELECT * FROM openduck_query('cloud', 'SELECT 1')", "token 'short-lived' was valid until it expired")
	finally:
		con.close()


def test_token_cli_errors_name_the_fix(tmp_path):
	where = {"data_dir": tmp_path / "data"}
	new_token("*", "admin", "first", **where)
	cases = [
	    (["create", "--database", "x", "--scope", "owner"], "unknown scope 'owner'"),
	    (["create", "--scope", "read"], "needs --database"),
	    (["create", "--database", "x", "--scope", "read", "--expires", "soon"], "--expires expects a duration"),
	    (["create", "--database", "x", "--scope", "read", "--name", "first"], "exists already"),
	    (["revoke", "nobody"], "no live token is labelled 'nobody'"),
	    (["rotate"], "unknown token action 'rotate'"),
	]
	for args, expected in cases:
		result = token_cli(*args, check=False, **where)
		assert result.returncode == 2 and expected in result.stderr, (args, result.stderr)
	help_text = token_cli("--help").stdout
	assert "revoke LABEL" in help_text


def test_gateway_and_worker_share_the_token_store(launcher, tmp_path):
	metadata = f"sqlite://{tmp_path / 'shared-metadata.sqlite'}"
	gateway = launcher.gateway(extra_args=["--metadata", metadata])
	worker = launcher.worker(gateway, "w1", ["shared"], extra_args=["--metadata", metadata])
	reader = new_token("shared", "read", "shared-read", metadata=metadata)
	writer = new_token("shared", "write", "shared-write", metadata=metadata)
	con = attach(gateway, writer, "shared")
	try:
		con.execute("CREATE TABLE cloud.t AS SELECT 7 AS i")
	finally:
		con.close()
	con = attach(gateway, reader, "shared")
	try:
		assert con.execute("SELECT * FROM cloud.t").fetchall() == [(7,)]
		refused(con, "INSERT INTO cloud.t VALUES (8)", "token 'shared-read' has scope read")
	finally:
		con.close()
	# straight to the worker: the same rules
	con = odtest.python_host()
	try:
		con.execute(f"ATTACH 'openduck:shared?endpoint=http://127.0.0.1:{worker.port}&token={reader}' AS cloud")
		assert con.execute("SELECT * FROM cloud.t").fetchall() == [(7,)]
		refused(con, "INSERT INTO cloud.t VALUES (8)", "scope read")
	finally:
		con.close()


def test_tokens_never_reach_the_server_logs(team, launcher):
	server, tokens = team
	for token in tokens.values():
		con = odtest.python_host()
		try:
			con.execute(f"ATTACH {sql_string(server.attach_path('sales', token))} AS cloud")
			con.execute("SELECT count(*) FROM cloud.orders").fetchall()
		finally:
			con.close()
	logs = server.process.output(tail=10_000_000)
	for token in tokens.values():
		assert token not in logs


def test_a_token_has_a_bounded_number_of_calls_running(launcher):
	"""--max-calls-per-token: one token's open transactions and statements cannot take every call
	thread of the worker; other tokens keep working, and a slot comes back when a call ends."""
	server = launcher.serve(["busy"], extra_args=["--max-calls-per-token", "2"])
	alice = new_token("busy", "write", "alice", data_dir=server.data_dir)
	bob = new_token("busy", "read", "bob", data_dir=server.data_dir)
	first, second, third = (attach(server, alice, "busy") for _ in range(3))
	first.execute("BEGIN")
	assert odtest.remote(first, "cloud", "SELECT 1") == [(1,)]
	# an open transaction and one statement at a time: a second transaction's statement is one too many
	second.execute("BEGIN")
	refused(second, "SELECT * FROM openduck_query('cloud', 'SELECT 2')",
	        "token 'alice' already has 2 statements or open transactions running", "--max-calls-per-token")
	second.execute("ROLLBACK")  # ending a transaction is never refused
	assert odtest.remote(third, "cloud", "SELECT 3") == [(3,)]
	assert odtest.remote(attach(server, bob, "busy"), "cloud", "SELECT 4") == [(4,)]
	first.execute("COMMIT")
	second.execute("BEGIN")
	assert odtest.remote(second, "cloud", "SELECT 5") == [(5,)]
	second.execute("COMMIT")
	for con in (first, second, third):
		con.close()


def test_the_calls_per_token_option_is_checked(launcher, tmp_path):
	process = odtest.OpenDuckProcess("bad-limit", ["serve", "-t", odtest.new_token(), "--data-dir", tmp_path / "d",
	                                               "--port", odtest.free_port(), "--max-calls-per-token", "-3"],
	                                 0, tmp_path)
	launcher._track(process).start()
	assert process.proc.wait(timeout=30) == 2
	assert "--max-calls-per-token" in process.output()
