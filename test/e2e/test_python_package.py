"""The Python wheel the build writes (build/openduck-*.whl), installed into a fresh virtualenv
with nothing else (pip resolves its duckdb==1.4.4), runs the package's own test suite
(clients/python/tests) against a real server, from outside the source tree."""

import subprocess
import sys
import venv
from pathlib import Path

import odtest

REPO = Path(__file__).resolve().parents[2]


def test_the_wheel_works_in_a_fresh_virtualenv(launcher, tmp_path):
	server = launcher.serve(["pydb"])
	wheels = sorted(odtest.BUILD_DIR.glob("openduck-*.whl"))
	assert wheels, f"no wheel in {odtest.BUILD_DIR}: the build writes it (cmake --build build)"
	env_dir = tmp_path / "venv"
	venv.EnvBuilder(with_pip=True).create(env_dir)
	python = env_dir / "bin" / "python"
	pytest_version = next(line.split("=", 1)[1] for line in (REPO / "scripts" / "versions.env").read_text().splitlines()
	                      if line.startswith("PYTEST_VERSION="))
	install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheels[-1]),
	                          f"pytest=={pytest_version}"], capture_output=True, text=True, timeout=600)
	assert install.returncode == 0, install.stdout + install.stderr
	# Nothing from this checkout on the path: the package must come from the wheel.
	env = odtest.clean_env(OPENDUCK_ENDPOINT=server.endpoint, OPENDUCK_TOKEN=server.token,
	                       OPENDUCK_TEST_DATABASE="pydb")
	env.pop("OPENDUCK_EXTENSION_PATH", None)
	env.pop("PYTHONPATH", None)
	where = subprocess.run([str(python), "-c", "import openduck; print(openduck.__file__)"], capture_output=True,
	                       text=True, cwd=tmp_path, env=env, timeout=60)
	assert str(env_dir) in where.stdout, where.stdout + where.stderr
	tests = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(REPO / "clients" / "python" / "tests")],
	                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
	assert tests.returncode == 0, tests.stdout[-6000:] + tests.stderr[-3000:]
	assert " passed" in tests.stdout.strip().splitlines()[-1], tests.stdout
