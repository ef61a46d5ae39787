"""Database administration while the server runs: the SQL functions openduck_clone_database,
openduck_create_database and openduck_create_snapshot; databases created or cloned by
`openduck db` against a running server's data dir; the same through a gateway with separate
workers; and the start-up warning for plain .duckdb files. Every content check compares the
remote database with a local DuckDB that received the same changes."""

import subprocess
import time

import duckdb
import pytest

import odtest

RESULT_COLUMNS = ["database", "snapshot_id", "snapshot_name", "source_database", "source_snapshot_id", "layers",
                  "layer_bytes", "message"]


def admin(data_dir, *args):
	done = subprocess.run([str(odtest.OPENDUCK_BIN), *map(str, args), "--data-dir", str(data_dir)],
	                      capture_output=True, text=True, timeout=60, env=odtest.clean_env())
	assert done.returncode == 0, f"openduck {' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}"
	return done.stdout


def call(con, function, *args, **named):
	"""SELECT * FROM function(args..., name := value ...) as a dict of its one row."""
	params = [odtest.sql_string(a) for a in args] + [f"{k} := {odtest.sql_string(v)}" for k, v in named.items()]
	rel = con.sql(f"SELECT * FROM {function}({', '.join(params)})")
	assert rel.columns == RESULT_COLUMNS
	rows = rel.fetchall()
	assert len(rows) == 1, rows
	return dict(zip(RESULT_COLUMNS, rows[0]))


def same(con, remote_alias, local, table):
	odtest.assert_same_result(con, f"SELECT * FROM {remote_alias}.{table} ORDER BY ALL", local,
	                          f"SELECT * FROM {table} ORDER BY ALL")


def test_sql_clone_is_attachable_at_once_and_independent(launcher, host):
	srv = launcher.serve(["src"])
	con = host(srv, "src", alias="src")
	oracle = duckdb.connect()
	setup = "CREATE TABLE t AS SELECT range AS id, 'v' || range AS s FROM range(5000)"
	odtest.remote(con, "src", setup)
	oracle.execute(setup)
	odtest.remote(con, "src", "CHECKPOINT")
	# Committed after the last checkpoint: the clone must still have it.
	odtest.remote(con, "src", "INSERT INTO t VALUES (-1, 'late')")
	oracle.execute("INSERT INTO t VALUES (-1, 'late')")
	store = srv.data_dir / "store"
	objects = sorted(p for p in store.rglob("*") if p.is_file())

	row = call(con, "openduck_clone_database", "src", "dst")
	assert row["database"] == "dst" and row["source_database"] == "src", row
	assert row["source_snapshot_id"] and row["snapshot_id"] and row["layers"] >= 1, row
	assert "nothing copied" in row["message"], row
	# Only the checkpoint of src wrote a layer; the clone itself copied nothing.
	assert len(sorted(p for p in store.rglob("*") if p.is_file())) <= len(objects) + 1

	con.execute(srv.attach_sql("dst", "dst"))
	same(con, "dst", oracle, "t")
	# Writes on either side never reach the other.
	odtest.remote(con, "dst", "DELETE FROM t WHERE id % 2 = 0")
	odtest.remote(con, "dst", "CHECKPOINT")
	con.execute("INSERT INTO src.t VALUES (-2, 'src only')")
	odtest.remote(con, "src", "CHECKPOINT")
	branch = duckdb.connect()
	branch.execute("CREATE TABLE t AS SELECT * FROM range(5000) r(id), LATERAL (SELECT 'v' || id AS s) "
	               "WHERE id % 2 = 1 UNION ALL SELECT -1, 'late'")
	oracle.execute("INSERT INTO t VALUES (-2, 'src only')")
	same(con, "src", oracle, "t")
	same(con, "dst", branch, "t")

	# Both survive a restart with their own contents.
	con.close()
	srv = launcher.restart(srv)
	con = host(srv, "src", alias="src")
	con.execute(srv.attach_sql("dst", "dst"))
	same(con, "src", oracle, "t")
	same(con, "dst", branch, "t")


def test_sql_clone_at_snapshots_and_create_snapshot(launcher, host):
	srv = launcher.serve(["hist"])
	con = host(srv, "hist")
	oracle = duckdb.connect()
	for sql in ["CREATE TABLE t (id INTEGER, tag VARCHAR)", "INSERT INTO t SELECT range, 'one' FROM range(100)"]:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)
	row = call(con, "openduck_create_snapshot", "cloud", "v1")
	assert row["database"] == "hist" and row["snapshot_name"] == "v1" and row["snapshot_id"], row
	assert "is now named 'v1'" in row["message"], row
	at_v1 = duckdb.connect()
	at_v1.execute("CREATE TABLE t AS SELECT range::INTEGER AS id, 'one' AS tag FROM range(100)")
	for sql in ["UPDATE t SET tag = 'two' WHERE id < 10", "INSERT INTO t VALUES (1000, 'two')"]:
		odtest.remote(con, "cloud", sql)
		oracle.execute(sql)

	call(con, "openduck_clone_database", "cloud", "by_name", snapshot="v1")
	call(con, "openduck_clone_database", "cloud", "by_id", snapshot=str(row["snapshot_id"]))
	# Through a time-travel attachment, the clone starts at the attachment's snapshot.
	con.execute(f"ATTACH '{srv.attach_path('hist')}&snapshot=v1' AS old")
	call(con, "openduck_clone_database", "old", "from_old")
	call(con, "openduck_clone_database", "cloud", "head")
	for db in ["by_name", "by_id", "from_old"]:
		con.execute(srv.attach_sql(db, db))
		same(con, db, at_v1, "t")
	con.execute(srv.attach_sql("head", "head"))
	same(con, "head", oracle, "t")
	same(con, "cloud", oracle, "t")
	# The snapshot is visible to the CLI like one it named itself.
	assert "v1" in admin(srv.data_dir, "snapshot", "list", "-d", "hist")


def test_sql_create_database(launcher, host):
	srv = launcher.serve(["main_db"])
	con = host(srv, "main_db")
	row = call(con, "openduck_create_database", "cloud", "fresh")
	assert row["database"] == "fresh" and row["source_database"] is None, row
	assert "created database 'fresh'" in row["message"], row
	con.execute(srv.attach_sql("fresh", "fresh"))
	assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'fresh'").fetchall() == [(0,)]
	con.execute("CREATE TABLE fresh.t AS SELECT range AS i FROM range(10)")
	assert con.execute("SELECT sum(i) FROM fresh.t").fetchall() == [(45,)]
	assert "fresh" in [w for worker in srv.health()["workers"] for w in worker["databases"]]
	_, out = subprocess.getstatusoutput(f"{odtest.OPENDUCK_BIN} db list --data-dir {srv.data_dir}")
	assert "fresh" in out, out


def test_sql_admin_errors(launcher, host):
	srv = launcher.serve(["e"])
	con = host(srv, "e")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT 1 AS x")
	call(con, "openduck_clone_database", "cloud", "taken")
	call(con, "openduck_create_snapshot", "cloud", "snap")
	cases = [
	    ("openduck_clone_database('cloud', 'taken')", duckdb.CatalogException, "database 'taken' already exists"),
	    ("openduck_create_database('cloud', 'e')", duckdb.CatalogException, "database 'e' already exists"),
	    ("openduck_create_snapshot('cloud', 'snap')", duckdb.CatalogException, "'snap' already exists"),
	    ("openduck_clone_database('cloud', 'x', snapshot := 'never-made')", duckdb.CatalogException,
	     "no snapshot named or numbered 'never-made'"),
	    ("openduck_clone_database('cloud', 'a/b')", duckdb.InvalidInputException, "invalid database name 'a/b'"),
	    ("openduck_create_database('cloud', '-x')", duckdb.InvalidInputException, "invalid database name '-x'"),
	    ("openduck_create_snapshot('cloud', '42')", duckdb.InvalidInputException, "digits only"),
	    ("openduck_clone_database('nowhere', 'x')", duckdb.BinderException, "not an attached OpenDuck database"),
	    ("openduck_clone_database(NULL, 'x')", duckdb.BinderException, "cannot be NULL"),
	]
	for call_sql, error, message in cases:
		with pytest.raises(error, match=message):
			con.execute(f"SELECT * FROM {call_sql}").fetchall()
	con.execute(f"ATTACH '{srv.attach_path('e')}&snapshot=snap' AS old")
	with pytest.raises(duckdb.InvalidInputException, match="read-only time-travel attachment"):
		con.execute("SELECT * FROM openduck_create_snapshot('old', 'nope')").fetchall()
	# Nothing half-made: the failed calls left no database behind.
	_, out = subprocess.getstatusoutput(f"{odtest.OPENDUCK_BIN} db list --data-dir {srv.data_dir}")
	names = {line.split()[0] for line in out.splitlines()[1:]}
	assert names == {"e", "taken"}, out


def test_cli_databases_are_served_by_the_running_server(launcher, host):
	srv = launcher.serve(["live"])
	con = host(srv, "live")
	oracle = duckdb.connect()
	setup = "CREATE TABLE t AS SELECT range AS id FROM range(3000)"
	odtest.remote(con, "cloud", setup)
	oracle.execute(setup)
	odtest.remote(con, "cloud", "CHECKPOINT")
	# The admin commands change metadata only (no write lease), so they run next to the server.
	assert "created database 'made'" in admin(srv.data_dir, "db", "create", "made")
	assert "nothing copied" in admin(srv.data_dir, "db", "clone", "live", "copy")
	admin(srv.data_dir, "snapshot", "create", "-d", "live", "cli-named")
	con.execute(srv.attach_sql("made", "made"))
	con.execute(srv.attach_sql("copy", "copy"))
	assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'made'").fetchall() == [(0,)]
	same(con, "copy", oracle, "t")
	# The server still writes the source: its lease was never disturbed.
	con.execute("INSERT INTO cloud.t VALUES (-1)")
	odtest.remote(con, "cloud", "CHECKPOINT")
	oracle.execute("INSERT INTO t VALUES (-1)")
	same(con, "cloud", oracle, "t")
	con.execute(f"ATTACH '{srv.attach_path('live')}&snapshot=cli-named' AS named")
	assert con.execute("SELECT count(*) FROM named.t").fetchall() == [(3000,)]
	databases = srv.health()["workers"][0]["databases"]
	assert {"live", "made", "copy"} <= set(databases), databases


def test_gateway_routes_databases_created_on_a_worker(launcher, host):
	gateway = launcher.gateway(heartbeat_ms=300)
	worker = launcher.worker(gateway, "w1", ["base"])
	launcher.worker(gateway, "w2", ["elsewhere"])
	con = host(gateway, "base")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS id FROM range(100)")
	# Made through SQL: routable as soon as the call returns.
	call(con, "openduck_clone_database", "cloud", "branch")
	con.execute(gateway.attach_sql("branch", "branch"))
	assert con.execute("SELECT count(*) FROM branch.t").fetchall() == [(100,)]
	# Made with the CLI on the worker's data dir: the worker's next heartbeat announces it.
	admin(worker.data_dir, "db", "create", "late")
	gateway.process.wait_healthy(timeout=10, until=lambda h: any(
	    w["id"] == "w1" and "late" in w["databases"] for w in h["workers"]))
	con.execute(gateway.attach_sql("late", "late"))
	con.execute("CREATE TABLE late.x AS SELECT 7 AS v")
	assert con.execute("SELECT v FROM late.x").fetchall() == [(7,)]
	# Every new database lives on w1, the worker of the database the call went through.
	assert any(worker.data_dir.rglob("late.*")) and any(worker.data_dir.rglob("branch.*"))


def test_plain_duckdb_files_are_reported_with_the_fix(launcher, host, tmp_path):
	data = tmp_path / "data"
	data.mkdir()
	legacy = duckdb.connect(str(data / "old.duckdb"))
	legacy.execute("CREATE TABLE kept AS SELECT range AS i, 'row ' || range AS s FROM range(500)")
	legacy.close()
	srv = launcher.serve(["fresh"], data_dir=data)
	log = srv.process.output()
	assert "ignoring the plain DuckDB file" in log and str(data / "old.duckdb") in log, log
	# The fix the message names works: create the database, then copy the file over.
	con = host(srv, "fresh")
	call(con, "openduck_create_database", "cloud", "old")
	con.execute(srv.attach_sql("old", "old_cloud"))
	con.execute(f"ATTACH {odtest.sql_string(str(data / 'old.duckdb'))} AS legacy (READ_ONLY)")
	con.execute("COPY FROM DATABASE legacy TO old_cloud")
	oracle = duckdb.connect(str(data / "old.duckdb"), read_only=True)
	same(con, "old_cloud", oracle, "kept")
