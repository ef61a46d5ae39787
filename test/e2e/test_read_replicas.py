"""Read replicas: a gateway, a writer worker that ships its commits and `openduck worker
--replica` processes on the same stores. Hosts that attach READ_ONLY are served by replicas
that hold what the host already committed or read (read-your-writes, never an older state),
and by the writer otherwise; every result equals the writer's."""

import subprocess
import threading
import time

import pytest

import odtest
from test_failover import _shared_stores
from test_storage_stores import moto, postgres  # noqa: F401 (fixtures)

HEARTBEAT_MS = 500


def _queries(process, database="db1"):
	"""ExecuteFragment calls `process` (a worker) finished for `database`."""
	values = odtest.metrics_values(process.port, process.token)
	return int(values.get(f'openduck_queries_total{{database="{database}"}}', 0))


def _position(gateway, worker_id, database="db1"):
	for worker in gateway.health()["workers"]:
		if worker["id"] == worker_id:
			return worker.get("positions", {}).get(database)
	return None


def _wait(condition, what, timeout=30):
	deadline = time.monotonic() + timeout
	while not condition():
		assert time.monotonic() < deadline, f"timed out waiting for {what}"
		time.sleep(0.05)


def _cluster(launcher, tmp_path, request, stores, heartbeat_ms=HEARTBEAT_MS):
	"""(gateway, writer of db1, replica, worker args, env) on shared stores."""
	extra, env = _shared_stores(stores, tmp_path, request)
	gateway = launcher.gateway(heartbeat_ms=heartbeat_ms)
	writer = launcher.worker(gateway, "w1", ["db1"], extra_args=extra, env=env)
	replica = launcher.worker(gateway, "r1", [], extra_args=extra + ["--replica"], env=env)
	return gateway, writer, replica, extra, env


@pytest.fixture
def cluster(launcher, tmp_path, request):
	return _cluster(launcher, tmp_path, request, "shared-dir")


def _read_only(host, gateway, alias="ro", how="option"):
	con = host()
	path = gateway.attach_path("db1")
	if how == "option":
		con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
	else:
		con.execute(f"ATTACH '{path}&access=read_only' AS {alias}")
	return con


def _served_by_replica(host, gateway, replica, rows):
	"""(read-write host, READ_ONLY host) once the replica serves table t of `rows` rows."""
	rw = host(gateway, "db1")
	rw.execute(f"CREATE TABLE cloud.t AS SELECT range AS i FROM range({rows})")
	ro = _read_only(host, gateway)
	# This process committed t: its reads go to the writer until the replica holds that commit.
	_wait(lambda: ro.execute("SELECT count(*) FROM ro.t").fetchone() == (rows,) and _queries(replica) > 0,
	      "the replica to serve t")
	return rw, ro


def test_a_replica_serves_read_only_hosts_and_follows_the_writer(cluster, host):
	gateway, writer, replica, _, _ = cluster
	rw, ro = _served_by_replica(host, gateway, replica, 1000)
	served_before = _queries(replica)
	for _ in range(20):
		assert ro.execute("SELECT count(*), sum(i) FROM ro.t").fetchone() == (1000, 499500)
	# A host has its rows once the result stream ends; the replica counts the call when its
	# handler returns, a moment later: wait for the count, do not sample it once.
	_wait(lambda: _queries(replica) >= served_before + 20, "the reads to reach the replica")
	# Its state follows the writer's commits (no checkpoint in between).
	rw.execute("INSERT INTO cloud.t SELECT 1000 + range FROM range(10)")
	_wait(lambda: ro.execute("SELECT count(*) FROM ro.t").fetchone() == (1010,), "a commit to reach the replica")
	position = _position(gateway, "r1")
	assert position and position["segments"] >= 1, position
	result = subprocess.run([str(odtest.OPENDUCK_BIN), "status", "--endpoint", gateway.endpoint, "-t", gateway.token],
	                        capture_output=True, text=True, timeout=60)
	rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.startswith(("w1 ", "r1 "))}
	assert rows["w1"][1] == "writer" and rows["r1"][1] == "replica", result.stdout
	assert rows["r1"][-1].startswith("db1@"), result.stdout
	# The database's writer column names the writer, never a replica.
	db_row = next(line.split() for line in result.stdout.splitlines() if line.startswith("db1 "))
	assert db_row[1] == "w1", result.stdout
	# ?access=read_only works the same way, and both refuse writes.
	ro2 = _read_only(host, gateway, how="query")
	assert ro2.execute("SELECT max(i) FROM ro.t").fetchone() == (1009,)
	for con in (ro, ro2):
		with pytest.raises(Exception, match="read-only|read only"):
			con.execute("INSERT INTO ro.t VALUES (1)")
	assert rw.execute("SELECT count(*) FROM cloud.t").fetchone() == (1010,)


@pytest.mark.parametrize("stores", ["shared-dir", "postgres-s3"])
def test_a_host_reads_its_own_writes_on_a_read_only_attachment(launcher, tmp_path, request, host, stores):
	gateway, writer, replica, _, _ = _cluster(launcher, tmp_path, request, stores)
	con = host(gateway, "db1")
	con.execute("CREATE TABLE cloud.t (i INTEGER)")
	con.execute(f"ATTACH '{gateway.attach_path('db1')}' AS ro (READ_ONLY)")
	_wait(lambda: _position(gateway, "r1") is not None, "the replica to open db1")
	replica_before, writer_before = _queries(replica), _queries(writer)
	for n in range(1, 41):
		con.execute(f"INSERT INTO cloud.t VALUES ({n})")
		# Right after the commit: the replica is behind, so the gateway sends this to the writer,
		# or the replica caught up; never an older state.
		assert con.execute("SELECT count(*), max(i) FROM ro.t").fetchone() == (n, n)
	# With no new commit, the replica catches up (it also holds the CREATE TABLE's segment) and
	# serves the same read.
	replica_now = _queries(replica)
	_wait(lambda: con.execute("SELECT count(*), max(i) FROM ro.t").fetchone() == (40, 40) and
	      _queries(replica) > replica_now, "the replica to catch up and serve")
	replica_now = _queries(replica)
	for _ in range(5):
		assert con.execute("SELECT count(*), max(i) FROM ro.t").fetchone() == (40, 40)
	_wait(lambda: _queries(replica) >= replica_now + 5, "the reads to reach the replica")
	print(f"\nreads after own commits: replica {replica_now - replica_before}, writer "
	      f"{_queries(writer) - writer_before} calls")


def test_reads_never_go_back_in_time_across_replicas(cluster, launcher, host):
	gateway, writer, replica, extra, env = cluster
	replica2 = launcher.worker(gateway, "r2", [], extra_args=extra + ["--replica", "--follow-interval", "2000"],
	                           env=env)
	rw = host(gateway, "db1")
	rw.execute("CREATE TABLE cloud.t (i INTEGER)")
	ro = _read_only(host, gateway)
	stop = threading.Event()
	failures = []

	def write():
		n = 0
		while not stop.is_set():
			n += 1
			rw.execute(f"INSERT INTO cloud.t VALUES ({n})")

	writer_thread = threading.Thread(target=write)
	writer_thread.start()
	try:
		seen = 0
		deadline = time.monotonic() + 8
		while time.monotonic() < deadline:
			(count,) = ro.execute("SELECT count(*) FROM ro.t").fetchone()
			if count < seen:
				failures.append((seen, count))
			seen = max(seen, count)
	finally:
		stop.set()
		writer_thread.join()
	assert not failures, f"a read saw fewer rows than an earlier one: {failures[:5]}"
	assert seen > 0


def test_a_read_only_transaction_reads_one_state_on_a_replica(cluster, host):
	gateway, writer, replica, _, _ = cluster
	rw, ro = _served_by_replica(host, gateway, replica, 100)
	ro.execute("BEGIN")
	assert ro.execute("SELECT count(*) FROM ro.t").fetchone() == (100,)
	rw.execute("INSERT INTO cloud.t SELECT range FROM range(50)")
	time.sleep(1.0)  # the replica moves on meanwhile; the transaction must not
	assert ro.execute("SELECT count(*) FROM ro.t").fetchone() == (100,)
	assert ro.execute("SELECT count(*) FROM ro.t WHERE i < 50").fetchone() == (50,)
	ro.execute("COMMIT")
	_wait(lambda: ro.execute("SELECT count(*) FROM ro.t").fetchone() == (150,), "the new state after COMMIT")


def test_reads_survive_a_replica_or_the_writer_going_away(cluster, host):
	gateway, writer, replica, _, _ = cluster
	rw, ro = _served_by_replica(host, gateway, replica, 300000)
	# The writer dies: read-only hosts keep reading from the replica.
	writer.kill_now()
	for _ in range(5):
		assert ro.execute("SELECT count(*), sum(i) FROM ro.t").fetchone() == (300000, 44999850000)
	with pytest.raises(Exception, match="read replicas|unreachable|retry"):
		rw.execute("INSERT INTO cloud.t VALUES (1)")


def test_a_replica_killed_mid_scan_fails_the_scan_cleanly(cluster, host):
	gateway, writer, replica, _, _ = cluster
	rw = host(gateway, "db1")
	rw.execute("CREATE TABLE cloud.t AS SELECT range AS i, repeat('x', 100) AS s FROM range(2000000)")
	ro = _read_only(host, gateway)
	_wait(lambda: _position(gateway, "r1") is not None and
	      ro.execute("SELECT count(*) FROM ro.t").fetchone() == (2000000,), "the replica to see t")
	result = {}

	def scan():
		try:
			result["rows"] = len(ro.execute("SELECT i, s FROM ro.t").fetchall())
		except Exception as e:  # noqa: BLE001 - checked below
			result["error"] = str(e)

	thread = threading.Thread(target=scan)
	thread.start()
	time.sleep(0.3)
	replica.kill_now()
	thread.join(timeout=120)
	assert not thread.is_alive(), "the scan hung after its replica died"
	if "error" in result:
		assert "INTERNAL" not in result["error"], result["error"]
		assert "unreachable" in result["error"] or "retry" in result["error"], result["error"]
	else:
		assert result["rows"] == 2000000
	# Later reads go to the writer once the gateway forgot the replica (sent again meanwhile).
	assert ro.execute("SELECT count(*) FROM ro.t").fetchone() == (2000000,)


def test_replica_options_are_checked(launcher, tmp_path):
	gateway = launcher.gateway()
	for args, message in [(["--replica", "-d", "db1"], "drop -d"),
	                      (["--follow-interval", "100"], "--follow-interval applies to read replicas")]:
		result = subprocess.run([str(odtest.OPENDUCK_BIN), "worker", "--gateway", gateway.endpoint, "-t",
		                         gateway.token, "--cluster-secret-file", str(gateway.cluster_secret_file),
		                         "--data-dir", str(tmp_path / "w")] + args,
		                        capture_output=True, text=True, timeout=60)
		assert result.returncode != 0
		assert message in result.stderr, result.stderr


def test_a_read_sent_to_a_dead_replica_goes_to_the_writer(launcher, tmp_path, request, host):
	"""With a 5 s heartbeat the gateway still lists a killed replica for 15 s: the read it sends
	there is answered by the writer instead, not retried against the dead replica."""
	gateway, writer, replica, _, _ = _cluster(launcher, tmp_path, request, "shared-dir", heartbeat_ms=5000)
	rw, ro = _served_by_replica(host, gateway, replica, 1000)
	replica.kill_now()
	started = time.monotonic()
	assert ro.execute("SELECT count(*), sum(i) FROM ro.t").fetchone() == (1000, 499500)
	assert any(w["id"] == "r1" for w in gateway.health()["workers"]), "the gateway forgot r1 already"
	assert "replica r1 for database 'db1' unreachable" in gateway.process.output()
	assert "sending the read to the writer" in gateway.process.output()
	print(f"\nread answered {time.monotonic() - started:.2f} s after the replica was killed")
	# Later reads skip r1 until it heartbeats again.
	for _ in range(5):
		assert ro.execute("SELECT count(*) FROM ro.t").fetchone() == (1000,)


def test_a_host_attached_straight_to_a_replica(cluster, host):
	"""A replica's own port answers like a worker's: a READ_ONLY attachment reads, and an
	unknown database is named in the error (a replica has no writer's database set)."""
	gateway, writer, replica, _, _ = cluster
	rw, _ = _served_by_replica(host, gateway, replica, 10)
	direct = host()
	endpoint = f"http://127.0.0.1:{replica.port}"
	direct.execute(f"ATTACH 'openduck:db1?endpoint={endpoint}&token={gateway.token}' AS r (READ_ONLY)")
	assert direct.execute("SELECT count(*), sum(i) FROM r.t").fetchone() == (10, 45)
	with pytest.raises(Exception, match="nope") as error:
		direct.execute(f"ATTACH 'openduck:nope?endpoint={endpoint}&token={gateway.token}' AS n (READ_ONLY)")
	assert "does not exist" in str(error.value), error.value
	assert replica.running(), replica.describe()


def test_a_gateway_killed_and_restarted_gets_its_workers_back_and_hosts_reconnect(cluster, host):
	gateway, writer, replica, _, _ = cluster
	rw, ro = _served_by_replica(host, gateway, replica, 1000)
	gateway.process.kill_now()
	with pytest.raises(Exception, match="cannot reach OpenDuck gateway"):
		rw.execute("SELECT count(*) FROM cloud.t").fetchone()
	# The same gateway (port, token, cluster secret) comes back with no worker known.
	gateway.process.start()
	gateway.process.wait_healthy(until=lambda health: {"w1", "r1"} <= {w["id"] for w in health.get("workers", [])})
	_wait(lambda: _position(gateway, "r1") is not None, "the replica to report its position again")
	# The hosts' attachments reconnect by themselves: no new ATTACH.
	rw.execute("INSERT INTO cloud.t VALUES (1000)")
	assert rw.execute("SELECT count(*), max(i) FROM cloud.t").fetchone() == (1001, 1000)
	served_before = _queries(replica)
	_wait(lambda: ro.execute("SELECT count(*), max(i) FROM ro.t").fetchone() == (1001, 1000) and
	      _queries(replica) > served_before, "the replica to serve the read-only host again")
