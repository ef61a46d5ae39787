"""Time travel in SQL: what `FROM t AT (VERSION => ...)` costs against the same query on the head.

`openduck serve` with one database of about `--gib` GiB (a table of random numbers and short
strings), named snapshot v1, then 1% of its rows updated and checkpointed again. Prints, in one
run, the median wall time of `--runs` runs (after one warm-up each) and the server's CPU
seconds per run of three queries on the head and AT (VERSION => 'v1') and AT (VERSION => <its
id>), and their ratio (issue #19 asks for <= 1.1x); also the first, cold AT query, which opens
the snapshot's read-only instance on the worker. Last, `openduck_diff` from v1 to the head (the
1% of rows updated, each a removed and an added row) against the same rows computed on the host
from two AT reads with EXCEPT ALL both ways, which pulls both versions of the table; then a diff
whose changes sit in the first 1% of rows, where only the changed row ranges are read.

Run: .venv/bin/python bench/time_travel_bench.py [--gib 1] [--runs 5]
"""

import argparse
import statistics
import time

from remote_scan_bench import bench_launcher, host_connection, odtest

QUERIES = [
	"SELECT count(*), sum(a), avg(b) FROM {t}",
	"SELECT k % 100 AS g, count(*), max(s) FROM {t} GROUP BY g ORDER BY g",
	"SELECT * FROM {t} WHERE k = 123456",
]
ROW_BYTES = 18  # about what a row of the table takes in the (compressed) database file


def timed(con, sql, runs, server):
	con.execute(sql).fetchall()
	walls, cpu = [], server.cpu_seconds()
	for _ in range(runs):
		started = time.perf_counter()
		con.execute(sql).fetchall()
		walls.append(time.perf_counter() - started)
	return statistics.median(walls), (server.cpu_seconds() - cpu) / runs


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--gib", type=float, default=1.0)
	parser.add_argument("--runs", type=int, default=5)
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	rows = int(args.gib * 2**30 / ROW_BYTES)
	work, launcher = bench_launcher()
	try:
		server = launcher.serve(["bench"])
		con = host_connection(2)
		con.execute(f"LOAD '{odtest.EXTENSION}'")
		con.execute(server.attach_sql("bench"))
		started = time.perf_counter()
		con.execute(f"CREATE TABLE cloud.t AS SELECT range AS k, random() AS a, (random() * 1000)::INTEGER AS b, "
		            f"md5(range::VARCHAR)[:12] AS s FROM range({rows})")
		snapshot = con.execute("SELECT snapshot_id FROM openduck_create_snapshot('cloud', 'v1')").fetchone()[0]
		con.execute("UPDATE cloud.t SET b = b + 1 WHERE k % 100 = 7")
		con.execute("CHECKPOINT cloud")
		size = con.execute("SELECT size_bytes FROM openduck_databases('cloud') WHERE name = 'bench'").fetchone()[0]
		print(f"{rows:,} rows, database file {size / 2**30:.2f} GiB, loaded in {time.perf_counter() - started:.0f} s; "
		      f"median of {args.runs} runs after a warm-up, server CPU per run")
		cold = time.perf_counter()
		con.execute(QUERIES[0].format(t="cloud.t AT (VERSION => 'v1')")).fetchall()
		print(f"  first AT query (opens the snapshot's instance): {1000 * (time.perf_counter() - cold):.0f} ms")
		for query in QUERIES:
			head, head_cpu = timed(con, query.format(t="cloud.t"), args.runs, server.process)
			print(f"  {query.format(t='t')}\n    head                     {1000 * head:7.1f} ms ({head_cpu:.2f} CPU s)")
			# A name is resolved on every statement (names can move); an id needs no lookup.
			for version in ("'v1'", str(snapshot)):
				past, past_cpu = timed(con, query.format(t=f"cloud.t AT (VERSION => {version})"), args.runs,
				                       server.process)
				print(f"    AT (VERSION => {version:<7}) {1000 * past:7.1f} ms ({past_cpu:.2f} CPU s)  "
				      f"{past / head:.2f}x head")
		diff = "SELECT count(*) FROM openduck_diff('cloud', 't', 'v1')"
		on_host = ("SELECT count(*) FROM (SELECT * FROM cloud.t EXCEPT ALL SELECT * FROM cloud.t AT (VERSION => 'v1') "
		           "UNION ALL (SELECT * FROM cloud.t AT (VERSION => 'v1') EXCEPT ALL SELECT * FROM cloud.t))")
		assert con.execute(diff).fetchone() == con.execute(on_host).fetchone()
		diff_wall, diff_cpu = timed(con, diff, 1, server.process)
		host_wall, host_cpu = timed(con, on_host, 1, server.process)
		changed = con.execute(diff).fetchone()[0]
		print(f"  diff v1 -> head ({changed:,} rows, every range changed)\n    openduck_diff            {diff_wall:7.2f} s "
		      f"({diff_cpu:.2f} server CPU s)\n    EXCEPT ALL on the host   {host_wall:7.2f} s ({host_cpu:.2f} server CPU s)  "
		      f"openduck_diff {diff_wall / host_wall:.2f}x")
		# Changes clustered in a few row ranges (recent rows, a batch fix): only those are read.
		con.execute("SELECT * FROM openduck_create_snapshot('cloud', 'v2')").fetchall()
		con.execute(f"UPDATE cloud.t SET b = b + 1 WHERE k < {rows // 100}")
		clustered = "SELECT count(*) FROM openduck_diff('cloud', 't', 'v2')"
		clustered_wall, clustered_cpu = timed(con, clustered, 1, server.process)
		changed = con.execute(clustered).fetchone()[0]
		print(f"  diff v2 -> head ({changed:,} rows, the first 1% of rows)\n    openduck_diff            "
		      f"{clustered_wall:7.2f} s ({clustered_cpu:.2f} server CPU s)  {clustered_wall / host_wall:.3f}x the host's "
		      f"EXCEPT ALL above")
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
