"""Wire compression (issue #17): SET openduck_compression = 'auto' | 'lz4' | 'zstd' | 'none'
changes how many bytes travel, never what a query returns or what an INSERT stores."""

import duckdb
import pytest

STATS = "SELECT bytes_received FROM openduck_last_query_stats()"
TABLE = ("SELECT range AS id, 'customer #' || (range % 1000) AS name, range % 7 AS kind, "
         "(range / 3)::DECIMAL(12, 2) AS amount, NULL::VARCHAR AS nothing FROM range(300000)")


@pytest.fixture(scope="module")
def compressible(server, tmp_path_factory):
	import odtest
	con = odtest.python_host()
	con.execute(server.attach_sql("testdb"))
	con.execute(f"CREATE OR REPLACE TABLE cloud.wire_data AS {TABLE}")
	con.close()
	return "cloud.wire_data"


@pytest.mark.parametrize("codec", ["none", "lz4", "zstd", "auto"])
def test_results_are_the_same_with_every_codec(server, host, compressible, codec):
	con = host(server)
	con.execute(f"SET openduck_compression = '{codec}'")
	# a remote scan (parallel streams), a shipped statement and a hybrid join
	for sql in (f"SELECT * FROM {compressible} WHERE id % 1000 = 7 ORDER BY id",
	            f"SELECT kind, count(*), sum(amount), max(name) FROM {compressible} GROUP BY kind ORDER BY kind",
	            f"SELECT count(*), sum(id), min(name), max(amount) FROM {compressible}"):
		assert con.execute(sql).fetchall() == duckdb.sql(sql.replace(compressible, f"({TABLE})")).fetchall(), sql


def test_compressed_results_ship_fewer_bytes(server, host, compressible):
	con = host(server)
	received = {}
	for codec in ("none", "lz4", "zstd"):
		con.execute(f"SET openduck_compression = '{codec}'")
		con.execute(f"SELECT * FROM openduck_query('cloud', 'SELECT * FROM wire_data')").fetchall()
		received[codec] = con.execute(STATS).fetchone()[0]
	assert received["lz4"] * 2 < received["none"], received
	assert received["zstd"] < received["lz4"], received


def test_auto_switches_codecs_within_a_stream_and_rows_stay_exact(server, host):
	"""'auto' sends the first 64 MiB of a stream plain, then tries LZ4 whatever the link: a
	stream of about 200 MiB holds batches of both, which the host must decode alike."""
	con = host(server)
	inner = "SELECT range AS id, 'customer #' || (range % 1000) || repeat('x', 60) AS name FROM range(2000000)"
	import odtest
	pull = f"SELECT count(*), sum(hash(id, name)), max(name) FROM openduck_query('cloud', {odtest.sql_string(inner)})"
	expected = duckdb.sql(f"SELECT count(*), sum(hash(id, name)), max(name) FROM ({inner})").fetchall()
	received = {}
	for codec in ("none", "auto"):
		con.execute(f"SET openduck_compression = '{codec}'")
		assert con.execute(pull).fetchall() == expected, codec
		received[codec] = con.execute(STATS).fetchone()[0]
	assert received["none"] > 150 * 2**20, received
	assert received["auto"] < received["none"], received


@pytest.mark.parametrize("codec", ["lz4", "zstd", "auto"])
def test_uploads_store_the_same_rows(server, host, codec):
	con = host(server)
	con.execute(f"SET openduck_compression = '{codec}'")
	table = f"cloud.wire_upload_{codec}"
	con.execute(f"CREATE OR REPLACE TABLE {table} (id BIGINT, name VARCHAR, kind BIGINT, amount DECIMAL(12, 2), "
	            "nothing VARCHAR)")
	con.execute(f"INSERT INTO {table} {TABLE}")
	check = "SELECT count(*), sum(id), count(DISTINCT name), sum(amount), count(nothing) FROM {}"
	assert con.execute(check.format(table)).fetchall() == duckdb.sql(check.format(f"({TABLE})")).fetchall()


def test_an_unknown_codec_is_refused_with_the_choices(server, host):
	con = host(server)
	with pytest.raises(duckdb.InvalidInputException, match="'auto', 'lz4', 'zstd' or 'none'"):
		con.execute("SET openduck_compression = 'gzip'")
	con.execute("SET openduck_compression = 'ZSTD'")  # case does not matter
	assert con.execute("SELECT current_setting('openduck_compression')").fetchone()[0] == "zstd"


@pytest.mark.parametrize("codec", ["zstd", "auto"])
def test_a_gateway_passes_compressed_streams_both_ways(launcher, host, codec):
	gateway = launcher.gateway()
	launcher.worker(gateway, "w1", ["wiredb"])
	con = host(gateway, "wiredb")
	con.execute(f"SET openduck_compression = '{codec}'")
	con.execute(f"CREATE TABLE cloud.t AS {TABLE}")  # shipped whole: runs on the worker
	con.execute("CREATE TABLE cloud.u (id BIGINT, name VARCHAR, kind BIGINT, amount DECIMAL(12, 2), nothing VARCHAR)")
	con.execute(f"INSERT INTO cloud.u {TABLE}")  # rows uploaded from the host
	check = "SELECT count(*), sum(id), count(DISTINCT name), sum(amount), count(nothing) FROM {}"
	expected = duckdb.sql(check.format(f"({TABLE})")).fetchall()
	for table in ("cloud.t", "cloud.u"):
		assert con.execute(check.format(table)).fetchall() == expected, table
	scanned = con.execute("SELECT * FROM cloud.u WHERE id % 997 = 3 ORDER BY id").fetchall()
	assert scanned == duckdb.sql(f"SELECT * FROM ({TABLE}) WHERE id % 997 = 3 ORDER BY id").fetchall()
