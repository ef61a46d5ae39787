"""Hostile messages from a client holding a valid token (issue #18, hostile input): bytes that do
not parse as the request, wrong protocol versions, invalid UTF-8, huge strings echoed in errors,
a message over the size limit, and a million-row VALUES. Each gets a clear error (a gRPC status
or DuckDB's own error), never a crash: the server answers normal queries afterwards with its
memory bounded. (A statement that never ends: test_sandbox.py, --statement-timeout.)

Requests are sent by test/tools/grpc_call.cpp (`openduck_grpc_call`), a client without our
protobuf code, from messages encoded here by hand (proto/openduck/v1/openduck.proto)."""

import subprocess

import pytest

import odtest

OK, INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, RESOURCE_EXHAUSTED = 0, 3, 5, 9, 8


def _varint(value: int) -> bytes:
	out = b""
	while True:
		byte, value = value & 0x7F, value >> 7
		out += bytes([byte | (0x80 if value else 0)])
		if not value:
			return out


def message(**fields) -> bytes:
	"""A protobuf message from field number -> bytes (length-delimited) or int (varint), given
	as f1=..., f2=...; strings are written as given, so they may be invalid UTF-8."""
	out = b""
	for name, value in fields.items():
		number = int(name[1:])
		if isinstance(value, int):
			out += _varint(number << 3) + _varint(value)
		else:
			value = value.encode() if isinstance(value, str) else value
			out += _varint(number << 3 | 2) + _varint(len(value)) + value
	return out


def call(server, method: str, request: bytes, token: str = None) -> tuple[int, str, list]:
	"""(status code, status message, response lines) of one raw call."""
	odtest.require_build(odtest.GRPC_CALL)
	done = subprocess.run([str(odtest.GRPC_CALL), f"127.0.0.1:{server.port}", token or server.token, method],
	                      input=request, capture_output=True, timeout=120)
	assert done.returncode == 0, done.stderr.decode(errors="replace")
	lines = done.stdout.decode(errors="replace").splitlines()
	status = lines[-1].split(" ", 2)
	return int(status[1]), status[2] if len(status) > 2 else "", lines[:-1]


def rss_mib(process) -> float:
	with open(f"/proc/{process.pid}/status") as f:
		return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def assert_answers(server, host):
	"""The server is alive and serves a normal query."""
	assert server.process.running(), server.process.describe()
	con = host(server, "testdb")
	assert odtest.remote(con, "cloud", "SELECT 42") == [(42,)]


@pytest.fixture(scope="module")
def hostile(session_launcher):
	"""A server of its own, so nothing here can disturb the session's shared one."""
	srv = session_launcher.serve(["testdb"])
	yield srv
	srv.process.stop()


@pytest.mark.parametrize("method", ["Handshake", "ExecuteFragment", "GetCatalog", "CancelExecution",
                                    "ManageDatabase"])
@pytest.mark.parametrize("garbage", [b"\xff\xff\xff\xff", b"\x0a\xff\xff\xff\xff\x0f", b"\x12\x05ab",
                                     bytes(range(256)) * 4])
def test_bytes_that_do_not_parse_get_a_clear_error(hostile, host, method, garbage):
	code, text, responses = call(hostile, method, garbage)
	assert code == INVALID_ARGUMENT, (code, text)
	assert "does not parse" in text and "openduck.v1." in text, text
	assert responses == []


def test_the_server_answers_after_garbage(hostile, host):
	for method in ("Handshake", "ExecuteFragment", "GetCatalog"):
		call(hostile, method, b"\xff" * 64)
	assert_answers(hostile, host)


def test_a_wrong_protocol_version_names_both_versions(hostile):
	code, text, _ = call(hostile, "Handshake", message(f1="999", f2="v0.9.0", f3="testdb"))
	assert code == FAILED_PRECONDITION, (code, text)
	assert "protocol 999 for DuckDB v0.9.0" in text and "server speaks protocol 1" in text, text


def test_huge_strings_are_cut_short_in_errors(hostile, host):
	"""A status message travels in an HTTP/2 trailer: echoing a client's 8 MiB string there would
	cost the server the memory and the client its error."""
	huge = "x" * (8 << 20)
	for method, request in [("Handshake", message(f1=huge, f2="v1.4.4")),
	                        ("Handshake", message(f1="1", f2="v1.4.4", f3=huge)),
	                        ("GetCatalog", message(f1=huge)),
	                        ("ExecuteFragment", message(f1="SELECT 1", f2=huge))]:
		code, text, _ = call(hostile, method, request)
		assert code in (FAILED_PRECONDITION, NOT_FOUND, INVALID_ARGUMENT), (method, code, text[:200])
		assert 0 < len(text) < 2000, (method, len(text))
	assert_answers(hostile, host)


@pytest.mark.parametrize("field", ["plan", "database"])
def test_invalid_utf8_is_refused_with_a_clear_error(hostile, host, field):
	bad = b"SELECT '\xff\xfe'" if field == "plan" else b"test\xffdb"
	request = message(f1=bad, f2="testdb") if field == "plan" else message(f1="SELECT 1", f2=bad)
	code, text, responses = call(hostile, "ExecuteFragment", request)
	errors = [line for line in responses if " error " in line]
	assert code != OK or errors, (code, text, responses)
	shown = text if code != OK else errors[0]
	assert "UTF-8" in shown or "does not parse" in shown or "does not exist" in shown, shown
	assert_answers(hostile, host)


def test_invalid_utf8_cannot_flood_the_servers_log(hostile, host):
	"""libprotobuf logs a line per request whose string field is not UTF-8: a client sending many
	must not fill the server's log (rpc/protobuf_log.hpp: one line per 10 s)."""
	def protobuf_lines():
		return hostile.process.log_path.read_text(errors="replace").count("libprotobuf")
	before = protobuf_lines()
	for _ in range(40):
		call(hostile, "ExecuteFragment", message(f1=b"SELECT '\xff'", f2="testdb"))
	assert protobuf_lines() - before <= 2, hostile.process.log_path.read_text(errors="replace")[-2000:]
	assert_answers(hostile, host)


def test_a_message_over_the_limit_is_refused_without_holding_it(hostile, host):
	before = rss_mib(hostile.process)
	payload = message(f1="SELECT 1", f2="testdb", f12=b"\0" * (80 << 20))
	code, text, _ = call(hostile, "ExecuteFragment", payload)
	assert code == RESOURCE_EXHAUSTED, (code, text)
	assert "larger than max" in text or "limit" in text, text
	assert rss_mib(hostile.process) - before < 200, (before, rss_mib(hostile.process))
	assert_answers(hostile, host)


def test_a_million_row_values_list(mirror):
	values = ",".join(f"({i})" for i in range(1_000_000))
	mirror.con.execute(mirror.render("CREATE OR REPLACE TABLE {db}h_million (i INTEGER)", True))
	mirror.local.execute(mirror.render("CREATE OR REPLACE TABLE {db}h_million (i INTEGER)", False))
	mirror.con.execute(mirror.render(f"INSERT INTO {{db}}h_million VALUES {values}", True))
	mirror.local.execute(mirror.render(f"INSERT INTO {{db}}h_million VALUES {values}", False))
	mirror.check("SELECT count(*), sum(i), min(i), max(i) FROM {db}h_million")
	mirror.con.execute(mirror.render("DROP TABLE {db}h_million", True))
