"""Differential storage: bytes uploaded per checkpoint vs blocks changed, clone time vs database
size, and time-travel reads vs head reads. Prints ratios.

What it does (everything on 127.0.0.1 under a temp dir; the server started here is stopped):
1. `openduck serve -d big -d small` (file:// object store, SQLite metadata). `big` gets a table
   of --size-mb MiB (default 1024), `small` one of ~10 MiB; both are checkpointed.
2. Change 1% of big's rows (UPDATE of scattered rows) and CHECKPOINT; then append 1% new rows
   and CHECKPOINT. For each, "uploaded" is the size of the new layer object in the store, and
   "changed blocks" is measured independently: the same statements run on a plain DuckDB file
   of the same data, and its 256 KiB blocks are compared before/after the checkpoint.
   Target: uploaded <= 1.2x changed blocks. Also printed: uploaded vs the logical bytes the
   statement changed (DuckDB rewrites whole row-group columns on UPDATE, so this is large for
   scattered updates and small for appends: reported as measured).
3. `openduck db clone` of small and of big, --repeat times each: clone time ratio (flat = ~1).
4. A full-table aggregate and a heavy query (count(DISTINCT s), a large hash table) on big at
   the head, through time travel at the head's own snapshot (same data, separate read-only
   instance) and at the snapshot before the update (ATTACH ...?snapshot=ID), interleaved
   --repeat times: median time ratios (target <= 1.1).

Run: .venv/bin/python bench/storage_bench.py [--size-mb 1024] [--repeat 5]
(needs the build: OPENDUCK_BUILD_DIR or ./build; the extension and `openduck` binary.)
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "test" / "e2e"))
import odtest  # noqa: E402  (the e2e helpers: launcher, extension host, free ports)

BLOCK = 262144
HEADER = 12288
ROW_BYTES = 8 + 8 + 8 + 16  # id BIGINT, a BIGINT, d DOUBLE, s VARCHAR(~16)


def admin(data_dir, *args):
	done = subprocess.run([str(odtest.OPENDUCK_BIN), *map(str, args), "--data-dir", str(data_dir)],
	                      capture_output=True, text=True, env=odtest.clean_env())
	if done.returncode != 0:
		raise RuntimeError(f"openduck {' '.join(map(str, args))}: {done.stdout}{done.stderr}")
	return done.stdout


def snapshots(data_dir, db):
	rows = []
	for line in admin(data_dir, "snapshot", "list", "-d", db).splitlines()[1:]:
		m = re.match(r"^(\d+)\*?\s", line)
		if m:
			rows.append(int(m.group(1)))
	return rows


def store_objects(data_dir):
	return {p: p.stat().st_size for p in (Path(data_dir) / "store").rglob("*.layer")}


def table_sql(rows):
	return (f"CREATE TABLE t AS SELECT range AS id, (range * 7919) % 1000003 AS a, random() AS d, "
	        f"md5(range::VARCHAR)[:16] AS s FROM range({rows})")


UPDATE_SQL = "UPDATE t SET d = d + 1, s = 'changed' WHERE hash(id) % 100 = 0"


def append_sql(start, count):
	return (f"INSERT INTO t SELECT range, (range * 7919) % 1000003, random(), md5(range::VARCHAR)[:16] "
	        f"FROM range({start}, {start + count})")


def changed_blocks(path_before, path_after):
	"""Blocks (and header pages) whose bytes differ between two copies of a DuckDB file."""
	changed = 0
	with open(path_before, "rb") as a, open(path_after, "rb") as b:
		a.seek(0, 2)
		b.seek(0, 2)
		size = max(a.tell(), b.tell())
		a.seek(0)
		b.seek(0)
		x, y = a.read(HEADER), b.read(HEADER)
		changed += sum(1 for i in range(0, HEADER, 4096) if x[i:i + 4096] != y[i:i + 4096]) * 4096
		while a.tell() < size or b.tell() < size:
			x, y = a.read(BLOCK), b.read(BLOCK)
			if x != y:
				changed += BLOCK
			if not x and not y:
				break
	return changed


def plain_file_changes(work, rows, statements):
	"""Runs the workload on a plain DuckDB file; returns changed bytes per checkpointed step."""
	import duckdb
	path = work / "plain.duckdb"
	con = duckdb.connect(str(path))
	con.execute(table_sql(rows))
	con.execute("CHECKPOINT")
	results = []
	for sql in statements:
		con.close()
		shutil.copyfile(path, work / "before.duckdb")
		con = duckdb.connect(str(path))
		con.execute(sql)
		con.execute("CHECKPOINT")
		con.close()
		results.append(changed_blocks(work / "before.duckdb", path))
		con = duckdb.connect(str(path))
	con.close()
	return results


def timed(fn, repeat):
	walls = []
	for _ in range(repeat):
		start = time.perf_counter()
		fn()
		walls.append(time.perf_counter() - start)
	return walls


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--size-mb", type=int, default=1024, help="size of the big database (default 1024)")
	parser.add_argument("--repeat", type=int, default=5)
	args = parser.parse_args()
	rows = args.size_mb * 2**20 // ROW_BYTES
	small_rows = 10 * 2**20 // ROW_BYTES
	work = Path(tempfile.mkdtemp(prefix="openduck-storage-bench-"))
	launcher = odtest.Launcher(work, work, "bench")
	try:
		srv = launcher.serve(["big", "small"])
		data = srv.data_dir
		con = odtest.python_host()
		con.execute(srv.attach_sql("big", "big"))
		con.execute(srv.attach_sql("small", "small"))
		print(f"database: {rows:,} rows (~{args.size_mb} MiB of column data); small: {small_rows:,} rows")
		start = time.perf_counter()
		odtest.remote(con, "big", table_sql(rows))
		odtest.remote(con, "big", "CHECKPOINT")
		odtest.remote(con, "small", table_sql(small_rows))
		odtest.remote(con, "small", "CHECKPOINT")
		size = con.execute("SELECT * FROM openduck_query('big', 'SELECT total_blocks * block_size "
		                   "FROM pragma_database_size()')").fetchall()[0][0]
		print(f"loaded in {time.perf_counter() - start:.1f} s; big database file: {size / 2**20:.0f} MiB")
		before_update = snapshots(data, "big")[-1]

		steps = [("1% scattered UPDATE", UPDATE_SQL, rows // 100 * ROW_BYTES),
		         ("append 1% new rows", append_sql(rows, rows // 100), rows // 100 * ROW_BYTES)]
		uploaded = []
		for name, sql, _ in steps:
			objects = store_objects(data)
			odtest.remote(con, "big", sql)
			odtest.remote(con, "big", "CHECKPOINT")
			new = {p: s for p, s in store_objects(data).items() if p not in objects}
			uploaded.append(sum(new.values()))
		plain = plain_file_changes(work, rows, [sql for _, sql, _ in steps])
		print("\n1. checkpoint upload (bytes put to the object store for one checkpoint)")
		for (name, _, logical), up, changed in zip(steps, uploaded, plain):
			print(f"  {name:<22} uploaded {up / 2**20:8.1f} MiB   changed blocks {changed / 2**20:8.1f} MiB   "
			      f"ratio {up / changed:5.2f}x (target <= 1.2)   vs logical change {logical / 2**20:6.1f} MiB: "
			      f"{up / logical:6.1f}x   ({up / size * 100:4.1f}% of the database)")

		print("\n2. clone time (metadata only; independent of size)")
		clone_times = {}
		for db in ("small", "big"):
			counter = iter(range(1000))
			clone_times[db] = statistics.median(
			    timed(lambda: admin(data, "db", "clone", db, f"{db}_clone_{next(counter)}"), args.repeat))
			print(f"  {db:<6} median {clone_times[db] * 1000:7.1f} ms")
		print(f"  ratio big/small {clone_times['big'] / clone_times['small']:.2f}x (target: flat, ~1)")

		print("\n3. time-travel read vs head read (over big, median of --repeat)")
		head_id = snapshots(data, "big")[-1]
		con.execute(f"ATTACH '{srv.attach_path('big')}&snapshot={head_id}' AS same")
		con.execute(f"ATTACH '{srv.attach_path('big')}&snapshot={before_update}' AS old")
		queries = [("full aggregate", "SELECT sum(a), sum(d), max(s), min(length(s)) FROM {}.t"),
		           ("heavy: count(DISTINCT s)", "SELECT count(DISTINCT s) FROM {}.t")]
		for name, query in queries:
			for alias in ("big", "same", "old"):
				con.execute(query.format(alias)).fetchall()  # warm DuckDB's buffer pool of each instance
			# Interleaved, so load from other processes hits all three alike.
			walls = {"big": [], "same": [], "old": []}
			for _ in range(args.repeat):
				for alias in walls:
					walls[alias] += timed(lambda: con.execute(query.format(alias)).fetchall(), 1)
			head, same, old = (statistics.median(walls[a]) for a in ("big", "same", "old"))
			# The fastest run is what the query costs when nothing else competes for the CPU; on a
			# shared machine it is steadier than the median.
			fastest = {a: min(w) for a, w in walls.items()}
			print(f"  {name}: head {head * 1000:8.1f} ms (fastest {fastest['big'] * 1000:.1f} ms)")
			print(f"    snapshot {head_id} (the head's data, read-only instance) {same * 1000:8.1f} ms   "
			      f"ratio {same / head:.2f}x (target <= 1.1), fastest runs {fastest['same'] / fastest['big']:.2f}x")
			print(f"    snapshot {before_update} (before the update: other data) {old * 1000:8.1f} ms   "
			      f"ratio {old / head:.2f}x, fastest runs {fastest['old'] / fastest['big']:.2f}x")
		con.close()
	finally:
		launcher.stop_all()
		shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
	main()
