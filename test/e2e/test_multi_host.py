"""Several hosts on one database: what one host changes must never make another read wrong
values."""

import pytest


@pytest.mark.parametrize("query, params", [
	("SELECT * FROM cloud.{t}", None),             # shipped whole to the worker
	("SELECT * FROM cloud.{t} WHERE ? = 1", [1]),  # parameters: a remote scan on the host
], ids=["shipped", "scanned"])
def test_a_table_recreated_with_other_types_is_read_with_the_new_ones(server, host, query, params):
	table = "mh_retyped_" + ("p" if params else "s")
	sql = query.format(t=table)
	a = host(server)
	b = host(server)
	a.execute(f"CREATE OR REPLACE TABLE cloud.{table} AS SELECT 1 AS i")
	assert b.execute(sql, params).fetchall() == [(1,)]
	a.execute(f"DROP TABLE cloud.{table}")
	a.execute(f"CREATE TABLE cloud.{table} AS SELECT 'x' AS i")
	# b read the VARCHAR as an INTEGER, (0,), with its cached catalog
	assert b.execute(sql, params).fetchall() == [("x",)]


def test_a_prepared_statement_is_rebound_after_another_hosts_ddl(server, host):
	a = host(server)
	b = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.mh_prepared AS SELECT 1 AS i")
	b.execute("PREPARE p AS SELECT i FROM cloud.mh_prepared WHERE i IS NOT NULL OR ? = 1")
	assert b.execute("EXECUTE p(1)").fetchall() == [(1,)]
	a.execute("CREATE OR REPLACE TABLE cloud.mh_prepared AS SELECT 'x' AS i")
	assert b.execute("EXECUTE p(1)").fetchall() == [("x",)]


FORK_SCRIPT = """
import duckdb, multiprocessing, os, sys
extension, attach = sys.argv[1], sys.argv[2]

def host():
	con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
	con.execute(f"LOAD '{extension}'")
	con.execute(attach)
	return con

# use the extension before forking, as a preforking server would
host().execute("SELECT * FROM openduck_query('cloud', 'SELECT 1')").fetchall()

def child(_):
	con = host()
	# 40 statements from 4 forked processes at once: equal ids collide on the worker
	for _ in range(10):
		con.execute("SELECT count(*) FROM openduck_query('cloud', 'SELECT * FROM range(1000000)')").fetchall()
	return os.getpid()

with multiprocessing.get_context("fork").Pool(4) as pool:
	print(len(set(pool.map(child, range(4)))))
"""


def test_forked_host_processes_draw_distinct_execution_ids(server):
	import subprocess
	import sys
	import odtest
	done = subprocess.run([sys.executable, "-c", FORK_SCRIPT, str(odtest.EXTENSION), server.attach_sql("testdb")],
	                      capture_output=True, text=True, timeout=120, env=odtest.clean_env())
	assert done.returncode == 0, done.stderr[-3000:]
	assert done.stdout.strip() == "4"


def test_another_hosts_ddl_is_seen_by_the_next_statement(server, host):
	a = host(server)
	b = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.mh_ddl AS SELECT 1 AS i")
	assert b.execute("SELECT * FROM cloud.mh_ddl").fetchall() == [(1,)]
	before = b.execute("SELECT * FROM openduck_last_query_stats()").fetchone()
	a.execute("ALTER TABLE cloud.mh_ddl ADD COLUMN j VARCHAR DEFAULT 'new'")
	assert b.execute("SELECT * FROM cloud.mh_ddl").fetchall() == [(1, "new")]
	assert [r[0] for r in b.execute("DESCRIBE cloud.mh_ddl").fetchall()] == ["i", "j"]
	a.execute("ALTER TABLE cloud.mh_ddl RENAME COLUMN j TO k")
	assert b.execute("SELECT k FROM cloud.mh_ddl").fetchall() == [("new",)]
	a.execute("ALTER TABLE cloud.mh_ddl DROP COLUMN k")
	assert b.execute("SELECT * FROM cloud.mh_ddl").fetchall() == [(1,)]
	a.execute("CREATE OR REPLACE VIEW cloud.mh_view AS SELECT i + 1 AS n FROM cloud.mh_ddl")
	assert b.execute("SELECT n FROM cloud.mh_view").fetchall() == [(2,)]
	a.execute("DROP VIEW cloud.mh_view")
	with pytest.raises(Exception, match="mh_view"):
		b.execute("SELECT n FROM cloud.mh_view").fetchall()
	a.execute("CREATE SCHEMA IF NOT EXISTS cloud.mh_schema")
	a.execute("CREATE OR REPLACE TABLE cloud.mh_schema.t AS SELECT 'in schema' AS s")
	assert b.execute("SELECT s FROM cloud.mh_schema.t").fetchall() == [("in schema",)]
	# inside an explicit transaction the catalog holds still until COMMIT
	b.execute("BEGIN")
	assert b.execute("SELECT * FROM cloud.mh_ddl").fetchall() == [(1,)]
	a.execute("ALTER TABLE cloud.mh_ddl ADD COLUMN late INTEGER DEFAULT 7")
	b.execute("COMMIT")
	assert b.execute("SELECT * FROM cloud.mh_ddl").fetchall() == [(1, 7)]


def test_an_unchanged_catalog_is_not_read_again(server, host):
	b = host(server)
	b.execute("SELECT * FROM openduck_query('cloud', 'CREATE OR REPLACE TABLE mh_same AS SELECT 1 AS i')")
	b.execute("SELECT * FROM cloud.mh_same").fetchall()
	requests = "SELECT remote_requests FROM openduck_last_query_stats()"
	# A host plan (it has a parameter) sends its scan with the cached catalog's version, which the
	# worker confirms: the read is the only request, with no catalog transfer.
	assert b.execute("SELECT * FROM cloud.mh_same WHERE i = ?", [1]).fetchall() == [(1,)]
	assert b.execute(requests).fetchone()[0] == 1
	# After another host's DDL the worker refuses that version: the catalog is read again, the
	# statement bound again and its scan sent again. Then the new catalog is the cached one.
	host(server).execute("CREATE OR REPLACE TABLE cloud.mh_other AS SELECT 2 AS j")
	assert b.execute("SELECT * FROM cloud.mh_same WHERE i = ?", [1]).fetchall() == [(1,)]
	assert b.execute(requests).fetchone()[0] == 3
	assert b.execute("SELECT * FROM cloud.mh_same WHERE i = ?", [1]).fetchall() == [(1,)]
	assert b.execute(requests).fetchone()[0] == 1


def test_one_hosts_settings_never_change_anothers_results(server, host):
	a = host(server)
	b = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.mh_nulls AS SELECT * FROM (VALUES (1), (NULL), (2)) v(i)")
	query = "SELECT i FROM cloud.mh_nulls ORDER BY i"
	assert b.execute(query).fetchall() == [(1,), (2,), (None,)]
	for setting in ["default_null_order = 'nulls_first'", "default_order = 'desc'", "integer_division = true",
	                "TimeZone = 'Asia/Tokyo'"]:
		a.execute(f"SET {setting}")
		a.execute(query).fetchall()
		# sent by a client directly, a plain SET is narrowed to its own session too
		a.execute(f"SELECT * FROM openduck_query('cloud', 'SET {setting.replace(chr(39), chr(39) * 2)}')").fetchall()
	assert a.execute(query).fetchall() == [(None,), (2,), (1,)]
	assert b.execute(query).fetchall() == [(1,), (2,), (None,)]
	assert b.execute("SELECT * FROM openduck_query('cloud', 'SELECT 7 / 2, current_setting(''TimeZone'')')").fetchall() \
		== [(3.5, "UTC")]


def test_a_setting_reset_inside_a_transaction_is_reset_on_the_worker(server, host):
	a = host(server)
	a.execute("CREATE OR REPLACE TABLE cloud.mh_tx_nulls AS SELECT * FROM (VALUES (1), (NULL)) v(i)")
	a.execute("BEGIN")
	a.execute("SET default_null_order = 'nulls_first'")
	assert a.execute("SELECT * FROM openduck_query('cloud', 'SELECT i FROM mh_tx_nulls ORDER BY i')").fetchall() \
		== [(None,), (1,)]
	a.execute("RESET default_null_order")
	assert a.execute("SELECT * FROM openduck_query('cloud', 'SELECT i FROM mh_tx_nulls ORDER BY i')").fetchall() \
		== [(1,), (None,)]
	a.execute("COMMIT")


def _reads_while_transferring(transfer, read, reads: int) -> list:
	"""`reads` results of `read()` while another thread commits `transfer(1)`, `transfer(-1)`, ...
	Back and forth, so the balances stay within 99..101: the column statistics the host's
	optimizer reads then keep covering every committed value (the first two transfers, before any
	read, make them), and a read can only fail the way the tests look for."""
	import threading
	transfer(1)
	transfer(-1)
	stop = threading.Event()
	commits = []
	failures = []

	def transfers():
		try:
			while not stop.is_set():
				transfer(1 if len(commits) % 2 == 0 else -1)
				commits.append(1)
		except Exception as e:  # reported by the main thread
			failures.append(e)

	thread = threading.Thread(target=transfers)
	thread.start()
	try:
		results = [read() for _ in range(reads)]
	finally:
		stop.set()
		thread.join()
	assert not failures, failures
	assert len(commits) > 10, f"only {len(commits)} transfers committed during {reads} reads"
	return results


def test_a_scan_reads_one_snapshot_while_another_host_commits(server, host):
	"""Transfers between the first and the last row keep the total constant: a scan that reads
	parts of the table at different moments (the rowid ranges each ran as their own auto-commit
	query) sees a total that is off by the transfers committed in between."""
	import os
	reads = int(os.environ.get("OPENDUCK_E2E_SNAPSHOT_READS", "1000"))
	rows = 2_000_000  # big enough that a scan used to be split into several ranges
	reader = host(server)
	writer = host(server)
	reader.execute(f"CREATE OR REPLACE TABLE cloud.mh_accounts AS SELECT range AS id, 100::BIGINT AS balance "
	               f"FROM range({rows})")
	# A local view under openduck_placement = 'local' keeps the statement on the host: its scan of
	# the remote table is a remote scan.
	reader.execute("SET openduck_placement = 'local'")
	reader.execute("CREATE OR REPLACE VIEW memory.main.mh_accounts_view AS SELECT * FROM cloud.mh_accounts")
	assert "OPENDUCK_SCAN" in "\n".join(r[1] for r in reader.execute(
	    "EXPLAIN SELECT sum(balance) FROM memory.main.mh_accounts_view").fetchall())

	def transfer(direction):
		writer.execute(f"UPDATE cloud.mh_accounts SET balance = balance + CASE WHEN id = 0 THEN {-direction} "
		               f"ELSE {direction} END WHERE id IN (0, {rows - 1})")

	totals = _reads_while_transferring(
	    transfer, lambda: reader.execute("SELECT sum(balance), count(*) FROM memory.main.mh_accounts_view").fetchone(),
	    reads)
	torn = [t for t in totals if t != (100 * rows, rows)]
	assert not torn, f"{len(torn)} of {reads} reads saw a total other than {100 * rows}: {torn[:5]}"


def test_the_remote_reads_of_one_statement_share_a_snapshot(server, host):
	"""An auto-commit hybrid statement that reads the remote database twice (here: even and odd
	accounts, each summed by its own remote read) sees one snapshot: transfers between account 0
	and account 1 never show up as a changed total."""
	reads = 300
	reader = host(server)
	writer = host(server)
	reader.execute("CREATE OR REPLACE TABLE cloud.mh_pairs AS SELECT range AS id, 100::BIGINT AS balance FROM range(1000)")
	reader.execute("SET openduck_placement = 'local'")  # the host plan's two remote reads are the subject
	reader.execute("CREATE OR REPLACE VIEW memory.main.mh_pairs_view AS SELECT * FROM cloud.mh_pairs")

	def transfer(step):
		writer.execute(f"UPDATE cloud.mh_pairs SET balance = balance + CASE WHEN id = 0 THEN {-step} "
		               f"ELSE {step} END WHERE id IN (0, 1)")

	query = ("SELECT (SELECT sum(balance) FROM memory.main.mh_pairs_view WHERE id % 2 = 0) + "
	         "(SELECT sum(balance) FROM memory.main.mh_pairs_view WHERE id % 2 = 1)")
	plan = "\n".join(r[1] for r in reader.execute("EXPLAIN " + query).fetchall())
	assert plan.count("OPENDUCK_SCAN") + plan.count("OPENDUCK_QUERY") >= 2, plan
	totals = _reads_while_transferring(transfer, lambda: reader.execute(query).fetchone()[0], reads)
	torn = [t for t in totals if t != 100_000]
	assert not torn, f"{len(torn)} of {reads} reads saw a total other than 100000: {torn[:5]}"
	# the host setting that trades this for streaming each read from its own snapshot
	assert reader.execute("SELECT current_setting('openduck_statement_snapshot')").fetchone() == (True,)
	reader.execute("SET openduck_statement_snapshot = false")
	assert reader.execute(query).fetchone() == (100_000,)


@pytest.mark.parametrize("immediate", [True, False], ids=["immediate", "lazy"])
def test_a_transaction_reads_the_state_of_its_start(server, host, immediate):
	"""Two connections of one host, as DuckDB's own multi-connection tests use them. A
	transaction sees the database as it was when DuckDB started it on this database: at BEGIN
	under immediate_transaction_mode, else at its first statement on it; never what another
	connection committed after that."""
	table = "mh_isolated_" + ("i" if immediate else "l")
	con1 = host(server)
	con1.execute(f"SET immediate_transaction_mode = {str(immediate).lower()}")
	con2 = con1.cursor()
	con1.execute(f"CREATE OR REPLACE TABLE cloud.{table} AS SELECT range AS a FROM range(1, 4)")
	con1.execute("BEGIN")
	if not immediate:
		assert con1.execute(f"SELECT count(*) FROM cloud.{table}").fetchone() == (3,)
	con2.execute(f"UPDATE cloud.{table} SET a = a + 10")
	con2.execute(f"INSERT INTO cloud.{table} VALUES (99)")
	# Read twice: once shipped whole, once as a remote scan under a host-side aggregate
	assert con1.execute(f"SELECT a FROM cloud.{table} ORDER BY a").fetchall() == [(1,), (2,), (3,)]
	assert con1.execute(f"SELECT sum(a) FROM (SELECT a FROM cloud.{table}) WHERE a > random() - 1").fetchone() == (6,)
	con1.execute("COMMIT")
	assert con1.execute(f"SELECT a FROM cloud.{table} ORDER BY a").fetchall() == [(11,), (12,), (13,), (99,)]
	con2.close()


def test_a_transaction_does_not_see_a_table_created_after_its_start(server, host):
	con1 = host(server)
	con2 = con1.cursor()
	con1.execute("DROP TABLE IF EXISTS cloud.mh_created_later")
	con1.execute("SET immediate_transaction_mode = true")
	con1.execute("BEGIN")
	con2.execute("CREATE TABLE cloud.mh_created_later AS SELECT 1 AS i")
	with pytest.raises(Exception, match="mh_created_later"):
		con1.execute("SELECT * FROM cloud.mh_created_later").fetchall()
	con1.execute("ROLLBACK")
	assert con1.execute("SELECT * FROM cloud.mh_created_later").fetchall() == [(1,)]
	con1.execute("SET immediate_transaction_mode = false")
	con2.close()
