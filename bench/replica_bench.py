"""Read replicas: how stale a replica is, and what replicas do for read throughput.

A gateway, a writer (`openduck worker`, shipping commits) and `openduck worker --replica`
processes on one shared data directory.

1. Staleness: the writer's host commits one row every `--commit-every` seconds; a separate host
   process (no commits of its own, so any replica may serve it) attached READ_ONLY polls for
   each row. Prints, per commit, the time from the writer's acknowledgement to the first read
   that returned the row (p50 / p95 / max; issue #13 asks for <= 2 s), and how many of the
   polling reads the replica served.
2. Read throughput: `--clients` host processes attached READ_ONLY run an aggregate over
   `--rows` rows (shipped whole) for `--seconds`, with 0 (writer only), 1 and 2 replicas.
   Prints queries per second, p50, CPU seconds per process, and the ratio to the writer alone.
   On a 2-core machine more replica processes add no cores: read the CPU columns too.

Run: .venv/bin/python bench/replica_bench.py [--commits 20] [--clients 8] [--seconds 10]
"""

import argparse
import multiprocessing
import re
import statistics
import time

from gateway_bench import run
from remote_scan_bench import bench_launcher, odtest, shared_stores, wait_until

AGGREGATE = "SELECT count(*), sum(x), avg(y) FROM ro.facts WHERE x % 7 = 3"


def poll(attach, count, seen, ready):
	"""Reads max(i) as fast as it can; puts (i, monotonic time first seen) for each new i."""
	con = odtest.python_host()
	con.execute(attach)
	last = 0
	ready.set()
	while last < count:
		(value,) = con.execute("SELECT coalesce(max(i), 0) FROM ro.ticks").fetchone()
		now = time.monotonic()
		for i in range(last + 1, value + 1):
			seen.put((i, now))
		last = max(last, value)
	con.close()


def queries_served(process):
	status, body = odtest.http_get(process.port, "/metrics", token=process.token)
	match = re.search(r'^openduck_queries_total\{database="bench"\} (\d+)', body.decode(), re.M)
	return int(match.group(1)) if match else 0


def positioned(gateway, replica):
	"""Whether the gateway knows `replica`'s position for the bench database."""
	return any(w.get("positions", {}).get("bench") for w in gateway.health()["workers"]
	           if w["address"].endswith(f":{replica.port}"))


def staleness(gateway, writer_con, replicas, commits, every):
	context = multiprocessing.get_context("spawn")
	seen, ready = context.Queue(), context.Event()
	attach = f"ATTACH '{gateway.attach_path('bench')}' AS ro (READ_ONLY)"
	poller = context.Process(target=poll, args=(attach, commits, seen, ready))
	poller.start()
	ready.wait(60)
	served_before = [queries_served(r) for r in replicas]
	acknowledged = {}
	for i in range(1, commits + 1):
		writer_con.execute(f"INSERT INTO cloud.ticks VALUES ({i})")
		acknowledged[i] = time.monotonic()
		time.sleep(every)
	first_seen = dict(seen.get(timeout=60) for _ in range(commits))
	poller.join(timeout=60)
	delays = sorted(first_seen[i] - acknowledged[i] for i in acknowledged)
	served = sum(queries_served(r) for r in replicas) - sum(served_before)
	return delays, served


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--commits", type=int, default=20)
	parser.add_argument("--commit-every", type=float, default=0.3)
	parser.add_argument("--follow-interval", type=int, default=250, help="replicas' --follow-interval (ms)")
	parser.add_argument("--clients", type=int, default=8)
	parser.add_argument("--seconds", type=float, default=10)
	parser.add_argument("--rows", type=int, default=2_000_000)
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	work, launcher = bench_launcher()
	stores = shared_stores(work)
	try:
		gateway = launcher.gateway(heartbeat_ms=500)
		writer = launcher.worker(gateway, "w1", ["bench"], extra_args=stores)
		con = odtest.python_host()
		con.execute(gateway.attach_sql("bench"))
		con.execute("CREATE TABLE cloud.ticks (i INTEGER)")
		con.execute(f"CREATE TABLE cloud.facts AS SELECT range AS x, random() AS y FROM range({args.rows})")
		con.execute("CHECKPOINT cloud")
		replica_args = stores + ["--replica", "--follow-interval", str(args.follow_interval)]
		replicas = [launcher.worker(gateway, "r1", [], extra_args=replica_args)]

		delays, served = staleness(gateway, con, replicas, args.commits, args.commit_every)
		print(f"staleness, {args.commits} commits {args.commit_every:g} s apart, replica --follow-interval "
		      f"{args.follow_interval} ms (commit acknowledged -> first read that returned it, another host):")
		print(f"  p50 {1000 * statistics.median(delays):.0f} ms  p95 {1000 * delays[int(len(delays) * 0.95)]:.0f} ms  "
		      f"max {1000 * delays[-1]:.0f} ms  ({served} of the polling reads were served by the replica)")

		attach = f"ATTACH '{gateway.attach_path('bench')}' AS ro (READ_ONLY)"
		print(f"\nread throughput: {args.clients} READ_ONLY host processes, `{AGGREGATE}` over {args.rows:,} rows, "
		      f"{args.seconds:g} s each")
		# Writer only first: the staleness replica is stopped and forgotten.
		replicas[0].stop()
		wait_until(lambda: all(w["id"] != "r1" for w in gateway.health()["workers"]))
		results = {}
		live = []
		for count in (0, 1, 2):
			while len(live) < count:
				live.append(launcher.worker(gateway, f"t{len(live) + 1}", [], extra_args=replica_args))
			wait_until(lambda: all(positioned(gateway, r) for r in live))
			pids = [gateway.process.pid, writer.pid] + [r.pid for r in live]
			before = [queries_served(p) for p in [writer] + live]
			rate, latencies, errors, cpu = run(attach, args.clients, args.seconds, pids, AGGREGATE)
			after = [queries_served(p) for p in [writer] + live]
			share = ", ".join(f"{name} {b - a}" for name, a, b in
			                  zip(["writer"] + [f"r{i + 1}" for i in range(len(live))], before, after))
			results[count] = rate
			cpu_text = ", ".join(f"{c:.1f}" for c in cpu)
			print(f"  {count} replica(s): {rate:7.1f} q/s  p50 {1000 * latencies[len(latencies) // 2]:7.1f} ms  "
			      f"errors {errors}  served: {share}  CPU s (gateway, writer, replicas): {cpu_text}  "
			      f"{rate / results[0]:.2f}x writer alone")
		con.close()
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
