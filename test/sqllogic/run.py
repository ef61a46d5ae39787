"""DuckDB's sqllogictest files run through OpenDuck and through plain DuckDB, file by file.

Each file runs twice, from scratch: on plain DuckDB (a fresh in-memory database attached as
`cloud` and selected with USE) and through OpenDuck (a fresh remote database attached as `cloud`
and selected with USE). Plain DuckDB is the oracle: a file counts only when it passes there
(every `statement ok` succeeds, every `statement error` fails with the expected message, every
query runs). It then passes through OpenDuck when every record has the same outcome: the same
success or failure, the expected error message when plain DuckDB gave it, and the same rows
(in order unless the query says rowsort or valuesort; EXPLAIN output is not compared, since
parts of a plan run on the worker by design). Queries with a result label (`query I nosort r1`)
are compared with the earlier queries of that label in the same engine, as DuckDB's runner does,
since the data behind them may differ between the engines (random()).

Files that need what a remote database cannot have by design are skipped and counted apart:
`load` (a specific database file), `restart`/`reconnect`, `require` (extensions, settings of the
runner), concurrent loops and files that read DuckDB's test data directory.

Usage:
  .venv/bin/python test/sqllogic/run.py [--root DIR] [--sample N] [--seed S] [--dirs a,b]
        [--no-verification] [--report FILE] [PATH ...]
PATH: .test files or folders (default: DIR, which defaults to $DUCKDB_TEST_SQL: the test/sql
folder of DuckDB v1.4.4's source). The last line is the summary.
"""

import argparse
import math
import random
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import duckdb  # noqa: E402
import odtest  # noqa: E402

# A record running longer is interrupted (and counts as failed on that side).
RECORD_TIMEOUT_S = 30
# A file whose records together run longer on one side stops there (counted as failed on it).
FILE_BUDGET_S = 90
# Rows compared value by value; beyond them, results are compared by their row count only.
COMPARED_ROWS = 10000
SKIP_COMMANDS = {"load", "restart", "reconnect", "concurrentloop", "concurrentforeach", "unzip", "require-env",
                 "test-env", "require", "sleep", "mode output_hash", "mode output_result"}


class Skip(Exception):
	"""The file cannot run here; the message says why."""


@dataclass
class Record:
	line: int
	kind: str  # "statement" or "query"
	expect: str = "ok"  # ok | error | maybe (statements)
	sql: str = ""
	connection: Optional[str] = None
	sort: str = "nosort"
	error_text: str = ""
	# `query III nosort r1`: queries with one label return the same rows within a run (checked
	# within each engine, not against the other: their data may differ, e.g. random()).
	label: Optional[str] = None


@dataclass
class Outcome:
	error: Optional[str] = None
	rows: Optional[list] = None
	total_rows: int = 0


def _block(lines, i):
	"""The lines from i up to the next blank line, and where that ends."""
	out = []
	while i < len(lines) and lines[i].strip() != "":
		out.append(lines[i])
		i += 1
	return out, i


def parse(path: Path, keep_verification: bool) -> List[Record]:
	lines = path.read_text(errors="replace").splitlines()
	records: List[Record] = []
	loops = []  # stack of (variable, values, records-before)
	skipping = False
	i = 0
	while i < len(lines):
		line = lines[i].strip()
		if not line or line.startswith("#"):
			i += 1
			continue
		words = line.split()
		command = words[0]
		if command == "mode":
			if words[1:2] == ["skip"]:
				skipping = True
			elif words[1:2] == ["unskip"]:
				skipping = False
			elif " ".join(words[:2]) in SKIP_COMMANDS:
				raise Skip(f"line {i + 1}: {line}")
			i += 1
			continue
		if command in SKIP_COMMANDS:
			raise Skip(f"line {i + 1}: {line}")
		if command in ("skipif", "onlyif"):
			# We are DuckDB itself; conditions on the runner's own settings (threadid=0,
			# compression=...) cannot hold here, so their records are left out.
			condition = words[1] if len(words) > 1 else ""
			runner_setting = any(c in condition for c in "=<>")
			if runner_setting or (condition == "duckdb") == (command == "skipif"):
				_, i = _block(lines, i)
				continue
			i += 1
			continue
		if command in ("halt",):
			break
		if command in ("loop", "foreach"):
			if command == "loop":
				values = [str(v) for v in range(int(words[2]), int(words[3]))]
			else:
				values = words[2:]
			loops.append((words[1], values, len(records)))
			i += 1
			continue
		if command == "endloop":
			variable, values, start = loops.pop()
			body = records[start:]
			del records[start:]
			for value in values:
				for record in body:
					copy = Record(**record.__dict__)
					copy.sql = copy.sql.replace("${" + variable + "}", value)
					copy.error_text = copy.error_text.replace("${" + variable + "}", value)
					records.append(copy)
			i += 1
			continue
		if command not in ("statement", "query"):
			i += 1  # hash-threshold, set seed, tags and the like change nothing here
			continue
		header_line = i + 1
		block, i = _block(lines, i + 1)
		if skipping:
			continue
		record = Record(line=header_line, kind=command)
		if "----" in block:
			split = block.index("----")
			sql_lines, expected = block[:split], block[split + 1:]
		else:
			sql_lines, expected = block, []
		record.sql = "\n".join(sql_lines)
		rest = words[2:]
		if command == "statement":
			record.expect = words[1] if len(words) > 1 else "ok"
			record.error_text = "\n".join(expected).strip()
		else:
			for position, word in enumerate(rest):
				if word in ("nosort", "rowsort", "valuesort"):
					record.sort = word
					following = rest[position + 1:position + 2]
					if following and not re.fullmatch(r"con\d+", following[0]):
						record.label = following[0]
		for word in rest:
			if re.fullmatch(r"con\d+", word):
				record.connection = word
		if "${" in record.sql and not loops:
			raise Skip(f"line {record.line}: a runner variable ({record.sql.split('${')[1].split('}')[0]})")
		if "__TEST_DIR__" in record.sql or "{DATA_DIR}" in record.sql or "data/" in record.sql:
			raise Skip(f"line {record.line}: reads or writes DuckDB's test files")
		if not keep_verification and re.fullmatch(r"(?is)\s*pragma\s+enable_verification\s*;?\s*", record.sql):
			continue
		records.append(record)
	return records


def _value(value):
	if isinstance(value, float):
		return ("float", value)
	return (type(value).__name__, repr(value))


def _same(a, b) -> bool:
	if a[0] == "float" and b[0] == "float":
		x, y = a[1], b[1]
		return (math.isnan(x) and math.isnan(y)) or x == y or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
	return a == b


class Engine:
	"""One side: named connections to one database selected as `cloud`."""

	def __init__(self, connect, prepare):
		self.root = connect()
		prepare(self.root)
		self.prepare = prepare
		self.connections = {}

	def connection(self, name):
		if name is None:
			return self.root
		if name not in self.connections:
			cursor = self.root.cursor()
			cursor.execute("USE cloud")
			self.connections[name] = cursor
		return self.connections[name]

	def run(self, record: Record) -> Outcome:
		con = self.connection(record.connection)
		total = 0
		try:
			result = con.execute(record.sql)
			rows = result.fetchmany(COMPARED_ROWS + 1) if record.kind == "query" else None
			if rows is not None:
				total = len(rows)
				while total > COMPARED_ROWS and (more := result.fetchmany(100000)):
					total += len(more)
		except duckdb.Error as e:
			return Outcome(error=str(e))
		if rows is not None:
			if total > COMPARED_ROWS:
				# Too many to compare one by one: the count, and the leading rows when ordered.
				rows = [tuple(_value(v) for v in row) for row in rows[:COMPARED_ROWS]] if record.sort == "nosort" \
				    else []
			else:
				rows = [tuple(_value(v) for v in row) for row in rows]
			if record.sort == "rowsort":
				rows.sort(key=repr)
			elif record.sort == "valuesort":
				rows = sorted((v for row in rows for v in row), key=repr)
		return Outcome(rows=rows, total_rows=total)

	def close(self):
		for con in self.connections.values():
			con.close()
		self.root.close()


def _error_matches(expected: str, message: str) -> bool:
	if not expected:
		return True
	if expected.startswith("<REGEX>:"):
		return re.search(expected[len("<REGEX>:"):], message, re.DOTALL) is not None
	if expected.startswith("<!REGEX>:"):
		return re.search(expected[len("<!REGEX>:"):], message, re.DOTALL) is None
	return expected in message


def _plain_problem(record: Record, outcome: Outcome) -> Optional[str]:
	if record.kind == "statement" and record.expect == "ok" and outcome.error:
		return "statement ok failed: " + outcome.error
	if record.kind == "statement" and record.expect == "error":
		if not outcome.error:
			return "statement error succeeded"
		if not _error_matches(record.error_text, outcome.error):
			return "error message differs from the file's"
	if record.kind == "query" and outcome.error:
		return "query failed: " + outcome.error
	return None


def _rows_differ(a: Outcome, b: Outcome) -> bool:
	return a.total_rows != b.total_rows or len(a.rows) != len(b.rows) or not all(
	    (all(_same(x, y) for x, y in zip(p, o)) if isinstance(p, tuple) else _same(p, o))
	    for p, o in zip(a.rows, b.rows))


def _label_difference(record: Record, labelled: dict, outcome: Outcome) -> Optional[str]:
	"""The first query of a label stores its rows; later ones must return the same."""
	if record.label is None or outcome.rows is None:
		return None
	first = labelled.setdefault(record.label, outcome)
	if first is not outcome and _rows_differ(first, outcome):
		return f"rows differ from the earlier query labelled {record.label}: {str(first.rows)[:300]}\n    " \
		       f"now {str(outcome.rows)[:300]}"
	return None


def _difference(record: Record, plain: Outcome, ours: Outcome) -> Optional[str]:
	if (plain.error is None) != (ours.error is None):
		return f"plain: {plain.error or 'ok'}\n    openduck: {ours.error or 'ok'}"
	if plain.error and record.kind == "statement" and record.expect == "error" and record.error_text \
	   and not _error_matches(record.error_text, ours.error):
		return f"expected error {record.error_text!r}\n    openduck: {ours.error}"
	# A plan differs by design (parts of it run on the worker): EXPLAIN only has to work.
	explain = re.match(r"(?is)\s*explain\b", record.sql) is not None
	if plain.rows is not None and ours.rows is not None and not explain and record.label is None:
		if _rows_differ(plain, ours):
			return f"rows differ: plain {str(plain.rows)[:300]}\n    openduck {str(ours.rows)[:300]}"
	return None


@dataclass
class FileResult:
	path: str
	status: str  # passed | failed | plain-failed | skipped
	detail: str = ""


class Runner:
	def __init__(self, keep_verification: bool, work: Path):
		self.keep_verification = keep_verification
		self.launcher = odtest.Launcher(work, work, "sqllogic")
		self.server = None
		self.files_on_server = 0
		self.counter = 0

	def _fresh_remote(self):
		# A server holds every database it ever served open: start a new one now and then.
		if self.server is None or self.files_on_server >= 40:
			if self.server is not None:
				self.server.process.stop()
			self.server = self.launcher.serve(["sqllogic"])
			self.files_on_server = 0
		self.files_on_server += 1
		self.counter += 1
		name = f"f{self.counter}"
		admin = odtest.python_host()
		try:
			admin.execute(self.server.attach_sql("sqllogic"))
			admin.execute(f"SELECT * FROM openduck_create_database('cloud', '{name}')").fetchall()
		finally:
			admin.close()
		return name

	def run_file(self, path: Path) -> FileResult:
		try:
			records = parse(path, self.keep_verification)
		except (Skip, ValueError, IndexError) as e:
			return FileResult(str(path), "skipped", str(e))
		plain = Engine(duckdb.connect, lambda con: con.execute("ATTACH ':memory:' AS cloud; USE cloud"))
		plain_outcomes = []
		plain_labelled, ours_labelled = {}, {}
		deadline = time.monotonic() + FILE_BUDGET_S
		try:
			for record in records:
				if time.monotonic() > deadline:
					return FileResult(str(path), "plain-failed", f"line {record.line}: over {FILE_BUDGET_S} s")
				outcome = self._timed(plain, record)
				problem = _plain_problem(record, outcome) or _label_difference(record, plain_labelled, outcome)
				if problem:
					return FileResult(str(path), "plain-failed", f"line {record.line}: {problem}"[:300])
				plain_outcomes.append(outcome)
		finally:
			plain.close()
		name = self._fresh_remote()
		server = self.server

		def connect():
			return odtest.python_host()

		ours = Engine(connect, lambda con: con.execute(f"{server.attach_sql(name)}; USE cloud"))
		deadline = time.monotonic() + 2 * FILE_BUDGET_S
		try:
			for record, expected in zip(records, plain_outcomes):
				if time.monotonic() > deadline:
					return FileResult(str(path), "failed", f"line {record.line}: over {2 * FILE_BUDGET_S} s through "
					                                       f"OpenDuck (plain DuckDB took under {FILE_BUDGET_S} s)")
				outcome = self._timed(ours, record)
				difference = _difference(record, expected, outcome) or _label_difference(record, ours_labelled, outcome)
				if difference:
					return FileResult(str(path), "failed",
					                  f"line {record.line}: {record.sql[:200]}\n    {difference}")
		finally:
			ours.close()
		return FileResult(str(path), "passed")

	@staticmethod
	def _timed(engine: Engine, record: Record) -> Outcome:
		con = engine.connection(record.connection)
		timer = threading.Timer(RECORD_TIMEOUT_S, con.interrupt)
		timer.start()
		try:
			return engine.run(record)
		finally:
			timer.cancel()

	def close(self):
		self.launcher.stop_all()


def collect(paths: List[Path], dirs: Optional[List[str]]) -> List[Path]:
	files = []
	for path in paths:
		if path.is_file():
			files.append(path)
			continue
		for file in sorted(path.rglob("*.test")):
			if dirs is None or file.relative_to(path).parts[0] in dirs:
				files.append(file)
	return files


def main(argv=None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("paths", nargs="*", type=Path)
	parser.add_argument("--root", type=Path, default=None, help="DuckDB's test/sql (default: $DUCKDB_TEST_SQL)")
	parser.add_argument("--dirs", default=None, help="only these top-level folders of the root, comma-separated")
	parser.add_argument("--sample", type=int, default=0, help="a random sample of this many files")
	parser.add_argument("--seed", type=int, default=1)
	parser.add_argument("--no-verification", action="store_true", help="drop PRAGMA enable_verification")
	parser.add_argument("--report", type=Path, help="also write the report to this file")
	parser.add_argument("--progress", action="store_true", help="print every file's outcome as it ends")
	args = parser.parse_args(argv)
	import os
	root = args.root or (Path(os.environ["DUCKDB_TEST_SQL"]) if os.environ.get("DUCKDB_TEST_SQL") else None)
	paths = args.paths or ([root] if root else [])
	if not paths:
		parser.error("give .test files or folders, --root, or set DUCKDB_TEST_SQL")
	files = collect(paths, args.dirs.split(",") if args.dirs else None)
	if args.sample and args.sample < len(files):
		files = sorted(random.Random(args.seed).sample(files, args.sample))
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	runner = Runner(not args.no_verification, Path(tempfile.mkdtemp(prefix="openduck-sqllogic-")))
	results = []
	started = time.monotonic()
	try:
		for file in files:
			result = runner.run_file(file)
			results.append(result)
			if result.status == "failed":
				print(f"FAILED {file}\n  {result.detail}", flush=True)
			elif args.progress:
				print(f"{result.status} {file} {result.detail}"[:200], flush=True)
	finally:
		runner.close()
	lines = []
	by_dir = {}
	base = root if root else None
	for result in results:
		path = Path(result.path)
		folder = path.relative_to(base).parts[0] if base and path.is_relative_to(base) else path.parent.name
		by_dir.setdefault(folder, {"passed": 0, "failed": 0, "plain-failed": 0, "skipped": 0})[result.status] += 1
	lines.append(f"{'folder':<20} {'passed':>7} {'failed':>7} {'plain-failed':>13} {'skipped':>8}")
	for folder, counts in sorted(by_dir.items()):
		lines.append(f"{folder:<20} {counts['passed']:>7} {counts['failed']:>7} {counts['plain-failed']:>13} "
		             f"{counts['skipped']:>8}")
	passed = sum(r.status == "passed" for r in results)
	failed = sum(r.status == "failed" for r in results)
	skipped = sum(r.status == "skipped" for r in results)
	plain_failed = sum(r.status == "plain-failed" for r in results)
	comparable = passed + failed
	summary = (f"sqllogic: {passed} of {comparable} files that pass on plain DuckDB pass through OpenDuck "
	           f"({100.0 * passed / max(comparable, 1):.1f}%), {failed} fail only through OpenDuck; "
	           f"{plain_failed} fail on plain DuckDB here, {skipped} skipped; "
	           f"verification {'off' if args.no_verification else 'kept'}; {time.monotonic() - started:.0f} s")
	report = "\n".join(lines + [""] + [f"FAILED {r.path}\n  {r.detail}" for r in results if r.status == "failed"]
	                   + ["", summary])
	if args.report:
		args.report.write_text(report + "\n")
	print("\n".join(lines))
	print(summary)
	return 0 if failed == 0 else 1


if __name__ == "__main__":
	sys.exit(main())
