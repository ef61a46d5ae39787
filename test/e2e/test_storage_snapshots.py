"""Automatic snapshots (--snapshot-interval, per database with `openduck db set`) and retention
tiers applied by `openduck gc` (--retention, the config file's [gc] table, per database)."""

import re
import sqlite3
import threading
import time

import odtest
import pytest
from test_storage_admin import admin, attach_snapshot, snapshot_rows

# Polls wait this long at most; nothing asserts how fast snapshots come.
DEADLINE_S = 120


def wait_for_more_snapshots(data_dir, db, than, deadline_s=DEADLINE_S):
	deadline = time.monotonic() + deadline_s
	while time.monotonic() < deadline:
		rows = snapshot_rows(data_dir, db)
		if len(rows) > than:
			return rows
		time.sleep(0.2)
	raise AssertionError(f"no automatic snapshot of {db} within {deadline_s} s (still {than})")


def test_commits_get_snapshots_without_checkpoint_and_idle_databases_none(launcher, host):
	srv = launcher.serve(["auto"], extra_args=["--snapshot-interval", "1s"])
	con = host(srv, "auto")
	created = len(snapshot_rows(srv.data_dir, "auto"))
	odtest.remote(con, "cloud", "CREATE TABLE t (x INTEGER)")
	rows = wait_for_more_snapshots(srv.data_dir, "auto", created)
	made = []
	for i in range(3):
		count = len(rows)
		odtest.remote(con, "cloud", f"INSERT INTO t VALUES ({i})")
		rows = wait_for_more_snapshots(srv.data_dir, "auto", count)
		made.append(rows[-1][0])
	# Idle: several ticks pass and no snapshot is made.
	time.sleep(3)
	assert snapshot_rows(srv.data_dir, "auto") == rows
	# Each automatic snapshot holds exactly what was committed before it.
	for i, snapshot in enumerate(made):
		attach_snapshot(con, srv, "auto", snapshot, f"at{i}")
		assert con.execute(f"SELECT count(*) FROM at{i}.t").fetchall() == [(i + 1,)]
	_, out = admin(srv.data_dir, "snapshot", "verify", "-d", "auto")
	assert out.count(" ok:") == len(rows), out


def test_a_database_interval_wins_over_the_worker_one(launcher, tmp_path, host):
	data_dir = tmp_path / "data"
	for db in ("busy", "quiet"):
		admin(data_dir, "db", "create", db)
	_, out = admin(data_dir, "db", "set", "quiet", "--snapshot-interval", "0")
	assert "snapshot interval 0 (no automatic snapshots)" in out, out
	_, out = admin(data_dir, "db", "set", "busy", "--snapshot-interval", "5m")
	_, out = admin(data_dir, "db", "set", "busy", "--snapshot-interval", "default")
	assert "snapshot interval default" in out, out
	code, out = admin(data_dir, "db", "set", "busy", "--snapshot-interval", "soon", check=False)
	assert code != 0 and "--snapshot-interval expects a duration" in out, out

	srv = launcher.serve(["busy", "quiet"], data_dir=data_dir, extra_args=["--snapshot-interval", "1s"])
	busy, quiet = host(srv, "busy"), host(srv, "quiet")
	odtest.remote(busy, "cloud", "CREATE TABLE t (x INTEGER)")
	odtest.remote(quiet, "cloud", "CREATE TABLE t (x INTEGER)")
	quiet_rows = snapshot_rows(data_dir, "quiet")
	count = len(snapshot_rows(data_dir, "busy"))
	for i in range(2):
		odtest.remote(busy, "cloud", f"INSERT INTO t VALUES ({i})")
		odtest.remote(quiet, "cloud", f"INSERT INTO t VALUES ({i})")
		count = len(wait_for_more_snapshots(data_dir, "busy", count))
	assert snapshot_rows(data_dir, "quiet") == quiet_rows


def forge_created_at(data_dir, times):
	"""Sets snapshots' creation times ({id: unix seconds}) in the metadata store."""
	with sqlite3.connect(data_dir / "metadata.sqlite", timeout=30) as db:
		for snapshot, created_at in times.items():
			db.execute("UPDATE snapshot SET created_at = ? WHERE id = ?", (created_at, snapshot))


def gc_snapshots(out):
	return {int(m) for m in re.findall(r"^  snapshot (\d+)$", out, re.M)}


def test_gc_keeps_what_the_tiers_keep(launcher, host, tmp_path):
	srv = launcher.serve(["g"], extra_args=["--snapshot-interval", "0"])
	con = host(srv, "g")
	odtest.remote(con, "cloud", "CREATE TABLE t (x INTEGER)")
	for i in range(8):
		odtest.remote(con, "cloud", f"INSERT INTO t VALUES ({i})")
		odtest.remote(con, "cloud", "CHECKPOINT")
	ids = [r[0] for r in snapshot_rows(srv.data_dir, "g")]
	assert len(ids) >= 9 and ids[-1] == [r[0] for r in snapshot_rows(srv.data_dir, "g") if r[2]][0]
	g, f, e, d, c, b, a, head = ids[-8:]
	now = int(time.time())
	hour = (now - 5 * 3600) // 3600 * 3600  # an hour 4 to 5 hours ago
	day = now // 86400 * 86400 - 10 * 86400  # a day 10 days ago (UTC)
	times = {s: now - 200 * 86400 for s in ids[:-8]}
	times.update({head: now - 60, a: now - 120, b: hour + 600, c: hour + 1200, d: day + 3600, e: day + 7200,
	              f: now - 100 * 86400, g: now - 100 * 86400})
	forge_created_at(srv.data_dir, times)
	admin(srv.data_dir, "snapshot", "create", "-d", "g", "keep", "--snapshot", f)
	tiers = "all:1h,hourly:2d,daily:30d"
	# b: not the newest of its hour; d: not the newest of its day; g and the rest: too old.
	expected = {b, d, g, *ids[:-8]}

	# From the config file's [gc] table; the servers' top-level keys are not gc's business.
	config = tmp_path / "openduck.toml"
	config.write_text(f'port = 7878\n[gc]\nretention = "{tiers}"\n')
	_, dry = admin(srv.data_dir, "gc", "--dry-run", "--config", config)
	assert gc_snapshots(dry) == expected, dry
	# The default (7d) would keep b; the database's own retention wins.
	_, dry = admin(srv.data_dir, "gc", "--dry-run")
	assert b not in gc_snapshots(dry), dry
	_, out = admin(srv.data_dir, "db", "set", "g", "--retention", tiers)
	assert f"retention {tiers}" in out, out
	_, real = admin(srv.data_dir, "gc")
	assert gc_snapshots(real) == expected, real
	assert [r[0] for r in snapshot_rows(srv.data_dir, "g")] == [f, e, c, a, head]
	_, out = admin(srv.data_dir, "snapshot", "verify", "-d", "g")
	assert out.count(" ok:") == 5, out
	assert con.execute("SELECT count(*) FROM cloud.t").fetchall() == [(8,)]

	# The old form is still one duration for everything; a bad policy says what is expected.
	admin(srv.data_dir, "db", "set", "g", "--retention", "default")
	_, dry = admin(srv.data_dir, "gc", "--dry-run", "--retention", "0s")
	assert gc_snapshots(dry) == {e, c, a}, dry
	code, out = admin(srv.data_dir, "gc", "--retention", "hourly", check=False)
	assert code != 0 and "all:24h,hourly:7d,daily:90d" in out, out


# Writers that overlap all the time: DuckDB refuses every plain CHECKPOINT, so after a while
# the worker holds new transactions back until the writing ones have ended and checkpoints then.
# Session writers each hold a transaction that writes twice; `hammering` more threads insert in
# auto-commit statements without pause. No writer fails, and every commit is in the snapshot.
@pytest.mark.parametrize(
	"places,hammering",
	[
		(None, 0),
		# Fewer statement places than writers: held back inside DuckDB (FORCE CHECKPOINT), the
		# auto-commit inserts took every place and a session's second INSERT, which the checkpoint
		# waited for, waited for a place; no snapshot came in minutes.
		(2, 3),
	],
	ids=["sessions", "scarce-places"],
)
def test_snapshots_are_made_while_writers_never_stop(launcher, host, places, hammering):
	extra = ["--snapshot-interval", "1s"] + (["--max-running-statements", places] if places else [])
	srv = launcher.serve(["busy"], extra_args=extra)
	setup = host(srv, "busy")
	created = len(snapshot_rows(srv.data_dir, "busy"))
	odtest.remote(setup, "cloud", "CREATE TABLE w (writer INTEGER, n INTEGER)")
	before = len(wait_for_more_snapshots(srv.data_dir, "busy", created))
	writers = 6
	stop, committed, failures = threading.Event(), [0] * (writers + hammering), []

	def write(index, con):
		# Staggered, each holding its transaction open a different time: they overlap all the
		# time, and the few milliseconds between one's COMMIT and its next INSERT drift apart
		# instead of lining up with the others'.
		time.sleep(index * 0.13)
		n = 0
		while not stop.is_set():
			try:
				con.execute("BEGIN")
				con.execute(f"INSERT INTO cloud.w VALUES ({index}, {n})")
				time.sleep(0.6 + 0.17 * index)
				con.execute(f"INSERT INTO cloud.w VALUES ({index}, {n + 1})")
				con.execute("COMMIT")
				n += 2
				committed[index] = n
			except Exception as e:  # noqa: BLE001 - every failure is reported below
				failures.append(f"writer {index}: {e}")
				return

	def hammer(index, con):
		n = 0
		while not stop.is_set():
			try:
				con.execute(f"INSERT INTO cloud.w VALUES ({index}, {n})")
				n += 1
				committed[index] = n
			except Exception as e:  # noqa: BLE001 - every failure is reported below
				failures.append(f"auto-commit writer {index}: {e}")
				return

	threads = [threading.Thread(target=write, args=(i, host(srv, "busy"))) for i in range(writers)]
	threads += [threading.Thread(target=hammer, args=(writers + i, host(srv, "busy"))) for i in range(hammering)]
	for thread in threads:
		thread.start()
	try:
		rows = wait_for_more_snapshots(srv.data_dir, "busy", before, deadline_s=60)
	finally:
		stop.set()
		for thread in threads:
			thread.join()
	assert not failures, failures
	# The snapshot holds whole transactions only: each writer's rows are 0..k-1.
	attach_snapshot(setup, srv, "busy", rows[-1][0], "forced")
	for writer, k in setup.execute("SELECT writer, count(*) FROM forced.w GROUP BY ALL").fetchall():
		assert setup.execute(f"SELECT max(n) + 1 FROM forced.w WHERE writer = {writer}").fetchall() == [(k,)]
	assert setup.execute("SELECT count(*) FROM cloud.w").fetchall() == [(sum(committed),)]
