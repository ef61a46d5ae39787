"""Failover: a gateway, a writer worker and a standby worker on shared stores. The writer is
killed with SIGKILL in the middle of a write workload; the standby takes its database over and
every commit a client saw acknowledged is there, checked against a client-side ledger, and
reads running meanwhile see no error (the extension sends them again)."""

import threading
import time

import pytest

import odtest
from test_storage_stores import moto, postgres  # noqa: F401 (fixtures)

HEARTBEAT_MS = 500


def _shared_stores(kind, tmp_path, request):
	"""(extra worker args, env) for stores every worker shares."""
	if kind == "shared-dir":
		shared = tmp_path / "shared"
		return ["--metadata", f"sqlite://{shared}/metadata.sqlite", "--store", f"file://{shared}/store"], None
	pg = request.getfixturevalue("postgres")
	s3 = request.getfixturevalue("moto")
	return ["--metadata", pg.url, "--store", "s3://layers/failover"], s3.env()


class Ledger:
	"""Auto-commit INSERTs through the gateway from one host, one row per attempt; remembers
	which the host saw acknowledged and when the writes stopped and resumed."""

	def __init__(self, con, table):
		self.con = con
		self.table = table
		self.attempted = []
		self.acknowledged = []
		self.errors = []
		self.stop = threading.Event()
		self.thread = threading.Thread(target=self._run)

	def _run(self):
		i = 0
		while not self.stop.is_set():
			i += 1
			self.attempted.append(i)
			try:
				self.con.execute(f"INSERT INTO cloud.{self.table} VALUES ({i}, repeat('x', {i % 500}))")
				self.acknowledged.append((i, time.monotonic()))
			except Exception as e:  # noqa: BLE001 - every failure is recorded and checked below
				self.errors.append((i, time.monotonic(), str(e)))
				time.sleep(0.05)

	def read_while_writing(self, reader, queries):
		"""Runs `queries` (sql, expected row) in turn on `reader` until stopped; returns the
		failures as (start time, message)."""
		failures = []

		def run():
			while not self.stop.is_set():
				for sql, expected in queries:
					started = time.monotonic()
					try:
						row = reader.execute(sql).fetchone()
						if row != expected:
							failures.append((started, f"{sql}: {row} instead of {expected}"))
					except Exception as e:  # noqa: BLE001 - collected and checked
						failures.append((started, f"{sql}: {e}"))
		thread = threading.Thread(target=run)
		thread.start()
		return thread, failures

	def wait_for(self, count, timeout=60):
		deadline = time.monotonic() + timeout
		while len(self.acknowledged) < count:
			assert time.monotonic() < deadline, f"only {len(self.acknowledged)} commits acknowledged; errors: " \
			                                    f"{self.errors[-3:]}"
			time.sleep(0.05)


@pytest.mark.parametrize("stores", ["shared-dir", "postgres-s3"])
def test_the_standby_takes_over_with_every_acknowledged_commit(launcher, host, tmp_path, request, stores):
	extra, env = _shared_stores(stores, tmp_path, request)
	gateway = launcher.gateway(heartbeat_ms=HEARTBEAT_MS)
	writer = launcher.worker(gateway, "w1", ["db1"], extra_args=extra, env=env)
	standby = launcher.worker(gateway, "w2", [], extra_args=extra, env=env)
	# The standby leaves the live writer's database alone.
	workers = {w["id"]: w["databases"] for w in gateway.health()["workers"]}
	assert workers == {"w1": ["db1"], "w2": []}, workers

	con = host(gateway, "db1")
	con.execute("CREATE TABLE cloud.ledger (i INTEGER, pad VARCHAR)")
	con.execute("INSERT INTO cloud.ledger SELECT -range, 'bulk' FROM range(1, 200001)")  # > a row group
	con.execute("CHECKPOINT cloud")
	ledger = Ledger(con, "ledger")
	reader = host(gateway, "db1")
	# Shipped whole to the worker, and a remote scan under a host-side view.
	reader.execute("CREATE VIEW memory.main.bulk AS SELECT * FROM cloud.ledger WHERE i <= 0")
	reads, read_failures = ledger.read_while_writing(reader, [
	    ("SELECT count(*) FROM cloud.ledger WHERE i <= 0", (200000,)),
	    ("SELECT count(*), min(i) FROM memory.main.bulk", (200000, -200000)),
	])
	ledger.thread.start()
	try:
		ledger.wait_for(40)
		killed_at = time.monotonic()
		writer.kill_now()
		before = len(ledger.acknowledged)
		ledger.wait_for(before + 20)
	finally:
		ledger.stop.set()
		ledger.thread.join()
		reads.join()

	resumed = next(t for _, t in ledger.acknowledged[before:] if t > killed_at)
	print(f"\n{stores}: writes resumed {resumed - killed_at:.2f} s after the writer was killed; "
	      f"{len(ledger.errors)} statements failed meanwhile")
	for message in sorted({m.split(":")[0] + ": " + m[-160:] for _, _, m in ledger.errors}):
		print("  error:", message)
	for _, _, message in ledger.errors:
		assert "INTERNAL" not in message, message

	# A read started after the kill sees no error: the extension sends it again while its
	# database moves. One already running when the worker died fails, saying to retry: it was
	# streaming, or, sent again, it met rows committed after its plan was made.
	late = [message for started, message in read_failures if started >= killed_at]
	assert not late, late[:5]
	for _, message in read_failures:
		assert ("unreachable" in message and "retry" in message) or \
		       ("changed while the statement ran" in message and "re-run" in message), message
	workers = {w["id"]: w["databases"] for w in gateway.health()["workers"]}
	assert workers.get("w2") == ["db1"], workers
	rows = {i for (i,) in con.execute("SELECT i FROM cloud.ledger WHERE i > 0").fetchall()}
	acknowledged = {i for i, _ in ledger.acknowledged}
	missing = sorted(acknowledged - rows)
	assert not missing, f"{len(missing)} acknowledged commits are lost: {missing[:10]}"
	assert rows <= set(ledger.attempted)
	assert con.execute("SELECT count(*) FROM cloud.ledger WHERE i <= 0").fetchone() == (200000,)
	# The takeover watcher or a request routed to the standby opens the database first; either
	# way it restored the dead writer's shipped commits.
	assert "took over database 'db1'" in standby.output() or "database 'db1': restored" in standby.output()


def test_a_writer_invalidated_by_a_failed_checkpoint_is_reopened_by_the_next_statement(launcher, host, tmp_path,
                                                                                       request):
	"""A checkpoint whose layer upload fails makes DuckDB invalidate the writer's instance (its
	snapshot would not exist). The next statement, even one sent at once, reopens the database
	with every shipped commit: it neither fails with DuckDB's "database has been invalidated" nor
	waits for the takeover watcher's next round."""
	extra, _ = _shared_stores("shared-dir", tmp_path, request)
	gateway = launcher.gateway(heartbeat_ms=HEARTBEAT_MS)
	creator = launcher.worker(gateway, "w1", ["db1"], extra_args=extra)
	con = host(gateway, "db1")
	con.execute("CREATE TABLE cloud.t AS SELECT range AS x FROM range(100000)")
	con.close()
	creator.stop()
	# Its next writer's first checkpoint fails (creating the database sealed a snapshot).
	worker = launcher.worker(gateway, "w2", ["db1"], extra_args=extra,
	                         env=odtest.clean_env(OPENDUCK_FAILPOINTS="upload.put=error*1"))
	con = host(gateway, "db1")
	con.execute("INSERT INTO cloud.t VALUES (-1)")
	with pytest.raises(Exception, match="layer upload failed"):
		con.execute("CHECKPOINT cloud")
	# At once, from the same host and from a new one (a catalog read first).
	assert con.execute("SELECT count(*), min(x) FROM cloud.t").fetchall() == [(100001, -1)]
	other = host(gateway, "db1")
	assert other.execute("SELECT count(*), min(x) FROM cloud.t").fetchall() == [(100001, -1)]
	con.execute("INSERT INTO cloud.t VALUES (-2)")
	con.execute("CHECKPOINT cloud")  # the failpoint fired once: this one seals
	assert other.execute("SELECT count(*), min(x) FROM cloud.t").fetchall() == [(100002, -2)]
	assert "database 'db1': reopened with every shipped commit after DuckDB invalidated it" in worker.output()
