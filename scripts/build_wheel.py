"""Builds the `openduck` Python wheel from a build tree, with the standard library only:
the package's Python code, the loadable extension and the libduckdb.so it links (the extension's
RPATH is $ORIGIN, so both sit in the package directory), pinned to the DuckDB it was built for.

Usage: python3 scripts/build_wheel.py --package clients/python/openduck --extension EXT
         --libduckdb SO --version 0.1.0 --duckdb-version 1.4.4 --platform linux_x86_64 --out DIR
Writes DIR/openduck-<version>-py3-none-<platform>.whl and prints its path.
"""

import argparse
import base64
import hashlib
import zipfile
from pathlib import Path


def record_line(name: str, data: bytes) -> str:
	digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
	return f"{name},sha256={digest},{len(data)}"


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--package", required=True, type=Path)
	parser.add_argument("--extension", required=True, type=Path)
	parser.add_argument("--libduckdb", required=True, type=Path)
	parser.add_argument("--version", required=True)
	parser.add_argument("--duckdb-version", required=True)
	parser.add_argument("--platform", required=True, help="wheel platform tag, e.g. linux_x86_64")
	parser.add_argument("--out", required=True, type=Path)
	args = parser.parse_args()

	tag = f"py3-none-{args.platform}"
	dist_info = f"openduck-{args.version}.dist-info"
	files = {}
	for source in sorted(args.package.glob("*.py")):
		files[f"openduck/{source.name}"] = source.read_bytes()
	files["openduck/openduck.duckdb_extension"] = args.extension.read_bytes()
	files["openduck/libduckdb.so"] = args.libduckdb.read_bytes()
	files[f"{dist_info}/METADATA"] = (
	    "Metadata-Version: 2.1\n"
	    "Name: openduck\n"
	    f"Version: {args.version}\n"
	    "Summary: Connect Python to an OpenDuck server: a DuckDB connection with the remote database attached\n"
	    "Requires-Python: >=3.9\n"
	    f"Requires-Dist: duckdb=={args.duckdb_version}\n").encode()
	files[f"{dist_info}/WHEEL"] = (
	    "Wheel-Version: 1.0\n"
	    "Generator: openduck scripts/build_wheel.py\n"
	    "Root-Is-Purelib: false\n"
	    f"Tag: {tag}\n").encode()
	files[f"{dist_info}/top_level.txt"] = b"openduck\n"
	record = [record_line(name, data) for name, data in files.items()] + [f"{dist_info}/RECORD,,"]
	files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()

	args.out.mkdir(parents=True, exist_ok=True)
	wheel = args.out / f"openduck-{args.version}-{tag}.whl"
	temp = wheel.with_suffix(".tmp")
	with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
		for name, data in files.items():
			info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
			info.compress_type = zipfile.ZIP_DEFLATED
			# the extension and libduckdb.so must stay readable; nothing needs the exec bit
			info.external_attr = 0o644 << 16
			archive.writestr(info, data)
	temp.replace(wheel)
	print(wheel)


if __name__ == "__main__":
	main()
