"""CI's bounded run of the process-fault loop (test/reliability/fault_loop.py): two faults of
each kind (the writer worker, the gateway, PostgreSQL, the S3 server killed; a takeover by a
worker whose storage failpoints are armed) under concurrent writers and readers, then the ledger, atomicity, read and snapshot checks. The full run (100
faults) is `.venv/bin/python test/reliability/fault_loop.py --faults 100`."""

import sys

import pytest

import odtest

sys.path.insert(0, str(odtest.REPO / "test" / "reliability"))

import fault_loop  # noqa: E402

CI_FAULTS = 10
SEED = 7


@pytest.mark.timeout_s(600)
def test_process_faults_under_load_lose_no_acknowledged_commit(launcher, tmp_path):
	report = fault_loop.run(CI_FAULTS, SEED, tmp_path, launcher)
	described = fault_loop.describe(report)
	print("\n" + described)
	assert not report["violations"], described
	assert all(count == CI_FAULTS // len(fault_loop.COMPONENTS) for count in report["faults"].values()), described
	assert report["acknowledged"] > 0 and report["failed_statements"] >= 0
