"""What the gateway hop costs small queries: `--clients` host processes, each with its own
DuckDB and the extension, run `SELECT 42 FROM cloud.one_row` (shipped whole) in a loop for
`--seconds`, once attached through an `openduck gateway` and once straight to the worker's own
port, alternating `--repeat` times. Prints queries per second, p50/p99 latency, CPU seconds of
the gateway and the worker, and the gateway / direct throughput ratio (issue #13 asks for at
least 0.9x). With `--rows N` each query instead returns N rows (`SELECT i, s FROM cloud.rows`, a
BIGINT and a 32-character string each), which weighs what the gateway does per result byte.

Run: .venv/bin/python bench/gateway_bench.py [--clients 32] [--seconds 15] [--repeat 2] [--rows N]
"""

import argparse
import multiprocessing
import statistics
import time

from remote_scan_bench import bench_launcher, odtest

QUERY = "SELECT 42 FROM cloud.one_row"


def client(attach, query, seconds, start_at, results):
	con = odtest.python_host()
	con.execute(attach)
	con.execute(query).fetchall()  # catalog and description cached before the clock starts
	while time.time() < start_at:
		time.sleep(0.001)
	latencies = []
	errors = 0
	deadline = start_at + seconds
	while time.time() < deadline:
		started = time.perf_counter()
		try:
			con.execute(query).fetchall()
			latencies.append(time.perf_counter() - started)
		except Exception:  # noqa: BLE001 - counted
			errors += 1
	con.close()
	results.put((latencies, errors))


def run(attach, clients, seconds, pids, query=QUERY):
	"""`clients` host processes run `query` on `attach` for `seconds`: (queries per second,
	sorted latencies, errors, CPU seconds of each of `pids` meanwhile)."""
	# Spawned, not forked: a forked host inherits the parent's gRPC state (and may hold an
	# OpenDuck connection of the parent), which can hang its first call.
	context = multiprocessing.get_context("spawn")
	results = context.Queue()
	start_at = time.time() + 5 + clients * 0.2  # every client attached and warm
	processes = [context.Process(target=client, args=(attach, query, seconds, start_at, results))
	             for _ in range(clients)]
	for process in processes:
		process.start()
	while time.time() < start_at:
		time.sleep(0.01)
	cpu_before = [cpu_seconds(pid) for pid in pids]
	collected = [results.get(timeout=seconds + 120) for _ in processes]
	cpu = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before)]
	for process in processes:
		process.join()
	latencies = sorted(latency for batch, _ in collected for latency in batch)
	errors = sum(e for _, e in collected)
	return len(latencies) / seconds, latencies, errors, cpu


def cpu_seconds(pid):
	with open(f"/proc/{pid}/stat") as stat:
		fields = stat.read().rsplit(")", 1)[1].split()
	return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, clock ticks of 10 ms


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--clients", type=int, default=32)
	parser.add_argument("--seconds", type=float, default=15)
	parser.add_argument("--repeat", type=int, default=2, help="gateway/direct pairs, alternating")
	parser.add_argument("--rows", type=int, default=1, help="rows each query returns (1: the one-row query)")
	args = parser.parse_args()
	if args.rows == 1:
		query, table = QUERY, "CREATE TABLE cloud.one_row AS SELECT 1 AS x"
	else:
		query = "SELECT i, s FROM cloud.rows"
		table = f"CREATE TABLE cloud.rows AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range({args.rows})"
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	work, launcher = bench_launcher()
	try:
		gateway = launcher.gateway()
		worker = launcher.worker(gateway, "w1", ["gwdb"])
		setup = odtest.python_host()
		setup.execute(gateway.attach_sql("gwdb"))
		setup.execute(table)
		setup.close()
		attach = {
		    "gateway": gateway.attach_sql("gwdb"),
		    "direct": f"ATTACH 'openduck:gwdb?endpoint=http://127.0.0.1:{worker.port}&token={gateway.token}' AS cloud",
		}
		best = {}
		print(f"{args.clients} client processes, `{query}` for {args.seconds:g} s each run")
		for _ in range(args.repeat):
			for path in ("gateway", "direct"):
				rate, latencies, errors, cpu = run(attach[path], args.clients, args.seconds,
				                                   [gateway.process.pid, worker.pid], query)
				p50 = 1000 * latencies[len(latencies) // 2]
				p99 = 1000 * latencies[int(len(latencies) * 0.99)]
				queries = max(len(latencies), 1)
				print(f"  {path:8s} {rate:7.0f} q/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  errors {errors}  "
				      f"CPU per 1000 queries: gateway {1000 * cpu[0] / queries:.2f} s, worker "
				      f"{1000 * cpu[1] / queries:.2f} s")
				best[path] = max(best.get(path, 0), rate)
		print(f"gateway / direct throughput (best runs): {best['gateway'] / best['direct']:.2f}x")
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
