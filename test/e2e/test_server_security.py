"""What a server reveals and accepts without the right secret: /health and /metrics, worker
registration, idle connection floods, tokens kept out of `ps` and logs."""

import json
import socket
import time

import pytest

import odtest


def test_health_without_a_token_reveals_only_liveness(server):
	status, body = odtest.http_get(server.port, "/health")
	assert status == 200 and json.loads(body) == {"status": "ok"}
	status, body = odtest.http_get(server.port, "/health", token="wrong-token")
	assert status == 200 and json.loads(body) == {"status": "ok"}
	assert b"testdb" not in body
	# with the token: the detail
	detail = json.loads(odtest.http_get(server.port, "/health", token=server.token)[1])
	assert "testdb" in detail["workers"][0]["databases"]


def test_metrics_need_the_token(server):
	status, body = odtest.http_get(server.port, "/metrics")
	assert status == 401 and b"Authorization: Bearer" in body
	status, body = odtest.http_get(server.port, "/metrics", token=server.token)
	assert status == 200 and b"openduck_queries_total" in body


def test_a_client_token_cannot_register_a_worker(launcher, tmp_path):
	"""A worker presenting the client token (what any user holds) instead of the cluster secret
	is refused, so no user can pose as a worker and receive other users' queries."""
	gateway = launcher.gateway()
	impostor_secret = tmp_path / "impostor"
	impostor_secret.write_text("not-the-cluster-secret\n")
	impostor = odtest.OpenDuckProcess("impostor", ["worker", "--gateway", gateway.endpoint, "-t", gateway.token,
	                                               "--port", odtest.free_port(), "--host", "127.0.0.1", "--id", "fake",
	                                               "--data-dir", tmp_path / "fake-data", "-d", "stolen",
	                                               "--cluster-secret-file", impostor_secret], 0, tmp_path)
	launcher._track(impostor).start()
	deadline = time.monotonic() + 20
	while "worker registration refused" not in impostor.output() and time.monotonic() < deadline:
		time.sleep(0.2)
	assert "worker registration refused: missing or wrong cluster secret" in impostor.output(), impostor.output()
	assert gateway.health()["workers"] == []
	# the client token itself is refused as a cluster secret when starting a worker
	same = tmp_path / "same"
	same.write_text(gateway.token)
	done = odtest.OpenDuckProcess("same", ["worker", "--gateway", gateway.endpoint, "-t", gateway.token,
	                                       "--cluster-secret-file", same, "-d", "x", "--data-dir", tmp_path / "d2"],
	                              0, tmp_path)
	launcher._track(done).start()
	assert done.proc.wait(timeout=30) == 2
	assert "the cluster secret must differ from the client token" in done.output()
	# the real one registers
	launcher.worker(gateway, "w1", ["legit"])


def test_a_gateway_without_a_cluster_secret_accepts_no_worker(launcher, tmp_path):
	srv = launcher.serve(["solo"])
	secret = tmp_path / "secret"
	secret.write_text("some-secret\n")
	worker = odtest.OpenDuckProcess("lonely", ["worker", "--gateway", srv.endpoint, "-t", srv.token,
	                                           "--port", odtest.free_port(), "--host", "127.0.0.1", "--id", "w9",
	                                           "--data-dir", tmp_path / "w9", "-d", "extra",
	                                           "--cluster-secret-file", secret], 0, tmp_path)
	launcher._track(worker).start()
	deadline = time.monotonic() + 20
	while "accepts no workers" not in worker.output() and time.monotonic() < deadline:
		time.sleep(0.2)
	assert "this gateway accepts no workers: start it with --cluster-secret-file" in worker.output()


def test_token_file_keeps_the_token_out_of_ps_and_logs(launcher, tmp_path, host):
	token = odtest.new_token()
	token_file = tmp_path / "token"
	token_file.write_text(token + "\n")
	srv = launcher.serve(["tf"], flags=False, extra_args=["--token-file", token_file, "--data-dir", tmp_path / "d"])
	with open(f"/proc/{srv.process.pid}/cmdline", "rb") as cmdline:
		assert token.encode() not in cmdline.read()
	con = host()
	con.execute(f"ATTACH 'openduck:tf?endpoint={srv.endpoint}&token={token}' AS cloud")
	assert odtest.remote(con, "cloud", "SELECT 1") == [(1,)]
	with pytest.raises(Exception, match="authentication failed"):
		con.execute(f"ATTACH 'openduck:tf?endpoint={srv.endpoint}&token=wrong' AS other")
	assert token not in srv.process.output()


@pytest.mark.timeout_s(120)
def test_a_flood_of_idle_connections_leaves_the_server_answering(launcher, host):
	srv = launcher.serve(["flood"])
	idle = []
	try:
		for _ in range(3000):
			try:
				# from another loopback address: limits are per client address, and the
				# legitimate host below connects from 127.0.0.1
				idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=2,
				                                     source_address=("127.0.0.2", 0)))
			except OSError:
				break  # refused or backlog full: the server sheds load, which is the point
		threads = int(next(line.split()[1] for line in open(f"/proc/{srv.process.pid}/status")
		                   if line.startswith("Threads:")))
		# classifier threads are bounded (256 in all, 64 per address) whatever the flood
		assert threads < 400, threads
		con = host(srv, "flood")
		assert odtest.remote(con, "cloud", "SELECT 42") == [(42,)]
	finally:
		for s in idle:
			s.close()
	assert "refusing new connections" in srv.process.output()
