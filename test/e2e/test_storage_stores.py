"""The cluster stores: PostgreSQL metadata and an S3 object store (moto server with SigV4
signature checks), both started by these tests on 127.0.0.1 and stopped by pid. Also: a store
that goes away gives a clear error and no corruption, and everything recovers when it is back."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pytest

import odtest
from test_storage_admin import admin

VENV_BIN = Path(sys.executable).parent


def _pg_bin() -> Path:
	for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
		if (candidate / "initdb").exists():
			return candidate
	found = shutil.which("initdb")
	if not found:
		pytest.fail("PostgreSQL server binaries not found: run scripts/setup.sh (apt-get install postgresql)")
	return Path(found).resolve().parent


class Postgres:
	"""initdb into a temp dir + pg_ctl start on a free loopback port; as `postgres` when root."""

	def __init__(self):
		self.bin = _pg_bin()
		self.dir = Path(tempfile.mkdtemp(prefix="openduck-test-pg-"))
		self.data = self.dir / "data"
		self.port = odtest.free_port()
		self.as_root = os.geteuid() == 0
		if self.as_root:
			shutil.chown(self.dir, "postgres", "postgres")
		self._run(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
		self.start()

	def _run(self, args):
		command = [str(self.bin / args[0])] + args[1:]
		if self.as_root:
			command = ["runuser", "-u", "postgres", "--"] + command
		done = subprocess.run(command, capture_output=True, text=True)
		assert done.returncode == 0, f"{' '.join(command)} failed: {done.stdout}{done.stderr}"

	def start(self):
		options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
		self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options, "-w", "start"])

	def stop(self):
		self._run(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"])

	@property
	def url(self) -> str:
		return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

	def cleanup(self):
		pid_file = self.data / "postmaster.pid"
		if pid_file.exists():
			self.stop()
		shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def postgres():
	pg = Postgres()
	yield pg
	pg.cleanup()


class Moto:
	"""moto_server on a free loopback port with authentication on: every request after the
	IAM set-up must carry a valid SigV4 signature of an IAM user's key."""

	SETUP_ACTIONS = 4  # create_user, create_policy, attach_user_policy, create_access_key

	def __init__(self, log_dir: Path):
		self.port = odtest.free_port()
		env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(self.SETUP_ACTIONS))
		self.log = open(log_dir / f"moto-{self.port}.log", "wb")
		self.proc = subprocess.Popen([str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
		                             stdout=self.log, stderr=subprocess.STDOUT, env=env)
		deadline = time.monotonic() + 30
		while not odtest.port_is_listening("127.0.0.1", self.port):
			assert self.proc.poll() is None, "moto_server exited"
			assert time.monotonic() < deadline, "moto_server did not start"
			time.sleep(0.1)
		import boto3
		setup = dict(endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="setup",
		             aws_secret_access_key="setup")
		iam = boto3.client("iam", **setup)
		iam.create_user(UserName="openduck")
		policy = iam.create_policy(PolicyName="s3all", PolicyDocument=(
		    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'))
		iam.attach_user_policy(UserName="openduck", PolicyArn=policy["Policy"]["Arn"])
		key = iam.create_access_key(UserName="openduck")["AccessKey"]
		self.key_id, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
		boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=self.key_id,
		             aws_secret_access_key=self.secret).create_bucket(Bucket="layers")

	@property
	def endpoint(self) -> str:
		return f"http://127.0.0.1:{self.port}"

	def env(self, secret=None):
		return odtest.clean_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=secret or self.secret,
		                        AWS_ENDPOINT_URL=self.endpoint, AWS_REGION="us-east-1")

	def stop(self):
		if self.proc.poll() is None:
			os.kill(self.proc.pid, signal.SIGTERM)
			self.proc.wait(10)
		self.log.close()


@pytest.fixture
def moto(tmp_path):
	server = Moto(tmp_path)
	yield server
	server.stop()


def run(args, env, check=True):
	done = subprocess.run([str(odtest.OPENDUCK_BIN), *map(str, args)], capture_output=True, text=True, env=env,
	                      timeout=120)
	out = done.stdout + done.stderr
	if check:
		assert done.returncode == 0, f"openduck {' '.join(map(str, args))}:\n{out}"
	return done.returncode, out


def serve(launcher, tmp_path, databases, extra, env):
	token = odtest.new_token()
	port = odtest.free_port()
	args = ["serve", *sum((["-d", d] for d in databases), []), "--port", port, "--host", "127.0.0.1", "-t", token,
	        "--data-dir", tmp_path / "data", *extra]
	process = launcher._track(odtest.OpenDuckProcess(launcher._name("serve"), args, port, launcher.log_dir, env))
	process.start()
	process.wait_healthy()
	return odtest.Server(port, token, list(databases), tmp_path / "data", process)


def roundtrip(launcher, tmp_path, extra, env):
	srv = serve(launcher, tmp_path, ["c"], extra, env)
	con = odtest.python_host()
	con.execute(srv.attach_sql("c"))
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS x FROM range(100000)")
	odtest.remote(con, "cloud", "CHECKPOINT")
	odtest.remote(con, "cloud", "INSERT INTO t VALUES (-1)")
	con.close()
	srv.process.stop()
	srv = serve(launcher, tmp_path, ["c"], extra, env)
	con = odtest.python_host()
	con.execute(srv.attach_sql("c"))
	assert con.execute("SELECT count(*), min(x) FROM cloud.t").fetchall() == [(100001, -1)]
	con.close()
	return srv


def test_postgres_metadata(launcher, tmp_path, postgres):
	extra = ["--metadata", postgres.url]
	srv = roundtrip(launcher, tmp_path, extra, odtest.clean_env())
	_, out = run(["snapshot", "list", "-d", "c", "--data-dir", tmp_path / "data", *extra], odtest.clean_env())
	assert len([l for l in out.splitlines() if l[:1].isdigit()]) >= 2, out
	assert not (tmp_path / "data" / "metadata.sqlite").exists(), "the SQLite default was used"
	_, out = run(["snapshot", "verify", "-d", "c", "--data-dir", tmp_path / "data", *extra], odtest.clean_env())
	assert " ok:" in out
	srv.process.stop()


def test_postgres_down_gives_a_clear_error_and_recovers(launcher, tmp_path, postgres):
	extra = ["--metadata", postgres.url]
	srv = serve(launcher, tmp_path, ["c"], extra, odtest.clean_env())
	con = odtest.python_host()
	con.execute(srv.attach_sql("c"))
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS x FROM range(1000)")
	postgres.stop()
	odtest.remote(con, "cloud", "INSERT INTO t VALUES (-1)")
	# The seal cannot commit: the CHECKPOINT fails (DuckDB then invalidates the instance), the
	# data and WAL stay local.
	with pytest.raises(duckdb.Error, match="snapshot commit failed"):
		odtest.remote(con, "cloud", "CHECKPOINT")
	code, out = run(["db", "list", "--data-dir", tmp_path / "data", *extra], odtest.clean_env(), check=False)
	assert code == 1 and "cannot connect" in out, out
	postgres.start()
	con.close()
	srv.process.stop()
	srv = serve(launcher, tmp_path, ["c"], extra, odtest.clean_env())  # reopening seals what was kept
	con = odtest.python_host()
	con.execute(srv.attach_sql("c"))
	assert con.execute("SELECT count(*), min(x) FROM cloud.t").fetchall() == [(1001, -1)]
	con.close()
	run(["snapshot", "verify", "-d", "c", "--data-dir", tmp_path / "data", *extra], odtest.clean_env())


def test_s3_store_against_moto_with_signature_checks(launcher, tmp_path, moto):
	extra = ["--store", "s3://layers/openduck"]
	srv = roundtrip(launcher, tmp_path, extra, moto.env())
	import boto3
	s3 = boto3.client("s3", endpoint_url=moto.endpoint, region_name="us-east-1", aws_access_key_id=moto.key_id,
	                  aws_secret_access_key=moto.secret)
	# The objects are in the bucket (checked with boto3, not with our own client).
	keys = [o["Key"] for o in s3.list_objects(Bucket="layers").get("Contents", [])]
	keys = [k for k in keys if k.startswith("openduck/layers/")]
	assert keys and all(k.endswith(".layer") for k in keys), keys
	assert not (tmp_path / "data" / "store").exists(), "the local store default was used"
	run(["snapshot", "verify", "-d", "c", "--data-dir", tmp_path / "data", *extra], moto.env())
	_, out = run(["gc", "--dry-run", "--data-dir", tmp_path / "data", *extra], moto.env())
	assert "dry run" in out
	srv.process.stop()
	# A wrong secret is rejected by moto's signature check, with S3's reason in the message.
	code, out = run(["snapshot", "verify", "-d", "c", "--data-dir", tmp_path / "data", *extra],
	                moto.env(secret="not-the-secret"), check=False)
	assert code == 1 and "SignatureDoesNotMatch" in out, out


def test_object_store_down_keeps_the_checkpoint_local_and_recovers(launcher, tmp_path):
	srv = serve(launcher, tmp_path, ["c"], [], odtest.clean_env())
	con = odtest.python_host()
	con.execute(srv.attach_sql("c"))
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS x FROM range(1000)")
	odtest.remote(con, "cloud", "CHECKPOINT")
	store = tmp_path / "data" / "store"
	layers = store / "layers"
	# The store becomes unusable: its layers directory is replaced by a plain file.
	layers.rename(store / "away")
	layers.write_text("not a directory")
	odtest.remote(con, "cloud", "INSERT INTO t VALUES (-1)")
	with pytest.raises(duckdb.Error, match="layer upload failed"):
		odtest.remote(con, "cloud", "CHECKPOINT")
	con.close()
	srv.process.kill_now()
	# Back: reopening the database uploads and commits the checkpoint the failed one kept.
	layers.unlink()
	(store / "away").rename(layers)
	srv = serve(launcher, tmp_path, ["c"], [], odtest.clean_env())
	srv.process.kill_now()  # no shutdown checkpoint: the snapshot must already hold the rows
	code, out = run(["snapshot", "list", "-d", "c", "--data-dir", tmp_path / "data"], odtest.clean_env())
	head = [l.split()[0].rstrip("*") for l in out.splitlines() if l.split() and l.split()[0].endswith("*")][0]
	assert rows_at_snapshot(launcher, tmp_path, head) == [(1001, -1)]


def rows_at_snapshot(launcher, tmp_path, snapshot):
	"""count(*), min(x) of c.t at `snapshot`, through a fresh server (time travel)."""
	fresh = serve(launcher, tmp_path, ["c"], [], odtest.clean_env())
	try:
		con = odtest.python_host()
		con.execute(f"ATTACH '{fresh.attach_path('c')}&snapshot={snapshot}' AS old")
		return con.execute("SELECT count(*), min(x) FROM old.t").fetchall()
	finally:
		fresh.process.stop()


class CommitReplyDropper(odtest.TcpRelay):
	"""A relay between the server and PostgreSQL. Once armed, it forwards the next simple query
	`COMMIT` to PostgreSQL, lets PostgreSQL apply it, and cuts that connection before the reply
	reaches the server: the real "connection lost during COMMIT" whose outcome is unknown to the
	client."""

	COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"

	def __init__(self, target_port: int):
		self.armed = threading.Event()
		self.dropped = threading.Event()
		super().__init__(target_port)

	def forward(self, data, sink, upstream, connection):
		if connection.get("cut"):
			return False  # the reply, or anything after it, never reaches the server
		if upstream and self.armed.is_set() and self.COMMIT in data:
			self.armed.clear()
			connection["cut"] = True  # before forwarding: the reply must never reach the client
			sink.sendall(data)
			self.dropped.set()
			time.sleep(1)  # PostgreSQL commits; its answer is cut by the other direction
			return False
		return super().forward(data, sink, upstream, connection)

	@property
	def url(self) -> str:
		return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


def test_a_postgres_commit_whose_reply_is_lost_is_read_back(launcher, tmp_path, postgres):
	"""PostgreSQL applies a snapshot commit but the connection drops before its reply: the server
	never resends COMMIT; it reads the head back, finds its snapshot and acknowledges the
	CHECKPOINT. Nothing is lost or duplicated, and every snapshot verifies."""
	proxy = CommitReplyDropper(postgres.port)
	extra = ["--metadata", proxy.url]
	srv = serve(launcher, tmp_path, ["c"], extra, odtest.clean_env())
	con = odtest.python_host()
	con.execute(srv.attach_sql("c"))
	odtest.remote(con, "cloud", "CREATE TABLE t AS SELECT range AS x FROM range(1000)")
	odtest.remote(con, "cloud", "CHECKPOINT")
	odtest.remote(con, "cloud", "INSERT INTO t VALUES (-1)")
	listing = ["snapshot", "list", "-d", "c", "--data-dir", tmp_path / "data", "--metadata", postgres.url]
	before = run(listing, odtest.clean_env())[1]
	proxy.armed.set()
	odtest.remote(con, "cloud", "CHECKPOINT")
	assert proxy.dropped.is_set()
	log = srv.process.output()
	assert "the connection was lost during COMMIT" in log and "read back from the metadata store" in log, log
	after = run(listing, odtest.clean_env())[1]
	assert len([l for l in after.splitlines() if l[:1].isdigit()]) == \
		len([l for l in before.splitlines() if l[:1].isdigit()]) + 1, (before, after)
	run(["snapshot", "verify", "-d", "c", "--data-dir", tmp_path / "data", "--metadata", postgres.url],
	    odtest.clean_env())
	con.close()
	srv.process.stop()
	srv = serve(launcher, tmp_path, ["c"], extra, odtest.clean_env())
	con = odtest.python_host()
	con.execute(srv.attach_sql("c"))
	assert con.execute("SELECT count(*), min(x) FROM cloud.t").fetchall() == [(1001, -1)]
	con.close()
	proxy.close()
