"""Every example in the user documentation runs as written, so the docs cannot drift from the
code: README.md, docs/user-guide.md and docs/operations.md are read top to bottom, and each
```sql, ```python and ```sh block is executed in order, in one session per document (the blocks
of a document build on each other, as a reader's would):

  sql     statement by statement (as the CLI sends them), in one DuckDB connection (Python
          duckdb, the same DuckDB as the CLI), working directory a fresh folder with `build`
          and `.venv` linked in;
  python  in one namespace per document;
  sh      with bash -e in that folder, `openduck` and `duckdb` on PATH.

An HTML comment right before a block says more:
  <!-- test: error REGEX -->   the block must fail, with a message matching REGEX;
  <!-- test: background -->    sh: a server to start and keep until the document ends; the
                                runner waits until the first port in it answers /health;
  <!-- test: skip REASON -->   not run here (few, each saying which test covers it).
Ports 7878, 7879, ... in a document are replaced by free ports (the same one each time), so
the examples can say 7878 like the servers' default. ```text, ```json, ```toml and ```rust
blocks are shown output or configuration (the Rust example is clients/rust/examples/readme.rs,
run by test_rust_client.py).

A second test checks that the documentation names every command-line option, environment
variable, extension setting and SQL function a user can meet."""

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import odtest

DOCS = ["README.md", "docs/user-guide.md", "docs/operations.md"]
RUNNABLE = {"sql", "python", "sh"}
BLOCK = re.compile(r"(?:<!--\s*test:\s*(?P<note>[^>]*?)\s*-->\s*\n)?^```(?P<lang>[a-z]*)\n(?P<body>.*?)^```", re.S | re.M)
PORT = re.compile(r"\b78[78]\d\b")
MAX_SKIPPED = 6  # over all documents: skipping must stay the exception


@dataclass
class Example:
	line: int
	lang: str
	body: str
	note: str


def examples(doc: Path) -> list:
	text = doc.read_text()
	found = []
	for match in BLOCK.finditer(text):
		found.append(Example(text[:match.start("body")].count("\n") + 1, match.group("lang"), match.group("body"),
		                     (match.group("note") or "").strip()))
	return found


def statements(script: str) -> list:
	"""`script` cut at its semicolons (those DuckDB's tokenizer sees: not in strings or comments)."""
	cuts = [position for position, kind in duckdb.tokenize(script)
	        if kind == duckdb.token_type.operator and script[position] == ";"]
	pieces, start = [], 0
	for cut in cuts + [len(script)]:
		if script[start:cut].strip():
			pieces.append(script[start:cut])
		start = cut + 1
	return [p for p in pieces if any(kind != duckdb.token_type.comment for _, kind in duckdb.tokenize(p))]


class DocSession:
	"""What a reader of one document has: a folder, a DuckDB connection, a Python namespace,
	the servers the document started."""

	def __init__(self, doc: Path, folder: Path):
		self.doc = doc
		self.folder = folder
		folder.mkdir(parents=True)
		(folder / "build").symlink_to(odtest.BUILD_DIR)
		(folder / ".venv").symlink_to(odtest.VENV)
		self.ports = {}
		self.con = None
		self.namespace = {}
		self.background = []
		self.env = odtest.clean_env(PATH=f"{odtest.BUILD_DIR}:{odtest.VENV / 'bin'}:{os.environ['PATH']}")

	def substitute(self, text: str) -> str:
		def port(match):
			return str(self.ports.setdefault(match.group(0), odtest.free_port()))
		return PORT.sub(port, text)

	def where(self, example: Example) -> str:
		return f"{self.doc.name}:{example.line}"

	def run(self, example: Example):
		body = self.substitute(example.body)
		expected_error = example.note[len("error"):].strip() if example.note.startswith("error") else None
		errors = {"sql": self.run_sql, "python": self.run_python, "sh": self.run_sh}[example.lang](
		    body, example.note == "background")
		where = self.where(example)
		if expected_error is None:
			assert not errors, f"{where}: the example failed:\n{body}\n{errors[0]}"
			return
		assert errors, f"{where}: the example should fail with /{expected_error}/ but ran:\n{body}"
		for error in errors:
			assert re.search(expected_error, error, re.S), f"{where}: /{expected_error}/ not in:\n{error}"

	def run_sql(self, body: str, _background: bool) -> list:
		if self.con is None:
			self.con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
		# One statement at a time, as the CLI sends them (a script handed whole to DuckDB would
		# not reach the extension's parser for CREATE DATABASE and the like); stops at an error.
		for statement in statements(body):
			try:
				self.con.execute(statement).fetchall()
			except duckdb.Error as ex:
				return [str(ex)]
		return []

	def run_python(self, body: str, _background: bool) -> list:
		try:
			exec(compile(body, str(self.doc), "exec"), self.namespace)
		except Exception as ex:  # the example's own exception is what the note describes
			return [f"{type(ex).__module__}.{type(ex).__qualname__}: {ex}"]
		return []

	def run_sh(self, body: str, background: bool) -> list:
		if background:
			log = open(self.folder / f"background-{len(self.background)}.log", "wb")
			process = subprocess.Popen(["bash", "-c", body], cwd=self.folder, env=self.env, stdout=log,
			                           stderr=subprocess.STDOUT, start_new_session=True)
			self.background.append((process, log))
			port = int(re.search(r"--port\s+(\d+)", body).group(1))  # a server's block names its port
			deadline = time.monotonic() + 30
			while time.monotonic() < deadline:
				try:
					odtest.http_get(port, "/health")
					return []
				except Exception:
					if process.poll() is not None:
						break
					time.sleep(0.2)
			log.flush()
			return [f"the server did not answer on port {port}: " + (self.folder / log.name).read_text()[-2000:]]
		done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", body], cwd=self.folder, env=self.env,
		                      capture_output=True, text=True, timeout=300)
		self.namespace.setdefault("sh_output", []).append(done.stdout)
		return [] if done.returncode == 0 else [done.stdout + done.stderr]

	def close(self):
		if self.con is not None:
			self.con.close()
		for process, log in self.background:
			if process.poll() is None:
				os.killpg(process.pid, signal.SIGTERM)
				try:
					process.wait(15)
				except subprocess.TimeoutExpired:
					os.killpg(process.pid, signal.SIGKILL)
					process.wait()
			log.close()


@pytest.mark.parametrize("name", DOCS)
def test_every_example_runs(name, tmp_path, monkeypatch):
	doc = odtest.REPO / name
	session = DocSession(doc, tmp_path / "reader")
	monkeypatch.chdir(session.folder)
	ran = 0
	try:
		for example in examples(doc):
			if example.lang not in RUNNABLE:
				continue
			if example.note.startswith("skip"):
				assert example.note[len("skip"):].strip(), f"{session.where(example)}: a skip must say why"
				continue
			session.run(example)
			ran += 1
	finally:
		session.close()
	assert ran >= 3, f"{name}: only {ran} examples found"


def test_skipped_examples_are_few():
	skipped = [(name, e.line, e.note) for name in DOCS for e in examples(odtest.REPO / name)
	           if e.lang in RUNNABLE and e.note.startswith("skip")]
	assert len(skipped) <= MAX_SKIPPED, skipped


def _documented() -> str:
	return "\n".join((odtest.REPO / name).read_text() for name in DOCS)


def test_every_option_variable_setting_and_function_is_documented():
	docs = _documented()
	missing = []
	for command in ["serve", "gateway", "worker", "db", "snapshot", "gc", "token", "status"]:
		help_text = subprocess.run([str(odtest.OPENDUCK_BIN), command, "--help"], capture_output=True,
		                           text=True).stdout
		for option in sorted(set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]+)", help_text, re.M)) - {"--help"}):
			if option not in docs:
				missing.append(f"openduck {command} {option}")
	sources = [p for folder in ("src", "clients/python/openduck", "clients/rust/src")
	           for p in (odtest.REPO / folder).rglob("*") if p.suffix in (".cpp", ".hpp", ".py", ".rs")]
	variables = set()
	for path in sources:
		variables |= set(re.findall(r'"(OPENDUCK_[A-Z_]+)"', path.read_text()))
	# Not variables: EXPLAIN's operator names, a build-time constant, the tests' failpoint hook.
	not_variables = {f"OPENDUCK_{name}" for name in ("SCAN", "QUERY", "INSERT", "UPDATE", "DELETE", "DDL",
	                                                 "DUCKDB_VERSION", "FAILPOINTS")}
	for variable in sorted(variables - not_variables):
		if variable not in docs:
			missing.append(variable)
	con = odtest.python_host()
	for (setting,) in con.sql("SELECT name FROM duckdb_settings() WHERE name LIKE 'openduck%'").fetchall():
		if setting not in docs:
			missing.append(f"SET {setting}")
	internal = {"openduck_scan", "openduck_split_read", "openduck_merge_avg", "openduck_database_statement"}
	for (function,) in con.sql("SELECT DISTINCT function_name FROM duckdb_functions() "
	                           "WHERE function_name LIKE 'openduck%'").fetchall():
		if function not in internal and function not in docs:
			missing.append(f"{function}()")
	con.close()
	assert not missing, "not in " + ", ".join(DOCS) + ": " + ", ".join(missing)
