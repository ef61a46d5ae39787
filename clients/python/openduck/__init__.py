"""Python client for OpenDuck.

    import openduck
    con = openduck.connect("mydb", endpoint="http://localhost:7878", token="...")
    con.sql("SELECT * FROM sales LIMIT 5").show()

`connect` returns a plain duckdb connection with the OpenDuck extension loaded, the remote
database attached (alias = the database name unless given) and selected with USE, so remote
tables can be named without a prefix and joined with local data.
"""
import os
from pathlib import Path
from typing import Optional

import duckdb

__all__ = ["connect", "extension_path"]
__version__ = "0.1.0"

_EXTENSION_FILE = "openduck.duckdb_extension"


def extension_path() -> str:
    """Where the OpenDuck extension is loaded from.

    OPENDUCK_EXTENSION_PATH wins; otherwise the build directory of the source tree this
    package lives in (clients/python/openduck -> <repo>/build)."""
    configured = os.environ.get("OPENDUCK_EXTENSION_PATH")
    if configured:
        return configured
    candidate = Path(__file__).resolve().parents[3] / "build" / _EXTENSION_FILE
    if candidate.exists():
        return str(candidate)
    raise FileNotFoundError(
        f"cannot find {_EXTENSION_FILE}: set OPENDUCK_EXTENSION_PATH to the built extension "
        "(e.g. <openduck checkout>/build/openduck.duckdb_extension)")


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_identifier(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def connect(database: str, *, endpoint: Optional[str] = None, token: Optional[str] = None,
            alias: Optional[str] = None, snapshot: Optional[str] = None, ca: Optional[str] = None,
            config: Optional[dict] = None) -> duckdb.DuckDBPyConnection:
    """Opens an in-memory DuckDB with `database` from an OpenDuck server attached.

    endpoint and token default to OPENDUCK_ENDPOINT (http://localhost:7878) and OPENDUCK_TOKEN.
    `ca` is a PEM file of the CA that signed an https:// server's certificate (default:
    OPENDUCK_CA, else the system's CAs).
    `config` is passed to duckdb.connect (allow_unsigned_extensions is always set, since the
    extension is not signed by DuckDB)."""
    if not database:
        raise ValueError("openduck.connect needs a database name, e.g. openduck.connect('mydb')")
    settings = dict(config or {})
    settings["allow_unsigned_extensions"] = "true"
    con = duckdb.connect(config=settings)
    try:
        con.execute(f"LOAD {_quote_literal(extension_path())}")
        options = []
        if endpoint is not None:
            options.append(f"ENDPOINT {_quote_literal(endpoint)}")
        if token is not None:
            options.append(f"TOKEN {_quote_literal(token)}")
        if snapshot is not None:
            options.append(f"SNAPSHOT {_quote_literal(snapshot)}")
        if ca is not None:
            options.append(f"CA {_quote_literal(ca)}")
        name = alias or database
        option_sql = f" ({', '.join(options)})" if options else ""
        con.execute(f"ATTACH {_quote_literal('openduck:' + database)} AS {_quote_identifier(name)}{option_sql}")
        con.execute(f"USE {_quote_identifier(name)}")
    except Exception:
        con.close()
        raise
    return con
