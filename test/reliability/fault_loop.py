"""Process faults under load: a cluster on shared stores (a gateway, a writer worker and a standby,
PostgreSQL metadata, an S3 server with signature checks) serves concurrent writers and readers
while one component at a time is killed at a random moment and brought back:

  worker      the database's writer, SIGKILL; a standby takes over, a new standby is started
  gateway     SIGKILL, restarted on the same port (workers register again by themselves)
  postgres    SIGKILL of the postmaster and its backends (a crash), restarted (WAL recovery)
  s3          every connection to the S3 server reset and its port closed for a moment, then
              open again (moto keeps objects in memory only, so the process itself is kept:
              to its clients this is exactly a crashed and restarted server)
  failpoint   the standby is replaced by one whose storage fails one step (OPENDUCK_FAILPOINTS:
              a layer upload, the snapshot commit before or after it applied, shipping a commit,
              a lease renewal) its first 1-3 times and seals a snapshot every second; then the
              writer is killed, so that worker takes over under load and meets its failures

The writers keep a client-side ledger: auto-commit INSERTs and two-row transactions, each
recorded as acknowledged only when its statement or COMMIT returned. The guarantees checked:
every acknowledged row is in the database at the end; no row that was never attempted; a
transaction's two rows are both there or both absent; no statement hangs (each ends, with a
result or an error, within STATEMENT_DEADLINE_S); the cluster takes writes again within
RECOVERY_DEADLINE_S of each fault; no INTERNAL error; every snapshot of the database verifies
afterwards (`openduck snapshot verify`); and no read counts fewer rows than were
acknowledged before it started (no read goes back in time across a failover).

    .venv/bin/python test/reliability/fault_loop.py --faults 100 --seed 1   # the full run

prints the report and exits 1 if a guarantee failed. test/e2e/test_fault_loop.py runs a short
loop of it in CI."""

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

import duckdb  # noqa: E402

import odtest  # noqa: E402
from test_storage_stores import Moto, Postgres  # noqa: E402

COMPONENTS = ("worker", "gateway", "postgres", "s3", "failpoint")
# The storage steps a `failpoint` fault makes fail (docs/storage.md, "Failpoints").
FAILPOINTS = ("upload.put", "metadata.commit.before", "metadata.commit.after", "commit.ship.record",
              "commit.ship.put", "lease.renew")
WRITERS = 4
READERS = 2
HEARTBEAT_MS = 500
STATEMENT_DEADLINE_S = 120
RECOVERY_DEADLINE_S = 90
STORE = "s3://layers/faults"


@dataclass
class Ledger:
	"""What the clients saw, shared by their threads (appends are atomic in CPython)."""
	attempted: set = field(default_factory=set)
	acknowledged: set = field(default_factory=set)
	acknowledged_at: dict = field(default_factory=dict)  # id -> (seconds into the run, last fault), for lost rows
	pairs: list = field(default_factory=list)
	errors: list = field(default_factory=list)          # (kind, message)
	violations: list = field(default_factory=list)
	stale_reads: list = field(default_factory=list)     # (rows counted, acknowledged before, last fault)
	stale_query_ids: list = field(default_factory=list)  # of the first stale reads
	last_fault: str = ""                                 # the fault injected last, for the stale reads
	started: float = field(default_factory=time.monotonic)
	fault_times: list = field(default_factory=list)     # (seconds into the run, "number:component")
	in_flight: dict = field(default_factory=dict)       # thread name -> start of its statement
	stop: threading.Event = field(default_factory=threading.Event)

	def error(self, kind: str, ex: Exception):
		message = str(ex)
		self.errors.append((kind, message))
		if "INTERNAL" in message:
			self.violations.append(f"INTERNAL error in a {kind}: {message[:300]}")


class Cluster:
	"""The processes and stores of one run, and how to kill and restart each."""

	def __init__(self, folder: Path, launcher: odtest.Launcher):
		self.folder = folder
		self.launcher = launcher
		self.pg = self.moto = self.relay = None
		self.workers = []
		self.next_worker = 1
		self.armed = ""  # the failpoint of the last `failpoint` fault
		try:
			self.pg = Postgres()
			self.moto = Moto(folder)
			self.relay = odtest.TcpRelay(self.moto.port)
			self.relay_port = self.relay.port
			self.gateway = launcher.gateway(heartbeat_ms=HEARTBEAT_MS, extra_args=self.store_args()[:2])
			self.start_worker(["db1"])
			self.start_worker([])
		except BaseException:
			self.close()  # what started must not outlive a cluster that could not start
			raise

	def env(self):
		env = self.moto.env()
		env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{self.relay_port}"
		return env

	def store_args(self):
		return ["--metadata", self.pg.url, "--store", STORE]

	def start_worker(self, databases, failpoint: str = ""):
		worker_id = f"w{self.next_worker}"
		self.next_worker += 1
		# Every call logged (query id, status, ms): the reports' query ids name the worker that answered.
		env, extra = self.env(), self.store_args() + ["--log-queries-over-ms", "0"]
		if failpoint:
			env["OPENDUCK_FAILPOINTS"] = failpoint
			extra += ["--snapshot-interval", "1s"]
		self.workers.append(self.launcher.worker(self.gateway, worker_id, databases, extra_args=extra, env=env))

	def writer(self):
		"""The worker process serving db1 now, as the gateway sees it (None when unknown)."""
		try:
			serving = [w["id"] for w in self.gateway.health()["workers"] if "db1" in w.get("databases", [])]
		except Exception:  # noqa: BLE001 - the gateway may be restarting
			return None
		return next((w for w in self.workers if serving and f"worker-{serving[0]}-" in w.name), None)

	def kill(self, component: str, rng: random.Random):
		if component in ("worker", "failpoint"):
			writer = self.writer()
			if component == "failpoint":
				for standby in [w for w in self.workers if w is not writer]:
					standby.kill_now()
					self.workers.remove(standby)
				self.armed = f"{rng.choice(FAILPOINTS)}=error*{rng.randint(1, 3)}"
				self.start_worker([], failpoint=self.armed)
			victim = writer or rng.choice(self.workers)
			victim.kill_now()
			self.workers.remove(victim)
			self.start_worker([])  # the next standby; the current standby takes db1 over
		elif component == "gateway":
			old = self.gateway
			old.process.kill_now()
			self.gateway = self.launcher.gateway(token=old.token, port=old.port, heartbeat_ms=HEARTBEAT_MS,
			                                     secret_file=old.cluster_secret_file, extra_args=self.store_args()[:2])
		elif component == "postgres":
			pid = int((self.pg.data / "postmaster.pid").read_text().split()[0])
			backends = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == pid]
			for victim in [pid] + backends:
				try:
					os.kill(victim, signal.SIGKILL)
				except ProcessLookupError:
					pass
			time.sleep(rng.uniform(0.2, 2.0))
			_wait_gone(pid)  # PostgreSQL refuses to start while its old postmaster's pid exists
			self.pg.start()
		else:
			self.relay.sever()
			time.sleep(rng.uniform(0.2, 2.0))
			self.relay = odtest.TcpRelay(self.moto.port, port=self.relay_port)

	def close(self):
		steps = [self.launcher.stop_all] + [part for part in (self.relay and self.relay.close, self.moto and self.moto.stop,
		                                                      self.pg and self.pg.cleanup) if part]
		for step in steps:
			try:
				step()
			except Exception as ex:  # noqa: BLE001 - every step runs; the first failure is reported
				print(f"fault loop: cleaning up: {ex}", file=sys.stderr)


def _wait_gone(pid: int, timeout: float = 30.0):
	"""Until process `pid` is gone and reaped (a killed process lingers while unreaped)."""
	deadline = time.monotonic() + timeout
	while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
		time.sleep(0.05)


def _parent(pid: int) -> int:
	try:
		return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
	except (OSError, IndexError, ValueError):
		return -1


def _connect(cluster: Cluster):
	con = odtest.python_host()
	con.execute(cluster.gateway.attach_sql("db1", "cloud"))
	return con


def _when_acknowledged(ledger: Ledger, row: int) -> str:
	"""When `row` was acknowledged, relative to the faults around it."""
	at, after = ledger.acknowledged_at[row]
	following = next(((t, f) for t, f in ledger.fault_times if t > at), None)
	text = f"{row} acknowledged at {at:.2f} s, after fault {after or 'none'}"
	if following:
		text += f", {following[0] - at:.2f} s before fault {following[1]}"
	return text


def _timed(ledger: Ledger, name: str, fn):
	ledger.in_flight[name] = time.monotonic()
	try:
		return fn()
	finally:
		ledger.in_flight.pop(name, None)


def _write(ledger: Ledger, cluster: Cluster, index: int, seed: int):
	rng = random.Random(seed * 100 + index)
	name = f"writer{index}"
	con = _connect(cluster)
	sequence = 0
	while not ledger.stop.is_set():
		sequence += 1
		first = (index + 1) * 10_000_000 + 2 * sequence
		pair = rng.random() < 0.25
		ids = [first, first + 1] if pair else [first]
		ledger.attempted.update(ids)
		if pair:
			ledger.pairs.append((first, first + 1))
		try:
			if pair:
				for sql in ["BEGIN", f"INSERT INTO cloud.ledger VALUES ({first}, {index}, 'pair')",
				            f"INSERT INTO cloud.ledger VALUES ({first + 1}, {index}, 'pair')", "COMMIT"]:
					_timed(ledger, name, lambda: con.execute(sql))
			else:
				_timed(ledger, name, lambda: con.execute(f"INSERT INTO cloud.ledger VALUES ({first}, {index}, 'auto')"))
			ledger.acknowledged.update(ids)
			for acknowledged in ids:
				ledger.acknowledged_at[acknowledged] = (time.monotonic() - ledger.started, ledger.last_fault)
		except duckdb.Error as ex:
			ledger.error("write", ex)
			try:
				con.execute("ROLLBACK")
			except duckdb.Error:
				pass  # no transaction was open, or it is gone with its worker
			time.sleep(0.05)
	con.close()


def _read(ledger: Ledger, cluster: Cluster, index: int):
	name = f"reader{index}"
	con = _connect(cluster)
	while not ledger.stop.is_set():
		before = len(ledger.acknowledged)
		try:
			(count,) = _timed(ledger, name, lambda: con.execute("SELECT count(*) FROM cloud.ledger").fetchone())
			if count < before:
				ledger.stale_reads.append((count, before, ledger.last_fault))
				if len(ledger.stale_query_ids) < 5:  # to find in the servers' logs which worker answered
					(query_id,) = con.execute("SELECT query_id FROM openduck_last_query_stats()").fetchone()
					ledger.stale_query_ids.append(query_id)
		except duckdb.Error as ex:
			ledger.error("read", ex)
			time.sleep(0.05)
	con.close()


def _await_recovery(ledger: Ledger, probe, started: float) -> float:
	"""Seconds from `started` until a probe write succeeds; RECOVERY_DEADLINE_S if never."""
	while time.monotonic() - started < RECOVERY_DEADLINE_S:
		try:
			probe.execute("INSERT INTO cloud.probe VALUES (1)")
			return time.monotonic() - started
		except duckdb.Error as ex:
			if "INTERNAL" in str(ex):
				ledger.violations.append(f"INTERNAL error in a probe write: {str(ex)[:300]}")
			time.sleep(0.2)
	ledger.violations.append(f"no write succeeded within {RECOVERY_DEADLINE_S} s of a fault")
	return RECOVERY_DEADLINE_S


def run(faults: int, seed: int, folder: Path, launcher: odtest.Launcher, log=print) -> dict:
	"""Runs the loop; returns the report (report["violations"] empty when every guarantee held)."""
	rng = random.Random(seed)
	cluster = Cluster(folder, launcher)
	ledger = Ledger()
	report = {"faults": {c: 0 for c in COMPONENTS}, "recovery_s": [], "violations": ledger.violations,
	          "stale_reads": ledger.stale_reads, "stale_query_ids": ledger.stale_query_ids}
	threads = []
	try:
		setup = _connect(cluster)
		setup.execute("CREATE TABLE cloud.ledger (id BIGINT, writer INTEGER, kind VARCHAR)")
		setup.execute("CREATE TABLE cloud.probe (i INTEGER)")
		threads = [threading.Thread(target=_write, args=(ledger, cluster, i, seed)) for i in range(WRITERS)]
		threads += [threading.Thread(target=_read, args=(ledger, cluster, i)) for i in range(READERS)]
		for thread in threads:
			thread.start()
		# Every component as often as the others, in a random order.
		schedule = [COMPONENTS[i % len(COMPONENTS)] for i in range(faults)]
		rng.shuffle(schedule)
		started = time.monotonic()
		for number, component in enumerate(schedule, 1):
			time.sleep(rng.uniform(0.3, 2.0))  # load runs, then the fault lands at a random moment
			fault_at = time.monotonic()
			cluster.kill(component, rng)
			ledger.last_fault = f"{number}:{component}"
			ledger.fault_times.append((fault_at - ledger.started, ledger.last_fault))
			report["faults"][component] += 1
			recovery = _await_recovery(ledger, setup, fault_at)
			report["recovery_s"].append(recovery)
			now = time.monotonic()
			for name, since in list(ledger.in_flight.items()):
				if now - since > STATEMENT_DEADLINE_S:
					ledger.violations.append(f"{name}'s statement has run {now - since:.0f} s (a hang)")
			what = f"{component} {cluster.armed}" if component == "failpoint" else component
			log(f"fault {number}/{faults}: {what}, writes again after {recovery:.1f} s; "
			    f"{len(ledger.acknowledged)} rows acknowledged, {len(ledger.errors)} failed statements so far")
			if recovery >= RECOVERY_DEADLINE_S:
				break
		report["seconds"] = time.monotonic() - started
	finally:
		ledger.stop.set()
		for thread in threads:
			thread.join(STATEMENT_DEADLINE_S)
			if thread.is_alive():
				ledger.violations.append(f"a client thread did not end within {STATEMENT_DEADLINE_S} s (a hang)")
	try:
		check = _connect(cluster)
		rows = {i for (i,) in check.execute("SELECT id FROM cloud.ledger").fetchall()}
		check.close()
		lost = sorted(ledger.acknowledged - rows)
		if lost:
			ledger.violations.append(f"{len(lost)} acknowledged rows are lost, e.g. {lost[:5]}; " + "; ".join(
			    _when_acknowledged(ledger, i) for i in lost[:5]))
		invented = sorted(rows - ledger.attempted)
		if invented:
			ledger.violations.append(f"{len(invented)} rows were never written by a client, e.g. {invented[:5]}")
		if ledger.stale_reads:
			ledger.violations.append(f"{len(ledger.stale_reads)} reads counted fewer rows than were acknowledged before "
			                         f"they started (the worker that answered: its log, by the query ids above)")
		torn = [p for p in ledger.pairs if (p[0] in rows) != (p[1] in rows)]
		if torn:
			ledger.violations.append(f"{len(torn)} transactions are half there, e.g. {torn[:3]}")
		verify = subprocess.run([str(odtest.OPENDUCK_BIN), "snapshot", "verify", "-d", "db1", "--data-dir",
		                         str(folder / "verify"), *cluster.store_args()], env=cluster.env(),
		                        capture_output=True, text=True, timeout=600)
		report["snapshots_verified"] = verify.stdout.count("\n")
		if verify.returncode != 0:
			ledger.violations.append(f"openduck snapshot verify failed: {verify.stdout[-500:]}{verify.stderr[-500:]}")
		report["rows"] = len(rows)
	finally:
		cluster.close()
	report["acknowledged"] = len(ledger.acknowledged)
	report["attempted"] = len(ledger.attempted)
	report["failed_statements"] = len(ledger.errors)
	kinds = {}
	for kind, message in ledger.errors:
		key = f"{kind}: {message.splitlines()[0][:140]}"
		kinds[key] = kinds.get(key, 0) + 1
	report["error_kinds"] = sorted(kinds.items(), key=lambda item: -item[1])[:12]
	return report


def describe(report: dict) -> str:
	recovery = sorted(report["recovery_s"]) or [0.0]
	lines = [
	    f"faults injected: {sum(report['faults'].values())} ({', '.join(f'{k} {v}' for k, v in report['faults'].items())})"
	    f" in {report.get('seconds', 0):.0f} s",
	    f"rows acknowledged {report['acknowledged']} of {report['attempted']} attempted; in the database at the end "
	    f"{report.get('rows', '?')}; statements that failed during faults {report['failed_statements']}",
	    f"writes again after a fault: median {recovery[len(recovery) // 2]:.1f} s, max {recovery[-1]:.1f} s",
	    f"snapshots verified: {report.get('snapshots_verified', '?')}",
	]
	lines += [f"  {count:5d} x {kind}" for kind, count in report["error_kinds"]]
	episodes = sorted(set(report["stale_reads"]))
	lines.append(f"reads that returned an older state than already acknowledged: {len(report['stale_reads'])} "
	             f"in {len(episodes)} episodes (rows counted / acknowledged before, after fault: "
	             f"{', '.join(f'{c}/{b} {f}' for c, b, f in episodes[:8]) or 'none'})" +
	             (f"; query ids {', '.join(report['stale_query_ids'])}" if report["stale_query_ids"] else ""))
	lines.append("guarantees: " + ("all held" if not report["violations"] else "VIOLATED"))
	lines += [f"  {v}" for v in report["violations"]]
	return "\n".join(lines)


def main():
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--faults", type=int, default=100)
	parser.add_argument("--seed", type=int, default=1)
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	folder = Path(tempfile.mkdtemp(prefix="openduck-faults-"))
	launcher = odtest.Launcher(folder, folder, "faults")
	report = run(args.faults, args.seed, folder, launcher)
	print(describe(report))
	sys.exit(1 if report["violations"] else 0)


if __name__ == "__main__":
	main()
