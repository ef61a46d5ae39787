"""How much memory unauthenticated requests can make a server hold: clients with a wrong token
each send most of one large gRPC request (ExecuteFragment, up to the 64 MiB message limit) and
then stall, so gRPC keeps what it received before our handler could check the token. Prints the
server's resident memory before and during the flood, and whether an authenticated host is
still answered. This measures the one open item of issue #11 ("authentication before large
buffers are accepted"); docs/design.md explains why it is open.

The flood speaks HTTP/2 itself (a few frames: preface, SETTINGS, HEADERS, DATA within the flow
control windows the server grants), so it needs no gRPC client library.

Run: .venv/bin/python bench/preauth_flood_bench.py [--clients 16] [--mib 48]
"""

import argparse
import socket
import struct
import tempfile
import threading
import time
from pathlib import Path

from remote_scan_bench import odtest, resident_mib

PATH = b"/openduck.v1.ExecutionService/ExecuteFragment"
FRAME = 16384  # HTTP/2's default SETTINGS_MAX_FRAME_SIZE


def frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
	return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name: bytes, value: bytes) -> bytes:
	"""HPACK: literal header field without indexing, new name, no Huffman (lengths < 127)."""
	return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


class StalledUpload:
	"""One connection sending `size` bytes of a `size + 1`-byte gRPC message, then waiting."""

	def __init__(self, port: int, size: int):
		self.sock = socket.create_connection(("127.0.0.1", port))
		self.windows = {0: 65535, 1: 65535}
		self.granted = threading.Condition()
		self.closed = False
		self.sent = 0
		headers = b"".join(literal(n, v) for n, v in [
		    (b":method", b"POST"), (b":scheme", b"http"), (b":path", PATH), (b":authority", b"127.0.0.1"),
		    (b"content-type", b"application/grpc"), (b"te", b"trailers"),
		    (b"authorization", b"Bearer not-a-valid-token")])
		self.sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0) + frame(1, 0x4, 1, headers))
		threading.Thread(target=self._read_frames, daemon=True).start()
		threading.Thread(target=self._send, args=(size,), daemon=True).start()

	def _read_frames(self):
		buffer = b""
		try:
			while data := self.sock.recv(65536):
				buffer += data
				while len(buffer) >= 9:
					length = int.from_bytes(buffer[:3], "big")
					if len(buffer) < 9 + length:
						break
					kind, flags, stream = buffer[3], buffer[4], int.from_bytes(buffer[5:9], "big") & 0x7FFFFFFF
					payload, buffer = buffer[9:9 + length], buffer[9 + length:]
					if kind == 4 and not flags & 1:  # SETTINGS: raise the stream window, acknowledge
						for i in range(0, len(payload), 6):
							key, value = struct.unpack(">HI", payload[i:i + 6])
							if key == 4:
								with self.granted:
									self.windows[1] += value - 65535
									self.granted.notify_all()
						self.sock.sendall(frame(4, 1, 0))
					elif kind == 8:  # WINDOW_UPDATE
						with self.granted:
							self.windows[stream] = self.windows.get(stream, 0) + struct.unpack(">I", payload)[0]
							self.granted.notify_all()
					elif kind == 6 and not flags & 1:  # PING
						self.sock.sendall(frame(6, 1, 0, payload))
					elif kind in (3, 7):  # RST_STREAM, GOAWAY: the server gave up on us
						raise OSError("reset")
		except OSError:
			pass
		with self.granted:
			self.closed = True
			self.granted.notify_all()

	def _send(self, size: int):
		message = b"\x00" + struct.pack(">I", size + 1)  # never completed: one byte stays missing
		chunk = bytes(FRAME)
		try:
			pending = message
			while self.sent < size and not self.closed:
				with self.granted:
					while min(self.windows[0], self.windows[1]) <= 0 and not self.closed:
						self.granted.wait(1)
					n = min(FRAME - len(pending), size - self.sent, self.windows[0] - len(pending),
					        self.windows[1] - len(pending))
					if n <= 0:
						continue
					self.windows[0] -= n + len(pending)
					self.windows[1] -= n + len(pending)
				self.sock.sendall(frame(0, 0, 1, pending + chunk[:n]))
				pending = b""
				self.sent += n
		except OSError:
			pass


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--clients", type=int, default=16, help="stalled unauthenticated uploads")
	parser.add_argument("--mib", type=int, default=48, help="MiB each sends before stalling (< 64)")
	parser.add_argument("--seconds", type=float, default=20, help="how long the flood may take")
	args = parser.parse_args()
	odtest.require_build(odtest.OPENDUCK_BIN, odtest.EXTENSION)
	work = Path(tempfile.mkdtemp(prefix="openduck-bench-"))
	launcher = odtest.Launcher(work, work, "bench")
	try:
		server = launcher.serve(["flooddb"])
		pid = server.process.pid
		host = odtest.python_host()
		host.execute(server.attach_sql("flooddb"))
		before = resident_mib(pid)
		size = args.mib * 1024 * 1024
		uploads = [StalledUpload(server.port, size) for _ in range(args.clients)]
		deadline = time.monotonic() + args.seconds
		while time.monotonic() < deadline and sum(u.sent for u in uploads) < size * len(uploads):
			time.sleep(0.5)
		sent = sum(u.sent for u in uploads) / 2**20
		during = resident_mib(pid)
		started = time.perf_counter()
		answer = odtest.remote(host, "cloud", "SELECT 42")
		print(f"preauth flood: {args.clients} connections with a wrong token sent {sent:.0f} MiB unauthenticated "
		      f"({args.mib} MiB each at most) in up to {args.seconds:g} s")
		print(f"  server RSS before {before:.0f} MiB, during {during:.0f} MiB: "
		      f"{(during - before) / max(sent, 1):.2f} MiB held per MiB sent")
		print(f"  authenticated SELECT 42 during the flood: {answer} in {1000 * (time.perf_counter() - started):.1f} ms")
		host.close()
	finally:
		launcher.stop_all()


if __name__ == "__main__":
	main()
