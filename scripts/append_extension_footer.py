#!/usr/bin/env python3
"""Writes a loadable DuckDB extension: the shared library followed by DuckDB's 512-byte footer.

The footer is eight 32-byte metadata fields, stored in reverse of the order DuckDB reads them
(magic "4" last), then a 256-byte signature left empty (hosts load it with
allow_unsigned_extensions)."""
import argparse


def field(text: str) -> bytes:
    data = text.encode()
    if len(data) > 32:
        raise SystemExit(f"footer field too long: {text!r}")
    return data + b"\0" * (32 - len(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("library")
    parser.add_argument("output")
    parser.add_argument("--extension-version", required=True)
    parser.add_argument("--duckdb-version", required=True)
    parser.add_argument("--platform", required=True)
    args = parser.parse_args()
    fields = ["", "", "", "CPP", args.extension_version, args.duckdb_version, args.platform, "4"]
    with open(args.library, "rb") as f:
        body = f.read()
    with open(args.output, "wb") as f:
        f.write(body + b"".join(field(x) for x in fields) + b"\0" * 256)


if __name__ == "__main__":
    main()
