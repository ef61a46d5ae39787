"""What one snapshot per statement costs: hybrid statements that read a remote database more
than once, run with `openduck_statement_snapshot` on (the reads share a worker session, whose
results the worker materializes) and off (each read streams from its own snapshot), in one run.

Everything runs on 127.0.0.1: `openduck serve` with the tpch extension generates TPC-H in the
remote database; the host keeps `customer` locally, so every statement below is hybrid. Prints,
per statement, the best of --repeat runs: wall time, the worker's CPU seconds and its resident
memory after the statement, with the on/off ratios.

Run: .venv/bin/python bench/statement_snapshot_bench.py [--sf 1] [--repeat 3]
"""

import argparse
import time

import duckdb

from remote_scan_bench import bench_launcher, extension_path, odtest, process_cpu_seconds, resident_mib

STATEMENTS = {
	"two narrow reads": "SELECT (SELECT sum(l_quantity) FROM cloud.lineitem l JOIN customer c ON l.l_suppkey = c.c_custkey), "
	                    "(SELECT sum(o_totalprice) FROM cloud.orders o JOIN customer c ON o.o_custkey = c.c_custkey)",
	"two wide reads": "SELECT count(*), sum(length(x::VARCHAR)) FROM ("
	                  "SELECT l AS x FROM cloud.lineitem l JOIN customer c ON l.l_suppkey = c.c_custkey UNION ALL "
	                  "SELECT o FROM cloud.orders o JOIN customer c ON o.o_custkey = c.c_custkey)",
	"one read (unchanged)": "SELECT count(*), sum(l_extendedprice) FROM cloud.lineitem l JOIN customer c "
	                        "ON l.l_suppkey = c.c_custkey",
}


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sf", type=float, default=1.0, help="TPC-H scale factor (default 1)")
	parser.add_argument("--repeat", type=int, default=3, help="runs of each statement per setting")
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	tpch = extension_path("tpch")
	work, launcher = bench_launcher()
	try:
		server = launcher.serve(["snapdb"], extra_args=["--allow-extension", tpch])
		pid = server.process.pid
		host = duckdb.connect(config={"allow_unsigned_extensions": "true"})
		host.execute("SET enable_progress_bar = false")
		host.execute(f"LOAD {odtest.sql_string(str(odtest.EXTENSION))}")
		host.execute(server.attach_sql("snapdb"))
		odtest.remote(host, "cloud", f"CALL dbgen(sf={args.sf})")
		host.execute("CREATE TABLE customer AS SELECT * FROM cloud.customer")
		print(f"OpenDuck statement snapshot bench: TPC-H SF{args.sf:g}, best of {args.repeat}")
		for name, sql in STATEMENTS.items():
			best = {}
			for setting in ("false", "true"):
				host.execute(f"SET openduck_statement_snapshot = {setting}")
				runs = []
				for _ in range(args.repeat):
					cpu = process_cpu_seconds(pid)
					started = time.perf_counter()
					result = host.execute(sql).fetchall()
					runs.append((time.perf_counter() - started, process_cpu_seconds(pid) - cpu, resident_mib(pid)))
				best[setting] = (min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs), result)
			on, off = best["true"], best["false"]
			assert on[3] == off[3], f"{name}: results differ: {on[3]} vs {off[3]}"
			print(f"  {name:<22} streaming {off[0]:6.2f} s, worker CPU {off[1]:5.2f} s, RSS {off[2]:6.0f} MiB | "
			      f"one snapshot {on[0]:6.2f} s, CPU {on[1]:5.2f} s, RSS {on[2]:6.0f} MiB | "
			      f"ratios wall {on[0] / off[0]:4.2f} CPU {on[1] / max(off[1], 0.01):4.2f}")
		host.close()
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
