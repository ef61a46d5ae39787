"""Distributed scans: a large aggregate over one remote table, read by a host that attached
the database READ_ONLY through a gateway with read replicas, is split by row-group ranges
across the replicas at one commit position and merged on the host. Every result equals
plain DuckDB's on the same data (the oracle); the split never mixes two states of the table,
also while the writer commits; a part that cannot run at the planned position makes the
statement run as one read on one worker instead."""

import math
import threading
import time

import duckdb
import pytest

import odtest
from test_failover import _shared_stores
from test_read_replicas import _position, _queries, _wait

ROWS = 500_000  # five row groups of 122,880 rows: parts have whole row groups to read

DATA = f"""SELECT range AS id, (range % 13)::VARCHAR AS g,
	CASE WHEN range % 11 = 0 THEN NULL ELSE range * 3 - 700000 END AS i,
	(range % 300 - 150)::SMALLINT AS s, (range % 9999 / 100)::DECIMAL(12, 2) AS d,
	range::DOUBLE / 7 AS x, 0 AS v
	FROM range({ROWS})"""

# (query, whether it is split): the shapes that merge exactly are; the others still answer
# right, from one worker.
QUERIES = [
	("SELECT count(*), sum(i), min(i), max(i), avg(i), count(i) FROM {t}", True),
	("SELECT g, count(*), sum(i), avg(s), avg(d), sum(d), min(g), max(x) FROM {t} WHERE i % 7 <> 0 "
	 "GROUP BY g ORDER BY g", True),
	("SELECT g, count(i) AS c FROM {t} GROUP BY g HAVING count(*) > 38000 ORDER BY c DESC, g LIMIT 3", True),
	("SELECT g || '!' AS k, sum(i) * 2 + 1, avg(i) FILTER (WHERE true) IS NULL FROM {t} GROUP BY g ORDER BY 1", False),
	("SELECT g || '!' AS k, sum(i) * 2 + 1 AS twice FROM {t} GROUP BY g ORDER BY k", True),
	("SELECT count(*), sum(i), avg(i), min(g) FROM {t} WHERE i < -10000000", True),
	("SELECT s, d, count(*) FROM {t} WHERE id < 300000 GROUP BY s, d ORDER BY s, d LIMIT 20", True),
	("SELECT count(DISTINCT g), string_agg(DISTINCT g, ',' ORDER BY g) FROM {t}", False),
	("SELECT g, sum(i) FROM {t} GROUP BY ALL ORDER BY g", False),
	("SELECT sum(x), avg(x) FROM {t}", True),
]


def _cluster(launcher, tmp_path, request, replicas=2, replica_env=None):
	"""`replica_env`: extra environment by replica id ("r1", "r2", ...)."""
	extra, env = _shared_stores("shared-dir", tmp_path, request)
	gateway = launcher.gateway(heartbeat_ms=500)
	writer = launcher.worker(gateway, "w1", ["db1"], extra_args=extra, env=env)
	started = []
	for n in range(replicas):
		replica = launcher.worker(gateway, f"r{n + 1}", [], extra_args=extra + ["--replica"],
		                          env={**(env or {}), **(replica_env or {}).get(f"r{n + 1}", {})} or None)
		replica.worker_id = f"r{n + 1}"
		started.append(replica)
	return gateway, writer, started


def _loaded(host, gateway, replicas):
	"""(read-write host, READ_ONLY host) once every replica holds table big."""
	rw = host(gateway, "db1")
	rw.execute(f"CREATE TABLE cloud.big AS {DATA}")
	rw.execute("CHECKPOINT cloud")
	ro = host()
	ro.execute(f"ATTACH '{gateway.attach_path('db1')}' AS ro (READ_ONLY)")
	ro.execute("SET openduck_split_min_rows = 0")
	positions = lambda: [_position(gateway, r.worker_id) for r in replicas]
	# Waiting runs no split read (EXPLAIN plans one without running it).
	ro.execute("SET openduck_split_reads = false")
	_wait(lambda: ro.execute("SELECT count(*) FROM ro.big").fetchone() == (ROWS,), "the read-only host to see big")
	ro.execute("RESET openduck_split_reads")
	# Both replicas at one position that holds everything this process committed (the CHECKPOINT).
	_wait(lambda: len({str(p) for p in positions()}) == 1 and positions()[0] is not None and
	      _split(ro, "SELECT count(*) FROM ro.big"), "the replicas to reach one position")
	return rw, ro


def _oracle():
	con = duckdb.connect()
	con.execute(f"CREATE TABLE big AS {DATA}")
	return con


def _same(got, expected):
	assert len(got) == len(expected), (got, expected)
	for row, want in zip(got, expected):
		for value, wanted in zip(row, want):
			if isinstance(wanted, float) and isinstance(value, float):
				# Double sums depend on the order rows are added in, also in DuckDB's own scans.
				assert math.isclose(value, wanted, rel_tol=1e-12), (row, want)
			else:
				assert value == wanted and type(value) is type(wanted), (row, want)


def _requests(con):
	return con.execute("SELECT remote_requests FROM openduck_last_query_stats()").fetchone()[0]


def _split(con, sql):
	plan = "\n".join(row[1] for row in con.execute("EXPLAIN " + sql).fetchall())
	return "openduck_split_read" in plan.lower() or "OPENDUCK_SPLIT_READ" in plan


def test_aggregates_split_across_replicas_equal_plain_duckdb(launcher, tmp_path, request, host):
	gateway, _, replicas = _cluster(launcher, tmp_path, request)
	_, ro = _loaded(host, gateway, replicas)
	oracle = _oracle()
	ran_split = 0
	for query, splits in QUERIES:
		assert _split(ro, query.format(t="ro.big")) == splits, query
		before = [_queries(r) for r in replicas]
		got = ro.execute(query.format(t="ro.big")).fetchall()
		_same(got, oracle.execute(query.format(t="big")).fetchall())
		# Planned once (EXPLAIN) the parts' descriptions are cached: a split read costs the
		# request for the replicas' position and one per part, a fallback to one read one more, a
		# whole one one.
		requests = _requests(ro)
		if not splits:
			assert requests == 1, query
		elif requests == len(replicas) + 1:
			ran_split += 1
			# Every replica ran a part (each part went to another one).
			assert all(_queries(r) > b for r, b in zip(replicas, before)), query
		else:
			assert requests == len(replicas) + 2, query
	# Nothing commits meanwhile: a fallback is rare (a replica busy past a deadline, say).
	assert ran_split >= sum(splits for _, splits in QUERIES) - 1
	# Switched off, or for a table below the threshold, one worker answers.
	ro.execute("SET openduck_split_reads = false")
	assert not _split(ro, QUERIES[0][0].format(t="ro.big"))
	ro.execute("RESET openduck_split_reads")
	ro.execute(f"SET openduck_split_min_rows = {ROWS + 1}")
	assert not _split(ro, QUERIES[0][0].format(t="ro.big"))


def test_a_read_write_attachment_is_never_split(launcher, tmp_path, request, host):
	gateway, _, replicas = _cluster(launcher, tmp_path, request)
	rw, _ = _loaded(host, gateway, replicas)
	rw.execute("SET openduck_split_min_rows = 0")
	assert not _split(rw, QUERIES[0][0].format(t="cloud.big"))


def test_a_part_that_cannot_run_at_the_position_falls_back_to_one_read(launcher, tmp_path, request, host):
	# r2 refuses the first part sent to it, as a replica that moved on between plan and part. (On
	# both replicas, the failpoint fired on the second read too whenever r1's part was cancelled
	# before it reached the failpoint: under load, 3 requests instead of 2.)
	gateway, _, replicas = _cluster(launcher, tmp_path, request,
	                                replica_env={"r2": {"OPENDUCK_FAILPOINTS": "replica.find_exact=error*1"}})
	_, ro = _loaded(host, gateway, replicas)
	oracle = _oracle()
	query = QUERIES[1][0]
	expected = oracle.execute(query.format(t="big")).fetchall()
	assert _split(ro, query.format(t="ro.big"))
	# The replicas' position, both parts sent, one refused, then the union of both parts as one
	# read.
	_same(ro.execute(query.format(t="ro.big")).fetchall(), expected)
	assert _requests(ro) == len(replicas) + 2
	# The failpoint fired once: the next read is split again.
	_same(ro.execute(query.format(t="ro.big")).fetchall(), expected)
	assert _requests(ro) == len(replicas) + 1


def test_split_reads_never_mix_two_states_while_the_writer_commits(launcher, tmp_path, request, host):
	"""Each commit moves one unit of v from a row of the first row group to a row of the last,
	so sum(v) is 0 in every state; a split read mixing two states would see +1 or -1."""
	gateway, _, replicas = _cluster(launcher, tmp_path, request)
	rw, ro = _loaded(host, gateway, replicas)
	stop = threading.Event()
	commits = []

	def write():
		con = rw.cursor()
		while not stop.is_set():
			con.execute("BEGIN")
			con.execute("UPDATE cloud.big SET v = v + 1 WHERE id = 5")
			con.execute(f"UPDATE cloud.big SET v = v - 1 WHERE id = {ROWS - 5}")
			con.execute("COMMIT")
			commits.append(1)
			# Bursts with pauses longer than the replicas' follow interval: they meet at one
			# position between bursts (reads are split) and part within them (reads race).
			if len(commits) % 5 == 0:
				stop.wait(0.4)

	writer = threading.Thread(target=write)
	writer.start()
	split = reads = 0
	try:
		query = "SELECT sum(v), count(*), max(v) - min(v) FROM ro.big"
		deadline = time.monotonic() + 20
		while reads < 60 or (len(commits) < 40 and time.monotonic() < deadline):
			total, count, spread = ro.execute(query).fetchone()
			assert (total, count) == (0, ROWS), (total, count)
			reads += 1
			split += _requests(ro) >= len(replicas)
	finally:
		stop.set()
		writer.join()
	assert len(commits) > 5, "the writer did not commit while the reads ran"
	assert spread > 0
	assert split > 0, "no read was split: the test did not exercise split reads"
	print(f"{split} of {reads} reads split (or fell back) while the writer made {len(commits)} commits")
