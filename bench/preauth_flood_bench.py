"""How much memory unauthenticated requests can make a server hold: clients with a wrong token
keep opening gRPC calls on their connections, each sending as much as the server lets it of a
large request (a length prefix claiming `--mib` MiB, never completed) and moving on to the next
call once the server answered or stopped granting flow-control window. Prints the server's
resident memory before and at its peak during the flood, and how long an authenticated
`SELECT 42` takes meanwhile. This is issue #11's "authentication before large buffers are
accepted"; docs/design.md ("Authentication before the request") explains the mechanism.

The flood speaks HTTP/2 itself (test/e2e/raw_grpc.py), so it needs no gRPC client library.

Run: .venv/bin/python bench/preauth_flood_bench.py [--clients 16] [--mib 48] [--seconds 20]
"""

import argparse
import threading
import time

from remote_scan_bench import bench_launcher, odtest, resident_mib
import raw_grpc


class Flood:
	"""`clients` connections, each uploading call after call until stopped."""

	def __init__(self, port: int, clients: int, size: int):
		self.stopping = threading.Event()
		self.lock = threading.Lock()
		self.sent = 0
		self.calls = 0
		self.refused = 0
		self.threads = [threading.Thread(target=self._client, args=(port, size), daemon=True) for _ in range(clients)]
		for thread in self.threads:
			thread.start()

	def _client(self, port: int, size: int):
		connection = raw_grpc.RawGrpcConnection(port, "not-a-valid-token")
		try:
			while not self.stopping.is_set() and not connection.closed:
				sent, ended = connection.upload("ExecuteFragment", size, patience=1)
				with self.lock:
					self.sent += sent
					self.calls += 1
					self.refused += ended
		finally:
			connection.close()

	def stop(self):
		self.stopping.set()
		for thread in self.threads:
			thread.join(timeout=5)


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--clients", type=int, default=16, help="connections flooding at once")
	parser.add_argument("--mib", type=int, default=48, help="MiB each call's request claims")
	parser.add_argument("--seconds", type=float, default=20, help="how long the flood lasts")
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	work, launcher = bench_launcher()
	try:
		server = launcher.serve(["flooddb"])
		pid = server.process.pid
		host = odtest.python_host()
		host.execute(server.attach_sql("flooddb"))
		before = peak = resident_mib(pid)
		flood = Flood(server.port, args.clients, args.mib * 2**20)
		deadline = time.monotonic() + args.seconds
		latencies = []
		while time.monotonic() < deadline:
			peak = max(peak, resident_mib(pid))
			started = time.perf_counter()
			assert odtest.remote(host, "cloud", "SELECT 42") == [(42,)]
			latencies.append(1000 * (time.perf_counter() - started))
			time.sleep(0.25)
		flood.stop()
		latencies.sort()
		sent = flood.sent / 2**20
		print(f"preauth flood: {args.clients} connections with a wrong token, {args.seconds:g} s, "
		      f"requests claiming {args.mib} MiB each")
		print(f"  {flood.calls} calls, {flood.refused} refused by the server, {sent:.0f} MiB sent "
		      f"({sent / max(flood.calls, 1):.2f} MiB per call)")
		print(f"  server RSS before {before:.0f} MiB, peak during the flood {peak:.0f} MiB "
		      f"(+{peak - before:.0f} MiB; {(peak - before) / max(sent, 1):.3f} MiB held per MiB sent)")
		print(f"  authenticated SELECT 42 meanwhile: p50 {latencies[len(latencies) // 2]:.1f} ms, "
		      f"max {latencies[-1]:.1f} ms over {len(latencies)} queries")
		host.close()
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
