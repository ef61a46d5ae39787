"""Hybrid placement: TPC-H queries over tables split between the host and an OpenDuck database.

`openduck serve` holds all eight TPC-H tables (dbgen on the worker); the host holds them too, in a
local DuckDB file. For each split, the host's query text reads a view per table: over the local
file for the host's tables, over `cloud.<table>` for the remote ones. Prints, in one run, per
split and per query: wall time against the same query with every table local (the views over
the local file), under openduck_placement 'auto' and forced 'local', the bytes moved each way
(openduck_last_query_stats) and the placement chosen (LOCAL→REMOTE when host tables were sent,
"+keys" when a join's keys were sent to reduce a remote scan);
then per split the totals and the worst query. Server CPU seconds are printed next to wall time.

Run: .venv/bin/python bench/hybrid_bench.py [--sf 1] [--queries 1,3,5] [--splits facts-remote,...]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "test" / "e2e"))

from remote_scan_bench import bench_launcher, host_connection, odtest  # noqa: E402
from test_tpch import TABLES, pip_extension_path  # noqa: E402

SPLITS = {
	"all-remote": TABLES,
	"facts-remote": ["lineitem", "orders"],
	"dimensions-remote": ["customer", "nation", "part", "partsupp", "region", "supplier"],
	"mixed": ["lineitem", "customer", "nation", "partsupp"],
	"lineitem-remote": ["lineitem"],
	"orders-remote": ["orders"],
}


def host_for(server, local_file, remote_tables):
	con = host_connection(2)
	con.execute(f"LOAD '{odtest.EXTENSION}'")
	con.execute(server.attach_sql("tpch"))
	con.execute(f"ATTACH '{local_file}' AS localdata (READ_ONLY)")
	for table in TABLES:
		source = "cloud" if table in remote_tables else "localdata"
		con.execute(f"CREATE VIEW {table} AS SELECT * FROM {source}.{table}")
	return con


def timed(con, sql, server):
	cpu = server.process.cpu_seconds()
	started = time.perf_counter()
	rows = con.execute(sql).fetchall()
	wall = time.perf_counter() - started
	received, sent = con.execute("SELECT bytes_received, bytes_sent FROM openduck_last_query_stats()").fetchone()
	return rows, wall, server.process.cpu_seconds() - cpu, received, sent


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sf", type=float, default=1.0)
	parser.add_argument("--queries", default=",".join(str(n) for n in range(1, 23)))
	parser.add_argument("--splits", default=",".join(SPLITS))
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	numbers = [int(n) for n in args.queries.split(",")]
	work, launcher = bench_launcher()
	try:
		tpch = pip_extension_path("tpch")
		server = launcher.serve(["tpch"], extra_args=["--allow-extension", tpch])
		local_file = work / "local.duckdb"
		loader = host_connection(2)
		loader.execute(f"LOAD '{odtest.EXTENSION}'")
		loader.execute(server.attach_sql("tpch"))
		odtest.remote(loader, "cloud", f"CALL dbgen(sf={args.sf})")
		loader.execute(f"ATTACH '{local_file}' AS localdata")
		loader.execute(f"LOAD '{tpch}'")
		loader.execute("USE localdata")
		loader.execute(f"CALL dbgen(sf={args.sf})")
		queries = dict(loader.execute("SELECT query_nr, query FROM tpch_queries()").fetchall())
		loader.close()
		baseline = host_for(server, local_file, [])
		local_times = {}
		for n in numbers:
			timed(baseline, queries[n], server)  # warm-up
			local_times[n] = timed(baseline, queries[n], server)
		print(f"TPC-H SF{args.sf:g}, one run per query after a warm-up; times in ms, bytes moved in KiB "
		      f"(received/sent); ratios against the same query with every table local")
		for split in args.splits.split(","):
			con = host_for(server, local_file, SPLITS[split])
			totals = {"auto": 0.0, "local": 0.0}
			worst = {"auto": (0, 0.0), "local": (0, 0.0)}
			errors = 0
			print(f"\n{split} (remote: {', '.join(SPLITS[split])})")
			print(f"  {'q':>3} {'local':>8} {'auto':>8} {'ratio':>6} {'placement':>17} {'KiB recv/sent':>15} "
			      f"{'cpu s':>6}   {'forced local':>12} {'ratio':>6}")
			for n in numbers:
				expected, local_wall = local_times[n][0], local_times[n][1]
				line = {}
				for placement in ("auto", "local"):
					con.execute(f"SET openduck_placement = '{placement}'")
					try:
						timed(con, queries[n], server)  # warm-up: catalogs, descriptions
						rows, wall, cpu, received, sent = timed(con, queries[n], server)
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
			local_total = sum(local_times[n][1] for n in numbers)
			print(f"  total: all-local {local_total:.2f} s; auto {totals['auto']:.2f} s = "
			      f"{totals['auto'] / local_total:.2f}x (worst Q{worst['auto'][0]} {worst['auto'][1]:.2f}x); forced local "
			      f"{totals['local']:.2f} s = {totals['local'] / local_total:.2f}x (worst Q{worst['local'][0]} "
			      f"{worst['local'][1]:.2f}x); errors {errors}")
			con.close()
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
