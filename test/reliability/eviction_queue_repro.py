"""Bare DuckDB (no OpenDuck): the memory its buffer eviction queues keep, for comparison with the
soak's worker (docs/reliability.md, "Soak").

Eight threads of one DuckDB file database each loop: a single-row INSERT and a small hash join
of the table with a 64-row table, grouped. Every query's hash table lives in buffers whose
handles DuckDB 1.4.4 leaves in its eviction queues after they are freed (a node per unpin,
holding a weak pointer that keeps the handle's make_shared allocation), and the queues are not
purged below 32,768 nodes each (eight queues). So the memory allocated through malloc rises
for the first minutes and then stays at a ceiling, whatever the table's size. Prints glibc's
allocated bytes (mallinfo2), the operations so far and the table's rows every tenth of the run.

    .venv/bin/python test/reliability/eviction_queue_repro.py [--seconds 900] [--steady]

--steady deletes each thread's rows beyond its newest 500 (the table keeps its size).
"""

import argparse
import ctypes
import os
import tempfile
import threading
import time

import duckdb


class MallInfo2(ctypes.Structure):
	_fields_ = [(name, ctypes.c_size_t) for name in
	            ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def malloc_allocated_mib() -> float:
	libc = ctypes.CDLL("libc.so.6")
	libc.mallinfo2.restype = MallInfo2
	return libc.mallinfo2().uordblks / 2**20


def main():
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--seconds", type=float, default=900)
	parser.add_argument("--threads", type=int, default=8)
	parser.add_argument("--steady", action="store_true", help="keep the table's size (delete old rows)")
	args = parser.parse_args()
	folder = tempfile.mkdtemp(prefix="eviction-queue-")
	db = duckdb.connect(os.path.join(folder, "repro.duckdb"))
	db.execute("CREATE TABLE t (id BIGINT, client INTEGER, v INTEGER)")
	db.execute("CREATE TABLE small AS SELECT range::INTEGER AS client, 'c' || range AS name FROM range(64)")
	stop_at = time.time() + args.seconds
	done = [0] * args.threads

	def work(client: int):
		cur = db.cursor()
		n = 0
		while time.time() < stop_at:
			n += 1
			cur.execute(f"INSERT INTO t VALUES ({client * 10**9 + n}, {client}, 0)")
			cur.execute("SELECT s.name, count(*) FROM t JOIN small s ON t.client = s.client GROUP BY s.name").fetchall()
			if args.steady and n % 20 == 0:
				cur.execute(f"DELETE FROM t WHERE client = {client} AND id <= {client * 10**9 + n - 500}")
			done[client] += 1

	threads = [threading.Thread(target=work, args=(c,)) for c in range(args.threads)]
	for thread in threads:
		thread.start()
	started = time.time()
	print(f"duckdb {duckdb.__version__}, {args.threads} threads, {'steady' if args.steady else 'growing'} table")
	while any(thread.is_alive() for thread in threads):
		time.sleep(args.seconds / 10)
		(rows,) = db.cursor().execute("SELECT count(*) FROM t").fetchone()
		print(f"t={time.time() - started:5.0f}s operations={sum(done):8d} rows={rows:8d} "
		      f"malloc allocated {malloc_allocated_mib():6.1f} MiB", flush=True)


if __name__ == "__main__":
	main()
