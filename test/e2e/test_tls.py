"""TLS on the one port: https:// endpoints for gRPC and HTTP, certificates made here with the
openssl CLI, verification against the ca option / OPENDUCK_CA / a secret, mutual TLS, a gateway
and a worker talking TLS, and clear errors for every mismatch (wrong CA, http:// to a TLS port,
https:// to a plaintext port, bad files at start-up). A relay in the middle records the bytes on
the wire: with TLS the token and the rows never appear in them."""

import socket
import subprocess
import threading

import pytest

import odtest
from odtest import http_get, sql_string


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
	return odtest.make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_server(session_launcher, pki):
	return session_launcher.serve(["tlsdb"], pki=pki)


def attach(con, server, database, alias="cloud", options="", endpoint=None):
	endpoint = endpoint or server.endpoint
	path = f"openduck:{database}?endpoint={endpoint}&token={server.token}"
	con.execute(f"ATTACH {sql_string(path)} AS {alias}{options}")


def round_trip(con, alias="cloud"):
	con.execute(f"CREATE OR REPLACE TABLE {alias}.t AS SELECT range AS i, 'row ' || range AS s FROM range(5000)")
	con.execute(f"INSERT INTO {alias}.t VALUES (5000, 'last')")
	assert con.execute(f"SELECT count(*), sum(i), max(s) FROM {alias}.t").fetchall() == [(5001, 12502500, "row 999")]


def test_https_endpoint_with_the_ca_option(tls_server, pki):
	con = odtest.python_host()
	try:
		attach(con, tls_server, "tlsdb", options=f" (CA {sql_string(str(pki.ca))})")
		round_trip(con)
	finally:
		con.close()


def test_ca_from_the_url_the_environment_and_a_secret(tls_server, pki, monkeypatch):
	con = odtest.python_host()
	try:
		attach(con, tls_server, "tlsdb", alias="by_url", endpoint=f"{tls_server.endpoint}&ca={pki.ca}")
		monkeypatch.setenv("OPENDUCK_CA", str(pki.ca))
		attach(con, tls_server, "tlsdb", alias="by_env")
		monkeypatch.delenv("OPENDUCK_CA")
		con.execute(f"CREATE SECRET od_tls (TYPE openduck, ENDPOINT {sql_string(tls_server.endpoint)}, "
		            f"CA {sql_string(str(pki.ca))}, SCOPE 'openduck:tlsdb')")
		con.execute(f"ATTACH 'openduck:tlsdb?token={tls_server.token}' AS by_secret")
		for alias in ("by_url", "by_env", "by_secret"):
			round_trip(con, alias)
	finally:
		con.close()


def test_od_alias_and_openduck_connect_over_https(tls_server, pki):
	con = odtest.python_host()
	try:
		con.execute(f"ATTACH 'od:tlsdb?endpoint={tls_server.endpoint}&token={tls_server.token}&ca={pki.ca}' AS cloud")
		round_trip(con)
	finally:
		con.close()
	import openduck
	con = openduck.connect("tlsdb", endpoint=tls_server.endpoint, token=tls_server.token, ca=str(pki.ca),
	                       alias="cloud")
	try:
		assert con.sql("SELECT count(*) FROM t").fetchall() == [(5001,)]
	finally:
		con.close()


@pytest.mark.parametrize("which", ["other CA", "system CAs"])
def test_an_untrusted_certificate_is_refused_clearly(tls_server, pki, which):
	con = odtest.python_host()
	try:
		options = f" (CA {sql_string(str(pki.other_ca))})" if which == "other CA" else ""
		with pytest.raises(duckdb_error()) as failure:
			attach(con, tls_server, "tlsdb", options=options)
		message = str(failure.value)
		assert "certificate" in message.lower(), message
		assert "signed by a CA you trust" in message and "ca=" in message, message
		assert tls_server.token not in message
	finally:
		con.close()


def test_http_to_a_tls_port_says_to_use_https(tls_server):
	con = odtest.python_host()
	try:
		with pytest.raises(duckdb_error()) as failure:
			attach(con, tls_server, "tlsdb", endpoint=f"http://127.0.0.1:{tls_server.port}")
		message = str(failure.value)
		assert "accepts only TLS connections" in message and f"https://127.0.0.1:{tls_server.port}" in message, message
	finally:
		con.close()
	status, body = http_get(tls_server.port, "/health")
	assert status == 400 and b"only TLS" in body and b"https://" in body, (status, body)


def test_https_to_a_plaintext_server_is_refused_clearly(server, pki):
	con = odtest.python_host()
	try:
		with pytest.raises(duckdb_error()) as failure:
			attach(con, server, "testdb", endpoint=f"https://127.0.0.1:{server.port}",
			       options=f" (CA {sql_string(str(pki.ca))})")
		message = str(failure.value)
		assert "must run with --tls-cert" in message and "http://" in message, message
	finally:
		con.close()


def test_health_and_metrics_over_https(tls_server, pki):
	context = pki.client_context()
	status, body = http_get(tls_server.port, "/health", tls=context)
	assert status == 200 and body.strip() == b'{"status":"ok"}', (status, body)
	status, body = http_get(tls_server.port, "/health", tls=context, token=tls_server.token)
	assert status == 200 and b"tlsdb" in body, (status, body)
	status, _ = http_get(tls_server.port, "/metrics", tls=context)
	assert status == 401
	status, body = http_get(tls_server.port, "/metrics", tls=context, token=tls_server.token)
	assert status == 200 and b"openduck_" in body
	# curl offers both h2 and http/1.1 by ALPN; it must get the HTTP endpoints, not gRPC.
	result = subprocess.run(["curl", "-sS", "--http2", "--cacert", str(pki.ca), "-w", " %{http_version}",
	                         f"https://127.0.0.1:{tls_server.port}/health"], capture_output=True, text=True, timeout=30)
	assert result.returncode == 0 and result.stdout == '{"status":"ok"}\n 1.1', (result.stdout, result.stderr)


def test_mutual_tls(launcher, pki):
	server = launcher.serve(["mtls"], pki=pki, client_ca=True)
	con = odtest.python_host()
	try:
		with pytest.raises(duckdb_error()) as failure:
			attach(con, server, "mtls", options=f" (CA {sql_string(str(pki.ca))})")
		assert "cannot reach OpenDuck gateway" in str(failure.value)
		with pytest.raises(duckdb_error()) as failure:
			attach(con, server, "mtls", options=f" (CA {sql_string(str(pki.ca))}, CLIENT_CERT "
			       f"{sql_string(str(pki.client_cert))})")
		assert "needs its key" in str(failure.value)
		attach(con, server, "mtls", options=f" (CA {sql_string(str(pki.ca))}, CLIENT_CERT "
		       f"{sql_string(str(pki.client_cert))}, CLIENT_KEY {sql_string(str(pki.client_key))})")
		round_trip(con)
	finally:
		con.close()
	# A probe without a client certificate does not even get liveness.
	with pytest.raises(OSError):
		http_get(server.port, "/health", tls=pki.client_context())
	status, _ = http_get(server.port, "/health", tls=pki.client_context(with_client_cert=True))
	assert status == 200


def test_gateway_and_worker_over_tls(launcher, pki):
	gateway = launcher.gateway(pki=pki)
	# The worker asks for client certificates: only the gateway, which presents its own, gets in.
	worker = launcher.worker(gateway, "w1", ["remote_tls"], pki=pki, client_ca=True)
	con = odtest.python_host()
	try:
		attach(con, gateway, "remote_tls", options=f" (CA {sql_string(str(pki.ca))})")
		round_trip(con)
		with pytest.raises(duckdb_error()):
			con.execute(f"ATTACH 'openduck:remote_tls?endpoint=https://127.0.0.1:{worker.port}&token={gateway.token}"
			            f"&ca={pki.ca}' AS direct")
	finally:
		con.close()
	health = gateway.health()
	assert any(w["address"].startswith("https://") for w in health["workers"]), health


def test_bad_tls_files_stop_the_server_at_start(launcher, pki, tmp_path):
	cases = {
	    "--tls-cert needs --tls-key": ["--tls-cert", pki.server_cert],
	    "cannot read the file": ["--tls-cert", tmp_path / "missing.pem", "--tls-key", pki.server_key],
	    "is not the key of the certificate": ["--tls-cert", pki.server_cert, "--tls-key", pki.client_key],
	    "not a PEM certificate chain": ["--tls-cert", pki.server_key, "--tls-key", pki.server_key],
	    "need --tls-cert": ["--tls-key", pki.server_key],
	}
	for expected, args in cases.items():
		server = launcher.serve(["bad"], wait=False, extra_args=args)
		code = server.process.proc.wait(timeout=30)
		assert code == 2 and expected in server.process.output(), (expected, code, server.process.output())


class WireRecorder(odtest.TcpRelay):
	"""A TCP relay that keeps every byte it forwards."""

	def __init__(self, port: int):
		self.seen = bytearray()
		self.lock = threading.Lock()
		super().__init__(port)

	def forward(self, data, sink, upstream, connection):
		with self.lock:
			self.seen += data
		return super().forward(data, sink, upstream, connection)


@pytest.mark.parametrize("use_tls", [False, True])
def test_token_and_rows_travel_encrypted(launcher, pki, use_tls):
	server = launcher.serve(["wire"], pki=pki if use_tls else None)
	recorder = WireRecorder(server.port)
	scheme = "https" if use_tls else "http"
	con = odtest.python_host()
	try:
		con.execute(f"ATTACH 'openduck:wire?endpoint={scheme}://127.0.0.1:{recorder.port}&token={server.token}"
		            f"&ca={pki.ca}' AS cloud")
		con.execute("CREATE TABLE cloud.secrets AS SELECT 'classified-payload-' || range AS s FROM range(100)")
		assert con.execute("SELECT count(*) FROM cloud.secrets WHERE s LIKE 'classified-payload-%'").fetchall() == [(100,)]
	finally:
		con.close()
		recorder.close()
	wire = bytes(recorder.seen)
	assert len(wire) > 1000
	# The plaintext run shows the check can see them; with TLS neither may appear.
	assert (server.token.encode() in wire) == (not use_tls)
	assert (b"classified-payload-" in wire) == (not use_tls)


def duckdb_error():
	import duckdb
	return duckdb.Error
