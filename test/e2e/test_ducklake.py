"""DuckLake-backed databases: `openduck db create NAME --ducklake` / CREATE DATABASE x (TYPE
DUCKLAKE) make a database whose worker serves a DuckLake catalog (a SQLite file beside a SQLite
metadata store, or a PostgreSQL database of its own on a PostgreSQL one) with Parquet files in
the object store. From a host it is a database like any other: reads, writes, CREATE TABLE,
transactions, hybrid joins, and DuckLake's own time travel (AT (VERSION => n), AT (TIMESTAMP
=> t), ?snapshot=n). The oracle is plain DuckDB with the ducklake extension, given the same
statements: same rows, same DuckLake snapshot history."""

import datetime
import subprocess
import time
from pathlib import Path

import boto3
import duckdb
import pytest

import odtest
from test_storage_sql_admin import call
from test_storage_stores import Postgres, Moto

STATEMENTS = [
	"CREATE TABLE lh.events (id INTEGER, kind VARCHAR, amount DECIMAL(10, 2), at_time TIMESTAMP)",
	"INSERT INTO lh.events SELECT range, CASE WHEN range % 3 = 0 THEN 'click' ELSE 'view' END, range / 7, "
	"TIMESTAMP '2026-01-01' + INTERVAL (range) MINUTE FROM range(5000)",
	"UPDATE lh.events SET kind = 'buy' WHERE id % 100 = 0",
	"DELETE FROM lh.events WHERE id BETWEEN 1000 AND 1999",
	"CREATE TABLE lh.kinds AS SELECT DISTINCT kind, length(kind) AS len FROM lh.events",
	"ALTER TABLE lh.kinds ADD COLUMN note VARCHAR DEFAULT 'n/a'",
	"INSERT INTO lh.events VALUES (9000, 'late', 1.5, TIMESTAMP '2026-02-01 10:00:00')",
]
QUERIES = [
	"SELECT kind, count(*), sum(amount), min(at_time), max(id) FROM lh.events GROUP BY kind ORDER BY kind",
	"SELECT * FROM lh.events WHERE id % 250 = 0 ORDER BY id",
	"SELECT * FROM lh.kinds ORDER BY kind",
	"SELECT e.kind, k.len, count(*) FROM lh.events e JOIN lh.kinds k USING (kind) GROUP BY ALL ORDER BY ALL",
]


def _oracle(tmp_path: Path) -> duckdb.DuckDBPyConnection:
	"""Plain DuckDB with the same extensions, the lake attached as lh from a local catalog."""
	con = duckdb.connect(config={"autoload_known_extensions": "false"})
	for extension in ("ducklake", "sqlite_scanner"):
		con.execute(f"LOAD {odtest.sql_string(str(odtest.pip_extension_path(extension)))}")
	data = tmp_path / "oracle-data"
	data.mkdir()
	con.execute(f"ATTACH {odtest.sql_string('ducklake:sqlite:' + str(tmp_path / 'oracle.sqlite'))} AS lh "
	            f"(DATA_PATH {odtest.sql_string(str(data) + '/')})")
	return con


def _history(con, alias="lh"):
	"""(snapshot id, changes) of the lake, oldest first."""
	return [tuple(r) for r in con.sql(
	    f"SELECT snapshot_id, changes::VARCHAR FROM ducklake_snapshots({odtest.sql_string(alias)}) "
	    "ORDER BY snapshot_id").fetchall()]


def _remote_history(con, alias="lh"):
	return [tuple(r) for r in odtest.remote(
	    con, alias, "SELECT snapshot_id, changes::VARCHAR FROM ducklake_snapshots(current_database()) "
	    "ORDER BY snapshot_id")]


def _serve(launcher, tmp_path, databases=("main_db",), extra=(), env=None):
	return launcher.serve(list(databases), data_dir=tmp_path / "data", env=env,
	                      extra_args=["--extension-dir", odtest.pip_extension_dir(), *extra])


def _openduck(args, env=None, check=True):
	done = subprocess.run([str(odtest.OPENDUCK_BIN), *map(str, args)], capture_output=True, text=True,
	                      env=env or odtest.clean_env(), timeout=60)
	if check:
		assert done.returncode == 0, done.stdout + done.stderr
	return done


def test_ducklake_database_matches_plain_ducklake(launcher, host, tmp_path):
	srv = _serve(launcher, tmp_path)
	_openduck(["db", "create", "lh", "--ducklake", "--data-dir", srv.data_dir])
	listing = _openduck(["db", "list", "--data-dir", srv.data_dir]).stdout
	assert any(line.split()[:2] == ["lh", "ducklake"] for line in listing.splitlines()), listing
	assert any(line.split()[:2] == ["main_db", "native"] for line in listing.splitlines()), listing

	con = host(srv, "lh", alias="lh")
	oracle = _oracle(tmp_path)
	times = []
	for sql in STATEMENTS:
		con.execute(sql)
		oracle.execute(sql)
		times.append(datetime.datetime.now(datetime.timezone.utc))
		time.sleep(0.05)
	for query in QUERIES:
		odtest.assert_same_result(con, query, oracle, query)
	# The same DuckLake history: one snapshot per commit, the same changes in each.
	history = _history(oracle)
	assert _remote_history(con) == history
	assert len(history) == len(STATEMENTS) + 1, history  # + the lake's creation

	# Every version reads as the oracle's, through AT and through a ?snapshot= attachment.
	for version, _ in history[2:]:
		at = f"SELECT * FROM lh.events AT (VERSION => {version}) ORDER BY id"
		odtest.assert_same_result(con, at, oracle, at)
	old = host()
	old.execute(f"ATTACH '{srv.attach_path('lh')}&snapshot={history[3][0]}' AS old")
	odtest.assert_same_result(old, "SELECT count(*), sum(amount) FROM old.events", oracle,
	                          f"SELECT count(*), sum(amount) FROM lh.events AT (VERSION => {history[3][0]})")
	with pytest.raises(duckdb.Error, match="read-only|read only"):
		old.execute("INSERT INTO old.events VALUES (1, 'x', 1, NULL)")
	# A time between two commits reads the state committed before it.
	when = times[2]  # after the UPDATE, before the DELETE
	at_time = f"SELECT count(*), count(*) FILTER (kind = 'buy') FROM lh.events AT (TIMESTAMP => TIMESTAMPTZ '{when}')"
	assert con.execute(at_time).fetchone() == (5000, 50)

	# What changed between two versions, computed on the worker.
	diff = sorted(con.execute(f"SELECT * FROM openduck_diff('lh', 'events', {history[3][0]}, {history[4][0]})")
	              .fetchall())
	expected = sorted([("removed",) + r for r in oracle.execute(
	    f"SELECT * FROM lh.events AT (VERSION => {history[3][0]}) EXCEPT ALL "
	    f"SELECT * FROM lh.events AT (VERSION => {history[4][0]})").fetchall()])
	assert diff == expected and len(diff) == 1000, (len(diff), len(expected))
	# Another host's DDL is seen at once, as on a native database.
	other = host(srv, "lh", alias="lh")
	other.execute("CREATE TABLE lh.made_elsewhere AS SELECT 42 AS answer")
	assert con.execute("SELECT answer FROM lh.made_elsewhere").fetchall() == [(42,)]
	other.execute("DROP TABLE lh.made_elsewhere")
	oracle.execute("CREATE TABLE lh.made_elsewhere AS SELECT 42 AS answer")
	oracle.execute("DROP TABLE lh.made_elsewhere")
	history = _history(oracle)
	assert _remote_history(con) == history

	# Hybrid: a local table joined with the lake's.
	for side in (con, oracle):
		side.execute("CREATE TABLE weights AS SELECT * FROM (VALUES ('click', 1), ('view', 2), ('buy', 10)) t(kind, w)")
	hybrid = "SELECT w.kind, sum(e.amount * w.w) FROM lh.events e JOIN weights w USING (kind) GROUP BY ALL ORDER BY ALL"
	odtest.assert_same_result(con, hybrid, oracle, hybrid)

	# Transactions: a rolled-back insert leaves neither rows nor a DuckLake snapshot.
	con.execute("BEGIN")
	con.execute("INSERT INTO lh.events VALUES (9001, 'gone', 0, NULL)")
	assert con.execute("SELECT count(*) FROM lh.events WHERE id = 9001").fetchone() == (1,)
	con.execute("ROLLBACK")
	assert con.execute("SELECT count(*) FROM lh.events WHERE id = 9001").fetchone() == (0,)
	assert _remote_history(con) == history
	con.execute("BEGIN")
	con.execute("INSERT INTO lh.events VALUES (9002, 'kept', 0, NULL)")
	con.execute("UPDATE lh.kinds SET note = 'both' WHERE kind = 'view'")
	con.execute("COMMIT")
	assert len(_remote_history(con)) == len(history) + 1  # one commit, one snapshot

	# The lake's files are Parquet under the object store's ducklake/<id>/ folder.
	parquet = list((srv.data_dir / "store" / "ducklake").rglob("*.parquet"))
	assert parquet, list((srv.data_dir / "store").rglob("*"))

	# A restart (kill -9) keeps every acknowledged commit: they are in the catalog and the files.
	count = con.execute("SELECT count(*), sum(amount) FROM lh.events").fetchone()
	srv.process.kill_now()
	srv = _serve(launcher, tmp_path)
	again = host(srv, "lh", alias="lh")
	assert again.execute("SELECT count(*), sum(amount) FROM lh.events").fetchone() == count


def test_ducklake_from_sql_and_its_errors(launcher, host, tmp_path):
	srv = _serve(launcher, tmp_path)
	con = host(srv, "main_db", alias="cloud")
	con.execute("USE cloud")
	made = con.execute("CREATE DATABASE lake2 (TYPE DUCKLAKE)").fetchall()
	assert "created DuckLake database 'lake2'" in str(made), made
	made = call(con, "openduck_create_database", "cloud", "lake3", type="ducklake")
	assert "DuckLake" in made["message"], made
	types = dict(con.sql("SELECT name, type FROM openduck_databases('cloud')").fetchall())
	assert types == {"main_db": "native", "lake2": "ducklake", "lake3": "ducklake"}, types
	with pytest.raises(duckdb.Error, match=r"unknown database type 'ICEBERG': use \(TYPE DUCKLAKE\)"):
		con.execute("CREATE DATABASE x (TYPE ICEBERG)")
	with pytest.raises(duckdb.Error, match="unknown database type 'delta'"):
		call(con, "openduck_create_database", "cloud", "y", type="delta")

	con.execute(srv.attach_sql("lake2", "l2"))
	con.execute("CREATE TABLE l2.t AS SELECT range AS i FROM range(10)")
	assert con.execute("SELECT sum(i) FROM l2.t").fetchone() == (45,)
	for sql, error in [
	    # DuckLake versions have ids and times, no names; unknown ones list the history.
	    ("SELECT * FROM l2.t AT (VERSION => 'v1')", r"DuckLake-backed.*no names such as 'v1'.*snapshots are 0 to 1"),
	    ("SELECT * FROM l2.t AT (VERSION => 77)", r"has no snapshot 77; its snapshots are 0 to 1"),
	    ("SELECT * FROM l2.t AT (TIMESTAMP => TIMESTAMPTZ '2001-01-01 00:00:00+00')",
	     "has no snapshot at or before 2001-01-01"),
	    # What only native databases have is refused with the reason.
	    ("CREATE DATABASE copy FROM lake2", "DuckLake-backed: OpenDuck clones native databases only"),
	    ("CREATE SNAPSHOT s1 OF lake2", "DuckLake-backed: every commit is already a DuckLake snapshot"),
	]:
		with pytest.raises(duckdb.Error, match=error):
			con.execute(sql)
	# Client SQL reaches the catalog only through the lake.
	for sql, refused in [
	    ("SELECT * FROM sqlite_scan('/etc/x.sqlite', 't')", r"sqlite_scan\(\) is not available"),
	    ("SELECT * FROM sqlite_query('__ducklake_metadata_lake2', 'SELECT 1')", r"sqlite_query\(\) is not available"),
	    ("SELECT * FROM read_parquet('/etc/*.parquet')", "disabled by configuration|sandbox"),
	    ("ATTACH 'ducklake:sqlite:/tmp/other.sqlite' AS other", "ATTACH"),
	    ("DETACH lake2", "DETACH"),
	]:
		with pytest.raises(duckdb.Error, match=refused):
			odtest.remote(con, "l2", sql)


def test_ducklake_on_postgres_and_s3(launcher, host, tmp_path):
	pg = Postgres()
	moto = Moto(tmp_path)
	try:
		srv = _serve(launcher, tmp_path, extra=["--metadata", pg.url, "--store", "s3://layers/cluster"],
		             env=moto.env())
		con = host(srv, "main_db", alias="cloud")
		con.execute("USE cloud")
		con.execute("CREATE DATABASE lh (TYPE DUCKLAKE)")
		lake = host(srv, "lh", alias="lh")
		oracle = _oracle(tmp_path)
		for sql in STATEMENTS:
			lake.execute(sql)
			oracle.execute(sql)
		for query in QUERIES:
			odtest.assert_same_result(lake, query, oracle, query)
		assert _remote_history(lake) == _history(oracle)
		version = _history(oracle)[2][0]
		at = f"SELECT count(*), sum(amount) FROM lh.events AT (VERSION => {version})"
		odtest.assert_same_result(lake, at, oracle, at)
		# The files are objects under ducklake/; the catalog is a PostgreSQL database of its own.
		s3 = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1", aws_access_key_id=moto.key_id,
		                  aws_secret_access_key=moto.secret)
		keys = [o["Key"] for o in s3.list_objects(Bucket="layers").get("Contents", [])]
		assert any(k.startswith("cluster/ducklake/") and k.endswith(".parquet") for k in keys), keys
		listed = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-Atc",
		                         "SELECT datname FROM pg_database WHERE datname LIKE 'openduck_ducklake_%'"],
		                        capture_output=True, text=True)
		assert len(listed.stdout.split()) == 1, listed
		catalog_db = listed.stdout.split()[0]
		# DuckLake reaches its catalog through postgres_query / postgres_execute, so clients can
		# too: as a role that owns the lake's own catalog database and may do nothing else.
		who = odtest.remote(lake, "lh", "SELECT * FROM postgres_query('__ducklake_metadata_lh', "
		                                "'SELECT current_user::text, current_database()::text, rolsuper FROM pg_roles "
		                                "WHERE rolname = current_user')")
		assert who == [(catalog_db, catalog_db, False)], who
		for sql, refused in [
		    ("SELECT * FROM postgres_query('__ducklake_metadata_lh', 'SELECT pg_read_file(''/etc/hostname'')')",
		     "permission denied"),
		    ("CALL postgres_execute('__ducklake_metadata_lh', 'COPY (SELECT 1) TO PROGRAM ''true''')",
		     "permission denied|must be superuser"),
		    (f"SELECT * FROM postgres_scan('host=127.0.0.1 port={pg.port} user=postgres dbname=postgres', "
		     "'public', 'db')", r"postgres_scan\(\) is not available"),
		    ("SELECT * FROM read_parquet('s3://layers/cluster/layers/*')", "disabled by configuration|sandbox"),
		]:
			with pytest.raises(duckdb.Error, match=refused):
				odtest.remote(lake, "lh", sql)
	finally:
		moto.stop()
		pg.stop()
		pg.cleanup()


def test_ducklake_without_its_extensions_says_how_to_fix(launcher, host, tmp_path):
	srv = launcher.serve(["main_db"], data_dir=tmp_path / "data",
	                     extra_args=["--extension-dir", tmp_path])
	con = host(srv, "main_db", alias="cloud")
	with pytest.raises(duckdb.Error, match=r"cannot load the DuckDB extension 'ducklake'.*--extension-dir"):
		call(con, "openduck_create_database", "cloud", "lh", type="ducklake")


def test_gc_purges_a_dropped_lakes_data_files(tmp_path):
	data = tmp_path / "data"
	_openduck(["db", "create", "old_lake", "--ducklake", "--data-dir", data])
	lake_id = [line.split()[-1].rstrip(")") for line in _openduck(["db", "create", "keep", "--ducklake", "--data-dir",
	                                                                data]).stdout.splitlines()][0]
	files = {}
	# The lakes' files as a worker would have written them: ducklake/<id>/ in the object store.
	for db_id in (int(lake_id) - 1, int(lake_id)):
		folder = data / "store" / "ducklake" / str(db_id) / "main" / "t"
		folder.mkdir(parents=True)
		files[db_id] = folder / "ducklake-0001.parquet"
		files[db_id].write_bytes(b"PAR1" * 100)
	_openduck(["db", "drop", "old_lake", "--data-dir", data])
	time.sleep(1.1)  # dropped longer ago than the retention (whole seconds)
	out = _openduck(["gc", "--retention", "0s", "--data-dir", data]).stdout
	assert "1 dropped databases" in out and "1 DuckLake data files" in out, out
	assert f"DuckLake file ducklake/{int(lake_id) - 1}/main/t/ducklake-0001.parquet" in out, out
	assert not files[int(lake_id) - 1].exists() and files[int(lake_id)].exists()
