"""The worker is a sandbox: with a valid token, client SQL reaches nothing outside its own
database — no server files, network, extensions, other databases or server configuration —
unless the operator allowed it (--allow-path, --allow-extension)."""

import threading
import time
from pathlib import Path

import duckdb
import pytest

import odtest
from test_tpch import tpch_extension_path


def _tree(root: Path) -> dict:
	return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


@pytest.fixture
def outside(tmp_path):
	"""A directory outside the data dir, holding a secret the server must not read."""
	secret = tmp_path / "secret.csv"
	secret.write_text("password\nhunter2-outside-the-sandbox\n")
	(tmp_path / "exported").mkdir()
	return tmp_path


ATTACKS = [
	# server files, written
	("COPY (SELECT 1 AS x) TO '{d}/written.csv'", "COPY on the server"),
	("COPY (SELECT 1 AS x) TO '{d}/written.parquet' (FORMAT parquet)", "COPY on the server"),
	("EXPORT DATABASE '{d}/exported'", "EXPORT DATABASE"),
	("ATTACH '{d}/new.duckdb' AS other", "ATTACH / DETACH"),
	("DETACH testdb", "ATTACH / DETACH"),
	# server files, read
	("SELECT * FROM read_text('{d}/secret.csv')", "file system operations are disabled"),
	("SELECT * FROM read_blob('{d}/secret.csv')", "file system operations are disabled"),
	("SELECT * FROM read_csv('{d}/secret.csv')", "file system operations are disabled"),
	("SELECT * FROM read_csv_auto('/etc/hostname')", "file system operations are disabled"),
	("SELECT * FROM read_parquet('{d}/x.parquet')", "file system operations are disabled"),
	("SELECT * FROM glob('{d}/*')", "file system operations are disabled"),
	("COPY t FROM '{d}/secret.csv'", "COPY on the server"),
	("IMPORT DATABASE '{d}/exported'", "file system operations are disabled"),
	# the network
	("SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')", "file system operations are disabled"),
	("SELECT * FROM read_parquet('s3://bucket/key.parquet')", "file system operations are disabled"),
	# extensions
	("INSTALL httpfs", "INSTALL / LOAD"),
	("LOAD httpfs", "INSTALL / LOAD"),
	("LOAD '{tpch}'", "INSTALL / LOAD"),
	("FORCE INSTALL tpch", "INSTALL / LOAD"),
	("UPDATE EXTENSIONS", "INSTALL / LOAD"),
	# server configuration and secrets
	("SET memory_limit = '100GB'", "changing 'memory_limit'"),
	("SET threads = 1", "changing 'threads'"),
	("SET GLOBAL TimeZone = 'Asia/Tokyo'", "SET GLOBAL TimeZone"),
	("RESET memory_limit", "changing 'memory_limit'"),
	("PRAGMA threads = 1", "changing 'threads'"),
	("PRAGMA memory_limit = '1GB'", "changing 'memory_limit'"),
	("SET enable_external_access = true", "changing 'enable_external_access'"),
	("SET allowed_directories = ['/']", "changing 'allowed_directories'"),
	("SET temp_directory = '{d}'", "changing 'temp_directory'"),
	("CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')", "CREATE SECRET"),
	("EXPLAIN COPY (SELECT 1) TO '{d}/explained.csv'", "COPY on the server"),
	("PREPARE p AS COPY (SELECT 1) TO '{d}/prepared.csv'", "COPY on the server"),
	# server settings and lists that hold server paths
	("SELECT current_setting('temp_directory')", "current_setting('temp_directory') is not readable"),
	("SELECT current_setting('Home_Directory')", "current_setting('Home_Directory') is not readable"),
	("SELECT current_setting('allowed_paths')", "is not readable on the server"),
	("SELECT * FROM query('SELECT current_setting(''secret_directory'')')", "is not readable on the server"),
	("CREATE VIEW leak AS SELECT current_setting('extension_directory') AS p", "is not readable on the server"),
	("SELECT * FROM duckdb_temporary_files()", "duckdb_temporary_files() is not available"),
	("SELECT * FROM duckdb_extensions()", "duckdb_extensions() is not available"),
]


@pytest.mark.parametrize("sql, expected", ATTACKS, ids=[a[0][:40] for a in ATTACKS])
def test_client_sql_cannot_reach_outside_its_database(server, cloud, outside, sql, expected):
	statement = sql.format(d=outside, tpch=tpch_extension_path())
	odtest.remote(cloud, "cloud", "CREATE TABLE IF NOT EXISTS t (password VARCHAR)")
	before = _tree(outside)
	data_before = _tree(server.data_dir)
	with pytest.raises(Exception) as error:
		cloud.execute(odtest.openduck_query_sql("cloud", statement)).fetchall()
	message = str(error.value)
	assert "Permission Error" in message and expected in message, message
	assert "hunter2" not in message and str(server.data_dir) not in message
	assert _tree(outside) == before
	# nothing new appeared in the data dir either (only the database's own files change)
	assert not [p for p in set(_tree(server.data_dir)) - set(data_before) if p.endswith((".csv", ".parquet"))]
	# the connection works on
	assert cloud.execute(odtest.openduck_query_sql("cloud", "SELECT 42")).fetchall() == [(42,)]


@pytest.mark.parametrize("sql", [
	"SELECT * FROM duckdb_settings()",
	"SELECT * FROM duckdb_databases()",
	"PRAGMA database_list",
	"SHOW DATABASES",
	"SELECT * FROM information_schema.schemata",
	"SELECT * FROM pg_catalog.pg_settings",
])
def test_server_lists_work_without_server_paths(server, cloud, sql):
	rows = odtest.remote(cloud, "cloud", sql)
	assert rows
	text = repr(rows)
	assert str(server.data_dir) not in text and "/tmp" not in text and "/root" not in text, text


def test_host_settings_and_variables_still_reach_the_worker(cloud):
	cloud.execute("SET TimeZone = 'Asia/Kathmandu'")
	cloud.execute("SET VARIABLE sandbox_v = 41")
	got = cloud.execute("SELECT * FROM openduck_query('cloud', "
	                    "'SELECT current_setting(''TimeZone''), getvariable(''sandbox_v'') + 1')").fetchall()
	assert got == [("Asia/Kathmandu", 42)]
	cloud.execute("RESET TimeZone")
	# settings without paths stay readable
	assert odtest.remote(cloud, "cloud", "SELECT current_setting('default_null_order')") == [("NULLS_LAST",)]
	assert cloud.execute(odtest.openduck_query_sql("cloud", "SET SESSION default_null_order = 'nulls_first'")).fetchall() == []


def test_copy_of_host_files_keeps_working(cloud, tmp_path):
	"""COPY through the attached catalog moves rows from and to the host's files."""
	source = tmp_path / "rows.csv"
	source.write_text("id,name\n1,a\n2,b\n")
	cloud.execute("CREATE OR REPLACE TABLE cloud.sandbox_copy (id INTEGER, name VARCHAR)")
	cloud.execute(f"COPY cloud.sandbox_copy FROM '{source}' (HEADER)")
	target = tmp_path / "out.csv"
	cloud.execute(f"COPY cloud.sandbox_copy TO '{target}' (HEADER)")
	assert target.read_text().splitlines() == ["id,name", "1,a", "2,b"]


def test_operator_allow_lists(launcher, tmp_path):
	allowed = tmp_path / "shared"
	allowed.mkdir()
	(allowed / "data.csv").write_text("n\n1\n2\n3\n")
	private = tmp_path / "shared-private"
	private.mkdir()
	(private / "data.csv").write_text("n\n99\n")
	srv = launcher.serve(["sbdb"], extra_args=["--allow-path", allowed, "--allow-extension", tpch_extension_path(),
	                                          "--memory-limit", "1GB"])
	con = odtest.python_host()
	con.execute(srv.attach_sql("sbdb"))
	try:
		assert odtest.remote(con, "cloud", f"SELECT sum(n) FROM read_csv('{allowed}/data.csv')") == [(6,)]
		odtest.remote(con, "cloud", f"CREATE TABLE loaded AS FROM read_csv('{allowed}/data.csv')")
		# a sibling directory whose name starts the same is not allowed
		with pytest.raises(Exception, match="file system operations are disabled"):
			odtest.remote(con, "cloud", f"SELECT * FROM read_csv('{private}/data.csv')")
		# the allowed extension works; loading it (or any other) from client SQL does not
		assert odtest.remote(con, "cloud", "SELECT count(*) FROM tpch_queries()") == [(22,)]
		with pytest.raises(Exception, match="INSTALL / LOAD"):
			odtest.remote(con, "cloud", "LOAD tpch")
		assert odtest.remote(con, "cloud", "SELECT current_setting('memory_limit')")[0][0].startswith("953.6 MiB")
	finally:
		con.close()


def test_bad_sandbox_options_are_refused_with_the_fix(launcher, tmp_path):
	for args, message in [(["--allow-path", tmp_path / "missing"], "not a directory"),
	                      (["--memory-limit", "lots"], "--memory-limit 'lots' is not a size"),
	                      (["--allow-extension", tmp_path / "none.duckdb_extension"], "--allow-extension")]:
		srv = launcher.serve(["baddb"], extra_args=args, wait=False)
		assert srv.process.proc.wait(timeout=30) != 0
		assert message in srv.process.output(), srv.process.output()


@pytest.mark.timeout_s(120)
def test_statement_timeout_stops_long_statements_not_sessions(launcher):
	srv = launcher.serve(["todb"], extra_args=["--statement-timeout", "2"])
	con = odtest.python_host()
	con.execute(srv.attach_sql("todb"))
	try:
		with pytest.raises(Exception) as error:
			odtest.remote(con, "cloud", "SELECT count(*) FROM range(1000000000000)")
		assert "ran longer than the server's statement timeout of 2 s (openduck serve|worker --statement-timeout)" \
			in str(error.value)
		# a transaction may stay open longer than the limit; each of its statements is short
		con.execute("BEGIN")
		con.execute("CREATE TABLE cloud.kept AS SELECT 1 AS x")
		time.sleep(3)
		con.execute("INSERT INTO cloud.kept VALUES (2)")
		con.execute("COMMIT")
		assert con.execute("SELECT sum(x) FROM cloud.kept").fetchall() == [(3,)]
	finally:
		con.close()


@pytest.mark.timeout_s(120)
def test_statements_beyond_the_running_limit_wait_then_are_refused_naming_the_options(launcher):
	srv = launcher.serve(["qdb"], extra_args=["--max-running-statements", "1", "--queue-timeout", "2"])
	busy, other = odtest.python_host(), odtest.python_host()
	try:
		for con in (busy, other):
			con.execute(srv.attach_sql("qdb"))
		busy_errors = []

		def run_until_interrupted():
			try:
				odtest.remote(busy, "cloud", "SELECT count(*) FROM range(1000000000000)")
			except Exception as e:  # the interrupt below
				busy_errors.append(e)

		thread = threading.Thread(target=run_until_interrupted)
		thread.start()
		# Until the busy statement holds the one place, other statements still run at once.
		deadline = time.monotonic() + 60
		while True:
			try:
				assert odtest.remote(other, "cloud", "SELECT 42") == [(42,)]
			except duckdb.Error as e:
				refusal = str(e)
				break
			assert time.monotonic() < deadline, "the busy statement never took the worker's one place"
			time.sleep(0.1)
		assert "this worker is busy: all 1 of its statement places (--max-running-statements) stayed taken for 2 s " \
		       "(--queue-timeout)" in refusal, refusal
		metrics = odtest.http_get(srv.port, "/metrics", token=srv.token)[1].decode()
		assert "\nopenduck_running_statements 1\n" in metrics and "\nopenduck_queued_statements 0\n" in metrics
		# the place comes back when the busy statement ends
		busy.interrupt()
		thread.join(timeout=30)
		assert busy_errors and not thread.is_alive()
		assert odtest.remote(other, "cloud", "SELECT 42") == [(42,)]
	finally:
		busy.close()
		other.close()
