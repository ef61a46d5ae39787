"""Writes through ATTACH with the pip `duckdb` CLI as the host: INSERT (values, local rows,
files), UPDATE, DELETE, CREATE TABLE AS, and BEGIN ... ROLLBACK / COMMIT. The same script runs
in a CLI whose `cloud` is a local in-memory database; both must print the same.

Uses the session server's database `clidb`; every test works on its own tables."""

import os
import time

import odtest


def unique(name):
	return f"{name}_{os.getpid()}_{time.monotonic_ns() % 10**9}"


def run_both(server, script, mode="-json"):
	"""`script` in a CLI attached to the remote clidb and in one with a local `cloud`."""
	local = odtest.run_cli("ATTACH ':memory:' AS cloud;\n" + script, mode, load_extension=False).check()
	remote = odtest.run_cli(server.attach_sql("clidb") + ";\n" + script, mode).check()
	return local, remote


def test_dml_sequence_prints_like_local(server, tmp_path):
	t = unique("cliw")
	csv = tmp_path / "rows.csv"
	csv.write_text("a,b\n500,csv-one\n501,csv-two\n")
	script = f"""
		CREATE TABLE loc AS SELECT range::INTEGER AS a, 'l' || range AS b FROM range(50);
		CREATE TABLE cloud.{t} (a INTEGER PRIMARY KEY, b VARCHAR DEFAULT 'dflt', c DOUBLE);
		INSERT INTO cloud.{t} VALUES (1000, 'v', 1.5), (1001, NULL, NULL);
		INSERT INTO cloud.{t} SELECT a, b, a / 4 FROM loc;
		INSERT INTO cloud.{t} (a) SELECT a + 2000 FROM loc WHERE a < 5;
		INSERT INTO cloud.{t} (a, b) SELECT * FROM read_csv('{csv}');
		UPDATE cloud.{t} SET b = upper(b), c = c * 2 WHERE a % 7 = 0;
		UPDATE cloud.{t} SET b = loc.b || '!' FROM loc WHERE cloud.{t}.a = loc.a + 10;
		DELETE FROM cloud.{t} WHERE a % 5 = 0;
		DELETE FROM cloud.{t} WHERE a IN (SELECT a + 1 FROM loc WHERE a < 20);
		CREATE TABLE cloud.{t}_ctas AS SELECT a, b FROM loc WHERE a > 40;
		CREATE TABLE cloud.{t}_remote AS SELECT a, c FROM cloud.{t} WHERE a < 30;
		SELECT * FROM cloud.{t} ORDER BY a;
		SELECT * FROM cloud.{t}_ctas ORDER BY a;
		SELECT * FROM cloud.{t}_remote ORDER BY a;
		SELECT count(*), sum(a) FROM cloud.{t}
	"""
	local, remote = run_both(server, script)
	assert remote.json_results() == local.json_results()
	assert len(local.json_results()) == 4


def test_rollback_and_commit_print_like_local(server):
	t = unique("clitx")
	script = f"""
		CREATE TABLE loc AS SELECT range::INTEGER AS a FROM range(100);
		CREATE TABLE cloud.{t} (a INTEGER, b VARCHAR);
		INSERT INTO cloud.{t} SELECT a, 'before' FROM loc WHERE a < 10;
		BEGIN;
		INSERT INTO cloud.{t} SELECT a, 'rolled back' FROM loc;
		UPDATE cloud.{t} SET b = 'changed';
		DELETE FROM cloud.{t} WHERE a < 3;
		CREATE TABLE cloud.{t}_inner AS SELECT 1 AS z;
		SELECT count(*), min(b), max(b) FROM cloud.{t};
		ROLLBACK;
		SELECT count(*), min(b), max(b) FROM cloud.{t};
		SELECT count(*) FROM duckdb_tables() WHERE database_name = 'cloud' AND table_name = '{t}_inner';
		BEGIN;
		INSERT INTO cloud.{t} SELECT a, 'committed' FROM loc WHERE a >= 90;
		UPDATE cloud.{t} SET b = 'updated' WHERE a = 5;
		DELETE FROM cloud.{t} WHERE a = 6;
		CREATE TABLE cloud.{t}_kept AS SELECT a FROM loc WHERE a < 3;
		COMMIT;
		SELECT * FROM cloud.{t} ORDER BY a;
		SELECT * FROM cloud.{t}_kept ORDER BY a
	"""
	local, remote = run_both(server, script)
	assert remote.json_results() == local.json_results()
	# Committed work is visible to another host.
	again = odtest.run_cli(server.attach_sql("clidb") + f";\nSELECT count(*) AS n FROM cloud.{t}", "-csv").check()
	assert again.csv_rows() == [["n"], ["19"]]


def test_constraint_error_matches_local(server):
	t = unique("clipk")
	script = f"""
		CREATE TABLE cloud.{t} (a INTEGER PRIMARY KEY);
		CREATE TABLE loc AS SELECT 1 AS a;
		INSERT INTO cloud.{t} VALUES (1);
		INSERT INTO cloud.{t} SELECT * FROM loc
	"""
	local = odtest.run_cli("ATTACH ':memory:' AS cloud;\n" + script, load_extension=False)
	remote = odtest.run_cli(server.attach_sql("clidb") + ";\n" + script)
	assert local.returncode != 0 and remote.returncode != 0
	assert "Constraint Error" in local.stderr and "Constraint Error" in remote.stderr, remote.stderr
	assert "Duplicate key" in remote.stderr
