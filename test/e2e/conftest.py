"""Fixtures for the OpenDuck end-to-end tests: real `openduck` processes on free loopback
ports, DuckDB hosts with the extension, the local-DuckDB oracle, and a per-test watchdog.

Session-wide there is one `openduck serve` (`server`) serving the databases in
SESSION_DATABASES; tests that stop, restart or reconfigure a server start their own through
`launcher` (stopped at the end of the test).
"""

import faulthandler
import os
import sys
import threading

import pytest

import odtest

# Databases of the session-wide server. Each test uses its own table names; tests that look at
# a whole catalog get a database of their own.
SESSION_DATABASES = ["testdb", "otherdb", "catdb", "clidb"]

DEFAULT_TEST_TIMEOUT_S = float(os.environ.get("OPENDUCK_E2E_TEST_TIMEOUT", "240"))

_launchers = []          # every live Launcher, for the watchdog and failure reports
_connections = set()     # every open Python host connection, for the watchdog


def _register(launcher):
	_launchers.append(launcher)
	return launcher


@pytest.fixture(scope="session")
def session_launcher(tmp_path_factory):
	launcher = _register(odtest.Launcher(tmp_path_factory.mktemp("logs"), tmp_path_factory.mktemp("session"), "session"))
	yield launcher
	launcher.stop_all()
	_launchers.remove(launcher)


@pytest.fixture
def launcher(tmp_path):
	"""Starts processes that belong to one test; all are stopped when it ends."""
	launcher = _register(odtest.Launcher(tmp_path, tmp_path, "test"))
	yield launcher
	launcher.stop_all()
	_launchers.remove(launcher)


@pytest.fixture(scope="session")
def server(session_launcher):
	"""The session-wide `openduck serve -d testdb -d otherdb ...` on 127.0.0.1."""
	srv = session_launcher.serve(SESSION_DATABASES)
	yield srv
	exit_code = srv.process.stop()
	# A clean shutdown on SIGTERM is part of the contract (data flushed, nothing crashed).
	assert exit_code == 0, f"openduck serve exited with {exit_code} on SIGTERM: {srv.process.output()}"


def _track_connection(con):
	_connections.add(con)
	return con


def _close_connection(con):
	_connections.discard(con)
	try:
		con.close()
	except Exception:
		pass


@pytest.fixture
def host():
	"""Factory: a Python DuckDB connection with the extension loaded and, given a server,
	`database` attached as `alias`. Closed when the test ends."""
	opened = []

	def make(server=None, database="testdb", alias="cloud", token=None, load_extension=True):
		con = _track_connection(odtest.python_host(load_extension))
		opened.append(con)
		if server is not None:
			con.execute(server.attach_sql(database, alias, token))
		return con

	yield make
	for con in opened:
		_close_connection(con)


@pytest.fixture
def cloud(server, host):
	"""A host with the session server's `testdb` attached as `cloud`."""
	assert server.process.running(), f"the session server is gone: {server.process.describe()}"
	return host(server)


@pytest.fixture
def mirror(cloud):
	"""`cloud` plus a local in-memory DuckDB receiving the same SQL (odtest.Mirror)."""
	m = odtest.Mirror(cloud)
	yield m
	m.close()


# ---------------------------------------------------------------------------------------------
# Watchdog: a hung query must fail its test, not the whole run. First interrupt the test's
# DuckDB connections; if that does not free it, kill the openduck processes, which makes any
# client blocked on them fail.

@pytest.fixture(autouse=True)
def _watchdog(request):
	marker = request.node.get_closest_marker("timeout_s")
	limit = float(marker.args[0]) if marker else DEFAULT_TEST_TIMEOUT_S
	fired = []

	def interrupt():
		fired.append("interrupt")
		sys.stderr.write(f"\n*** {request.node.nodeid} exceeded {limit:.0f}s: interrupting; stacks:\n")
		faulthandler.dump_traceback(all_threads=True)
		for con in list(_connections):
			try:
				con.interrupt()
			except Exception:
				pass

	def kill():
		fired.append("kill")
		sys.stderr.write(f"\n*** {request.node.nodeid} still running: killing openduck processes\n")
		for launcher in list(_launchers):
			launcher.kill_all()

	timers = [threading.Timer(limit, interrupt), threading.Timer(limit + 30, kill)]
	for t in timers:
		t.daemon = True
		t.start()
	yield
	for t in timers:
		t.cancel()
	if fired:
		pytest.fail(f"test exceeded its {limit:.0f}s limit (watchdog: {', '.join(fired)})")


# On failure, show the tail of every openduck process log (the server side of the story).
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
	outcome = yield
	report = outcome.get_result()
	if report.failed and call.when in ("setup", "call"):
		for launcher in list(_launchers):
			for process in launcher.logs():
				report.sections.append((f"openduck log: {process.name}", process.describe()))
