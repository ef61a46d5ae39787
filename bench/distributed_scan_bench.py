"""Distributed scans: one large aggregate split across 1, 2 and 4 read replicas, and a model of
16 and more workers.

A gateway, a writer and `openduck worker --replica` processes on one shared data directory; a
host attached READ_ONLY runs a grouped aggregate over `--rows` rows. Prints, in one run, the
median wall time of `--runs` runs and the CPU seconds of every process for:
  local DuckDB (the same data in the host process), the writer (read-write attachment, the
  statement shipped whole), 1 replica (nothing to split), and 2 and 4 replicas (split, and with
  SET openduck_split_reads = false for comparison); every answer is checked against local
  DuckDB's.
On a 2-core machine every replica shares the same two cores, so splitting cannot be faster
here: read the CPU columns. The model then times the parts themselves (one part reading 1 row
group, one reading all) on an idle replica and predicts the wall time for k workers that each
have cores like this machine's: request overhead + ceil(row groups / k) x time per row group +
the host's merge of k partial results (measured per part).

Run: .venv/bin/python bench/distributed_scan_bench.py [--rows 20000000] [--runs 5]
"""

import argparse
import math
import statistics
import time

from gateway_bench import cpu_seconds
from remote_scan_bench import bench_launcher, shared_stores, host_connection, odtest, wait_until

ROW_GROUP = 122880
QUERY = ("SELECT g, count(*), sum(x), avg(y), min(z), max(z) FROM {t} WHERE x % 5 <> 0 "
         "GROUP BY g ORDER BY g")
DATA = ("SELECT range AS x, (range % 1000)::INTEGER AS y, (range % 17)::VARCHAR AS g, "
        "hash(range) % 100000 AS z FROM range({rows})")


def timed(con, sql, runs):
	"""(median wall seconds, result) of `runs` runs of `sql` after one warm-up."""
	result = sorted(con.execute(sql).fetchall())
	walls = []
	for _ in range(runs):
		started = time.perf_counter()
		assert sorted(con.execute(sql).fetchall()) == result
		walls.append(time.perf_counter() - started)
	return statistics.median(walls), result


def same_position(gateway, replicas):
	ports = {f":{r.port}" for r in replicas}
	positions = [str(w.get("positions", {}).get("bench")) for w in gateway.health()["workers"]
	             if any(w["address"].endswith(p) for p in ports)]
	return len(positions) == len(replicas) and len(set(positions)) == 1 and positions[0] != "None"


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--rows", type=int, default=20_000_000)
	parser.add_argument("--runs", type=int, default=5)
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	work, launcher = bench_launcher()
	stores = shared_stores(work)
	try:
		gateway = launcher.gateway(heartbeat_ms=500)
		writer = launcher.worker(gateway, "w1", ["bench"], extra_args=stores)
		rw = host_connection(2)
		rw.execute(f"LOAD '{odtest.EXTENSION}'")
		rw.execute(gateway.attach_sql("bench"))
		rw.execute(f"CREATE TABLE cloud.facts AS {DATA.format(rows=args.rows)}")
		rw.execute("CHECKPOINT cloud")
		local = host_connection(2)
		local.execute(f"CREATE TABLE facts AS {DATA.format(rows=args.rows)}")
		ro = host_connection(2)
		ro.execute(f"LOAD '{odtest.EXTENSION}'")
		ro.execute(f"ATTACH '{gateway.attach_path('bench')}' AS ro (READ_ONLY)")
		row_groups = math.ceil(args.rows / ROW_GROUP)
		print(f"`{QUERY.format(t='facts')}` over {args.rows:,} rows ({row_groups} row groups), "
		      f"median of {args.runs} runs")

		replicas = []
		host_pid = __import__("os").getpid()

		def measure(name, con, table, baseline=None):
			pids = [host_pid, gateway.process.pid, writer.pid] + [r.pid for r in replicas]
			before = [cpu_seconds(p) for p in pids]
			wall, result = timed(con, QUERY.format(t=table), args.runs)
			cpu = [(cpu_seconds(p) - b) / (args.runs + 1) for p, b in zip(pids, before)]
			assert result == expected, f"{name}: {result} != {expected}"
			ratio = f"{wall / baseline:5.2f}x local" if baseline else "    -      "
			cpu_text = " ".join(f"{c:5.2f}" for c in cpu)
			print(f"  {name:<34} {wall * 1000:8.0f} ms  {ratio}  CPU s/run (host gateway writer replicas): {cpu_text}")
			return wall

		expected = sorted(local.execute(QUERY.format(t="facts")).fetchall())
		local_wall = measure("local DuckDB", local, "facts")
		measure("writer, shipped whole", rw, "cloud.facts", local_wall)
		for count in (1, 2, 4):
			while len(replicas) < count:
				replicas.append(launcher.worker(gateway, f"r{len(replicas) + 1}", [], extra_args=stores + ["--replica"]))
			wait_until(lambda: same_position(gateway, replicas), timeout=120)
			ro.execute("SET openduck_split_reads = false")
			measure(f"{count} replica(s), one reads it", ro, "ro.facts", local_wall)
			if count > 1:
				ro.execute("SET openduck_split_reads = true")
				measure(f"{count} replicas, split in {count} parts", ro, "ro.facts", local_wall)
				plan = "\n".join(r[1] for r in ro.execute("EXPLAIN " + QUERY.format(t="ro.facts")).fetchall())
				assert "openduck_split_read" in plan.lower() or "OPENDUCK_SPLIT_READ" in plan, plan

		# The model: the parts' own cost on one idle replica (the others stopped).
		for replica in replicas[1:]:
			replica.stop()
		partial = ("SELECT g, count(*), sum(x), sum(y), count(y), min(z), max(z) FROM facts WHERE x % 5 <> 0 "
		           "AND rowid >= {lo} AND rowid < {hi} GROUP BY g")
		ro.execute("SET openduck_split_reads = false")
		one, _ = timed(ro, f"SELECT * FROM openduck_query('ro', '{partial.format(lo=0, hi=ROW_GROUP)}')", args.runs)
		full, parts = timed(ro, f"SELECT * FROM openduck_query('ro', '{partial.format(lo=0, hi=args.rows)}')",
		                    args.runs)
		per_group = (full - one) / max(1, row_groups - 1)
		overhead = one - per_group
		# The merge: the host aggregating k parts' rows (each part has the partial of every group),
		# timed for 1 and 256 parts: a fixed cost and a cost per part.
		local.execute(f"CREATE TABLE partials AS SELECT * FROM (VALUES {', '.join(str(tuple(p)) for p in parts)})")
		merge = "SELECT col0, sum(col1), sum(col2), sum(col3) / sum(col4), min(col5), max(col6) FROM {t} GROUP BY col0"
		merge_one, _ = timed(local, merge.format(t="partials"), args.runs)
		local.execute("CREATE TABLE many AS SELECT partials.* FROM partials, range(256)")
		merge_many, _ = timed(local, merge.format(t="many"), args.runs)
		per_part = max(0.0, (merge_many - merge_one) / 255)
		merge_fixed = merge_one - per_part
		print(f"\nmodel (k workers, each with cores like this machine's): request overhead {overhead * 1000:.1f} ms, "
		      f"{per_group * 1000:.2f} ms per row group, merge {merge_fixed * 1000:.2f} ms + "
		      f"{per_part * 1000:.3f} ms per part")
		single = overhead + row_groups * per_group + merge_fixed + per_part
		for k in (1, 2, 4, 8, 16, 32, 64):
			predicted = overhead + math.ceil(row_groups / k) * per_group + merge_fixed + k * per_part
			print(f"  {k:3d} workers: {predicted * 1000:8.1f} ms  {single / predicted:5.2f}x one worker")
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
