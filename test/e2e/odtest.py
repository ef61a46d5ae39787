"""Support code for the OpenDuck end-to-end tests.

Owns: locating the build (`openduck`, the extension) and the project virtualenv, free loopback
ports, `openduck` subprocesses (serve / gateway / worker) with their logs, DuckDB hosts with the
extension loaded (Python in-process, the pip `duckdb` CLI as a subprocess), and the oracle: the
same SQL run in a local in-memory DuckDB, whose results every remote result must equal.

Fixtures that use this live in conftest.py; tests import the plain helpers from here.
"""

import csv
import io
import json
import math
import os
import secrets
import signal
import socket
import struct
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import duckdb

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("OPENDUCK_BUILD_DIR", REPO / "build")).resolve()
VENV = Path(os.environ.get("OPENDUCK_VENV", REPO / ".venv")).resolve()
# OPENDUCK_SERVER_BIN runs the servers from another build (scripts/sanitize.sh: the ASan + UBSan
# one) while hosts load the extension of BUILD_DIR.
OPENDUCK_BIN = Path(os.environ.get("OPENDUCK_SERVER_BIN", BUILD_DIR / "openduck")).resolve()
GRPC_CALL = BUILD_DIR / "openduck_grpc_call"
EXTENSION = BUILD_DIR / "openduck.duckdb_extension"
DUCKDB_CLI = VENV / "bin" / "duckdb"
VENV_PYTHON = VENV / "bin" / "python"

# How long a freshly started process may take to answer /health.
STARTUP_TIMEOUT_S = float(os.environ.get("OPENDUCK_E2E_STARTUP_TIMEOUT", "30"))


def require_build(*paths: Path):
	"""Fails (not skips: a missing build is a broken build) with what to run."""
	missing = [str(p) for p in paths if not p.exists()]
	if missing:
		raise AssertionError(
		    "missing build outputs: " + ", ".join(missing) +
		    " (run `bash scripts/test.sh`, or set OPENDUCK_BUILD_DIR to the build directory)")


def new_token() -> str:
	return "tok-" + secrets.token_hex(16)


# ---------------------------------------------------------------------------------------------
# Ports

_ports_handed_out = set()
_ports_lock = threading.Lock()


def free_port() -> int:
	"""A loopback port nobody listens on right now, never the same one twice in a session
	(the kernel may hand a just-closed port out again)."""
	with _ports_lock:
		for _ in range(200):
			with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
				s.bind(("127.0.0.1", 0))
				port = s.getsockname()[1]
			if port not in _ports_handed_out:
				_ports_handed_out.add(port)
				return port
	raise AssertionError("could not find a free loopback port")


def port_is_listening(host: str, port: int) -> bool:
	family = socket.AF_INET6 if ":" in host else socket.AF_INET
	try:
		with socket.socket(family, socket.SOCK_STREAM) as s:
			s.settimeout(0.5)
			s.connect((host, port))
			return True
	except OSError:
		return False


# ---------------------------------------------------------------------------------------------
# openduck processes

def clean_env(**overrides) -> Dict[str, str]:
	"""The test runner's environment without any OPENDUCK_* variable, plus overrides
	(value None removes the variable)."""
	env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDUCK_")}
	for key, value in overrides.items():
		if value is None:
			env.pop(key, None)
		else:
			env[key] = value
	return env


# ---------------------------------------------------------------------------------------------
# TLS certificates, made by the tests with the openssl CLI

@dataclass
class Pki:
	"""A test CA with a server certificate (for localhost and 127.0.0.1) and a client
	certificate it signed, and a second CA that signed neither."""
	ca: Path
	server_cert: Path
	server_key: Path
	client_cert: Path
	client_key: Path
	other_ca: Path

	def client_context(self, with_client_cert: bool = False) -> ssl.SSLContext:
		context = ssl.create_default_context(cafile=str(self.ca))
		if with_client_cert:
			context.load_cert_chain(str(self.client_cert), str(self.client_key))
		return context


def _openssl(*args, cwd: Path):
	result = subprocess.run(["openssl", *[str(a) for a in args]], cwd=cwd, capture_output=True, text=True)
	assert result.returncode == 0, f"openssl {' '.join(map(str, args))} failed: {result.stderr}"


def _new_ca(directory: Path, name: str) -> Path:
	_openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
	         "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", f"/CN=OpenDuck test {name}",
	         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
	         cwd=directory)
	return directory / f"{name}.pem"


def _signed_cert(directory: Path, ca: str, name: str, extensions: str) -> Path:
	_openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
	         f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=directory)
	(directory / f"{name}.ext").write_text(extensions)
	_openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
	         "-days", "2", "-out", f"{name}.pem", "-extfile", f"{name}.ext", cwd=directory)
	return directory / f"{name}.pem"


def make_pki(directory: Path) -> Pki:
	directory = Path(directory)
	directory.mkdir(parents=True, exist_ok=True)
	ca = _new_ca(directory, "ca")
	other_ca = _new_ca(directory, "other-ca")
	# Servers present their certificate as clients too (gateway -> worker with mutual TLS).
	server = _signed_cert(directory, "ca", "server", "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
	                      "extendedKeyUsage=serverAuth,clientAuth\n")
	client = _signed_cert(directory, "ca", "client", "extendedKeyUsage=clientAuth\n")
	return Pki(ca, server, directory / "server.key", client, directory / "client.key", other_ca)


def tls_server_args(pki: Pki, client_ca: bool = False) -> list:
	args = ["--tls-cert", pki.server_cert, "--tls-key", pki.server_key]
	return args + (["--tls-client-ca", pki.ca] if client_ca else [])


def http_get(port: int, path: str, timeout: float = 2.0, token: Optional[str] = None,
             tls: Optional[ssl.SSLContext] = None):
	"""(status, body bytes) of GET http[s]://127.0.0.1:port/path, with the token if given;
	https when `tls` (the client's SSL context) is given."""
	scheme = "https" if tls is not None else "http"
	request = urllib.request.Request(f"{scheme}://127.0.0.1:{port}{path}")
	if token:
		request.add_header("Authorization", f"Bearer {token}")
	try:
		with urllib.request.urlopen(request, timeout=timeout, context=tls) as response:
			return response.status, response.read()
	except urllib.error.HTTPError as e:
		return e.code, e.read()


def metrics_values(port: int, token: str) -> dict:
	"""Every series of a server's /metrics by its name with labels (e.g.
	'openduck_memory_bytes{kind="resident"}'), as floats."""
	status, body = http_get(port, "/metrics", token=token)
	assert status == 200, f"/metrics answered {status}: {body[:300]!r}"
	values = {}
	for line in body.decode().splitlines():
		if line and not line.startswith("#"):
			name, _, value = line.rpartition(" ")
			values[name] = float(value)
	return values


def leak_gauges(port: int, token: str) -> dict:
	"""The leak gauges of a gateway's, worker's or server's /metrics: statements and queries
	running, connections in use (summed over databases). All zero when nothing is left running."""
	values = {"active_queries": 0, "running_statements": 0, "connections_in_use": 0}
	for series, value in metrics_values(port, token).items():
		for name in values:
			if series == f"openduck_{name}" or series.startswith(f"openduck_database_{name}{{"):
				values[name] += int(value)
	return values


class OpenDuckProcess:
	"""One `openduck` subprocess whose stdout+stderr go to a log file.

	Not thread-safe, except kill_now() which the watchdog may call from its thread."""

	def __init__(self, name: str, args: Sequence[str], port: int, log_dir: Path,
	             env: Optional[Dict[str, str]] = None):
		self.name = name
		self.args = [str(OPENDUCK_BIN)] + [str(a) for a in args]
		self.port = port
		self.env = env if env is not None else clean_env()
		self.log_path = Path(log_dir) / f"{name}.log"
		self.proc: Optional[subprocess.Popen] = None
		self._log_file = None
		# With TLS: the SSL context its own probes (/health) use.
		self.tls: Optional[ssl.SSLContext] = None
		# The client token it was started with (-t, --token-file or OPENDUCK_TOKEN), for /health.
		self.token = self.env.get("OPENDUCK_TOKEN")
		for flag, value in zip(self.args, self.args[1:]):
			if flag == "-t":
				self.token = value
			elif flag == "--token-file":
				self.token = Path(value).read_text().strip()

	@property
	def display_args(self) -> str:
		"""The command line with the token masked (logs must never contain it)."""
		shown = list(self.args)
		for i in range(1, len(shown)):
			if shown[i - 1] in ("-t", "--token"):
				shown[i] = "***"
		return " ".join(shown)

	@property
	def pid(self) -> int:
		return self.proc.pid

	def start(self):
		require_build(OPENDUCK_BIN)
		# Append: a restarted process keeps the previous run's output above its own.
		self._log_file = open(self.log_path, "ab")
		self._log_file.write(f"==== {self.display_args}\n".encode())
		self._log_file.flush()
		self.proc = subprocess.Popen(self.args, stdout=self._log_file, stderr=subprocess.STDOUT,
		                             stdin=subprocess.DEVNULL, env=self.env)
		return self

	def running(self) -> bool:
		return self.proc is not None and self.proc.poll() is None

	def output(self, tail: int = 6000) -> str:
		try:
			text = self.log_path.read_bytes().decode("utf-8", "replace")
		except FileNotFoundError:
			return ""
		return text[-tail:]

	def describe(self) -> str:
		if self.proc is None:
			return f"`{self.display_args}` (not started)"
		state = "running" if self.running() else f"exited with {self.proc.returncode}"
		return f"`{self.display_args}` ({state}); its output:\n{self.output()}"

	def health(self, timeout: float = 2.0) -> dict:
		"""/health with the process's token: the full detail."""
		status, body = http_get(self.port, "/health", timeout=timeout, token=self.token, tls=self.tls)
		assert status == 200, f"/health answered HTTP {status}: {body[:500]!r}"
		return json.loads(body)

	def wait_healthy(self, timeout: float = STARTUP_TIMEOUT_S,
	                 until: Optional[Callable[[dict], bool]] = None) -> dict:
		"""Polls /health until it answers (and `until(health)` holds); fails with the process
		output if the process exits or the time runs out."""
		deadline = time.monotonic() + timeout
		last = "no answer yet"
		while time.monotonic() < deadline:
			if not self.running():
				raise AssertionError(f"{self.name} exited before it became healthy: {self.describe()}")
			try:
				health = self.health(timeout=1.0)
				if until is None or until(health):
					return health
				last = f"last /health: {json.dumps(health)}"
			except (OSError, AssertionError, ValueError, ssl.SSLError) as e:
				last = f"last error: {e}"
			time.sleep(0.1)
		raise AssertionError(f"{self.name} not healthy after {timeout}s ({last}): {self.describe()}")

	def stop(self, timeout: float = 15.0) -> Optional[int]:
		"""SIGTERM, then SIGKILL if it has not exited within `timeout`. Returns the exit code."""
		if self.proc is None:
			return None
		if self.proc.poll() is None:
			self.proc.terminate()
			try:
				self.proc.wait(timeout)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait()
		self._close_log()
		return self.proc.returncode

	def kill_now(self):
		"""SIGKILL, as a crash would."""
		if self.proc is not None and self.proc.poll() is None:
			os.kill(self.proc.pid, signal.SIGKILL)
			self.proc.wait()
		self._close_log()

	def cpu_seconds(self) -> float:
		"""User + system CPU time the process has used so far (Linux /proc)."""
		fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
		ticks = int(fields[11]) + int(fields[12])
		return ticks / os.sysconf("SC_CLK_TCK")

	def _close_log(self):
		if self._log_file is not None:
			self._log_file.close()
			self._log_file = None


@dataclass
class Server:
	"""A reachable OpenDuck endpoint (a `serve` process, or a gateway with its workers)."""
	port: int
	token: str
	databases: List[str]
	data_dir: Optional[Path]
	process: OpenDuckProcess
	workers: List[OpenDuckProcess] = field(default_factory=list)
	# A gateway's --cluster-secret-file: what its workers register with.
	cluster_secret_file: Optional[Path] = None
	# Set when it serves TLS: clients then use https:// and this PKI's CA.
	pki: Optional[Pki] = None

	@property
	def endpoint(self) -> str:
		return f"{'https' if self.pki else 'http'}://127.0.0.1:{self.port}"

	def attach_path(self, database: str, token: Optional[str] = None, prefix: str = "openduck:") -> str:
		token = self.token if token is None else token
		return f"{prefix}{database}?endpoint={self.endpoint}&token={token}"

	def attach_sql(self, database: str, alias: str = "cloud", token: Optional[str] = None) -> str:
		return f"ATTACH '{self.attach_path(database, token)}' AS {alias}"

	def health(self) -> dict:
		return self.process.health()


class Launcher:
	"""Starts openduck processes and stops every one of them (by pid) in stop_all().

	The watchdog thread may call kill_all() concurrently with a test."""

	def __init__(self, log_dir: Path, tmp_dir: Path, scope: str):
		self.log_dir = Path(log_dir)
		self.tmp_dir = Path(tmp_dir)
		self.scope = scope
		self.processes: List[OpenDuckProcess] = []
		self._lock = threading.Lock()
		self._count = 0

	def _name(self, kind: str) -> str:
		with self._lock:
			self._count += 1
			return f"{self.scope}-{kind}-{self._count}"

	def _track(self, process: OpenDuckProcess) -> OpenDuckProcess:
		with self._lock:
			self.processes.append(process)
		return process

	def serve(self, databases: Sequence[str] = ("testdb",), *, token: Optional[str] = None,
	          data_dir: Optional[Path] = None, port: Optional[int] = None, flags: bool = True,
	          env: Optional[Dict[str, str]] = None, wait: bool = True, extra_args: Sequence = (),
	          pki: Optional[Pki] = None, client_ca: bool = False) -> Server:
		"""`openduck serve` on 127.0.0.1. flags=False passes neither -t nor --data-dir (the
		caller provides OPENDUCK_TOKEN / OPENDUCK_DATA_DIR through env instead); extra_args are
		appended (e.g. sandbox options); `pki` serves TLS with its server certificate (and asks
		clients for certificates of its CA with client_ca)."""
		token = token or new_token()
		port = port or free_port()
		name = self._name("serve")
		if data_dir is None:
			data_dir = self.tmp_dir / f"{name}-data"
		args = ["serve"]
		for db in databases:
			args += ["-d", db]
		args += ["--port", port, "--host", "127.0.0.1"]
		if flags:
			args += ["-t", token, "--data-dir", data_dir]
		args += list(extra_args)
		if pki:
			args += tls_server_args(pki, client_ca)
		process = self._track(OpenDuckProcess(name, args, port, self.log_dir, env))
		if pki:
			process.tls = pki.client_context(with_client_cert=client_ca)
		process.start()
		if wait:
			process.wait_healthy()
		return Server(port, token, list(databases), Path(data_dir), process, pki=pki)

	def restart(self, server: Server) -> Server:
		"""A new `serve` on the same data dir, token and databases (on a new port)."""
		server.process.stop()
		return self.serve(server.databases, token=server.token, data_dir=server.data_dir)

	def gateway(self, *, token: Optional[str] = None, port: Optional[int] = None,
	            heartbeat_ms: Optional[int] = None, pki: Optional[Pki] = None, extra_args: Sequence = (),
	            secret_file: Optional[Path] = None) -> Server:
		"""`openduck gateway` with a cluster secret (in a file, new unless `secret_file` is given:
		a restarted gateway's) its workers register with; with `pki` it serves TLS and verifies
		TLS workers with that CA."""
		token = token or new_token()
		port = port or free_port()
		name = self._name("gateway")
		if secret_file is None:
			secret_file = self.tmp_dir / f"{name}-cluster-secret"
			secret_file.write_text(new_token() + "\n")
		args = ["gateway", "--port", port, "--host", "127.0.0.1", "-t", token, "--cluster-secret-file", secret_file]
		if heartbeat_ms is not None:
			args += ["--heartbeat-ms", heartbeat_ms]
		if pki:
			args += tls_server_args(pki) + ["--tls-ca", pki.ca]
		args += list(extra_args)
		process = self._track(OpenDuckProcess(name, args, port, self.log_dir))
		if pki:
			process.tls = pki.client_context()
		process.start()
		process.wait_healthy()
		return Server(port, token, [], None, process, cluster_secret_file=secret_file, pki=pki)

	def worker(self, gateway: Server, worker_id: str, databases: Sequence[str],
	           port: Optional[int] = None, extra_args: Sequence = (), pki: Optional[Pki] = None,
	           client_ca: bool = False, env: Optional[Dict[str, str]] = None) -> OpenDuckProcess:
		"""`openduck worker` registering with `gateway`; waits until the gateway lists it with
		all its databases. extra_args are appended (e.g. sandbox options); `pki` serves TLS
		(client_ca: only clients with a certificate of its CA, such as the gateway)."""
		port = port or free_port()
		data_dir = self.tmp_dir / f"{self._name('worker')}-{worker_id}-data"
		args = ["worker", "--gateway", gateway.endpoint, "-t", gateway.token, "--port", port,
		        "--host", "127.0.0.1", "--id", worker_id, "--data-dir", data_dir,
		        "--cluster-secret-file", gateway.cluster_secret_file]
		for db in databases:
			args += ["-d", db]
		args += list(extra_args)
		if pki:
			args += tls_server_args(pki, client_ca) + ["--tls-ca", pki.ca]
		process = self._track(OpenDuckProcess(f"worker-{worker_id}-{port}", args, port, self.log_dir, env))
		if pki:
			process.tls = pki.client_context(with_client_cert=client_ca)
		process.data_dir = data_dir
		process.start()

		def registered(health):
			if not process.running():
				raise AssertionError(f"worker {worker_id} exited: {process.describe()}")
			return any(w.get("id") == worker_id and set(databases) <= set(w.get("databases", []))
			           for w in health.get("workers", []))

		try:
			gateway.process.wait_healthy(until=registered)
		except AssertionError as e:
			raise AssertionError(f"{e}\nworker: {process.describe()}") from None
		gateway.workers.append(process)
		gateway.databases.extend(databases)
		return process

	def kill_all(self):
		with self._lock:
			processes = list(self.processes)
		for p in processes:
			p.kill_now()

	def stop_all(self):
		with self._lock:
			processes, self.processes = list(self.processes), []
		# Workers before gateways, so nothing logs a lost gateway at teardown.
		for p in sorted(processes, key=lambda p: "gateway" in p.name):
			p.stop()

	def logs(self) -> List[OpenDuckProcess]:
		with self._lock:
			return list(self.processes)


# ---------------------------------------------------------------------------------------------
# DuckDB hosts

def sql_string(text: str) -> str:
	"""`text` as a SQL string literal."""
	return "'" + text.replace("'", "''") + "'"


def python_host(load_extension: bool = True) -> duckdb.DuckDBPyConnection:
	require_build(EXTENSION)
	con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
	if load_extension:
		con.execute(f"LOAD {sql_string(str(EXTENSION))}")
	return con


def pip_extension_path(name: str) -> Path:
	"""<name>.duckdb_extension inside the pip package duckdb-ext-<name> (installed by setup.sh)."""
	import duckdb_ext  # the namespace package of the duckdb-ext-* wheels
	for root in duckdb_ext.__path__:
		found = sorted(Path(root).glob(f"extensions/v{duckdb.__version__}/*/{name}.duckdb_extension"))
		if found:
			return found[0]
	raise AssertionError(f"duckdb-ext-{name} for DuckDB {duckdb.__version__} is not installed (run scripts/setup.sh)")


def pip_extension_dir() -> Path:
	"""The folder of the duckdb-ext-* extensions in DuckDB's extension_directory layout: what
	servers take as --extension-dir (DuckLake databases load ducklake, sqlite, postgres, httpfs)."""
	return pip_extension_path("ducklake").parents[2]


def openduck_query_sql(alias: str, sql: str) -> str:
	return f"SELECT * FROM openduck_query({sql_string(alias)}, {sql_string(sql)})"



class TcpRelay:
	"""A TCP relay on 127.0.0.1 that forwards each connection to `target_port`, one thread per
	direction. Subclasses watch or alter the traffic by overriding `forward`."""

	def __init__(self, target_port: int, port: int = 0):
		self.target_port = target_port
		self.listener = socket.create_server(("127.0.0.1", port))
		self.port = self.listener.getsockname()[1]
		self.sockets = []  # every socket of every relayed connection, for sever()
		threading.Thread(target=self._accept, daemon=True).start()

	def _accept(self):
		while True:
			try:
				client, _ = self.listener.accept()
			except OSError:
				return
			try:
				server = socket.create_connection(("127.0.0.1", self.target_port))
			except OSError:
				client.close()  # the target is down: so is the relayed connection
				continue
			self.sockets += [client, server]
			connection: dict = {}  # per-connection state shared by both directions
			for source, sink, upstream in ((client, server, True), (server, client, False)):
				threading.Thread(target=self._pump, args=(source, sink, upstream, connection), daemon=True).start()

	def _pump(self, source, sink, upstream: bool, connection: dict):
		try:
			while data := source.recv(65536):
				if not self.forward(data, sink, upstream, connection):
					break
		except OSError:
			pass
		finally:
			for s in (source, sink):
				try:
					s.shutdown(socket.SHUT_RDWR)
				except OSError:
					pass

	def forward(self, data: bytes, sink: socket.socket, upstream: bool, connection: dict) -> bool:
		"""Passes `data` (client to target when `upstream`) on to `sink`; False cuts the connection."""
		sink.sendall(data)
		return True

	def close(self):
		try:
			self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept thread, which holds the port
		except OSError:
			pass
		self.listener.close()

	def sever(self):
		"""Stops listening and resets every relayed connection: the target seems to have died."""
		self.close()
		for s in self.sockets:
			try:
				s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
				s.close()
			except OSError:
				pass
		self.sockets = []

def remote(con: duckdb.DuckDBPyConnection, alias: str, sql: str) -> list:
	"""Runs `sql` as-is on the remote database attached as `alias`; returns its rows."""
	return con.execute(openduck_query_sql(alias, sql)).fetchall()


def hybrid_oracle(con: duckdb.DuckDBPyConnection, remote_setup: Sequence[str], local_setup: Sequence[str]):
	"""Runs `remote_setup` (CREATE TABLE ... statements) on the database attached to `con` as
	"cloud" and `local_setup` on the host; returns a local DuckDB holding both (the remote tables
	in its own "cloud" catalog), the oracle of hybrid queries."""
	oracle = duckdb.connect()
	oracle.execute("ATTACH ':memory:' AS cloud")
	for sql in remote_setup:
		remote(con, "cloud", sql)
		oracle.execute(sql.replace("CREATE TABLE ", "CREATE TABLE cloud."))
	for sql in local_setup:
		con.execute(sql)
		oracle.execute(sql)
	return oracle


@dataclass
class CliResult:
	returncode: int
	stdout: str
	stderr: str

	def check(self) -> "CliResult":
		assert self.returncode == 0, f"duckdb CLI failed ({self.returncode}): {self.stderr}\nstdout: {self.stdout[-2000:]}"
		return self

	def csv_rows(self) -> List[List[str]]:
		"""Rows of a -csv run with a single result, the header row first."""
		return list(csv.reader(io.StringIO(self.stdout)))

	def json_results(self) -> List[list]:
		"""Every result a -json run printed, in order (the CLI prints nothing for an empty
		result, so those do not appear)."""
		decoder = json.JSONDecoder()
		text, pos, results = self.stdout, 0, []
		while True:
			while pos < len(text) and text[pos].isspace():
				pos += 1
			if pos >= len(text):
				return results
			value, pos = decoder.raw_decode(text, pos)
			results.append(value)


def run_cli(sql: str, mode: str = "-csv", *, load_extension: bool = True, env: Optional[Dict[str, str]] = None,
            timeout: float = 120) -> CliResult:
	"""Runs `sql` (statements separated by ';') in the pip DuckDB CLI with unsigned extensions
	allowed, stopping at the first error (-bail)."""
	require_build(DUCKDB_CLI, EXTENSION)
	script = (f"LOAD {sql_string(str(EXTENSION))};\n" if load_extension else "") + sql.rstrip().rstrip(";") + ";\n"
	args = [str(DUCKDB_CLI), "-unsigned", mode, "-bail"]
	done = subprocess.run(args, input=script.encode(), capture_output=True, timeout=timeout,
	                      env=env if env is not None else clean_env())
	return CliResult(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))


# ---------------------------------------------------------------------------------------------
# The oracle

def normalize(value):
	"""A comparable form of a fetched value: floats by repr (so NaN == NaN and -0.0 != 0.0),
	dicts (STRUCT, MAP) as ordered pairs, lists and tuples as lists."""
	if isinstance(value, float):
		return ("float", "nan" if math.isnan(value) else repr(value))
	if isinstance(value, dict):
		return ("dict", [(normalize(k), normalize(v)) for k, v in value.items()])
	if isinstance(value, (list, tuple)):
		return [normalize(v) for v in value]
	return value


def _text_rows(con, query: str) -> list:
	"""Every value cast to VARCHAR by the host, which renders exactly what Python cannot
	(INTERVAL months, TIMESTAMPTZ without pytz, dates beyond year 9999, nanoseconds)."""
	rows = con.execute(f"SELECT COLUMNS(*)::VARCHAR FROM ({query})").fetchall()
	return sorted(rows, key=repr)


def assert_same_result(remote_con, remote_query: str, local_con, local_query: str) -> list:
	"""Asserts both queries return the same column names, column types, values (in order) and
	VARCHAR renderings. Returns the local rows (None if Python cannot represent them)."""
	local_rel = local_con.sql(local_query)
	remote_rel = remote_con.sql(remote_query)
	context = f"\nremote: {remote_query[:300]}\nlocal:  {local_query[:300]}"
	assert remote_rel.columns == local_rel.columns, "column names differ" + context
	remote_types = [str(t) for t in remote_rel.types]
	local_types = [str(t) for t in local_rel.types]
	assert remote_types == local_types, "column types differ" + context

	try:
		expected = local_con.execute(local_query).fetchall()
	except duckdb.InvalidInputException:
		# Python cannot hold these values (e.g. TIMESTAMPTZ without pytz); the text check covers them.
		expected = None
	except ValueError:
		expected = None
	if expected is not None:
		actual = remote_con.execute(remote_query).fetchall()
		assert len(actual) == len(expected), f"{len(actual)} rows, expected {len(expected)}" + context
		for i, (a, e) in enumerate(zip(actual, expected)):
			assert normalize(a) == normalize(e), f"row {i} differs: {_short(a)} != {_short(e)}" + context

	actual_text = _text_rows(remote_con, remote_query)
	expected_text = _text_rows(local_con, local_query)
	assert len(actual_text) == len(expected_text), "row counts differ" + context
	for a, e in zip(actual_text, expected_text):
		assert a == e, f"values differ as text: {_short(a)} != {_short(e)}" + context
	return expected


def _short(value, limit: int = 400) -> str:
	text = repr(value)
	return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


class Mirror:
	"""One remote database (attached as `alias` in `con`) and a local in-memory DuckDB that
	receive the same SQL; check() asserts a query gives the same answer on both.

	In query templates `{db}` stands for the table prefix: `cloud.` remotely, nothing locally."""

	def __init__(self, con, alias: str = "cloud"):
		self.con = con
		self.alias = alias
		self.local = duckdb.connect()

	def execute(self, sql: str):
		"""Runs `sql` remotely through openduck_query and locally; their results must agree."""
		remote_rows = remote(self.con, self.alias, sql)
		local_rows = self.local.execute(sql).fetchall()
		assert normalize(remote_rows) == normalize(local_rows), \
		    f"openduck_query result {_short(remote_rows)} != local {_short(local_rows)} for {sql[:300]}"
		return remote_rows

	def render(self, template: str, remote_side: bool) -> str:
		return template.replace("{db}", f"{self.alias}." if remote_side else "")

	def check(self, template: str) -> list:
		return assert_same_result(self.con, self.render(template, True), self.local, self.render(template, False))

	def check_pair(self, remote_query: str, local_query: str) -> list:
		return assert_same_result(self.con, remote_query, self.local, local_query)

	def check_passthrough(self, sql: str) -> list:
		"""openduck_query(alias, sql) must return exactly what `sql` returns locally."""
		return assert_same_result(self.con, openduck_query_sql(self.alias, sql), self.local, sql)

	def close(self):
		self.local.close()
