"""The gateway forwards a worker's result stream as the bytes the worker sent (no parse, no
re-serialisation): results arrive through the gateway exactly as straight from the worker, in
many batches, in large ones and as the pieces of a row wider than one message, and the
gateway's metrics still count the Arrow bytes and the error kinds a worker counts."""

import time

import duckdb
import pytest

import odtest

WIDE = 40_000_000  # one value wider than kMaxPayloadPieceBytes (32 MiB): it travels as arrow_part pieces


def _metric(port, token, name, database):
	text = odtest.http_get(port, "/metrics", token=token)[1].decode()
	prefix = f'{name}{{database="{database}"}} '
	return next((int(float(line[len(prefix):])) for line in text.splitlines() if line.startswith(prefix)), 0)


def _results(con, alias):
	"""Every result of the test, as the host received it (uncompressed, so the wide values are
	wider than a message on the wire too)."""
	con.execute("SET openduck_compression = 'none'")
	many = con.execute(f"SELECT i, s FROM {alias}.many ORDER BY i").fetch_arrow_table()
	large = con.execute(f"SELECT i, s FROM {alias}.large ORDER BY i").fetch_arrow_table()
	wide = con.execute(f"SELECT i, s FROM {alias}.wide ORDER BY i").fetchall()
	return many, large, wide


@pytest.mark.timeout_s(300)
def test_results_through_the_gateway_are_the_workers_bytes(launcher, host):
	gateway = launcher.gateway()
	worker = launcher.worker(gateway, "w1", ["rawdb"])
	through = host(gateway, "rawdb")
	through.execute("CREATE TABLE cloud.many AS SELECT range AS i, range::VARCHAR AS s FROM range(1000000)")
	through.execute("CREATE TABLE cloud.large AS SELECT range AS i, repeat(chr(65 + (range % 26)::INT), 20000) AS s "
	                "FROM range(2000)")
	through.execute(f"CREATE TABLE cloud.wide AS SELECT i, repeat(chr(97 + i::INT), {WIDE}) AS s FROM range(2) t(i)")
	with pytest.raises(duckdb.Error, match="no_such_table"):
		odtest.remote(through, "cloud", "SELECT * FROM no_such_table")
	by_gateway = _results(through, "cloud")

	# Everything so far reached the worker through the gateway: both counted the same Arrow bytes.
	deadline = time.monotonic() + 10
	while True:
		sent = _metric(gateway.port, gateway.token, "openduck_bytes_sent_total", "rawdb")
		worker_sent = _metric(worker.port, gateway.token, "openduck_bytes_sent_total", "rawdb")
		if sent == worker_sent or time.monotonic() > deadline:
			break
		time.sleep(0.1)
	assert sent == worker_sent
	assert sent > 2 * WIDE + 2000 * 20000
	errors = odtest.http_get(gateway.port, "/metrics", token=gateway.token)[1].decode().splitlines()
	assert 'openduck_query_errors_total{database="rawdb",kind="Catalog"} 1' in errors, errors

	direct = host()
	direct.execute(f"ATTACH 'openduck:rawdb?endpoint=http://127.0.0.1:{worker.port}&token={gateway.token}' AS direct")
	by_worker = _results(direct, "direct")
	many, large, wide = by_gateway
	assert many.num_rows == 1000000 and many.equals(by_worker[0])
	assert large.num_rows == 2000 and large.equals(by_worker[1])
	assert [(i, len(s)) for i, s in wide] == [(0, WIDE), (1, WIDE)]
	assert wide == by_worker[2]
	assert wide[1][1] == "b" * WIDE
