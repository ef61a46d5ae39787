"""Our own sqllogictest files (test/sqllogic/cases/*.test), one per class of failure the
conformance runner found and fixed, run by test/sqllogic/run.py through OpenDuck and through
plain DuckDB. The full run over DuckDB's own test/sql is a documented command (docs/testing.md)."""

import subprocess
import sys
from pathlib import Path

import odtest

SQLLOGIC = Path(__file__).resolve().parents[1] / "sqllogic"


def test_our_conformance_files_pass_through_openduck():
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	cases = sorted((SQLLOGIC / "cases").glob("*.test"))
	assert cases
	result = subprocess.run([sys.executable, str(SQLLOGIC / "run.py"), *map(str, cases)], capture_output=True,
	                        text=True, timeout=600, env=odtest.clean_env())
	summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
	assert result.returncode == 0, result.stdout + result.stderr
	assert f"sqllogic: {len(cases)} of {len(cases)} files" in summary, result.stdout
	assert "0 fail on plain DuckDB here, 0 skipped" in summary, result.stdout
