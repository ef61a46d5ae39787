"""INSERT throughput through ATTACH (issue: writes).

Generates TPC-H lineitem (SF1 by default) as a local parquet file, then in one run times
  (a) INSERT INTO a local DuckDB table SELECT * FROM read_parquet(...)  (in memory: no compression)
  (a') the same into a table of a local DuckDB file (compressed, written: what a worker does)
  (b) INSERT INTO cloud.lineitem SELECT * FROM read_parquet(...)   (rows stream to the worker)
  (c) INSERT INTO cloud.copy SELECT * FROM cloud.lineitem          (shipped whole, no row moves)
and prints rows/s and the ratios (b)/(a) (target: >= 0.5 of local speed) and (b)/(a').

    .venv/bin/python bench/insert_bench.py [--sf 1]
"""
import argparse
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


def timed(fn):
	start = time.perf_counter()
	fn()
	return time.perf_counter() - start


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
		local = timed(lambda: host.execute(f"INSERT INTO lineitem_local SELECT * FROM read_parquet('{parquet}')"))
		host.execute(f"ATTACH '{work / 'local.duckdb'}' AS file")
		host.execute(f"CREATE TABLE file.lineitem AS SELECT * FROM read_parquet('{parquet}') LIMIT 0")
		local_file = timed(lambda: host.execute(f"INSERT INTO file.lineitem SELECT * FROM read_parquet('{parquet}')"))
		remote = timed(lambda: host.execute(f"INSERT INTO cloud.lineitem SELECT * FROM read_parquet('{parquet}')"))
		shipped = host.execute("SELECT * FROM openduck_last_query_stats()").fetchone()
		whole = timed(lambda: host.execute("INSERT INTO cloud.copy SELECT * FROM cloud.lineitem"))
		count = host.execute("SELECT count(*) FROM cloud.lineitem").fetchone()[0]
		assert count == rows, f"remote table has {count} rows, expected {rows}"
		print(f"lineitem SF{args.sf:g}: {rows:,} rows, parquet {parquet.stat().st_size / 2**20:.1f} MiB")
		print(f"(a) local INSERT ... read_parquet : {local:7.2f} s  {rows / local:12,.0f} rows/s")
		print(f"(a') same, local DuckDB file      : {local_file:7.2f} s  {rows / local_file:12,.0f} rows/s")
		print(f"(b) INSERT INTO cloud ... parquet : {remote:7.2f} s  {rows / remote:12,.0f} rows/s "
		      f"({shipped[0]} requests)")
		print(f"(c) INSERT INTO cloud SELECT cloud: {whole:7.2f} s  {rows / whole:12,.0f} rows/s (runs on the worker)")
		print(f"ratio (b)/(a) speed: {local / remote:.2f}  (target >= 0.50)")
		print(f"ratio (b)/(a') speed: {local_file / remote:.2f}  (like for like: both compress and write)")
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
