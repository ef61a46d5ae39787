"""Python client for OpenDuck.

    import openduck
    con = openduck.connect("mydb")          # endpoint/token: arguments, else OPENDUCK_ENDPOINT/TOKEN
    con.sql("SELECT * FROM cloud.users LIMIT 10").show()
    con.sql("SELECT * FROM users LIMIT 10").show()   # the same: `USE cloud` is done

`connect` returns a plain `duckdb.DuckDBPyConnection` with the OpenDuck extension loaded and the
remote database attached as `cloud` (or `alias=`) and selected with USE, so remote tables can be
named without a prefix and joined with local data (`local=` keeps a local database file next to
it). The wheel carries the extension and the libduckdb.so it links; it works with exactly the
DuckDB it was built for (duckdb==1.4.4).
"""
import os
from pathlib import Path
from typing import Optional

import duckdb

__all__ = ["connect", "extension_path", "Error", "DUCKDB_VERSION"]
__version__ = "0.1.0"

# The DuckDB this package and its extension were built for (the wheel pins it too).
DUCKDB_VERSION = "1.4.4"
_EXTENSION_FILE = "openduck.duckdb_extension"
_DEFAULT_ENDPOINT = "http://localhost:7878"


class Error(RuntimeError):
    """A connection could not be made; the message says why and what to do."""


def extension_path() -> str:
    """Where the OpenDuck extension is loaded from, in this order: OPENDUCK_EXTENSION_PATH, the
    copy inside this package (installed from the wheel), the build directory of the source tree
    this package lives in (clients/python/openduck -> <repo>/build)."""
    configured = os.environ.get("OPENDUCK_EXTENSION_PATH")
    if configured:
        if not Path(configured).is_file():
            raise Error(f"OPENDUCK_EXTENSION_PATH is {configured!r}, which is not a file: point it at "
                        f"{_EXTENSION_FILE}, or unset it to use the one in this package")
        return configured
    here = Path(__file__).resolve().parent
    for candidate in (here / _EXTENSION_FILE, here.parents[2] / "build" / _EXTENSION_FILE):
        if candidate.is_file():
            return str(candidate)
    raise Error(f"cannot find {_EXTENSION_FILE}: install the openduck wheel (pip install "
                f"openduck-<version>-<platform>.whl, built into <openduck checkout>/build/), or set "
                f"OPENDUCK_EXTENSION_PATH to a built extension")


def check_duckdb_version(installed: Optional[str] = None) -> None:
    """Raises Error unless the installed duckdb is the one this package was built for."""
    installed = installed or duckdb.__version__
    if installed != DUCKDB_VERSION:
        raise Error(f"openduck {__version__} works with duckdb {DUCKDB_VERSION}, but duckdb {installed} is "
                    f"installed: pip install duckdb=={DUCKDB_VERSION}")


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_identifier(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _explain(error: Exception, database: str, endpoint: str) -> str:
    """The extension's message, plus the fix when the message alone does not say it."""
    message = str(error)
    if "allow_unsigned_extensions" in message or "signature" in message.lower():
        return (f"{message}\nThe OpenDuck extension is not signed by DuckDB: do not pass "
                f"config={{'allow_unsigned_extensions': False}} (connect allows unsigned extensions)")
    if "authentication failed" in message:
        return f"{message}\n(endpoint {endpoint}, database {database!r}: check token= or OPENDUCK_TOKEN)"
    if "cannot reach" in message:
        return f"{message}\n(is the server running? check endpoint= or OPENDUCK_ENDPOINT)"
    return message


def connect(database: str, *, endpoint: Optional[str] = None, token: Optional[str] = None,
            alias: str = "cloud", local: Optional[str] = None, snapshot: Optional[str] = None,
            ca: Optional[str] = None, config: Optional[dict] = None) -> duckdb.DuckDBPyConnection:
    """Opens a DuckDB connection with OpenDuck database `database` attached as `alias` and
    selected with USE.

    endpoint, token: default to OPENDUCK_ENDPOINT (else http://localhost:7878) and OPENDUCK_TOKEN.
    local: a local DuckDB database file to open instead of an in-memory one; it stays attached
        under its own name, next to the remote database.
    snapshot: attach that snapshot (name or id) of the database read-only (time travel).
    ca: PEM file of the CA that signed an https:// server's certificate (default: OPENDUCK_CA,
        else the system's CAs).
    config: passed to duckdb.connect (allow_unsigned_extensions is set: the extension is not
        signed by DuckDB).

    Raises Error with the reason and the fix: wrong duckdb version, extension not found, server
    unreachable, bad token, unknown database."""
    if not database:
        raise ValueError("openduck.connect needs a database name, e.g. openduck.connect('mydb')")
    if not alias:
        raise ValueError("alias must name the attached database, e.g. alias='cloud'")
    check_duckdb_version()
    endpoint = endpoint or os.environ.get("OPENDUCK_ENDPOINT") or _DEFAULT_ENDPOINT
    token = token if token is not None else os.environ.get("OPENDUCK_TOKEN")
    settings = dict(config or {})
    settings.setdefault("allow_unsigned_extensions", "true")
    con = duckdb.connect(local if local is not None else ":memory:", config=settings)
    try:
        con.execute(f"LOAD {_quote_literal(extension_path())}")
        options = [f"ENDPOINT {_quote_literal(endpoint)}"]
        if token:
            options.append(f"TOKEN {_quote_literal(token)}")
        if snapshot is not None:
            options.append(f"SNAPSHOT {_quote_literal(snapshot)}")
        if ca is not None:
            options.append(f"CA {_quote_literal(ca)}")
        con.execute(f"ATTACH {_quote_literal('openduck:' + database)} AS {_quote_identifier(alias)} "
                    f"({', '.join(options)})")
        con.execute(f"USE {_quote_identifier(alias)}")
    except Error:
        con.close()
        raise
    except duckdb.Error as e:
        con.close()
        raise Error(_explain(e, database, endpoint)) from e
    return con
