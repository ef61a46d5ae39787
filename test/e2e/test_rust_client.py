"""The Rust client (clients/rust) as its users build it: cargo compiles the crate against the
prebuilt libduckdb.so, runs its unit tests and its integration tests against the session server,
then the README example, whose printed results are checked against values computed here.

cargo's target directory is <build dir>/rust-target: kept between runs (a warm rerun takes
seconds), ignored by git, and gone with the build directory."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import odtest

CRATE_MANIFEST = odtest.REPO / "clients" / "rust" / "Cargo.toml"
TARGET_DIR = odtest.BUILD_DIR / "rust-target"
DATABASE = "testdb"
# A cold build compiles about 200 crates (arrow, the duckdb crate, their build tools): 1.5 min
# on one core here, plus fetching them into cargo's cache the first time.
CARGO_TIMEOUT_S = 900


def find_cargo() -> str:
	"""cargo on PATH, else rustup's default place. Missing cargo fails the test: the client is
	part of the project, so a machine without a Rust toolchain cannot pass it."""
	on_path = shutil.which("cargo")
	if on_path:
		return on_path
	rustup_cargo = Path.home() / ".cargo" / "bin" / "cargo"
	if rustup_cargo.is_file():
		return str(rustup_cargo)
	pytest.fail("cargo not found on PATH or in ~/.cargo/bin: the Rust client (clients/rust) needs a Rust "
	            "toolchain >= 1.84.1; install one with rustup (https://rustup.rs: "
	            "curl --proto '=https' -sSf https://sh.rustup.rs | sh -s -- -y) and rerun")


def run_cargo(server, subcommand: str, *args: str, token=None) -> subprocess.CompletedProcess:
	"""`cargo <subcommand> --locked --manifest-path clients/rust/Cargo.toml <args>` with the
	session server in the environment; stdout and stderr merged in order (cargo announces each
	test binary on stderr, the binary reports on stdout)."""
	odtest.require_build(odtest.EXTENSION)
	env = odtest.clean_env(OPENDUCK_ENDPOINT=server.endpoint, OPENDUCK_TOKEN=token or server.token,
	                       OPENDUCK_EXTENSION_PATH=str(odtest.EXTENSION), OPENDUCK_TEST_DATABASE=DATABASE,
	                       CARGO_TARGET_DIR=str(TARGET_DIR))
	command = [find_cargo(), subcommand, "--locked", "--manifest-path", str(CRATE_MANIFEST), *args]
	return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
	                      stdin=subprocess.DEVNULL, timeout=CARGO_TIMEOUT_S)


def check(done: subprocess.CompletedProcess) -> str:
	assert done.returncode == 0, f"cargo {done.args[1]} failed ({done.returncode}):\n{done.stdout[-10000:]}"
	return done.stdout


def leftover_tables(host, server, prefix: str) -> list:
	con = host(server, DATABASE)
	return con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'cloud' AND starts_with(table_name, ?)",
	                   [prefix]).fetchall()


def cargo_test_results(output: str) -> dict:
	"""{test binary: (status, passed, failed)} from `cargo test` output: cargo announces each
	binary (`Running tests/server.rs (...)`, `Doc-tests openduck`), libtest closes it with
	`test result: ok. N passed; M failed; ...`."""
	results, binary = {}, None
	for line in output.splitlines():
		announced = re.match(r"\s+(?:Running (.+?) \(|Doc-tests \S+)", line)
		if announced:
			binary = announced.group(1) or "doc-tests"
		closed = re.match(r"test result: (\w+)\. (\d+) passed; (\d+) failed", line)
		if closed:
			results[binary] = (closed.group(1), int(closed.group(2)), int(closed.group(3)))
	return results


@pytest.mark.timeout_s(CARGO_TIMEOUT_S + 60)
def test_cargo_test_runs_unit_and_integration_tests(server, host):
	output = check(run_cargo(server, "test"))
	assert "skipping: OPENDUCK_ENDPOINT" not in output, output[-6000:]
	results = cargo_test_results(output)
	assert set(results) == {"unittests src/lib.rs", "tests/server.rs", "doc-tests"}, output[-6000:]
	for name, (status, passed, failed) in results.items():
		assert status == "ok" and failed == 0 and passed > 0, f"{name}: {status}, {passed} passed, {failed} failed"
	for test in ("connect_attaches_as_cloud_and_selects_it", "a_wrong_token_says_so_without_showing_it",
	             "an_unknown_database_says_so", "an_unreachable_server_says_so"):
		assert f"test {test} ... ok" in output, output[-6000:]
	assert leftover_tables(host, server, "rust_it_") == []


def table_rows(section: str) -> list:
	"""The cells of each row of an Arrow pretty-printed table (`| a | b |`), header first."""
	return [[cell.strip() for cell in line.strip().strip("|").split("|")]
	        for line in section.splitlines() if line.startswith("|")]


def sections(output: str) -> dict:
	"""The example's output by `-- title` heading."""
	parts = re.split(r"^-- (.+)$", output, flags=re.MULTILINE)
	return {title: table_rows(body) for title, body in zip(parts[1::2], parts[2::2])}


@pytest.fixture(scope="module")
def readme_output(server) -> str:
	"""What `cargo run --example readme` printed (run once; the tests below read parts of it)."""
	output = check(run_cargo(server, "run", "--example", "readme", "--", DATABASE))
	assert f"connected: OpenDuck database '{DATABASE}' attached as cloud" in output, output
	return output


# The data the example creates, computed here.
AMOUNT = {i: (i * 37) % 101 for i in range(1000)}
REGION = {c: ["north", "south", "east"][c % 3] for c in range(10)}
NORTH = [c for c in range(10) if REGION[c] == "north"]


@pytest.mark.timeout_s(CARGO_TIMEOUT_S + 60)
def test_the_readme_example_prints_the_expected_results(readme_output, server, host):
	results = sections(readme_output)
	tables = results["SHOW ALL TABLES"]
	assert tables[0][:3] == ["database", "schema", "name"], tables[0]
	assert ["memory", "main", "rust_readme_customers"] in [row[:3] for row in tables[1:]], tables

	assert results["remote query (runs whole on the worker)"] == [["sales", "total"], ["1000", str(sum(AMOUNT.values()))]]

	expected_join = [["region", "sales", "total"]]
	for name in sorted(set(REGION.values())):
		ids = [i for i in range(1000) if REGION[i % 10] == name]
		expected_join.append([name, str(len(ids)), str(sum(AMOUNT[i] for i in ids))])
	assert results["hybrid join (remote sales, local customers)"] == expected_join

	assert results["INSERT local rows into the remote table"] == [["id"]] + [[str(1000 + c)] for c in NORTH]
	assert results["after the INSERT"] == [["sales", "total"],
	                                       [str(1000 + len(NORTH)), str(sum(AMOUNT.values()) + 500 * len(NORTH))]]
	assert leftover_tables(host, server, "rust_readme_") == []


def test_the_readme_examples_show_all_tables_lists_the_remote_table(readme_output):
	tables = sections(readme_output)["SHOW ALL TABLES"]
	assert ["cloud", "main", "rust_readme_sales"] in [row[:3] for row in tables[1:]], tables


@pytest.mark.timeout_s(CARGO_TIMEOUT_S + 60)
def test_the_example_reports_a_refused_token_with_the_fix(server):
	done = run_cargo(server, "run", "--example", "readme", "--", DATABASE, token="not-the-token")
	assert done.returncode == 1, done.stdout[-6000:]
	error = next(line for line in done.stdout.splitlines() if line.startswith("error: "))
	assert error.startswith(f"error: attaching OpenDuck database '{DATABASE}' at {server.endpoint}: "), error
	assert "authentication failed" in error and "OPENDUCK_TOKEN" in error, error
	assert "not-the-token" not in done.stdout
