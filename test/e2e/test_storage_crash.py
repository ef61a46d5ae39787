"""Crash safety of the differential storage: kill -9 the server at random moments while a
client commits batches (through sessions, and as one-request auto-commit INSERTs, shipped whole
or rendered from a host plan with parameters, which the worker commits explicitly after checking
the catalog version the host bound it against) and
checkpoints; after every restart each acknowledged batch must be there in full, no batch may be
partly visible, and every snapshot must open and pass its checksums."""

import random
import threading
import time

import odtest
from test_storage_admin import admin

ITERATIONS = 50
SMALL, BIG = 200, 150_000  # BIG exceeds a row group: DuckDB writes blocks before the commit


def batch_size(batch: int) -> int:
	return BIG if batch % 7 == 3 else SMALL


def insert(con, batch, mode):
	"""Commits one batch: through openduck_query (a session: open, run, commit), or, for a small
	batch, as an auto-commit INSERT on the attached table that the worker runs and commits in the
	one request that carries it: mode "shipped" sends INSERT ... VALUES whole, mode "parameters"
	has the host plan it (it has parameters) and send its rows as literals, and mode "values"
	does so for VALUES of parameters, whose request carries the host's catalog version: the worker
	checks it in a transaction of its own, inserts and commits before it answers."""
	size = batch_size(batch)
	if mode == "shipped" and size == SMALL:
		con.execute(f"INSERT INTO cloud.t VALUES {', '.join(f'({batch}, {i})' for i in range(size))}")
	elif mode == "parameters" and size == SMALL:
		con.execute("INSERT INTO cloud.t SELECT ?::INTEGER, range FROM range(?)", [batch, size])
	elif mode == "values" and size == SMALL:
		con.execute("INSERT INTO cloud.t VALUES " + ", ".join(["(?, ?)"] * size),
		            [value for i in range(size) for value in (batch, i)])
	else:
		odtest.remote(con, "cloud", f"INSERT INTO t SELECT {batch}, range FROM range({size})")


def writer(con, first_batch, acked, stop, errors, mode):
	batch = first_batch
	try:
		while not stop.is_set():
			insert(con, batch, mode)
			acked.add(batch)
			batch += 1
			if batch % 3 == 0:
				odtest.remote(con, "cloud", "CHECKPOINT")
	except Exception as e:  # the kill ends the loop with a connection error
		errors.append(e)


def test_kill_9_during_writes_and_checkpoints_loses_nothing(launcher):
	rng = random.Random(20261125)
	srv = launcher.serve(["crash"])
	acked = set()
	next_batch = 0
	started = time.monotonic()
	for iteration in range(ITERATIONS):
		con = odtest.python_host()
		try:
			con.execute(srv.attach_sql("crash"))
			odtest.remote(con, "cloud", "CREATE TABLE IF NOT EXISTS t (b INTEGER, i BIGINT)")
			stop, errors = threading.Event(), []
			mode = ("shipped", "parameters", "values", "sessions")[iteration % 4]
			thread = threading.Thread(target=writer, args=(con, next_batch, acked, stop, errors, mode), daemon=True)
			thread.start()
			time.sleep(rng.uniform(0.02, 0.6))
			srv.process.kill_now()
			stop.set()
			thread.join(30)
			assert not thread.is_alive(), "the writer hung after the server was killed"
		finally:
			con.close()
		next_batch = max(acked | {next_batch - 1}) + 1000  # unacked batch ids are never reused

		srv = launcher.serve(["crash"], token=srv.token, data_dir=srv.data_dir)
		con = odtest.python_host()
		try:
			con.execute(srv.attach_sql("crash"))
			counts = dict(con.execute("SELECT b, count(*) FROM cloud.t GROUP BY b").fetchall())
		finally:
			con.close()
		missing = sorted(b for b in acked if counts.get(b) != batch_size(b))
		assert not missing, f"iteration {iteration}: acknowledged batches lost or partial: {missing[:10]}"
		partial = sorted(b for b, n in counts.items() if n != batch_size(b))
		assert not partial, f"iteration {iteration}: partially visible batches: {partial[:10]}"
		if iteration % 10 == 9 or iteration == ITERATIONS - 1:
			_, out = admin(srv.data_dir, "snapshot", "verify", "-d", "crash", timeout=120)
			assert " ok:" in out and "error" not in out.lower(), out
	assert len(acked) > ITERATIONS, f"too few commits happened to test anything: {len(acked)}"
	print(f"{ITERATIONS} kills, {len(acked)} acknowledged batches, {time.monotonic() - started:.0f} s")
