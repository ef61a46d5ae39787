"""Hybrid placement: TPC-H or TPC-DS queries over tables split between the host and an OpenDuck database.

`openduck serve` holds all the benchmark's tables (dbgen / dsdgen on the worker); the host holds
them too, in a local DuckDB file. For each split, the host's query text reads a view per table: over the local
file for the host's tables, over `cloud.<table>` for the remote ones. Prints, in one run, per
split and per query: wall time against the same query with every table local (the views over
the local file), under openduck_placement 'auto' and forced 'local', the bytes moved each way
(openduck_last_query_stats) and the placement chosen (LOCAL→REMOTE when host tables were sent,
"+keys" when a join's keys were sent to reduce a remote scan);
then per split the totals and the worst query. Server CPU seconds are printed next to wall time.

Run: .venv/bin/python bench/hybrid_bench.py [--suite tpch|tpcds] [--sf 1] [--queries 1,3,5]
     [--splits facts-remote,...] [--runs 3]
Times are the median of --runs runs after a warm-up (default 1: single runs on a shared 2-core
machine differ by 10-20% on short queries; use 3 or more to compare auto with forced local). Each
query runs all-local, then auto, then forced local, so that each ratio compares runs taken
seconds apart.
TPC-DS (pip duckdb-ext-tpcds) has two splits: all-remote and facts-remote (its seven fact tables).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "test" / "e2e"))

from remote_scan_bench import bench_launcher, host_connection, odtest  # noqa: E402
from test_tpcds import FACTS as TPCDS_FACTS  # noqa: E402
from test_tpch import TABLES, pip_extension_path  # noqa: E402

# Per suite: the generator, the number of queries and the splits (the tables kept remote).
SUITES = {
	"tpch": ("dbgen", 22, {
		"all-remote": TABLES,
		"facts-remote": ["lineitem", "orders"],
		"dimensions-remote": ["customer", "nation", "part", "partsupp", "region", "supplier"],
		"mixed": ["lineitem", "customer", "nation", "partsupp"],
		"lineitem-remote": ["lineitem"],
		"orders-remote": ["orders"],
	}),
	"tpcds": ("dsdgen", 99, {"all-remote": None, "facts-remote": TPCDS_FACTS}),
}


def host_for(server, local_file, tables, remote_tables):
	con = host_connection(2)
	con.execute(f"LOAD '{odtest.EXTENSION}'")
	con.execute(server.attach_sql("bench"))
	con.execute(f"ATTACH '{local_file}' AS localdata (READ_ONLY)")
	for table in tables:
		source = "cloud" if table in remote_tables else "localdata"
		con.execute(f"CREATE VIEW {table} AS SELECT * FROM {source}.{table}")
	return con


def timed_once(con, sql, server):
	cpu = server.process.cpu_seconds()
	started = time.perf_counter()
	rows = con.execute(sql).fetchall()
	wall = time.perf_counter() - started
	received, sent = con.execute("SELECT bytes_received, bytes_sent FROM openduck_last_query_stats()").fetchone()
	return rows, wall, server.process.cpu_seconds() - cpu, received, sent


def timed(con, sql, server, runs):
	"""The run with the median wall time of `runs`, after a warm-up (catalogs, descriptions)."""
	timed_once(con, sql, server)
	results = sorted((timed_once(con, sql, server) for _ in range(runs)), key=lambda result: result[1])
	return results[len(results) // 2]


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--suite", choices=sorted(SUITES), default="tpch")
	parser.add_argument("--sf", type=float, default=1.0)
	parser.add_argument("--queries", help="query numbers (default: all of the suite's)")
	parser.add_argument("--splits", help="splits (default: all of the suite's)")
	parser.add_argument("--runs", type=int, default=1, help="runs per query after the warm-up; the median is shown")
	args = parser.parse_args()
	generator, count, splits = SUITES[args.suite]
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	numbers = [int(n) for n in args.queries.split(",")] if args.queries else list(range(1, count + 1))
	work, launcher = bench_launcher()
	try:
		extension = pip_extension_path(args.suite)
		server = launcher.serve(["bench"], extra_args=["--allow-extension", extension])
		local_file = work / "local.duckdb"
		loader = host_connection(2)
		loader.execute(f"LOAD '{odtest.EXTENSION}'")
		loader.execute(server.attach_sql("bench"))
		odtest.remote(loader, "cloud", f"CALL {generator}(sf={args.sf})")
		loader.execute(f"ATTACH '{local_file}' AS localdata")
		loader.execute(f"LOAD '{extension}'")
		loader.execute("USE localdata")
		loader.execute(f"CALL {generator}(sf={args.sf})")
		queries = dict(loader.execute(f"SELECT query_nr, query FROM {args.suite}_queries()").fetchall())
		tables = [row[0] for row in loader.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
		                                           "'localdata' ORDER BY ALL").fetchall()]
		loader.close()
		baseline = host_for(server, local_file, tables, [])
		print(f"{args.suite.upper()} SF{args.sf:g}, median of {args.runs} run(s) per query after a warm-up; times in ms, bytes moved in KiB "
		      f"(received/sent); ratios against the same query with every table local")
		for split in args.splits.split(",") if args.splits else splits:
			remote_tables = splits[split] or tables
			con = host_for(server, local_file, tables, remote_tables)
			totals = {"auto": 0.0, "local": 0.0}
			worst = {"auto": (0, 0.0), "local": (0, 0.0)}
			errors = 0
			print(f"\n{split} (remote: {', '.join(remote_tables)})")
			print(f"  {'q':>3} {'local':>8} {'auto':>8} {'ratio':>6} {'placement':>17} {'KiB recv/sent':>15} "
			      f"{'cpu s':>6}   {'forced local':>12} {'ratio':>6}")
			local_total = 0.0
			for n in numbers:
				# All-local right before auto and forced local: on a shared machine speed drifts over
				# minutes, and an all-local baseline timed minutes before the split made all-local
				# queries look up to 1.6x slower than themselves.
				expected, local_wall = timed(baseline, queries[n], server, args.runs)[:2]
				local_total += local_wall
				line = {}
				for placement in ("auto", "local"):
					con.execute(f"SET openduck_placement = '{placement}'")
					try:
						rows, wall, cpu, received, sent = timed(con, queries[n], server, args.runs)
					except Exception as error:  # a failure is counted and shown, never hidden
						print(f"  {n:>3} {placement}: ERROR {str(error).splitlines()[0][:100]}")
						errors += 1
						continue
					if len(rows) != len(expected):
						print(f"  {n:>3} {placement}: WRONG RESULT ({len(rows)} rows, expected {len(expected)})")
						errors += 1
					totals[placement] += wall
					ratio = wall / local_wall
					if ratio > worst[placement][1]:
						worst[placement] = (n, ratio)
					line[placement] = (wall, ratio, cpu, received, sent)
				if len(line) == 2:
					wall, ratio, cpu, received, sent = line["auto"]
					con.execute("SET openduck_placement = 'auto'")
					plan = "\n".join(row[1] for row in con.execute("EXPLAIN " + queries[n]).fetchall())
					chosen = "LOCAL→REMOTE" if "Uploads (LOCAL→REMOTE)" in plan else "REMOTE→LOCAL"
					if "OPENDUCK_JOIN_KEYS" in plan:
						chosen += "+keys"
					print(f"  {n:>3} {1000 * local_wall:8.0f} {1000 * wall:8.0f} {ratio:6.2f} {chosen:>17} "
					      f"{received / 1024:7.0f}/{sent / 1024:<7.0f} {cpu:6.2f}   {1000 * line['local'][0]:12.0f} "
					      f"{line['local'][1]:6.2f}")
			print(f"  total: all-local {local_total:.2f} s; auto {totals['auto']:.2f} s = "
			      f"{totals['auto'] / local_total:.2f}x (worst Q{worst['auto'][0]} {worst['auto'][1]:.2f}x); forced local "
			      f"{totals['local']:.2f} s = {totals['local'] / local_total:.2f}x (worst Q{worst['local'][0]} "
			      f"{worst['local'][1]:.2f}x); errors {errors}")
			con.close()
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
