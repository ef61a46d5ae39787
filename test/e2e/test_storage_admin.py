"""Differential storage through the real server: snapshots at checkpoints, named snapshots,
time travel (ATTACH ...?snapshot=), zero-copy clones, db create/list/drop/undrop and GC,
all driven through `openduck` and the extension."""

import re
import subprocess

import duckdb
import pytest

import odtest


def admin(data_dir, *args, check=True, timeout=60):
	odtest.require_build(odtest.OPENDUCK_BIN)
	done = subprocess.run([str(odtest.OPENDUCK_BIN), *[str(a) for a in args], "--data-dir", str(data_dir)],
	                      capture_output=True, text=True, timeout=timeout, env=odtest.clean_env())
	out = done.stdout + done.stderr
	if check:
		assert done.returncode == 0, f"openduck {' '.join(map(str, args))} failed ({done.returncode}):\n{out}"
	return done.returncode, out


def snapshot_rows(data_dir, db):
	"""`openduck snapshot list` as [(id, name, is_head)]."""
	_, out = admin(data_dir, "snapshot", "list", "-d", db)
	rows = []
	for line in out.splitlines()[1:]:
		m = re.match(r"^(\d+)(\*?)\s+(\S+)", line)
		if m:
			rows.append((int(m.group(1)), m.group(3), m.group(2) == "*"))
	return rows


def attach_snapshot(con, server, db, snapshot, alias):
	con.execute(f"ATTACH '{server.attach_path(db)}&snapshot={snapshot}' AS {alias}")


def test_checkpoints_make_snapshots_and_time_travel_reads_them(launcher, host):
	srv = launcher.serve(["tt"])
	con = host(srv, "tt")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS id, 'v1' AS tag FROM range(1000)")
	odtest.remote(con, "cloud", "CHECKPOINT")
	admin(srv.data_dir, "snapshot", "create", "-d", "tt", "first")
	odtest.remote(con, "cloud", "UPDATE t SET tag = 'v2' WHERE id < 10")
	odtest.remote(con, "cloud", "INSERT INTO t SELECT range, 'v2' FROM range(1000, 1500)")
	odtest.remote(con, "cloud", "CHECKPOINT")

	rows = snapshot_rows(srv.data_dir, "tt")
	assert len(rows) >= 3, rows  # creation, the two checkpoints
	assert [r for r in rows if r[1] == "first"], rows
	head = [r for r in rows if r[2]]
	assert len(head) == 1 and head[0][0] == max(r[0] for r in rows), rows

	attach_snapshot(con, srv, "tt", "first", "old")
	assert con.execute("SELECT count(*), count(*) FILTER (tag = 'v2') FROM old.t").fetchall() == [(1000, 0)]
	assert con.execute("SELECT count(*), count(*) FILTER (tag = 'v2') FROM cloud.t").fetchall() == [(1500, 510)]
	# By id as well as by name.
	first_id = [r[0] for r in rows if r[1] == "first"][0]
	attach_snapshot(con, srv, "tt", first_id, "old_by_id")
	assert con.execute("SELECT count(*) FROM old_by_id.t").fetchall() == [(1000,)]

	with pytest.raises(duckdb.Error, match="read-only"):
		odtest.remote(con, "old", "INSERT INTO t VALUES (-1, 'nope')")
	with pytest.raises(duckdb.Error, match="no snapshot"):
		attach_snapshot(con, srv, "tt", "never-made", "nothing")
		con.execute("SELECT * FROM nothing.t").fetchall()
	# The head is untouched by all of that.
	assert con.execute("SELECT count(*) FROM cloud.t").fetchall() == [(1500,)]
	_, out = admin(srv.data_dir, "snapshot", "verify", "-d", "tt")
	assert out.count(" ok:") == len(rows), out


def test_clone_is_zero_copy_and_independent(launcher, host):
	srv = launcher.serve(["src"])
	con = host(srv, "src")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS id FROM range(20000)")
	odtest.remote(con, "cloud", "CHECKPOINT")
	store = srv.data_dir / "store"
	objects_before = sorted(p for p in store.rglob("*") if p.is_file())
	_, out = admin(srv.data_dir, "db", "clone", "src", "dst")
	assert "nothing copied" in out, out
	assert sorted(p for p in store.rglob("*") if p.is_file()) == objects_before

	# The running server serves the clone at once.
	con.execute("DETACH cloud")
	con.execute(srv.attach_sql("src", "a"))
	con.execute(srv.attach_sql("dst", "b"))
	assert con.execute("SELECT count(*) FROM b.t").fetchall() == [(20000,)]
	odtest.remote(con, "b", "DELETE FROM t WHERE id % 2 = 0")
	odtest.remote(con, "b", "CHECKPOINT")
	odtest.remote(con, "a", "INSERT INTO t VALUES (-1)")
	odtest.remote(con, "a", "CHECKPOINT")
	assert con.execute("SELECT count(*) FROM a.t").fetchall() == [(20001,)]
	assert con.execute("SELECT count(*) FROM b.t").fetchall() == [(10000,)]


def test_db_create_list_drop_undrop(launcher, tmp_path):
	data = tmp_path / "admin-data"
	_, out = admin(data, "db", "create", "alpha")
	assert "created database 'alpha'" in out
	code, out = admin(data, "db", "create", "alpha", check=False)
	assert code == 1 and "already exists" in out, out
	admin(data, "db", "create", "beta")
	_, out = admin(data, "db", "list")
	assert re.search(r"^alpha\s", out, re.M) and re.search(r"^beta\s", out, re.M), out
	_, out = admin(data, "db", "drop", "alpha")
	assert "undrop" in out
	_, out = admin(data, "db", "list")
	assert not re.search(r"^alpha\s", out, re.M), out
	_, out = admin(data, "db", "list", "--all")
	assert re.search(r"^alpha\s", out, re.M), out
	admin(data, "db", "undrop", "alpha")
	_, out = admin(data, "db", "list")
	assert re.search(r"^alpha\s", out, re.M), out
	code, out = admin(data, "db", "drop", "nosuch", check=False)
	assert code == 1 and "does not exist" in out, out
	code, out = admin(data, "db", "frobnicate", check=False)
	assert code == 2 and "unknown action" in out, out


def test_gc_dry_run_then_real_keeps_what_is_needed(launcher, host):
	srv = launcher.serve(["g"])
	con = host(srv, "g")
	odtest.remote(con, "cloud", "CREATE TABLE t (x INTEGER)")
	for i in range(4):
		odtest.remote(con, "cloud", f"INSERT INTO t SELECT range FROM range({i * 100}, {(i + 1) * 100})")
		odtest.remote(con, "cloud", "CHECKPOINT")
	rows = snapshot_rows(srv.data_dir, "g")
	admin(srv.data_dir, "snapshot", "create", "-d", "g", "keep", "--snapshot", rows[1][0])
	# A live time-travel reader pins its snapshot.
	reader_snapshot = rows[2][0]
	attach_snapshot(con, srv, "g", reader_snapshot, "reader")
	assert con.execute("SELECT count(*) FROM reader.t").fetchall()[0][0] >= 0

	_, dry = admin(srv.data_dir, "gc", "--dry-run", "--retention", "0s")
	assert "dry run" in dry and "would remove" in dry, dry
	assert snapshot_rows(srv.data_dir, "g") == rows or len(snapshot_rows(srv.data_dir, "g")) == len(rows)
	_, real = admin(srv.data_dir, "gc", "--retention", "0s")
	after = {r[0] for r in snapshot_rows(srv.data_dir, "g")}
	head = [r[0] for r in rows if r[2]][0]
	assert {rows[1][0], reader_snapshot} <= after, (rows, after, real)
	assert head in after or max(after) > head
	# Everything still opens and verifies, and the head kept all data.
	_, out = admin(srv.data_dir, "snapshot", "verify", "-d", "g")
	assert out.count(" ok:") == len(after), out
	assert con.execute("SELECT count(*) FROM cloud.t").fetchall() == [(400,)]
	assert con.execute("SELECT count(*) FROM reader.t").fetchall()[0][0] >= 0
