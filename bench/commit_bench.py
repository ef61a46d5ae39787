"""Small statements and small transactions (issue #17 items 3 and 4), all in one run.

1. Single-row auto-commit `INSERT INTO t VALUES (...)`, for `--seconds` each, with 1 client and
   with `--clients` clients:
   - local DuckDB: one DuckDB file, the clients are threads with their own cursors (a DuckDB file
     has one writer process);
   - `openduck serve` (the embedded default: commits stay on the server's disk until a checkpoint
     seals them);
   - `openduck gateway` + `openduck worker` (the default worker ships every commit to the shared
     stores before acknowledging it, so another worker can take over);
   the OpenDuck clients are separate processes, each with its own DuckDB and the extension.
   Prints transactions per second, p50, the requests each INSERT made
   (`openduck_last_query_stats()`) and the server CPU per 1000 commits.
2. Latency of tiny statements, p50/p99 over `--latency-runs`: `SELECT x FROM cloud.small` (eight
   rows), a point lookup `SELECT * FROM cloud.big WHERE id = 123457` on 1M rows, the same lookup
   and a single-row INSERT with parameters (`execute(sql, params)`), against `openduck
   serve`, next to the same statements on the local DuckDB file, with the requests each made;
   then `executemany` of single-row INSERTs, in ms per row.

Targets (#17): >= 1,000 tx/s with 1 client, >= 3,000 with 8, never below the local file; small
SELECT p50 <= 0.7 ms; point lookup p50 <= local + 0.5 ms; 1 request each.

Run: .venv/bin/python bench/commit_bench.py [--seconds 5] [--clients 8] [--latency-runs 2000]
"""

import argparse
import multiprocessing
import os
import threading
import time

import duckdb

from gateway_bench import cpu_seconds
from remote_scan_bench import bench_launcher, odtest

STATS = "SELECT remote_requests FROM openduck_last_query_stats()"
# Clients start as new processes: a forked child inherits the parent's gRPC state without
# gRPC's threads, and its calls can then wait forever.
SPAWN = multiprocessing.get_context("spawn")


def insert_loop(con, client, seconds, start_at, remote):
	"""Commits single-row INSERTs until the deadline; returns (latencies, requests per INSERT)."""
	table = "cloud.t" if remote else "t"
	while time.time() < start_at:
		time.sleep(0.001)
	latencies, requests, i = [], None, 0
	deadline = start_at + seconds
	while time.time() < deadline:
		i += 1
		started = time.perf_counter()
		con.execute(f"INSERT INTO {table} VALUES ({client}, {i}, 'row {i}')")
		latencies.append(time.perf_counter() - started)
		if remote and requests is None:
			requests = con.execute(STATS).fetchone()[0]
	return latencies, requests


def remote_client(attach, client, seconds, start_at, results):
	con = odtest.python_host()
	con.execute(attach)
	con.execute(f"INSERT INTO cloud.t VALUES ({client}, 0, 'warm')")  # catalog cached
	before = os.times()
	latencies, requests = insert_loop(con, client, seconds, start_at, True)
	after = os.times()
	# The host's own CPU while it committed (it also waits for start_at, sleeping).
	results.put((latencies, requests, after.user + after.system - before.user - before.system))
	con.close()


def run_remote(attach, clients, seconds, server_pids):
	results = SPAWN.Queue()
	start_at = time.time() + 2 + clients * 0.2
	processes = [SPAWN.Process(target=remote_client, args=(attach, c, seconds, start_at, results))
	             for c in range(clients)]
	for p in processes:
		p.start()
	while time.time() < start_at:
		time.sleep(0.005)
	cpu_before = sum(cpu_seconds(pid) for pid in server_pids)
	collected = [results.get(timeout=seconds + 120) for _ in processes]
	cpu = sum(cpu_seconds(pid) for pid in server_pids) - cpu_before
	for p in processes:
		p.join()
	latencies = sorted(x for batch, _, _ in collected for x in batch)
	host_cpu = sum(c for _, _, c in collected)
	return len(latencies) / seconds, latencies, collected[0][1], (cpu, host_cpu)


def run_local(path, clients, seconds):
	before = os.times()
	con = duckdb.connect(str(path))
	start_at = time.time() + 1
	collected = [None] * clients

	def work(c):
		collected[c] = insert_loop(con.cursor(), c, seconds, start_at, False)

	threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	con.close()
	after = os.times()
	latencies = sorted(x for batch, _ in collected for x in batch)
	# Includes opening the file and the one idle second before the start.
	return len(latencies) / seconds, latencies, None, after.user + after.system - before.user - before.system


def percentile(latencies, q):
	return 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * q))]


def timed(con, sql, runs, stats, params=None):
	con.execute(sql, params).fetchall()
	latencies = []
	for _ in range(runs):
		started = time.perf_counter()
		con.execute(sql, params).fetchall()
		latencies.append(time.perf_counter() - started)
	latencies.sort()
	requests = con.execute(STATS).fetchone()[0] if stats else None
	return percentile(latencies, 0.5), percentile(latencies, 0.99), requests


CREATE_T = "CREATE TABLE t (client INTEGER, i INTEGER, note VARCHAR)"


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--seconds", type=float, default=5)
	parser.add_argument("--clients", type=int, default=8)
	parser.add_argument("--latency-runs", type=int, default=2000)
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	work, launcher = bench_launcher()
	try:
		serve = launcher.serve(["benchdb"])
		gateway = launcher.gateway()
		worker = launcher.worker(gateway, "w1", ["gwdb"])
		setup = odtest.python_host()
		setup.execute(serve.attach_sql("benchdb"))
		setup.execute(gateway.attach_sql("gwdb", alias="gw"))
		for alias in ("cloud", "gw"):
			setup.execute(CREATE_T.replace("TABLE t", f"TABLE {alias}.t"))
		setup.execute("CREATE TABLE cloud.small AS SELECT range AS x FROM range(8)")
		setup.execute("CREATE TABLE cloud.big AS SELECT range AS id, range * 7 AS v, 'row ' || range AS s "
		              "FROM range(1000000)")
		setup.close()
		local_path = work / "local.duckdb"
		local = duckdb.connect(str(local_path))
		local.execute(CREATE_T)
		local.execute("CREATE TABLE small AS SELECT range AS x FROM range(8)")
		local.execute("CREATE TABLE big AS SELECT range AS id, range * 7 AS v, 'row ' || range AS s FROM range(1000000)")
		local.close()

		targets = [
		    ("local DuckDB file", None, None),
		    ("openduck serve", serve.attach_sql("benchdb"), [serve.process.pid]),
		    ("gateway + worker", gateway.attach_sql("gwdb"), [gateway.process.pid, worker.pid]),
		]
		print(f"Single-row auto-commit INSERT, {args.seconds:g} s per run")
		rates = {}
		for clients in (1, args.clients):
			for name, attach, pids in targets:
				if attach is None:
					rate, lat, requests, cpu = run_local(local_path, clients, args.seconds)
				else:
					rate, lat, requests, cpu = run_remote(attach, clients, args.seconds, pids)
				rates[(name, clients)] = rate
				extra = ""
				if attach is not None:
					commits = max(len(lat), 1)
					extra = (f"  requests/INSERT {requests}  CPU per commit: server {1000 * cpu[0] / commits:.2f} ms,"
					         f" host {1000 * cpu[1] / commits:.2f} ms")
				else:
					extra = f"  CPU per commit {1000 * cpu / max(len(lat), 1):.2f} ms"
				print(f"  {clients} client(s)  {name:18s} {rate:7.0f} tx/s  p50 {percentile(lat, 0.5):6.2f} ms"
				      f"  p99 {percentile(lat, 0.99):6.2f} ms{extra}")
			local_rate = rates[("local DuckDB file", clients)]
			for name, attach, _ in targets[1:]:
				print(f"    {name} / local file: {rates[(name, clients)] / local_rate:.2f}x")

		print(f"Tiny statements, p50/p99 over {args.latency_runs} runs (openduck serve vs local file)")
		remote = odtest.python_host()
		remote.execute(serve.attach_sql("benchdb"))
		local = duckdb.connect(str(local_path))
		# With parameters as applications send them (Python's execute(sql, params)): DuckDB binds
		# the values as constants when it plans, so the text alone is not the statement.
		for label, sql, params in (("small table", "SELECT x FROM {}small", None),
		                           ("point lookup", "SELECT * FROM {}big WHERE id = 123457", None),
		                           ("point lookup, ?", "SELECT * FROM {}big WHERE id = ?", [123457]),
		                           ("INSERT, ?", "INSERT INTO {}t VALUES (?, ?, ?)", [0, 1, "row"])):
			r50, r99, requests = timed(remote, sql.format("cloud."), args.latency_runs, True, params)
			l50, l99, _ = timed(local, sql.format(""), args.latency_runs, False, params)
			print(f"  {label:15s} OpenDuck p50 {r50:.3f} ms p99 {r99:.3f} ms ({requests} request(s))  "
			      f"local p50 {l50:.3f} ms p99 {l99:.3f} ms  difference {r50 - l50:+.3f} ms")
		rows = [[0, i, "row"] for i in range(args.latency_runs)]
		per_row = []
		for con, prefix in ((remote, "cloud."), (local, "")):
			started = time.perf_counter()
			con.executemany(f"INSERT INTO {prefix}t VALUES (?, ?, ?)", rows)
			per_row.append(1000 * (time.perf_counter() - started) / len(rows))
		print(f"  executemany     OpenDuck {per_row[0]:.3f} ms per row ({remote.execute(STATS).fetchone()[0]} "
		      f"request(s) for the last)  local {per_row[1]:.3f} ms per row  ratio {per_row[0] / per_row[1]:.2f}x")
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
