"""`openduck gateway` + separate `openduck worker` processes: workers register and heartbeat,
the gateway routes each database to the worker that serves it."""

import time

import duckdb
import pytest

import odtest

HEARTBEAT_MS = 500


@pytest.fixture
def cluster(launcher):
	"""A gateway (asking for a heartbeat every HEARTBEAT_MS) with worker w1 serving db1 and
	worker w2 serving db2 and db3."""
	gateway = launcher.gateway(heartbeat_ms=HEARTBEAT_MS)
	w1 = launcher.worker(gateway, "w1", ["db1"])
	w2 = launcher.worker(gateway, "w2", ["db2", "db3"])
	return gateway, w1, w2


def test_health_lists_the_workers(cluster):
	gateway, w1, w2 = cluster
	health = gateway.health()
	assert health["status"] == "ok"
	workers = {w["id"]: w for w in health["workers"]}
	assert set(workers) == {"w1", "w2"}
	assert workers["w1"]["databases"] == ["db1"]
	assert sorted(workers["w2"]["databases"]) == ["db2", "db3"]
	assert str(w1.port) in workers["w1"]["address"]
	assert str(w2.port) in workers["w2"]["address"]
	for w in workers.values():
		assert 0 <= w["last_heartbeat_ms_ago"] < 60_000


def test_heartbeats_keep_coming(cluster):
	gateway, _, _ = cluster
	for _ in range(3):
		time.sleep(1)
		for w in gateway.health()["workers"]:
			assert w["last_heartbeat_ms_ago"] < 4 * HEARTBEAT_MS, \
			    f"no heartbeat from {w['id']} for {w['last_heartbeat_ms_ago']} ms (interval {HEARTBEAT_MS} ms)"


def test_gateway_forgets_a_dead_worker_and_routes_to_the_rest(cluster, host):
	gateway, w1, _ = cluster
	w1.kill_now()
	# Missing 3 heartbeat intervals gets a worker forgotten.
	gateway.process.wait_healthy(timeout=10, until=lambda h: [w["id"] for w in h["workers"]] == ["w2"])
	con = host(gateway, "db2")
	assert odtest.remote(con, "cloud", "SELECT 1") == [(1,)]


def test_queries_are_routed_by_database(cluster, host):
	gateway, w1, w2 = cluster
	con = host(gateway, "db1", "one")
	con.execute(gateway.attach_sql("db2", "two"))
	con.execute(gateway.attach_sql("db3", "three"))
	odtest.remote(con, "one", "CREATE TABLE whereami AS SELECT 'db1' AS db")
	odtest.remote(con, "two", "CREATE TABLE whereami AS SELECT 'db2' AS db")
	odtest.remote(con, "three", "CREATE TABLE whereami AS SELECT 'db3' AS db")
	for alias, db in [("one", "db1"), ("two", "db2"), ("three", "db3")]:
		assert con.execute(f"SELECT db FROM {alias}.whereami").fetchall() == [(db,)]
	# Each worker stored the databases it serves, and only those.
	assert any(w1.data_dir.rglob("*db1*")) and not any(w1.data_dir.rglob("*db2*"))
	assert any(w2.data_dir.rglob("*db2*")) and any(w2.data_dir.rglob("*db3*"))


def test_types_through_the_gateway(cluster, host):
	from type_cases import wide_table_sql
	gateway, _, _ = cluster
	mirror = odtest.Mirror(host(gateway, "db2"))
	mirror.execute(wide_table_sql("wide"))
	mirror.check("SELECT * FROM {db}wide ORDER BY id")
	mirror.execute("CREATE TABLE many AS SELECT range AS i, range::VARCHAR AS s FROM range(2000000)")
	mirror.check("SELECT count(*) AS n, sum(i) AS si, bit_xor(hash(s)) AS h FROM {db}many")
	mirror.close()


def test_gateway_checks_the_token(cluster, host):
	gateway, _, _ = cluster
	with pytest.raises(duckdb.Error) as error:
		host().execute(gateway.attach_sql("db1", token="wrong"))
	assert "authentication failed" in str(error.value)


def test_database_nobody_serves(cluster, host):
	gateway, _, _ = cluster
	con = host()
	with pytest.raises(duckdb.Error) as error:
		con.execute(gateway.attach_sql("db9"))
		con.execute("SELECT * FROM duckdb_tables() WHERE database_name = 'cloud'").fetchall()
	assert "does not exist" in str(error.value)
	assert "db9" in str(error.value)


def test_query_log_lines_correlate_host_gateway_and_worker(launcher, host):
	"""--log-format json --log-queries-over-ms 0: the gateway and the worker log one JSON line
	per call, both with the host statement's query id from openduck_last_query_stats()."""
	import json
	log_args = ["--log-format", "json", "--log-queries-over-ms", "0"]
	gateway = launcher.gateway(heartbeat_ms=HEARTBEAT_MS, extra_args=log_args)
	worker = launcher.worker(gateway, "w1", ["logdb"], extra_args=log_args)
	con = host(gateway, "logdb")
	con.execute("CREATE TABLE cloud.logged AS SELECT range AS i FROM range(10)")
	assert con.execute("SELECT sum(i) FROM cloud.logged").fetchone() == (45,)
	query_id = con.execute("SELECT query_id FROM openduck_last_query_stats()").fetchone()[0]
	assert query_id
	with pytest.raises(duckdb.Error, match="no_such_table"):
		odtest.remote(con, "cloud", "SELECT * FROM no_such_table")

	def events(process):
		lines = [json.loads(line) for line in process.output().splitlines() if line.startswith("{")]
		assert all(line["role"] for line in lines)
		return [line for line in lines if line.get("event") == "query"]

	deadline = time.monotonic() + 10
	while True:
		gateway_events, worker_events = events(gateway.process), events(worker)
		mine = [e for e in gateway_events + worker_events if e["query_id"] == query_id]
		failed = any(e["status"] == "Catalog" for e in worker_events)
		if ({e["role"] for e in mine} == {"openduck gateway", "openduck worker"} and failed) or \
		        time.monotonic() > deadline:
			break
		time.sleep(0.1)
	assert {e["role"] for e in mine} == {"openduck gateway", "openduck worker"}, mine
	for event in mine:
		# CANCELLED: the host ended a stream it had read enough of
		assert event["database"] == "logdb" and event["status"] in ("ok", "CANCELLED"), event
		assert event["token"] and gateway.token not in json.dumps(event)
	for role in ("openduck gateway", "openduck worker"):
		assert any(e["role"] == role and e["status"] == "ok" and e["bytes_sent"] > 0 for e in mine), mine
	assert any(e["status"] == "Catalog" for e in worker_events), worker_events[-3:]
	assert all(e["query_id"] for e in worker_events), [e for e in worker_events if not e["query_id"]]
	# every other line is JSON too
	assert all(line.startswith("{") for line in worker.output().splitlines() if line and not line.startswith("===="))
