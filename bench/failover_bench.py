"""Failover time and what commit shipping costs. A gateway and two workers on shared stores; a
host commits single-row INSERTs and reads through the gateway while the worker writing the
database is killed with SIGKILL, round after round (the killed worker comes back as the next
standby). Prints, per round, how long after the kill writes and reads worked again and how many
writes failed meanwhile; then the single-row auto-commit rate with commit shipping (the default
of `openduck worker`) and with `--local-commits`, one client, through the gateway.

Run: .venv/bin/python bench/failover_bench.py [--rounds 5] [--stores shared-dir|postgres-s3]
     [--lease-ttl 3] [--commit-seconds 5]
"""

import argparse
import statistics
import threading
import time
from pathlib import Path

from remote_scan_bench import bench_launcher, odtest, shared_stores, wait_until

HEARTBEAT_MS = 500


class Stores:
	"""Worker arguments and environment for stores every worker shares."""

	def __init__(self, kind: str, work: Path):
		self.servers = []
		self.env = None
		if kind == "shared-dir":
			self.args = shared_stores(work)
			return
		from test_storage_stores import Moto, Postgres
		pg, s3 = Postgres(), Moto(work)
		self.servers = [pg, s3]
		self.args = ["--metadata", pg.url, "--store", "s3://layers/bench"]
		self.env = s3.env()

	def stop(self):
		for server in self.servers:
			(server.cleanup if hasattr(server, "cleanup") else server.stop)()


class Workload:
	"""One host writing (auto-commit INSERTs) and one reading, each in a loop, recording the
	time of every success and failure."""

	def __init__(self, gateway, database):
		self.stop = threading.Event()
		self.writes, self.write_failures, self.reads, self.read_failures = [], [], [], []
		self.writer = odtest.python_host()
		self.writer.execute(gateway.attach_sql(database))
		self.reader = odtest.python_host()
		self.reader.execute(gateway.attach_sql(database))
		self.threads = [threading.Thread(target=self._write), threading.Thread(target=self._read)]
		for thread in self.threads:
			thread.start()

	def _write(self):
		i = 0
		while not self.stop.is_set():
			i += 1
			try:
				self.writer.execute(f"INSERT INTO cloud.t VALUES ({i})")
				self.writes.append(time.monotonic())
			except Exception:  # noqa: BLE001 - counted
				self.write_failures.append(time.monotonic())
				time.sleep(0.02)

	def _read(self):
		while not self.stop.is_set():
			started = time.monotonic()
			try:
				self.reader.execute("SELECT count(*) FROM cloud.t").fetchone()
				self.reads.append((started, time.monotonic()))
			except Exception:  # noqa: BLE001 - counted
				self.read_failures.append(time.monotonic())

	def close(self):
		self.stop.set()
		for thread in self.threads:
			thread.join()
		self.writer.close()
		self.reader.close()


def failover_rounds(launcher, stores, rounds, lease_ttl):
	gateway = launcher.gateway(heartbeat_ms=HEARTBEAT_MS)
	extra = stores.args + ["--lease-ttl", lease_ttl]
	writer = launcher.worker(gateway, "w1", ["fdb"], extra_args=extra, env=stores.env)
	standby = launcher.worker(gateway, "w2", [], extra_args=extra, env=stores.env)
	setup = odtest.python_host()
	setup.execute(gateway.attach_sql("fdb"))
	setup.execute("CREATE TABLE cloud.t (i INTEGER)")
	setup.close()
	load = Workload(gateway, "fdb")
	results = []
	try:
		for number in range(1, rounds + 1):
			wait_until(lambda: len(load.writes) > 20)
			time.sleep(0.5)
			killed_at = time.monotonic()
			writes_before = len(load.write_failures)
			writer.kill_now()
			wait_until(lambda: load.writes and load.writes[-1] > killed_at + 0.05)
			write_back = next(t for t in load.writes if t > killed_at) - killed_at
			wait_until(lambda: load.reads and load.reads[-1][0] > killed_at)
			# The read in flight at the kill (or started right after): how long it took, retries included.
			slowest = max((end - start for start, end in load.reads if end > killed_at and start < killed_at + write_back),
			              default=0.0)
			failed = len(load.write_failures) - writes_before
			results.append((write_back, slowest, failed))
			print(f"  round {number}: writes again after {write_back:.2f} s ({failed} failed meanwhile); "
			      f"slowest read across the failover {slowest:.2f} s")
			# The dead worker comes back with its own command line (same data dir: its own
			# holder) and stands by, since the other worker writes the database now.
			name = "w1" if writer.name.startswith("worker-w1") else "w2"
			args = writer.args[1:]
			writer, standby = standby, launcher._track(odtest.OpenDuckProcess(
			    f"worker-{name}-{writer.port}-r{number}", args, writer.port, launcher.log_dir, stores.env))
			standby.start()
			gateway.process.wait_healthy(until=lambda h, n=name: any(w["id"] == n for w in h["workers"]))
	finally:
		load.close()
	return results, len(load.read_failures)


def commit_rate(launcher, stores, seconds, local):
	gateway = launcher.gateway(heartbeat_ms=HEARTBEAT_MS)
	extra = stores.args + (["--local-commits"] if local else [])
	database = "rate_local" if local else "rate_shipped"
	launcher.worker(gateway, "r1", [database], extra_args=extra, env=stores.env)
	con = odtest.python_host()
	con.execute(gateway.attach_sql(database))
	con.execute("CREATE TABLE cloud.t (i INTEGER)")
	for i in range(50):  # warm-up
		con.execute(f"INSERT INTO cloud.t VALUES ({i})")
	latencies = []
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		started = time.perf_counter()
		con.execute("INSERT INTO cloud.t VALUES (1)")
		latencies.append(time.perf_counter() - started)
	con.close()
	return len(latencies) / sum(latencies), statistics.median(latencies) * 1000


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--rounds", type=int, default=5, help="kills of the writing worker")
	parser.add_argument("--stores", choices=["shared-dir", "postgres-s3"], default="shared-dir")
	parser.add_argument("--lease-ttl", type=int, default=3, help="the workers' --lease-ttl")
	parser.add_argument("--commit-seconds", type=float, default=5, help="length of each commit-rate run")
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	work, launcher = bench_launcher()
	stores = Stores(args.stores, work)
	try:
		print(f"failover ({args.stores}, lease TTL {args.lease_ttl} s, heartbeat {HEARTBEAT_MS} ms): "
		      f"SIGKILL of the writing worker")
		results, read_failures = failover_rounds(launcher, stores, args.rounds, args.lease_ttl)
		back = [r[0] for r in results]
		print(f"  writes again after the kill: median {statistics.median(back):.2f} s, max {max(back):.2f} s "
		      f"(target 5 s); reads that failed: {read_failures}")
		launcher.stop_all()
		shipped, shipped_p50 = commit_rate(launcher, stores, args.commit_seconds, local=False)
		local, local_p50 = commit_rate(launcher, stores, args.commit_seconds, local=True)
		print(f"single-row auto-commit INSERT, 1 client through the gateway ({args.stores}):")
		print(f"  shipped commits (default): {shipped:.0f} tx/s, p50 {shipped_p50:.2f} ms")
		print(f"  --local-commits:           {local:.0f} tx/s, p50 {local_p50:.2f} ms")
		print(f"  shipping costs {shipped / local:.2f}x the local commit rate")
	finally:
		launcher.stop_all()
		stores.stop()


if __name__ == "__main__":
	main()
