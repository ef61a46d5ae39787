"""The openduck package as its users install it: run from a virtualenv holding only the wheel
(and pytest), against the server named by OPENDUCK_ENDPOINT / OPENDUCK_TOKEN, on database
OPENDUCK_TEST_DATABASE (test/e2e/test_python_package.py sets all three up)."""
import os
import socket
from pathlib import Path

import duckdb
import pytest

import openduck

DATABASE = os.environ.get("OPENDUCK_TEST_DATABASE", "pydb")


@pytest.fixture
def con():
    con = openduck.connect(DATABASE)
    yield con
    con.close()


def test_the_extension_comes_from_the_installed_package():
    if os.environ.get("OPENDUCK_EXTENSION_PATH"):
        pytest.skip("OPENDUCK_EXTENSION_PATH overrides the package's copy")
    path = Path(openduck.extension_path())
    assert path.parent == Path(openduck.__file__).resolve().parent
    assert (path.parent / "libduckdb.so").is_file()


def test_connect_attaches_as_cloud_and_selects_it(con):
    con.execute("CREATE OR REPLACE TABLE cloud.users AS SELECT range AS id, 'user' || range AS name FROM range(20)")
    assert con.sql("SELECT count(*) FROM cloud.users").fetchall() == [(20,)]
    assert con.sql("SELECT name FROM users WHERE id = 3").fetchall() == [("user3",)]
    assert isinstance(con, duckdb.DuckDBPyConnection)
    assert con.execute("SELECT current_database()").fetchone() == ("cloud",)


def test_alias_names_the_attachment():
    con = openduck.connect(DATABASE, alias="remote")
    try:
        con.execute("CREATE OR REPLACE TABLE remote.aliased AS SELECT 1 AS x")
        assert con.sql("SELECT x FROM aliased").fetchall() == [(1,)]
    finally:
        con.close()


def test_local_keeps_a_local_database_file_next_to_the_remote(tmp_path):
    path = tmp_path / "mine.duckdb"
    con = openduck.connect(DATABASE, local=str(path))
    try:
        con.execute("CREATE TABLE mine.main.teams AS SELECT range AS id, 'team' || range AS team FROM range(3)")
        con.execute("CREATE OR REPLACE TABLE cloud.members AS SELECT range AS id, range % 3 AS team FROM range(30)")
        rows = con.sql("SELECT t.team, count(*) FROM members m JOIN mine.main.teams t ON m.team = t.id "
                       "GROUP BY t.team ORDER BY t.team").fetchall()
        assert rows == [("team0", 10), ("team1", 10), ("team2", 10)]
    finally:
        con.close()
    local = duckdb.connect(str(path))
    assert local.execute("SELECT count(*) FROM teams").fetchone() == (3,)
    local.close()


def test_endpoint_and_token_arguments_win_over_the_environment(monkeypatch):
    endpoint, token = os.environ["OPENDUCK_ENDPOINT"], os.environ["OPENDUCK_TOKEN"]
    monkeypatch.setenv("OPENDUCK_TOKEN", "wrong")
    con = openduck.connect(DATABASE, endpoint=endpoint, token=token)
    assert con.sql("SELECT 42").fetchall() == [(42,)]
    con.close()


def test_a_bad_token_says_so(monkeypatch):
    monkeypatch.setenv("OPENDUCK_TOKEN", "not-the-token")
    with pytest.raises(openduck.Error, match="(?s)authentication failed.*OPENDUCK_TOKEN"):
        openduck.connect(DATABASE)


def test_an_unknown_database_says_so():
    with pytest.raises(openduck.Error, match="no_such_database.*does not exist"):
        openduck.connect("no_such_database")


def test_an_unreachable_server_says_so():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(openduck.Error, match="(?s)cannot reach.*OPENDUCK_ENDPOINT"):
        openduck.connect(DATABASE, endpoint=f"http://127.0.0.1:{port}")


def test_a_different_duckdb_is_refused_naming_both_versions():
    with pytest.raises(openduck.Error, match="duckdb 1.4.4.*duckdb 1.3.2 is installed.*pip install duckdb==1.4.4"):
        openduck.check_duckdb_version("1.3.2")
    openduck.check_duckdb_version()  # the installed one is right


def test_a_wrong_extension_path_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENDUCK_EXTENSION_PATH", str(tmp_path / "missing.duckdb_extension"))
    with pytest.raises(openduck.Error, match="OPENDUCK_EXTENSION_PATH"):
        openduck.connect(DATABASE)


def test_unsigned_extensions_refused_names_the_fix():
    with pytest.raises(openduck.Error, match="not signed by DuckDB"):
        openduck.connect(DATABASE, config={"allow_unsigned_extensions": False})
