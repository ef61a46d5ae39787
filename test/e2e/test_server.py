"""The `openduck` binary: command line, /health, persistence across restarts."""

import json
import os
import subprocess

import duckdb
import pytest

import odtest
from type_cases import wide_table_sql


def run_openduck(*args, timeout=30):
	odtest.require_build(odtest.OPENDUCK_BIN)
	done = subprocess.run([str(odtest.OPENDUCK_BIN), *args], capture_output=True, text=True, timeout=timeout,
	                      env=odtest.clean_env())
	return done.returncode, done.stdout + done.stderr


def test_help():
	code, out = run_openduck("--help")
	assert code == 0, out
	for command in ("serve", "gateway", "worker", "version"):
		assert command in out, f"`openduck --help` does not mention {command}:\n{out}"


@pytest.mark.parametrize("command,options", [
	("serve", ["--port", "--data-dir", "-d", "-t"]),
	("gateway", ["--port", "-t"]),
	("worker", ["--gateway", "--port", "--data-dir", "--id", "-d", "-t"]),
])
def test_command_help(command, options):
	code, out = run_openduck(command, "--help")
	assert code == 0, out
	for option in options:
		assert option in out, f"`openduck {command} --help` does not mention {option}:\n{out}"


def test_unknown_command_fails_with_usage():
	code, out = run_openduck("no-such-command")
	assert code != 0
	assert "serve" in out


def test_version_matches_health(server):
	code, out = run_openduck("version")
	assert code == 0, out
	health = server.health()
	assert health["version"] in out
	assert "1.4.4" in out


def test_serve_says_listening(server):
	assert "listening on" in server.process.output(tail=10_000_000)


def test_health(server):
	health = server.health()
	assert health["status"] == "ok"
	assert isinstance(health["version"], str) and health["version"]
	assert str(health["protocol_version"])
	assert "1.4.4" in health["duckdb_version"]
	assert len(health["workers"]) == 1, health
	worker = health["workers"][0]
	assert set(worker["databases"]) == set(server.databases)
	assert isinstance(worker["id"], str) and worker["id"]
	assert isinstance(worker["address"], str) and worker["address"]
	assert 0 <= worker["last_heartbeat_ms_ago"] < 60_000


def test_health_is_plain_http_on_the_grpc_port(server):
	# The same port answers gRPC (the attach in other tests) and HTTP/1.1 (here).
	status, body = odtest.http_get(server.port, "/health")
	assert status == 200
	assert json.loads(body)["status"] == "ok"
	status, _ = odtest.http_get(server.port, "/no-such-page")
	assert status == 404


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_data_survives_restart(launcher, host, how):
	srv = launcher.serve(["persist"])
	con = host(srv, "persist")
	mirror = odtest.Mirror(con)
	mirror.execute(wide_table_sql("kept"))
	mirror.execute("CREATE SCHEMA archive")
	mirror.execute("CREATE TABLE archive.numbers AS SELECT range AS i, range::VARCHAR AS s FROM range(100000)")
	mirror.execute("INSERT INTO archive.numbers VALUES (-1, 'last')")
	mirror.execute("CREATE VIEW archive.negative AS SELECT * FROM archive.numbers WHERE i < 0")
	con.close()
	if how == "sigterm":
		assert srv.process.stop() == 0, srv.process.output()
	else:
		srv.process.kill_now()
	assert any(os.scandir(srv.data_dir)), "nothing was written to the data dir"

	restarted = launcher.serve(srv.databases, token=srv.token, data_dir=srv.data_dir)
	mirror.con = host(restarted, "persist")
	mirror.check("SELECT * FROM {db}kept ORDER BY id")
	mirror.check("SELECT count(*) AS n, sum(i) AS s, max(s) AS m FROM {db}archive.numbers")
	mirror.check("SELECT * FROM {db}archive.negative")
	mirror.close()


def test_token_and_data_dir_from_environment(launcher, host, tmp_path):
	token = odtest.new_token()
	data_dir = tmp_path / "env-data"
	srv = launcher.serve(["envdb"], token=token, data_dir=data_dir, flags=False,
	                     env=odtest.clean_env(OPENDUCK_TOKEN=token, OPENDUCK_DATA_DIR=str(data_dir)))
	con = host(srv, "envdb")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT 1 AS x")
	odtest.remote(con, "cloud", "CHECKPOINT")
	assert con.execute("SELECT x FROM cloud.t").fetchall() == [(1,)]
	assert data_dir.is_dir() and any(data_dir.rglob("*")), "OPENDUCK_DATA_DIR was not used"
	with pytest.raises(duckdb.Error) as error:
		host().execute(srv.attach_sql("envdb", token="other"))
	assert "authentication failed" in str(error.value)


def test_two_servers_do_not_share_data(launcher, host):
	a = launcher.serve(["same"])
	b = launcher.serve(["same"])
	con = host(a, "same", "a")
	con.execute(b.attach_sql("same", "b"))
	odtest.remote(con, "a", "CREATE TABLE only_a AS SELECT 1 AS x")
	assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'b'").fetchall() == [(0,)]


def test_options_from_a_config_file(launcher, host, tmp_path):
	token = odtest.new_token()
	(tmp_path / "token").write_text(token + "\n")
	config = tmp_path / "openduck.toml"
	config.write_text(f"""# what a team's server reads at start
database = ["cfg_a", "cfg_b"]
data-dir = "{tmp_path / 'from-config'}"
token-file = '{tmp_path / 'token'}'
port = 1  # the command line's --port wins
statement-timeout = 30
max-running-statements = 3
max-connections-per-database = 4

[worker]
gateway = "http://127.0.0.1:1"  # read by `openduck worker` only
""")
	srv = launcher.serve([], token=token, flags=False, extra_args=["--config", config])
	assert sorted(json.loads(odtest.http_get(srv.port, "/health", token=token)[1])["workers"][0]["databases"]) \
	    == ["cfg_a", "cfg_b"]
	con = host(srv, "cfg_a")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT 7 AS x")
	assert con.execute("SELECT x FROM cloud.t").fetchall() == [(7,)]
	assert (tmp_path / "from-config").is_dir()
	srv.process.stop()

	# the option's environment variable beats the file, and OPENDUCK_CONFIG names the file
	env_dir = tmp_path / "from-env"
	srv = launcher.serve([], token=token, flags=False,
	                     env=odtest.clean_env(OPENDUCK_CONFIG=str(config), OPENDUCK_DATA_DIR=str(env_dir)))
	assert odtest.remote(host(srv, "cfg_b"), "cloud", "SELECT 1") == [(1,)]
	assert env_dir.is_dir()
	srv.process.stop()


@pytest.mark.parametrize("text, message", [
	("prot = 7878\n", "line 1: `openduck serve` has no option 'prot' (see `openduck serve --help`; keys for "
	                  "another command go under its [serve], [gateway], [worker] or [gc] table)"),
	("gateway = \"http://x:1\"\n", "line 1: `openduck serve` has no option 'gateway'"),
	("\n[serve]\nport = \"x\"\n", "--port expects a number, got 'x'"),
	("host = 127.0.0.1\n", "line 1: expected a value"),
	("memory-limit = true\n", "line 1: 'memory-limit' takes a value, not true/false"),
])
def test_a_bad_config_file_stops_the_server_with_the_fix(tmp_path, text, message):
	config = tmp_path / "bad.toml"
	config.write_text(text)
	code, out = run_openduck("serve", "--config", str(config), "-t", odtest.new_token(), "--data-dir",
	                         str(tmp_path / "d"))
	assert code == 2 and message in out, out
	code, out = run_openduck("serve", "--config", str(tmp_path / "missing.toml"), "-t", "x")
	assert code == 2 and "cannot read the config file" in out, out


def test_metrics_by_database_with_error_kinds_and_latency(launcher, host):
	srv = launcher.serve(["m_one", "m_two"])
	con = host(srv, "m_one")
	assert odtest.remote(con, "cloud", "SELECT 42") == [(42,)]
	with pytest.raises(duckdb.Error, match="does not exist"):
		odtest.remote(con, "cloud", "SELECT * FROM no_such_table")
	# From a host table: CREATE TABLE AS over range() alone would run on the worker.
	con.execute("CREATE TABLE host_nums AS SELECT range AS i FROM range(1000)")
	con.execute("CREATE TABLE cloud.ins AS SELECT i FROM host_nums")
	with pytest.raises(duckdb.Error):
		host().execute(srv.attach_sql("made_up_name"))
	lines = set(odtest.http_get(srv.port, "/metrics", token=srv.token)[1].decode().splitlines())
	assert 'openduck_query_errors_total{database="m_one",kind="Catalog"} 1' in lines, lines
	count = next(line for line in lines if line.startswith('openduck_query_duration_seconds_count{database="m_one"}'))
	assert int(count.split()[1]) >= 3  # the catalog and statistics requests of the host count too
	assert f'openduck_query_duration_seconds_bucket{{database="m_one",le="+Inf"}} {count.split()[1]}' in lines
	received = next(line for line in lines if line.startswith('openduck_bytes_received_total{database="m_one"}'))
	assert int(received.split()[1]) > 8000  # the 1000 inserted BIGINTs travelled as Arrow
	assert not any("made_up_name" in line for line in lines)
	assert not any('database="m_two"' in line for line in lines)


def test_status_prints_the_cluster_as_the_token_may_see_it(launcher, host):
	from test_tokens import new_token
	gateway = launcher.gateway()
	launcher.worker(gateway, "w1", ["st_sales", "st_hr"])
	con = host(gateway, "st_sales")
	assert odtest.remote(con, "cloud", "SELECT 42") == [(42,)]
	code, out = run_openduck("status", "--endpoint", gateway.endpoint, "-t", gateway.token)
	assert code == 0, out
	lines = out.splitlines()
	assert lines[0].startswith("OpenDuck gateway "), out
	worker_row = next(line.split() for line in lines if line.startswith("w1 "))
	assert worker_row[1] == "writer" and worker_row[2].startswith("127.0.0.1:"), out
	assert worker_row[-2:] == ["st_hr,", "st_sales"], out
	sales = next(line.split() for line in lines if line.startswith("st_sales "))
	assert sales[1] == "w1" and int(sales[2]) >= 1, out
	# a token of one database sees that database only
	srv = launcher.serve(["st_sales", "st_hr"])
	reader = new_token("st_sales", "read", "status-reader", data_dir=srv.data_dir)
	code, out = run_openduck("status", "--endpoint", srv.endpoint, "-t", reader)
	assert code == 0 and "st_sales" in out and "st_hr" not in out, out
	code, out = run_openduck("status", "--endpoint", gateway.endpoint, "-t", "wrong")
	assert code == 1 and "answered 401: /status needs a valid token" in out, out
