"""Several hosts on one database: what one host changes must never make another read wrong
values."""

import pytest


@pytest.mark.parametrize("query, params", [
	("SELECT * FROM cloud.{t}", None),             # shipped whole to the worker
	("SELECT * FROM cloud.{t} WHERE ? = 1", [1]),  # parameters: a remote scan on the host
], ids=["shipped", "scanned"])
def test_a_table_recreated_with_other_types_is_never_read_under_the_old_ones(server, host, query, params):
	table = "mh_retyped_" + ("p" if params else "s")
	sql = query.format(t=table)
	a = host(server)
	b = host(server)
	a.execute(f"CREATE OR REPLACE TABLE cloud.{table} AS SELECT 1 AS i")
	assert b.execute(sql, params).fetchall() == [(1,)]
	a.execute(f"DROP TABLE cloud.{table}")
	a.execute(f"CREATE TABLE cloud.{table} AS SELECT 'x' AS i")
	# b still has the INTEGER definition: reading the VARCHAR as INTEGER used to return (0,)
	with pytest.raises(Exception) as error:
		b.execute(sql, params).fetchall()
	message = str(error.value)
	assert "is VARCHAR there, INTEGER here" in message and "run the statement again" in message
	assert b.execute(sql, params).fetchall() == [("x",)]


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
