"""INSERT throughput through ATTACH (issue: writes).

Generates TPC-H lineitem (SF1 by default) as a local parquet file, then in one run times
  (a) INSERT INTO a local DuckDB table SELECT * FROM read_parquet(...)  (in memory: no compression)
  (a') the same into a table of a local DuckDB file (compressed, written: what a worker does)
  (b) INSERT INTO cloud.lineitem SELECT * FROM read_parquet(...)   (rows stream to the worker)
  (c) INSERT INTO cloud.copy SELECT * FROM cloud.lineitem          (shipped whole, no row moves)
and prints rows/s, the CPU seconds each used (host process, plus the server for (b) and (c)) and
the ratios (b)/(a') (like for like: both compress and write; issue #17's target is >= 0.8 of
the local file's speed) and (b)/(a) (against a table that keeps rows uncompressed in memory).

    .venv/bin/python bench/insert_bench.py [--sf 1]
"""
import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "test" / "e2e"))
sys.path.insert(0, str(REPO / "bench"))
import odtest  # noqa: E402
from remote_scan_bench import extension_path, host_connection  # noqa: E402


def cpu_seconds():
	usage = resource.getrusage(resource.RUSAGE_SELF)
	return usage.ru_utime + usage.ru_stime


def timed(fn, server=None):
	"""Wall seconds, and CPU seconds of this process plus `server`'s (if given)."""
	cpu = cpu_seconds() + (server.process.cpu_seconds() if server else 0.0)
	start = time.perf_counter()
	fn()
	wall = time.perf_counter() - start
	return wall, cpu_seconds() + (server.process.cpu_seconds() if server else 0.0) - cpu


def main():
	parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
	parser.add_argument("--sf", type=float, default=1.0, help="TPC-H scale factor (default 1)")
	args = parser.parse_args()
	work = Path(tempfile.mkdtemp(prefix="openduck-insert-bench-"))
	parquet = work / "lineitem.parquet"
	gen = duckdb.connect()
	gen.execute(f"LOAD '{extension_path('tpch')}'")
	gen.execute(f"CALL dbgen(sf={args.sf})")
	gen.execute(f"COPY lineitem TO '{parquet}' (FORMAT parquet)")
	rows = gen.execute("SELECT count(*) FROM lineitem").fetchone()[0]
	gen.close()

	launcher = odtest.Launcher(work, work, "bench")
	try:
		server = launcher.serve(["bench"])
		host = host_connection(2)
		host.execute(f"LOAD '{odtest.EXTENSION}'")
		host.execute(server.attach_sql("bench"))
		host.execute(f"CREATE TABLE lineitem_local AS SELECT * FROM read_parquet('{parquet}') LIMIT 0")
		host.execute(f"CREATE TABLE cloud.lineitem AS SELECT * FROM read_parquet('{parquet}') LIMIT 0")
		host.execute("CREATE TABLE cloud.copy AS SELECT * FROM cloud.lineitem LIMIT 0")
		local, local_cpu = timed(lambda: host.execute(f"INSERT INTO lineitem_local SELECT * FROM read_parquet('{parquet}')"))
		host.execute(f"ATTACH '{work / 'local.duckdb'}' AS file")
		host.execute(f"CREATE TABLE file.lineitem AS SELECT * FROM read_parquet('{parquet}') LIMIT 0")
		local_file, local_file_cpu = timed(
		    lambda: host.execute(f"INSERT INTO file.lineitem SELECT * FROM read_parquet('{parquet}')"))
		remote, remote_cpu = timed(
		    lambda: host.execute(f"INSERT INTO cloud.lineitem SELECT * FROM read_parquet('{parquet}')"), server)
		shipped = host.execute("SELECT * FROM openduck_last_query_stats()").fetchone()
		whole, whole_cpu = timed(lambda: host.execute("INSERT INTO cloud.copy SELECT * FROM cloud.lineitem"), server)
		count = host.execute("SELECT count(*) FROM cloud.lineitem").fetchone()[0]
		assert count == rows, f"remote table has {count} rows, expected {rows}"
		print(f"lineitem SF{args.sf:g}: {rows:,} rows, parquet {parquet.stat().st_size / 2**20:.1f} MiB")
		print(f"(a) local INSERT ... read_parquet : {local:7.2f} s  {rows / local:12,.0f} rows/s  "
		      f"CPU {local_cpu:5.2f} s (in memory: rows stay uncompressed)")
		print(f"(a') same, local DuckDB file      : {local_file:7.2f} s  {rows / local_file:12,.0f} rows/s  "
		      f"CPU {local_file_cpu:5.2f} s")
		print(f"(b) INSERT INTO cloud ... parquet : {remote:7.2f} s  {rows / remote:12,.0f} rows/s  "
		      f"CPU {remote_cpu:5.2f} s host + server ({shipped[0]} requests)")
		print(f"(c) INSERT INTO cloud SELECT cloud: {whole:7.2f} s  {rows / whole:12,.0f} rows/s  "
		      f"CPU {whole_cpu:5.2f} s (runs on the worker)")
		print(f"ratio (b)/(a') speed: {local_file / remote:.2f}  (#17 target >= 0.80; like for like: both compress and write)")
		print(f"ratio (b)/(a) speed: {local / remote:.2f}  (against an in-memory table, which compresses nothing)")
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
