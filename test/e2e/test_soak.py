"""CI's bounded run of the soak (test/reliability/soak.py): 64 clients (threads of 4 spawned host
processes, each thread on a connection of its own) mix auto-commit INSERTs, transactions with
UPDATEs of shared rows (expected conflicts), ROLLBACKs, host and worker-session temporary tables,
point reads, aggregates, scans, hybrid joins, per-client DDL and DELETEs of each client's oldest
rows (KEEP_ROWS kept: small, so that two minutes trim rows) against a gateway and a worker for
OPENDUCK_SOAK_SECONDS (default 120 s).

It fails on any error other than DuckDB's write-write conflict, on an acknowledged row lost or
changed, a rolled-back or aborted row present, a lost update of the shared rows, a read that
missed an acknowledged write, a statement over 60 s, RSS of the gateway or the worker growing by
10% or more after the warm-up (the first 20% of the run, at least 60 s), and on anything left
behind once every client has gone: queries, statements or connections (sessions) in use, open
file descriptors above their count before the load, per-client tables, temporary tables. The
documented long run is `.venv/bin/python test/reliability/soak.py --seconds 1800 --clients 64`."""

import os
import sys

import pytest

import odtest

sys.path.insert(0, str(odtest.REPO / "test" / "reliability"))

import soak  # noqa: E402

SECONDS = float(os.environ.get("OPENDUCK_SOAK_SECONDS", "120"))
CLIENTS = 64
PROCESSES = 4
KEEP_ROWS = 40


@pytest.mark.timeout_s(SECONDS + 420)
def test_soak_mixed_clients_no_errors_flat_memory_no_leaks(launcher, tmp_path):
	report = soak.run(SECONDS, CLIENTS, PROCESSES, tmp_path, launcher, seed=7, keep_rows=KEEP_ROWS)
	described = soak.describe(report)
	print("\n" + described)
	assert not report["failures"], described
	# The run did what it claims: every client reported, and every kind of operation ran.
	assert report["unexpected_errors"] == 0, described
	assert report["acknowledged"] > 0 and report["rows"] >= report["acknowledged"], described
	assert report["trimmed"] > 0, described
	ran = {op for op, row in report["ops"].items() if row[0] > 0}
	assert set(soak.OPERATIONS) <= ran, f"operations that never succeeded: {set(soak.OPERATIONS) - ran}\n{described}"
	assert set(report["rss_growth"]) == {"gateway", "worker"}, described
