"""Each database's connections on a worker (--max-connections-per-database): auto-commit
statements running plus open transactions. Past the limit a statement waits its turn, runs when
a connection frees, and is refused after --queue-timeout with an error naming the database, the
limit and the options; a database at its limit never delays another one. Connections are never
reused, so nothing one client leaves on the server reaches the next one. Real `openduck serve`
processes on 127.0.0.1; waits are observed through /metrics, never timed."""

import threading
import time

import duckdb
import pytest

import odtest
from test_tokens import new_token


def _connections(server, database):
	"""(in use, waiting) of `database` on the server's worker, from /metrics."""
	text = odtest.http_get(server.port, "/metrics", token=server.token)[1].decode()
	values = {}
	for kind in ("in_use", "waiting"):
		prefix = f'openduck_database_connections_{kind}{{database="{database}"}} '
		values[kind] = next((int(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix)), 0)
	return values["in_use"], values["waiting"]


def _wait_for_connections(server, database, expected):
	deadline = time.monotonic() + 60
	while _connections(server, database) != expected:
		assert time.monotonic() < deadline, f"{database}: {_connections(server, database)} != {expected}"
		time.sleep(0.05)


class Background:
	"""Runs `remote(con, alias, sql)` on a thread; result() gives its rows or raises its error."""

	def __init__(self, con, sql, alias="cloud"):
		self.rows, self.error = None, None
		self.thread = threading.Thread(target=self._run, args=(con, alias, sql))
		self.thread.start()

	def _run(self, con, alias, sql):
		try:
			self.rows = odtest.remote(con, alias, sql)
		except duckdb.Error as e:
			self.error = e

	def result(self):
		self.thread.join(timeout=120)
		assert not self.thread.is_alive()
		if self.error:
			raise self.error
		return self.rows


def _open_transaction(con):
	"""A host transaction that holds a connection of cloud's database until it ends."""
	con.execute("BEGIN")
	assert con.execute("SELECT count(*) FROM cloud.t").fetchall() == [(1,)]


@pytest.fixture
def limited(launcher, host):
	"""A server whose databases `busy` and `calm` may have one connection each in use, and a
	factory of hosts attached to one of them."""

	def start(queue_timeout):
		srv = launcher.serve(["busy", "calm"], extra_args=["--max-connections-per-database", "1", "--queue-timeout",
		                                                   str(queue_timeout)])
		for database in ("busy", "calm"):
			odtest.remote(host(srv, database), "cloud", "CREATE TABLE t AS SELECT 1 AS x")
		return srv

	return start


def test_a_statement_past_the_limit_waits_and_runs_when_a_connection_frees(limited, host):
	srv = limited(queue_timeout=120)
	holder, waiter = host(srv, "busy"), host(srv, "busy")
	_open_transaction(holder)
	_wait_for_connections(srv, "busy", (1, 0))
	waiting = Background(waiter, "SELECT 42")
	_wait_for_connections(srv, "busy", (1, 1))
	holder.execute("COMMIT")
	assert waiting.result() == [(42,)]
	_wait_for_connections(srv, "busy", (0, 0))


def test_a_statement_that_waits_past_the_queue_timeout_is_refused_naming_the_limit(limited, host):
	srv = limited(queue_timeout=2)
	holder, refused = host(srv, "busy"), host(srv, "busy")
	_open_transaction(holder)
	with pytest.raises(duckdb.Error) as failure:
		odtest.remote(refused, "cloud", "SELECT 42")
	assert "database 'busy' has all 1 of its connections on this worker (--max-connections-per-database: " \
	       "auto-commit statements running plus open transactions) in use for 2 s (--queue-timeout); retry later, " \
	       "end idle transactions, or ask the operator to raise either option" in str(failure.value), failure.value
	# a new transaction waits for a connection like a statement does
	with pytest.raises(duckdb.Error, match="database 'busy' has all 1 of its connections"):
		_open_transaction(refused)
	refused.execute("ROLLBACK")
	holder.execute("COMMIT")
	assert odtest.remote(refused, "cloud", "SELECT 42") == [(42,)]
	health = odtest.http_get(srv.port, "/health", token=srv.token)[1].decode()
	assert '"connections":{"busy":{"in_use":0,"waiting":0}' in health, health


def test_a_database_at_its_limit_does_not_delay_another(limited, host):
	srv = limited(queue_timeout=120)
	holder, waiter, other = host(srv, "busy"), host(srv, "busy"), host(srv, "calm")
	_open_transaction(holder)
	waiting = Background(waiter, "SELECT 42")
	_wait_for_connections(srv, "busy", (1, 1))
	# calm's statements run while busy's waiter is still queued (and so is a transaction)
	assert odtest.remote(other, "cloud", "SELECT 43") == [(43,)]
	_open_transaction(other)
	other.execute("COMMIT")
	assert _connections(srv, "busy") == (1, 1)
	holder.execute("COMMIT")
	assert waiting.result() == [(42,)]


def test_nothing_a_client_leaves_on_its_connection_reaches_the_next_client(launcher, host):
	# One connection for the database: if connections were ever kept for reuse, the second
	# client would get the very connection the first one used.
	srv = launcher.serve(["shared"], extra_args=["--max-connections-per-database", "1"])
	odtest.remote(host(srv, "shared"), "cloud", "CREATE TABLE t (x INTEGER)")
	first = host(srv, "shared", token=new_token("shared", "write", "first", data_dir=srv.data_dir))
	second = host(srv, "shared", token=new_token("shared", "write", "second", data_dir=srv.data_dir))
	probe = ("SELECT current_setting('TimeZone'), current_setting('search_path'), getvariable('v'), "
	         "(SELECT count(*) FROM duckdb_tables() WHERE temporary), "
	         "(SELECT count(*) FROM duckdb_functions() WHERE function_name = 'leaked_macro'), "
	         "(SELECT count(*) FROM t)")
	before = odtest.remote(second, "cloud", probe)
	# the first client's session settings (forwarded by its host), variables, search path, temporary
	# objects, prepared statement, random seed, and a transaction it began and never ended, each
	# statement on a connection of its own (one request each)
	first.execute("SET TimeZone = 'Asia/Kathmandu'")
	for sql in ("SET VARIABLE v = 'first'", "SET search_path = 'temp.main'",
	            "CREATE TEMPORARY TABLE leaked AS SELECT 1 AS x", "CREATE TEMPORARY MACRO leaked_macro() AS 1",
	            "PREPARE leaked_plan AS SELECT 1", "SELECT setseed(0.25)", "BEGIN TRANSACTION"):
		odtest.remote(first, "cloud", sql)
	assert odtest.remote(second, "cloud", probe) == before
	# not inside the first client's transaction: this one starts its own
	odtest.remote(second, "cloud", "BEGIN TRANSACTION")
	with pytest.raises(duckdb.Error, match="leaked_plan"):
		odtest.remote(second, "cloud", "EXECUTE leaked_plan")
	seeded = duckdb.connect()
	seeded.execute("SELECT setseed(0.25)")
	after_seed = seeded.execute("SELECT random()").fetchall()
	assert odtest.remote(second, "cloud", "SELECT random()") != after_seed
