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
machine differ by 10-20% on short queries; use 3 or more to compare auto with forced local). For
each query all-local, auto and forced local take turns run by run, each round starting with the
next, so that each ratio compares runs taken seconds apart and none is always timed first.
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


def timed_in_turns(variants, sql, server, runs):
	"""Per variant (name, connection, statement run first), the run with the median wall time of
	`runs` after a warm-up each, or the exception it failed with. The variants take turns run by
	run, each round starting one further, so the machine's drift over seconds weighs on all of
	them alike (timed one variant after the other, the one timed right after all-local read up to
	1.5x slower than the same plan timed next)."""
	results = {}
	def once(name, con, setup):
		try:
			if setup:
				con.execute(setup)
			return timed_once(con, sql, server)
		except Exception as error:  # a failure is counted and shown, never hidden
			results[name] = error
			return None
	for name, con, setup in variants:
		results[name] = []
		once(name, con, setup)
	for turn in range(runs):
		for i in range(len(variants)):
			name, con, setup = variants[(turn + i) % len(variants)]
			if isinstance(results[name], list):
				result = once(name, con, setup)
				if result is not None:
					results[name].append(result)
	return {name: sorted(runs_of, key=lambda result: result[1])[len(runs_of) // 2] if isinstance(runs_of, list)
	        else runs_of for name, runs_of in results.items()}


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
				# All-local, auto and forced local take turns (timed_in_turns): on a shared machine
				# speed drifts over seconds and minutes.
				measured = timed_in_turns([("all-local", baseline, None),
				                           ("auto", con, "SET openduck_placement = 'auto'"),
				                           ("local", con, "SET openduck_placement = 'local'")],
				                          queries[n], server, args.runs)
				if isinstance(measured["all-local"], Exception):
					raise measured["all-local"]
				expected, local_wall = measured["all-local"][:2]
				local_total += local_wall
				line = {}
				for placement in ("auto", "local"):
					if isinstance(measured[placement], Exception):
						print(f"  {n:>3} {placement}: ERROR {str(measured[placement]).splitlines()[0][:100]}")
						errors += 1
						continue
					rows, wall, cpu, received, sent = measured[placement]
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
