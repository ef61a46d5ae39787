"""Remote pulls over a limited link (issue #17 item 1): TPC-H lineitem materialized into a local
table from `openduck serve` with each `openduck_compression` ('none', 'lz4', 'zstd', 'auto') and
from the Arrow Flight peer, on plain loopback and on loopback limited by a token bucket.

Each link runs in a network namespace of its own (root only): loopback up, then
`tc qdisc add dev lo root tbf rate <rate> burst 4mb latency 200ms`; server, host and peer all run
inside it and talk over 127.0.0.1. Prints wall time, MiB/s of uncompressed Arrow IPC (what
'none' ships), MiB on the wire, CPU seconds (host + server) per GiB, and the ratios to the
Flight peer and to 'none', all measured in one run.

Run: .venv/bin/python bench/link_bench.py [--sf 1] [--rates none,1gbit,100mbit] [--repeat 1]
"""

import argparse
import os
import subprocess
import sys
import time

import duckdb

from remote_scan_bench import FlightPeer, MIB, bench_launcher, extension_path, host_connection, measure, odtest

CODECS = ("none", "lz4", "zstd", "auto")
GIB = 1024 * MIB


def run_in_namespace(rate: str, args) -> int:
	name = f"openduck-bench-{os.getpid()}"
	subprocess.run(["ip", "netns", "add", name], check=True)
	try:
		subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
		if rate != "none":
			subprocess.run(["ip", "netns", "exec", name, "tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", rate,
			                "burst", "4mb", "latency", "200ms"], check=True)
		inner = [sys.executable, __file__, "--inner", rate, "--sf", str(args.sf), "--repeat", str(args.repeat),
		         "--codecs", args.codecs]
		return subprocess.run(["ip", "netns", "exec", name] + inner).returncode
	finally:
		subprocess.run(["ip", "netns", "delete", name])


def inner(rate: str, args):
	tpch = extension_path("tpch")
	work, launcher = bench_launcher()
	peer = None
	try:
		server = launcher.serve(["benchdb"], extra_args=["--allow-extension", tpch])
		host = host_connection(os.cpu_count())
		host.execute(f"LOAD {odtest.sql_string(str(odtest.EXTENSION))}")
		host.execute(server.attach_sql("benchdb"))
		odtest.remote(host, "cloud", f"CALL dbgen(sf={args.sf})")
		source = work / "source.duckdb"
		with duckdb.connect(str(source)) as con:
			con.execute(f"LOAD {odtest.sql_string(str(tpch))}")
			con.execute(f"CALL dbgen(sf={args.sf})")
		rows = host.execute("SELECT count(*) FROM cloud.lineitem").fetchone()[0]

		def drop_copy():
			host.execute("DROP TABLE IF EXISTS memory.main.copy")

		# One untimed pull first: the first read of the table after dbgen also loads it from the
		# server's storage, which would bill that cost to whichever codec came first.
		host.execute("CREATE TABLE memory.main.copy AS SELECT * FROM cloud.lineitem")
		drop_copy()
		runs, wire = {}, {}
		codecs = args.codecs.split(",")
		if "none" not in codecs:
			codecs.insert(0, "none")  # its size is what every MiB/s counts
		for codec in codecs:
			host.execute(f"SET openduck_compression = '{codec}'")

			def pull():
				host.execute("CREATE TABLE memory.main.copy AS SELECT * FROM cloud.lineitem")
				wire[codec] = host.execute("SELECT bytes_received FROM openduck_last_query_stats()").fetchone()[0]

			runs[codec] = measure(codec, args.repeat, pull, server.process.pid, drop_copy)
			assert host.execute("SELECT count(*) FROM memory.main.copy").fetchone()[0] == rows
			drop_copy()
		peer = FlightPeer(source, work)

		def flight_pull():
			host.register("flight_reader", peer.reader("SELECT * FROM lineitem"))
			host.execute("CREATE TABLE memory.main.copy AS SELECT * FROM flight_reader")
			host.unregister("flight_reader")

		runs["flight"] = measure("flight", args.repeat, flight_pull, peer.process.pid, drop_copy)
		drop_copy()

		raw = wire["none"]
		print(f"\nlink {rate}: SF{args.sf:g} lineitem, {rows:,} rows, {raw / MIB:.0f} MiB of uncompressed Arrow IPC")
		for name, run in runs.items():
			shipped = f"{wire[name] / MIB:7.0f} MiB on the wire" if name in wire else " " * 22
			print(f"  {name:6s} {run.best:7.2f} s  {raw / MIB / run.best:7.0f} MiB/s  {shipped}  "
			      f"CPU {run.best_cpu / (raw / GIB):5.2f} s/GiB  "
			      f"vs flight {runs['flight'].best / run.best:5.2f}x  vs none {runs['none'].best / run.best:5.2f}x")
	finally:
		if peer:
			peer.stop()
		launcher.stop_all()


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sf", type=float, default=1.0)
	parser.add_argument("--rates", default="none,1gbit,100mbit", help="tbf rates; 'none' is plain loopback")
	parser.add_argument("--repeat", type=int, default=1)
	parser.add_argument("--codecs", default=",".join(CODECS), help="openduck_compression values to pull with")
	parser.add_argument("--inner", help=argparse.SUPPRESS)
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	if args.inner:
		inner(args.inner, args)
		return
	if os.geteuid() != 0:
		sys.exit("link_bench.py needs root: it creates a network namespace per link")
	started = time.perf_counter()
	for rate in args.rates.split(","):
		if run_in_namespace(rate, args) != 0:
			sys.exit(f"the run on link {rate} failed")
	print(f"\n(total {time.perf_counter() - started:.0f} s; 'vs' columns: how many times faster than that row)")


if __name__ == "__main__":
	main()
