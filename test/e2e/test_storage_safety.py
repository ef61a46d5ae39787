"""Storage safety through real servers: one server per data dir (a lock file), and a CHECKPOINT
whose layer upload fails (OPENDUCK_FAILPOINTS) fails visibly, names no new snapshot and loses
no acknowledged commit across a restart."""

import time

import duckdb
import pytest

import odtest
from test_storage_admin import snapshot_rows


def test_second_server_on_one_data_dir_is_refused(launcher, host):
	first = launcher.serve(["locked"])
	second = launcher.serve(["locked"], data_dir=first.data_dir, wait=False)
	deadline = time.monotonic() + odtest.STARTUP_TIMEOUT_S
	while second.process.running() and time.monotonic() < deadline:
		time.sleep(0.1)
	assert not second.process.running(), f"a second server started on the same data dir: {second.process.describe()}"
	assert second.process.proc.returncode != 0
	out = second.process.output()
	assert f"in use by another openduck process (pid {first.process.pid})" in out, out
	assert "--data-dir" in out, out
	# The first one keeps serving.
	con = host(first, "locked")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT 1 AS x")
	assert odtest.remote(con, "cloud", "SELECT x FROM t") == [(1,)]


def test_failed_upload_fails_the_checkpoint_and_loses_nothing(launcher):
	srv = launcher.serve(["fp"])
	con = odtest.python_host()
	con.execute(srv.attach_sql("fp"))
	odtest.remote(con, "cloud", "CREATE TABLE ledger (x BIGINT)")
	odtest.remote(con, "cloud", "CHECKPOINT")
	con.close()
	srv.process.stop()
	heads_before = [row for row in snapshot_rows(srv.data_dir, "fp") if row[2]]

	env = odtest.clean_env(OPENDUCK_FAILPOINTS="upload.put=error")
	srv = launcher.serve(["fp"], token=srv.token, data_dir=srv.data_dir, env=env)
	con = odtest.python_host()
	con.execute(srv.attach_sql("fp"))
	acked = []
	for i in range(20):
		odtest.remote(con, "cloud", f"INSERT INTO ledger VALUES ({i})")
		acked.append(i)
	with pytest.raises(duckdb.Error, match="layer upload failed"):
		odtest.remote(con, "cloud", "CHECKPOINT")
	con.close()
	srv.process.stop()
	assert [row for row in snapshot_rows(srv.data_dir, "fp") if row[2]] == heads_before

	srv = launcher.serve(["fp"], token=srv.token, data_dir=srv.data_dir)
	con = odtest.python_host()
	con.execute(srv.attach_sql("fp"))
	assert [r[0] for r in odtest.remote(con, "cloud", "SELECT x FROM ledger ORDER BY x")] == acked
	odtest.remote(con, "cloud", "CHECKPOINT")
	con.close()
	assert [row for row in snapshot_rows(srv.data_dir, "fp") if row[2]] != heads_before


def test_checkpoint_on_the_host_checkpoints_the_remote_database(launcher, host):
	srv = launcher.serve(["cp"])
	con = host(srv, "cp")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS x FROM range(100000)")
	heads_before = [row for row in snapshot_rows(srv.data_dir, "cp") if row[2]]
	con.execute("CHECKPOINT cloud")
	heads_after = [row for row in snapshot_rows(srv.data_dir, "cp") if row[2]]
	assert heads_after != heads_before, "CHECKPOINT on the host made no snapshot on the worker"
	block_size, total_blocks, used_blocks = con.execute(
	    "SELECT block_size, total_blocks, used_blocks FROM pragma_database_size() WHERE database_name = 'cloud'").fetchone()
	assert block_size > 0 and total_blocks > 0 and used_blocks > 0


def test_failed_checkpoint_on_the_host_names_the_cause(launcher, host):
	srv = launcher.serve(["cpf"])
	srv.process.stop()
	srv = launcher.serve(["cpf"], token=srv.token, data_dir=srv.data_dir,
	                     env=odtest.clean_env(OPENDUCK_FAILPOINTS="upload.put=error"))
	con = host(srv, "cpf")
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS x FROM range(1000)")
	with pytest.raises(duckdb.Error, match="layer upload failed"):
		con.execute("CHECKPOINT cloud")
