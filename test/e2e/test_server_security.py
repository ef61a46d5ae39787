"""What a server reveals and accepts without the right secret: /health and /metrics, worker
registration, idle connection floods, unauthenticated request bodies, tokens kept out of `ps`
and logs."""

import json
import socket
import time

import pytest

import odtest
import raw_grpc


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


def _worker_with_secret(launcher, endpoint_of, tmp_path, name: str, secret: str) -> odtest.OpenDuckProcess:
	"""An `openduck worker` registering with `endpoint_of` using `secret` as its cluster secret."""
	secret_file = tmp_path / f"{name}-secret"
	secret_file.write_text(secret + "\n")
	process = odtest.OpenDuckProcess(name, ["worker", "--gateway", endpoint_of.endpoint, "-t", endpoint_of.token,
	                                        "--port", odtest.free_port(), "--host", "127.0.0.1", "--id", name,
	                                        "--data-dir", tmp_path / f"{name}-data", "-d", f"{name}_db",
	                                        "--cluster-secret-file", secret_file], 0, tmp_path)
	return launcher._track(process).start()


def _wait_for_output(process: odtest.OpenDuckProcess, text: str, timeout: float = 20):
	deadline = time.monotonic() + timeout
	while text not in process.output() and time.monotonic() < deadline:
		time.sleep(0.2)
	assert text in process.output(), process.output()


def test_a_client_token_cannot_register_a_worker(launcher, tmp_path):
	"""A worker presenting anything but the cluster secret is refused, so no user can pose as a
	worker and receive other users' queries."""
	gateway = launcher.gateway()
	impostor = _worker_with_secret(launcher, gateway, tmp_path, "impostor", "not-the-cluster-secret")
	_wait_for_output(impostor, "worker registration refused: missing or wrong cluster secret")
	assert gateway.health()["workers"] == []
	# the client token itself is refused as a cluster secret when starting a worker
	same = _worker_with_secret(launcher, gateway, tmp_path, "same", gateway.token)
	assert same.proc.wait(timeout=30) == 2
	assert "the cluster secret must differ from the client token" in same.output()
	# the real one registers
	launcher.worker(gateway, "w1", ["legit"])


def test_a_gateway_without_a_cluster_secret_accepts_no_worker(launcher, tmp_path):
	srv = launcher.serve(["solo"])
	lonely = _worker_with_secret(launcher, srv, tmp_path, "lonely", "some-secret")
	_wait_for_output(lonely, "this gateway accepts no workers: start it with --cluster-secret-file")


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


def _refused_before_the_body(port: int, method: str, token: str):
	"""Sends most of a 32 MiB `method` request with `token` from a raw socket; asserts the server
	refused the call without taking the body first."""
	connection = raw_grpc.RawGrpcConnection(port, token)
	try:
		sent, ended = connection.upload(method, 32 * 2**20, patience=5)
	finally:
		connection.close()
	# With plain unary and server-streaming methods gRPC takes a whole request, whatever length
	# it claims, before any handler can look at the token: 16 such uploads once held 741 MiB.
	assert ended, f"the server took {sent} bytes of an unauthenticated {method} call without answering it"
	assert sent < 8 * 2**20, f"{sent} bytes of an unauthenticated {method} call were accepted"


@pytest.mark.parametrize("method", ["ExecuteFragment", "GetCatalog", "Handshake", "CancelExecution",
                                    "ManageDatabase", "RegisterWorker", "Heartbeat"])
def test_a_call_with_a_wrong_token_is_refused_before_its_request_is_read(server, method):
	_refused_before_the_body(server.port, method, "not-a-valid-token")


@pytest.mark.parametrize("method", ["ExecuteFragment", "GetCatalog", "RegisterWorker"])
def test_a_worker_refuses_a_wrong_token_before_reading_the_request(launcher, method):
	gateway = launcher.gateway()
	worker = launcher.worker(gateway, "w1", ["wdb"])
	_refused_before_the_body(worker.port, method, "not-a-valid-token")
