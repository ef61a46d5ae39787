"""Rows of any width travel both ways: batches end by size before a row would overflow a
message, and a single row wider than a message travels in pieces (issue: 40 KB rows failed
with "Received message larger than max")."""

import pytest

import odtest


def test_40kb_rows_host_to_worker_and_back(cloud):
	cloud.execute("CREATE OR REPLACE TABLE cloud.wide40 AS "
	              "SELECT range AS id, repeat(chr(65 + (range % 26)::INT), 40000) AS s FROM range(3000)")
	cloud.execute("CREATE OR REPLACE TEMP TABLE local40 AS "
	              "SELECT range AS id, repeat(chr(65 + (range % 26)::INT), 40000) AS s FROM range(3000)")
	cloud.execute("INSERT INTO cloud.wide40 SELECT id + 3000, s FROM local40")
	expected = cloud.execute("SELECT count(*), sum(length(s)), md5(string_agg(s, ',' ORDER BY id)) FROM "
	                         "(SELECT * FROM local40 UNION ALL SELECT id + 3000, s FROM local40)").fetchall()
	assert cloud.execute("SELECT count(*), sum(length(s)), md5(string_agg(s, ',' ORDER BY id)) "
	                     "FROM cloud.wide40").fetchall() == expected
	# the rows stream back to the host (not aggregated on the worker)
	rows = cloud.execute("SELECT id, s FROM cloud.wide40 ORDER BY id").fetchall()
	assert len(rows) == 6000 and rows[4321] == (4321, chr(65 + 1321 % 26) * 40000)
	# a statement that runs entirely on the worker
	cloud.execute("CREATE OR REPLACE TABLE cloud.wide40_copy AS SELECT * FROM cloud.wide40")
	assert cloud.execute("SELECT count(*), sum(length(s)) FROM openduck_query('cloud', "
	                     "'SELECT id, s FROM wide40_copy')").fetchall() == [(6000, 240000000)]


@pytest.mark.parametrize("expr, check", [
	("repeat('v', 1000000)", "length(v)"),
	("repeat('b', 1000000)::BLOB", "octet_length(v)"),
	("[repeat('l', 100000) FOR j IN range(10)]", "len(v) * length(v[10])"),
], ids=["varchar", "blob", "list"])
def test_1mb_values(cloud, expr, check):
	table = "mb_" + check.split("(")[0]
	cloud.execute(f"CREATE OR REPLACE TABLE cloud.{table} AS SELECT i, {expr} AS v FROM range(100) t(i)")
	assert cloud.execute(f"SELECT count(*), sum({check}) FROM cloud.{table}").fetchall() == [(100, 100000000)]
	got = cloud.execute(f"SELECT i, {check} FROM cloud.{table} ORDER BY i").fetchall()
	assert got == [(i, 1000000) for i in range(100)]


@pytest.mark.timeout_s(300)
def test_100mb_values_travel_in_pieces(cloud):
	cloud.execute("CREATE OR REPLACE TABLE cloud.huge AS SELECT i, repeat(chr(97 + i::INT), 100000000) AS s "
	              "FROM range(2) t(i)")
	got = cloud.execute("SELECT i, length(s), md5(s) FROM cloud.huge ORDER BY i").fetchall()
	local = cloud.execute("SELECT i, length(s), md5(s) FROM (SELECT i, repeat(chr(97 + i::INT), 100000000) AS s "
	                      "FROM range(2) t(i)) ORDER BY i").fetchall()
	assert got == local
	assert cloud.execute("SELECT length(s) FROM openduck_query('cloud', "
	                     "'SELECT repeat(''x'', 100000000) AS s')").fetchall() == [(100000000,)]


def test_a_row_beyond_the_payload_bound_fails_clearly(cloud):
	with pytest.raises(Exception) as error:
		# eleven columns of one 100 MB value: a 1.1 GB row, without building 1.1 GB of text
		columns = ", ".join(f"s AS s{i}" for i in range(11))
		cloud.execute(f"SELECT length(s0) FROM openduck_query('cloud', "
		              f"'SELECT {columns} FROM (SELECT repeat(''x'', 100000000) AS s)')")
	assert "is larger than the 1073741824 bytes OpenDuck sends at once" in str(error.value)
	# the connection and the server keep working
	assert cloud.execute("SELECT * FROM openduck_query('cloud', 'SELECT 1')").fetchall() == [(1,)]
