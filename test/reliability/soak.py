"""Soak: many clients mixing reads and writes against one gateway and one worker for a fixed
time, with the servers' resident memory sampled as a series and their state checked for leaks
once every client has gone.

The clients (64 by default) are threads of a few host processes (started with the 'spawn'
method: a process forked from one holding an OpenDuck connection can hang in gRPC). Each process
loads the extension and ATTACHes the cluster once; each thread works on a cursor of its own (a
DuckDB connection of its own on that attachment, with its own transactions and temporary
tables). Each thread runs, at random:

  insert      an auto-commit single-row INSERT
  txn         BEGIN; INSERT two rows; UPDATE one of them; UPDATE a row of a small shared `hot`
              table (two clients on one hot row get DuckDB's conflict error); COMMIT
  rollback    the same, ended with ROLLBACK
  staged      a transaction that fills a host TEMP table, inserts its rows into the remote
              table (they travel into a temporary table of the worker's session), creates a
              temporary table inside the worker session (openduck_query) and reads it back;
              COMMIT, or ROLLBACK one time in five
  point       a parameterized point read of one of the thread's acknowledged rows
  aggregate   count / sum over the remote table grouped by client
  scan        the thread's latest rows (ORDER BY ... LIMIT)
  hybrid      a join of the remote table with a host table
  ddl         CREATE TABLE AS of a per-client table, read it, DROP it
  trim        an auto-commit DELETE of the thread's acknowledged rows beyond its newest
              --keep-rows (default 500), so the table's size levels off as a long-lived
              database's does; its memory can then be judged flat (DuckDB's memory for a
              table, e.g. its buffer handles, grows with the table: with --keep-rows 0 the
              table grows all run)

What is proven, and how:

- No unexpected error. Every failed statement is classified: DuckDB's TransactionContext
  "Conflict" errors (two writers of the same rows) are expected; anything else fails the run.
- Every acknowledged commit is there and nothing else is. Threads keep a ledger: rows whose
  INSERT or COMMIT returned must be in the table at the end with the value the client last
  wrote (0, 1 after the in-transaction UPDATE, NULL for staged rows); rows of rolled-back
  transactions, of transactions a conflict aborted, or that an acknowledged trim deleted,
  must be absent; no row may appear that
  no client wrote; the shared `hot` table's total equals the number of acknowledged
  transactions that incremented it (no lost update).
- Reads see what was acknowledged before they started: a point read finds the row with its
  value, an aggregate or hybrid join counts at least the thread's acknowledged rows, a session
  sees its own uncommitted rows.
- Flat memory: VmRSS of the gateway and the worker (from /proc) is sampled every few seconds and
  printed as a series; after a warm-up (--warmup-seconds; by default the first 20% of the run,
  at least 60 s: with 64 clients the worker's RSS climbs to its allocators' peak for that
  concurrency, about 190 MiB, within the first minute; DuckDB 1.4.4's buffer eviction queues
  then keep filling for much longer, see docs/reliability.md "Soak") the growth
  last / min - 1 must stay below 10%, each sample taken as the median of it and its two
  neighbours (one sample caught in a burst of concurrent statements is noise; growth that lasts
  shows in every median). The worker's DuckDB buffer memory (duckdb_memory()) is
  printed next to it, to tell data that legitimately grows from memory that leaks.
- Nothing leaked once every client has gone: the gateway's and worker's active queries,
  running statements and database connections in use (a worker session holds one connection
  for its lifetime, so this counts open sessions) return to 0; the servers' open file
  descriptors return to their count before the load; no per-client table is left; and no
  temporary table is left anywhere in the worker's database. That last one is checked from
  what a fresh connection can see honestly: duckdb_tables() lists only that connection's own
  temporary objects (so it proves new connections inherit none), while duckdb_memory() is the
  whole database instance's, where temporary tables of every connection live as
  IN_MEMORY_TABLE memory: after a CHECKPOINT moved the persistent tables' data to their blocks,
  it must be 0 (a live session's temporary table shows up there; see the self-check below).
  A CHECKPOINT is itself refused while another transaction is open, which would also be a leak.
- No hang: every statement's latency is recorded and must stay under STATEMENT_DEADLINE_S, and
  every client process must end within that after the run.

    .venv/bin/python test/reliability/soak.py --seconds 1800 --clients 64   # the documented long run

prints the series and the report and exits 1 if a target failed. test/e2e/test_soak.py runs a
2-minute version in CI (OPENDUCK_SOAK_SECONDS)."""

import argparse
import collections
import multiprocessing
import os
import queue
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

import duckdb  # noqa: E402

import odtest  # noqa: E402

DATABASE = "soak"
HOT_ROWS = 32
RSS_GROWTH_LIMIT = 0.10
STATEMENT_DEADLINE_S = 60
# Client c (1..clients) writes rows c * ID_STRIDE + n.
ID_STRIDE = 10_000_000
OPERATIONS = {  # name: weight
    "insert": 25, "txn": 14, "rollback": 5, "staged": 8, "point": 18, "aggregate": 8, "scan": 8,
    "hybrid": 10, "ddl": 2, "trim": 3,
}
KEEP_ROWS = 500
# DuckDB's conflict between two writers of the same rows (or catalog entries).
EXPECTED_CONFLICT = re.compile(r"TransactionContext Error.*[Cc]onflict", re.S)
# What each kind of row holds in v once its transaction committed.
V_AUTO, V_UPDATED = 0, 1


def classify(message: str) -> str:
	return "expected conflict" if EXPECTED_CONFLICT.search(message) else "unexpected"


# ---------------------------------------------------------------------------------------------
# Clients (run in spawned host processes)

class Client:
	"""One thread: a cursor on its process's attachment and its part of the ledger."""

	def __init__(self, con, client_id: int, seed: int, stop_at: float, progress, operations: dict = OPERATIONS,
	             keep_rows: int = KEEP_ROWS):
		self.cur = con.cursor()
		self.id = client_id
		self.rng = random.Random(seed * 1000 + client_id)
		self.stop_at = stop_at
		self.progress = progress
		self.operations = operations
		self.keep_rows = keep_rows
		self.sequence = 0
		self.acked = {}           # row id -> v it must hold
		self.acked_order = []     # acknowledged row ids, oldest first
		self.absent = set()       # rows of transactions that ended without committing, or trimmed
		self.unknown = set()      # rows whose transaction failed unexpectedly (outcome not known)
		self.hot_increments = 0
		self.trimmed = 0          # acknowledged rows an acknowledged trim deleted
		self.ops = {name: [] for name in OPERATIONS}   # name -> latencies of successful runs
		self.errors = {}          # (op, class, first line) -> count
		self.violations = []
		self.cur.execute("CREATE TEMP TABLE stage (id BIGINT, client INTEGER)")
		self.cur.execute(f"CREATE TEMP TABLE mine AS SELECT {client_id} AS client, 'client {client_id}' AS name")

	def next_id(self) -> int:
		self.sequence += 1
		return self.id * ID_STRIDE + self.sequence

	def run(self):
		names = list(self.operations)
		weights = [self.operations[n] for n in names]
		while time.time() < self.stop_at:
			op = self.rng.choices(names, weights)[0]
			started = time.monotonic()
			try:
				getattr(self, "op_" + op)()
				self.ops[op].append(time.monotonic() - started)
			except duckdb.Error as ex:
				self.ops.setdefault(op + " (failed)", []).append(time.monotonic() - started)
				message = str(ex)
				key = (op, classify(message), message.splitlines()[0][:200])
				self.errors[key] = self.errors.get(key, 0) + 1
				try:
					self.cur.execute("ROLLBACK")
				except duckdb.Error:
					pass  # no transaction was open
			with self.progress.get_lock():
				self.progress.value += 1

	def check(self, ok: bool, what: str):
		if not ok and len(self.violations) < 50:
			self.violations.append(f"client {self.id}: {what}")

	def ack(self, ids_values):
		for row_id, v in ids_values:
			self.acked[row_id] = v
			self.acked_order.append(row_id)

	def transaction(self, ids, body, commit: bool):
		"""BEGIN; body(); COMMIT or ROLLBACK. Rows of a transaction that ended without a COMMIT
		returning are absent when a conflict aborted it, unknown after any other error."""
		try:
			self.cur.execute("BEGIN")
			body()
			self.cur.execute("COMMIT" if commit else "ROLLBACK")
		except duckdb.Error as ex:
			(self.absent if classify(str(ex)) == "expected conflict" else self.unknown).update(ids)
			raise
		if not commit:
			self.absent.update(ids)
		return commit

	def op_insert(self):
		row = self.next_id()
		try:
			self.cur.execute(f"INSERT INTO cloud.ledger VALUES ({row}, {self.id}, 'auto', {V_AUTO})")
		except duckdb.Error:
			self.unknown.add(row)
			raise
		self.ack([(row, V_AUTO)])

	def _txn(self, commit: bool):
		a, b = self.next_id(), self.next_id()
		hot = self.rng.randrange(HOT_ROWS)

		def body():
			self.cur.execute(f"INSERT INTO cloud.ledger VALUES ({a}, {self.id}, 'txn', {V_AUTO}), "
			                 f"({b}, {self.id}, 'txn', {V_AUTO})")
			self.cur.execute(f"UPDATE cloud.ledger SET v = {V_UPDATED} WHERE id = {a}")
			self.cur.execute(f"UPDATE cloud.hot SET v = v + 1 WHERE k = {hot}")

		if self.transaction([a, b], body, commit):
			self.hot_increments += 1
			self.ack([(a, V_UPDATED), (b, V_AUTO)])

	def op_txn(self):
		self._txn(True)

	def op_rollback(self):
		self._txn(False)

	def op_staged(self):
		a, b = self.next_id(), self.next_id()
		commit = self.rng.random() >= 0.2

		def body():
			self.cur.execute("DELETE FROM stage")
			self.cur.execute(f"INSERT INTO stage VALUES ({a}, {self.id}), ({b}, {self.id})")
			# A column list: the host rows go into a temporary table of the worker's session first.
			self.cur.execute("INSERT INTO cloud.ledger (id, client, kind) SELECT id, client, 'staged' FROM stage")
			# A temporary table of the session itself, which must see the session's own rows.
			self.cur.execute("SELECT * FROM openduck_query('cloud', ?)",
			                 [f"CREATE TEMP TABLE scratch AS SELECT id FROM ledger WHERE id IN ({a}, {b})"]).fetchall()
			(n,) = self.cur.execute("SELECT * FROM openduck_query('cloud', 'SELECT count(*) FROM scratch')").fetchone()
			self.check(n == 2, f"a session's temporary table holds {n} of its 2 uncommitted rows")

		if self.transaction([a, b], body, commit):
			self.ack([(a, None), (b, None)])

	def op_point(self):
		if not self.acked_order:
			return
		row = self.acked_order[self.rng.randrange(len(self.acked_order))]
		found = self.cur.execute("SELECT v FROM cloud.ledger WHERE id = ?", [row]).fetchall()
		self.check(found == [(self.acked[row],)], f"point read of acknowledged row {row} returned {found}, "
		                                          f"expected v = {self.acked[row]}")

	def op_aggregate(self):
		before = len(self.acked)
		rows = self.cur.execute("SELECT client, count(*), sum(v) FROM cloud.ledger GROUP BY client").fetchall()
		counted = dict((c, n) for c, n, _ in rows).get(self.id, 0)
		self.check(counted >= before, f"an aggregate counted {counted} of the client's rows, {before} acknowledged before")

	def op_scan(self):
		if not self.acked_order:
			return
		latest = self.acked_order[-1]
		rows = self.cur.execute(f"SELECT id FROM cloud.ledger WHERE client = {self.id} ORDER BY id DESC LIMIT 5").fetchall()
		self.check(rows and rows[0][0] >= latest, f"the latest rows begin at {rows[:1]}, {latest} was acknowledged")

	def op_hybrid(self):
		before = len(self.acked)
		rows = self.cur.execute("SELECT m.name, count(*) FROM cloud.ledger l JOIN mine m ON l.client = m.client "
		                        "GROUP BY m.name").fetchall()
		counted = rows[0][1] if rows else 0
		self.check(counted >= before, f"a hybrid join counted {counted} rows, {before} acknowledged before")

	def op_ddl(self):
		table = f"cloud.c{self.id}_t"
		self.cur.execute(f"CREATE TABLE {table} AS SELECT range AS x FROM range(1000)")
		got = self.cur.execute(f"SELECT count(*), sum(x) FROM {table}").fetchall()
		self.check(got == [(1000, 499500)], f"a new table reads {got}")
		self.cur.execute(f"DROP TABLE {table}")

	def op_trim(self):
		if not self.keep_rows or len(self.acked_order) <= self.keep_rows:
			return
		upto = self.acked_order[-self.keep_rows - 1]
		trimmed = self.acked_order[:-self.keep_rows]
		try:
			self.cur.execute(f"DELETE FROM cloud.ledger WHERE client = {self.id} AND id <= {upto}")
		except duckdb.Error as ex:
			if classify(str(ex)) != "expected conflict":
				# The DELETE may have committed: those rows may or may not be there.
				for row in trimmed:
					del self.acked[row]
				self.unknown.update(trimmed)
				self.acked_order = self.acked_order[-self.keep_rows:]
			raise
		for row in trimmed:
			del self.acked[row]
		self.absent.update(trimmed)
		self.trimmed += len(trimmed)
		# Rows of this client whose outcome was unknown are gone too, whatever it was.
		settled = {row for row in self.unknown if row <= upto}
		self.unknown -= settled
		self.absent |= settled
		self.acked_order = self.acked_order[-self.keep_rows:]

	def result(self) -> dict:
		return {"acked": self.acked, "absent": self.absent, "unknown": self.unknown,
		        "hot_increments": self.hot_increments, "trimmed": self.trimmed, "ops": self.ops, "errors": self.errors,
		        "violations": self.violations}


def host(extension: Path):
	"""A DuckDB host that loads `extension`: a private copy of the build's, which a rebuild of the
	build directory during a long run cannot rewrite under it (a mapped file rewritten in
	place kills its process with SIGBUS)."""
	con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
	con.execute(f"LOAD {odtest.sql_string(str(extension))}")
	con.execute("SET enable_progress_bar = false")
	return con


def client_process(extension, attach_sql: str, client_ids, seed: int, ready, go, stop_at, progress, results,
                   operations: dict, keep_rows: int):
	"""A host process: one ATTACH, one thread per client id. Puts "ready" once every cursor
	exists, waits for `go`, then runs until stop_at.value and puts its threads' results."""
	try:
		con = host(extension)
		con.execute(attach_sql)
		clients = [Client(con, c, seed, 0, progress, operations, keep_rows) for c in client_ids]
	except Exception as ex:  # noqa: BLE001 - reported to the parent, which fails the run
		ready.put(f"client process {os.getpid()} could not start: {ex}")
		return
	ready.put("ready")
	go.wait()
	for client in clients:
		client.stop_at = stop_at.value
	threads = [threading.Thread(target=c.run, name=f"client{c.id}") for c in clients]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	results.put([c.result() for c in clients])
	for client in clients:
		client.cur.close()
	con.close()


# ---------------------------------------------------------------------------------------------
# The servers, seen from outside

def proc_status(pid: int, field: str) -> int:
	for line in Path(f"/proc/{pid}/status").read_text().splitlines():
		if line.startswith(field + ":"):
			return int(line.split()[1])
	raise AssertionError(f"no {field} in /proc/{pid}/status")


def rss_mib(pid: int) -> float:
	return proc_status(pid, "VmRSS") / 1024


def fd_targets(pid: int) -> collections.Counter:
	"""What a process's open file descriptors point at (sockets and pipes without their inode)."""
	targets = collections.Counter()
	for fd in os.listdir(f"/proc/{pid}/fd"):
		try:
			target = os.readlink(f"/proc/{pid}/fd/{fd}")
		except OSError:
			continue  # closed meanwhile
		targets[re.sub(r":\[\d+\]$", "", target)] += 1
	return targets


def memory_breakdown(process: odtest.OpenDuckProcess, token: str) -> str:
	"""What a server's memory is made of (openduck_memory_bytes): live growth shows in what the
	allocators have allocated, memory they keep in what is free or resident beyond it."""
	values = odtest.metrics_values(process.port, token)
	kinds = {kind: values.get(f'openduck_memory_bytes{{kind="{kind}"}}')
	         for kind in ("malloc_allocated", "malloc_free", "duckdb_allocated", "duckdb_resident")}
	kinds["layer_cache"] = values.get("openduck_layer_cache_bytes")
	return " ".join(f"{kind}={value / 2**20:.1f}" for kind, value in kinds.items() if value is not None)


LEAK_GAUGES = ("openduck_active_queries", "openduck_running_statements", "openduck_queued_statements",
               f'openduck_database_connections_in_use{{database="{DATABASE}"}}',
               f'openduck_database_connections_waiting{{database="{DATABASE}"}}')


def busy_gauges(process, token) -> dict:
	values = odtest.metrics_values(process.port, token)
	return {name: values[name] for name in LEAK_GAUGES if values.get(name, 0) != 0}


def temp_files(directory: Path) -> int:
	"""Files under any tmp/ folder of a data directory (DuckDB spill files, scratch)."""
	return sum(len(files) for root, _, files in os.walk(directory) if "/tmp" in root[len(str(directory)):])


def in_memory_table_bytes(con) -> int:
	(value,) = con.execute(odtest.openduck_query_sql(
	    "cloud", "SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory() "
	    "WHERE tag = 'IN_MEMORY_TABLE'")).fetchone()
	return value


def checkpoint_after_load(con, wait_s: float = 15.0):
	"""CHECKPOINT the remote database. DuckDB refuses one while another holds the checkpoint lock,
	and the worker's automatic snapshot (a CHECKPOINT every interval while commits are pending) may
	be running right after the load: retried for `wait_s`, far longer than that checkpoint takes
	here, so a transaction left open still fails it."""
	deadline = time.monotonic() + wait_s
	while True:
		try:
			con.execute("CHECKPOINT cloud")
			return
		except duckdb.TransactionException as ex:
			if "other write transactions active" not in str(ex) or time.monotonic() > deadline:
				raise
			time.sleep(0.2)


def duckdb_memory_mib(con) -> float:
	(value,) = con.execute(odtest.openduck_query_sql(
	    "cloud", "SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory()")).fetchone()
	return value / 2**20


def percentile(values, q: float) -> float:
	if not values:
		return 0.0
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---------------------------------------------------------------------------------------------
# The run

def run(seconds: float, clients: int, processes: int, folder: Path, launcher: odtest.Launcher, seed: int = 1,
        sample_s: float = 0, log=print, operations: dict = OPERATIONS, keep_rows: int = KEEP_ROWS,
        warmup_s: float = 0) -> dict:
	"""Starts a gateway and a worker, runs the load for `seconds`, checks; returns the report
	(report["failures"] empty when every target held). `operations`: the mix, name -> weight;
	`keep_rows`: acknowledged rows a client keeps when it trims (0: it never deletes); `warmup_s`:
	the warm-up (default: the first 20% of the run, at least 60 s)."""
	folder = Path(folder)
	failures = []
	report = {"failures": failures, "seconds": seconds, "clients": clients, "processes": processes}
	sample_s = sample_s or max(5.0, seconds / 30)
	warmup_s = warmup_s or max(60.0, 0.2 * seconds)
	gateway = launcher.gateway()
	# Every client may hold an open transaction and run a statement in it (two calls), all with
	# one token: twice the clients, plus the sampler's, under the per-token limit (default 64).
	worker = launcher.worker(gateway, "w1", [DATABASE], extra_args=["--max-calls-per-token", 2 * clients + 8])
	servers = {"gateway": gateway.process, "worker": worker}
	token = gateway.token

	odtest.require_build(odtest.EXTENSION)
	# Same file name: DuckDB derives the entry point's name from it.
	extension = folder / "extension" / odtest.EXTENSION.name
	extension.parent.mkdir(exist_ok=True)
	shutil.copyfile(odtest.EXTENSION, extension)
	# This process loads the build's own file: pytest may have loaded it already, and a second
	# copy of the extension in one process registers our protobuf descriptors twice (an abort).
	setup = host(odtest.EXTENSION)
	setup.execute(gateway.attach_sql(DATABASE))
	setup.execute("CREATE TABLE cloud.ledger (id BIGINT, client INTEGER, kind VARCHAR, v INTEGER)")
	setup.execute(f"CREATE TABLE cloud.hot AS SELECT range::INTEGER AS k, 0::BIGINT AS v FROM range({HOT_ROWS})")

	# Self-check of the temporary-table probe: a live session's temporary table must show.
	probe = setup.cursor()
	setup.execute("CHECKPOINT cloud")
	probe.execute("BEGIN")
	probe.execute(odtest.openduck_query_sql("cloud", "CREATE TEMP TABLE probe AS SELECT range AS x FROM range(1000)")).fetchall()
	seen_live = in_memory_table_bytes(setup)
	probe.execute("ROLLBACK")
	probe.close()
	if seen_live <= 0:
		failures.append("the temporary-table probe does not see a live session's temporary table")

	ctx = multiprocessing.get_context("spawn")
	ready, results = ctx.Queue(), ctx.Queue()
	go = ctx.Event()
	stop_at = ctx.Value("d", 0.0)
	progress = ctx.Value("q", 0)
	ids = list(range(1, clients + 1))
	children = [ctx.Process(target=client_process, name=f"soak-clients-{p}",
	                        args=(extension, gateway.attach_sql(DATABASE), ids[p::processes], seed, ready, go, stop_at, progress,
	                              results, operations, keep_rows))
	            for p in range(processes)]
	gathered = []
	series = []   # (t, gateway MiB, worker MiB, worker DuckDB MiB, operations so far, gateway threads, worker threads)
	try:
		for child in children:
			child.start()
		for _ in children:
			message = ready.get(timeout=120)
			if message != "ready":
				raise AssertionError(message)
		baseline_fds = {name: fd_targets(p.pid) for name, p in servers.items()}
		baseline_tmp = temp_files(worker.data_dir)
		started = time.time()
		stop_at.value = started + seconds
		go.set()
		log(f"soak: {clients} clients in {processes} processes for {seconds:.0f} s; RSS every {sample_s:.0f} s, "
		    f"warm-up {warmup_s:.0f} s")
		next_sample = started
		while True:
			now = time.time()
			if now >= next_sample or now >= stop_at.value:
				t = now - started
				try:
					duckdb_mib = duckdb_memory_mib(setup)
				except duckdb.Error as ex:
					failures.append(f"the sampler's duckdb_memory() failed: {str(ex).splitlines()[0][:300]}")
					duckdb_mib = float("nan")
				sample = (t, rss_mib(gateway.process.pid), rss_mib(worker.pid), duckdb_mib, progress.value,
				          proc_status(gateway.process.pid, "Threads"), proc_status(worker.pid, "Threads"))
				series.append(sample)
				log(f"rss t={t:6.0f}s gateway={sample[1]:7.1f} MiB worker={sample[2]:7.1f} MiB "
				    f"(worker DuckDB memory {sample[3]:6.1f} MiB; threads {sample[5]}/{sample[6]}) operations={sample[4]}; "
				    f"worker MiB: {memory_breakdown(worker, token)}")
				next_sample += sample_s
			if now >= stop_at.value:
				break
			for name, p in servers.items():
				if not p.running():
					raise AssertionError(f"the {name} exited during the soak: {p.describe()}")
			time.sleep(min(1.0, max(0.0, min(next_sample, stop_at.value) - time.time())))
		for _ in children:
			gathered += results.get(timeout=STATEMENT_DEADLINE_S * 2)
		for child in children:
			child.join(STATEMENT_DEADLINE_S)
			if child.is_alive():
				failures.append(f"client process {child.pid} did not end within {STATEMENT_DEADLINE_S} s (a hang)")
		report["load_seconds"] = time.time() - started
	except queue.Empty:
		failures.append("a client process did not report within its deadline (a hang)")
	finally:
		go.set()
		for child in children:
			if child.is_alive():
				child.join(5)
			if child.is_alive():
				child.kill()  # our own child, by pid
				child.join()

	# The ledger and the reads.
	acked, absent, unknown = {}, set(), set()
	ops, errors = {}, {}
	hot_increments = trimmed = 0
	for result in gathered:
		acked.update(result["acked"])
		absent |= result["absent"]
		unknown |= result["unknown"]
		hot_increments += result["hot_increments"]
		trimmed += result["trimmed"]
		for op, latencies in result["ops"].items():
			ops.setdefault(op, []).extend(latencies)
		for key, count in result["errors"].items():
			errors[key] = errors.get(key, 0) + count
		failures += result["violations"]
	report["ops"] = {op: (len(lat), percentile(lat, 0.5), percentile(lat, 0.99), max(lat, default=0))
	                 for op, lat in sorted(ops.items())}
	report["errors"] = sorted(errors.items(), key=lambda item: -item[1])
	unexpected = sum(count for (_, kind, _), count in errors.items() if kind == "unexpected")
	report["expected_conflicts"] = sum(count for (_, kind, _), count in errors.items() if kind == "expected conflict")
	report["unexpected_errors"] = unexpected
	if unexpected:
		failures.append(f"{unexpected} unexpected errors")
	slow = [(op, row[3]) for op, row in report["ops"].items() if row[3] > STATEMENT_DEADLINE_S]
	if slow:
		failures.append(f"operations slower than {STATEMENT_DEADLINE_S} s: {slow}")
	if gathered and len(gathered) != clients:
		failures.append(f"{len(gathered)} of {clients} clients reported")

	if gathered:
		rows = dict(setup.execute("SELECT id, v FROM cloud.ledger").fetchall())
		lost = [r for r in acked if r not in rows]
		changed = [(r, rows[r], v) for r, v in acked.items() if r in rows and rows[r] != v]
		present = [r for r in absent if r in rows]
		invented = [r for r in rows if r not in acked and r not in unknown]
		for what, found in (("acknowledged rows lost", lost), ("acknowledged rows with another value (row, v, expected)", changed),
		                    ("rows of rolled-back or aborted transactions present", present),
		                    ("rows no acknowledged write explains", invented)):
			if found:
				failures.append(f"{len(found)} {what}, e.g. {sorted(found)[:5]}")
		(hot_total,) = setup.execute("SELECT sum(v)::BIGINT FROM cloud.hot").fetchone()
		if hot_total != hot_increments:
			failures.append(f"the hot rows total {hot_total}, {hot_increments} acknowledged transactions added 1 each")
		report.update(rows=len(rows), acknowledged=len(acked), absent=len(absent), unknown=len(unknown), trimmed=trimmed,
		              hot_total=hot_total, hot_increments=hot_increments)

	# Memory. Each sample is the median of it and its two neighbours, so one sample caught at a
	# burst of concurrent statements (or just after their memory went back) neither sets the
	# minimum nor the last value; growth that lasts shows in every median.
	report["series"] = series
	growth, raw_growth = {}, {}
	for index, name in ((1, "gateway"), (2, "worker")):
		values = [s[index] for s in series]
		smoothed = [sorted(values[max(0, i - 1):i + 2])[len(values[max(0, i - 1):i + 2]) // 2] for i in range(len(values))]
		after = [v for s, v in zip(series, smoothed) if s[0] >= warmup_s]
		raw_after = [s[index] for s in series if s[0] >= warmup_s]
		if len(after) >= 3:
			growth[name] = after[-1] / min(after) - 1
			raw_growth[name] = raw_after[-1] / min(raw_after) - 1
			if growth[name] >= RSS_GROWTH_LIMIT:
				failures.append(f"{name} RSS grew {growth[name] * 100:.1f}% after the warm-up "
				                f"({min(after):.1f} -> {after[-1]:.1f} MiB, medians of 3 samples); the limit is "
				                f"{RSS_GROWTH_LIMIT * 100:.0f}%")
		else:
			failures.append(f"too few RSS samples after the warm-up to judge {name} growth (run longer than {warmup_s:.0f} s)")
	report["rss_growth"] = growth
	report["rss_growth_raw"] = raw_growth

	# Leaks, once every client is gone.
	leaks = {}
	deadline = time.monotonic() + 30
	while True:
		busy = {name: busy_gauges(p, token) for name, p in servers.items()}
		busy = {name: b for name, b in busy.items() if b}
		if not busy or time.monotonic() > deadline:
			break
		time.sleep(0.2)
	if busy:
		failures.append(f"server state still in use 30 s after every client left: {busy}")
	leaks["busy gauges"] = busy or "none"
	(per_client,) = setup.execute(odtest.openduck_query_sql(
	    "cloud", "SELECT count(*) FROM duckdb_tables() WHERE table_name SIMILAR TO 'c[0-9]+_t'")).fetchone()
	leaks["per-client tables left"] = per_client
	if per_client:
		failures.append(f"{per_client} per-client tables are left after their DROP")
	(own_temp,) = setup.execute(odtest.openduck_query_sql(
	    "cloud", "SELECT count(*) FROM duckdb_tables() WHERE temporary")).fetchone()
	leaks["temporary tables a fresh connection sees"] = own_temp
	if own_temp:
		failures.append(f"a fresh worker connection sees {own_temp} temporary tables")
	try:
		checkpoint_after_load(setup)
		temp_bytes = in_memory_table_bytes(setup)
		leaks["temporary-table memory after CHECKPOINT (bytes)"] = temp_bytes
		if temp_bytes:
			failures.append(f"{temp_bytes} bytes of IN_MEMORY_TABLE memory after a CHECKPOINT: a temporary table "
			                f"(or a transaction's local storage) outlived its session")
	except duckdb.Error as ex:
		failures.append(f"CHECKPOINT after the load failed (a transaction left open?): {ex}")
	# After the CHECKPOINT: DuckDB keeps a WAL open between checkpoints, as it had none open
	# when the baseline was taken (right after the setup's CHECKPOINT).
	fds = {}
	while gathered:
		fds = {name: (baseline_fds[name], fd_targets(p.pid)) for name, p in servers.items()}
		if all(len(now) <= len(before) for before, now in fds.values()) or time.monotonic() > deadline + 10:
			break
		time.sleep(0.2)
	leaks["open fds (before, after)"] = {name: (len(before), len(now)) for name, (before, now) in fds.items()}
	for name, (before, now) in fds.items():
		if len(now) > len(before):
			added = sorted((now - before).elements())
			failures.append(f"the {name} has {len(now)} open file descriptors, {len(before)} before the load; "
			                f"new: {added[:10]}")
	if gathered:
		leaks["worker tmp files (before, after)"] = (baseline_tmp, temp_files(worker.data_dir))
		if leaks["worker tmp files (before, after)"][1] > baseline_tmp:
			failures.append(f"worker temporary files: {leaks['worker tmp files (before, after)']}")
	report["leaks"] = leaks
	setup.close()
	return report


def describe(report: dict) -> str:
	seconds = report.get("load_seconds") or report["seconds"]
	lines = [f"soak: {report['clients']} clients in {report['processes']} processes, {seconds:.0f} s of load"]
	total = sum(row[0] for row in report.get("ops", {}).values())
	lines.append(f"statements: {total} operations, {total / seconds:.1f}/s")
	lines.append(f"  {'operation':<20} {'count':>8} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
	for op, (count, p50, p99, worst) in report.get("ops", {}).items():
		lines.append(f"  {op:<20} {count:8d} {count / seconds:8.1f} {p50 * 1000:8.1f} {p99 * 1000:8.1f} {worst * 1000:8.0f}")
	lines.append(f"errors: {report.get('expected_conflicts', 0)} expected conflicts, "
	             f"{report.get('unexpected_errors', 0)} unexpected")
	for (op, kind, message), count in report.get("errors", [])[:15]:
		lines.append(f"  {count:6d} x {kind:<17} {op:<10} {message[:150]}")
	if "rows" in report:
		lines.append(f"ledger: {report['acknowledged']} rows acknowledged and kept, {report['rows']} in the table, "
		             f"{report['absent']} rolled back, aborted or trimmed (absent; {report['trimmed']} trimmed), "
		             f"{report['unknown']} of unknown outcome; "
		             f"hot total {report['hot_total']} = {report['hot_increments']} acknowledged increments")
	series = report.get("series", [])
	if series:
		lines.append("RSS series (t s: gateway MiB / worker MiB / worker DuckDB MiB):")
		for start in range(0, len(series), 8):
			lines.append("  " + ", ".join(f"{s[0]:.0f}: {s[1]:.0f}/{s[2]:.0f}/{s[3]:.0f}" for s in series[start:start + 8]))
	for name, growth in report.get("rss_growth", {}).items():
		lines.append(f"RSS growth after the warm-up, {name}: {growth * 100:+.1f}% (medians of 3 samples; "
		             f"last / min of the raw samples {report['rss_growth_raw'][name] * 100:+.1f}%)")
	for name, value in report.get("leaks", {}).items():
		lines.append(f"leak check, {name}: {value}")
	lines.append("targets: " + ("all held" if not report["failures"] else "FAILED"))
	lines += [f"  {f}" for f in report["failures"]]
	return "\n".join(lines)


def main():
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--seconds", type=float, default=120)
	parser.add_argument("--clients", type=int, default=64)
	parser.add_argument("--processes", type=int, default=4, help="host processes the clients are threads of")
	parser.add_argument("--sample-seconds", type=float, default=0, help="RSS sampling interval (default: run / 30, at least 5 s)")
	parser.add_argument("--seed", type=int, default=1)
	parser.add_argument("--warmup-seconds", type=float, default=0,
	                    help="memory growth is judged after this (default: the first 20%% of the run, at least 60 s)")
	parser.add_argument("--keep-rows", type=int, default=KEEP_ROWS,
	                    help="acknowledged rows each client keeps when it trims its oldest (0: never delete, the "
	                         "table grows all run)")
	parser.add_argument("--only", default="",
	                    help="comma-separated operations to run (default: the whole mix), to find which one grows memory")
	args = parser.parse_args()
	operations = OPERATIONS
	if args.only:
		unknown = [name for name in args.only.split(",") if name not in OPERATIONS]
		if unknown:
			parser.error(f"unknown operation(s) {unknown}: choose from {', '.join(OPERATIONS)}")
		operations = {name: OPERATIONS[name] for name in args.only.split(",")}
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	folder = Path(tempfile.mkdtemp(prefix="openduck-soak-"))
	launcher = odtest.Launcher(folder, folder, "soak")
	try:
		report = run(args.seconds, args.clients, args.processes, folder, launcher, args.seed, args.sample_seconds,
		             operations=operations, keep_rows=args.keep_rows, warmup_s=args.warmup_seconds)
	finally:
		launcher.stop_all()
	print(describe(report))
	print(f"logs: {folder}")
	sys.exit(1 if report["failures"] else 0)


if __name__ == "__main__":
	main()
