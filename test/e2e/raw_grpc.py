"""Just enough HTTP/2 to send gRPC requests from a raw socket, as an attacker without a gRPC
library would: a request's length prefix can claim more than is ever sent, and the sender only
ever stays within the flow-control windows the server grants. Used by the pre-authentication
tests (test_server_security.py) and bench/preauth_flood_bench.py."""

import socket
import struct
import threading

FRAME = 16384  # HTTP/2's default SETTINGS_MAX_FRAME_SIZE
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 6, 7, 8
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
SETTINGS_INITIAL_WINDOW_SIZE = 4
DEFAULT_WINDOW = 65535


def method_path(name: str) -> bytes:
	return f"/openduck.v1.ExecutionService/{name}".encode()


def _frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
	return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def _literal(name: bytes, value: bytes) -> bytes:
	"""HPACK: literal header field without indexing, new name, no Huffman (lengths < 127)."""
	return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


class RawGrpcConnection:
	"""One HTTP/2 connection on which `upload` opens one gRPC call after another."""

	def __init__(self, port: int, token: str):
		self.token = token.encode()
		self.sock = socket.create_connection(("127.0.0.1", port))
		self.changed = threading.Condition()
		self.initial_window = DEFAULT_WINDOW
		self.windows = {0: DEFAULT_WINDOW}
		self.ended = set()  # streams the server answered (END_STREAM) or reset
		self.closed = False
		self.next_stream = 1
		self.sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + _frame(SETTINGS, 0, 0))
		threading.Thread(target=self._read_frames, daemon=True).start()

	def upload(self, method: str, size: int, patience: float = 1.0) -> tuple[int, bool]:
		"""Opens a call of `method` and sends `size` bytes of a request claiming `size + 1` (so it
		never completes) as fast as the windows allow. Returns (bytes sent, whether the server
		ended the call) once the server ended it, or `patience` seconds passed without a window
		to send in or, with everything sent, without an answer."""
		stream = self.next_stream
		self.next_stream += 2
		with self.changed:
			self.windows[stream] = self.initial_window
		headers = b"".join(_literal(n, v) for n, v in [
		    (b":method", b"POST"), (b":scheme", b"http"), (b":path", method_path(method)),
		    (b":authority", b"127.0.0.1"), (b"content-type", b"application/grpc"), (b"te", b"trailers"),
		    (b"authorization", b"Bearer " + self.token)])
		pending = b"\x00" + struct.pack(">I", size + 1)  # gRPC message prefix: not compressed, length
		sent = 0
		try:
			self.sock.sendall(_frame(HEADERS, END_HEADERS, stream, headers))
			while sent < size:
				with self.changed:
					room = lambda: min(self.windows[0], self.windows[stream]) - len(pending)
					if not self.changed.wait_for(lambda: self._over(stream) or room() > 0, patience):
						break
					if self._over(stream):
						break
					n = min(FRAME - len(pending), size - sent, room())
					self.windows[0] -= n + len(pending)
					self.windows[stream] -= n + len(pending)
				self.sock.sendall(_frame(DATA, 0, stream, pending + bytes(n)))
				pending = b""
				sent += n
		except OSError:
			pass
		with self.changed:
			self.changed.wait_for(lambda: self._over(stream), patience)
			return sent, stream in self.ended

	def close(self):
		self.sock.close()

	def _over(self, stream: int) -> bool:
		return self.closed or stream in self.ended

	def _read_frames(self):
		buffer = b""
		try:
			while data := self.sock.recv(65536):
				buffer += data
				while len(buffer) >= 9 and len(buffer) >= 9 + int.from_bytes(buffer[:3], "big"):
					length = int.from_bytes(buffer[:3], "big")
					kind, flags, stream = buffer[3], buffer[4], int.from_bytes(buffer[5:9], "big") & 0x7FFFFFFF
					payload, buffer = buffer[9:9 + length], buffer[9 + length:]
					self._on_frame(kind, flags, stream, payload)
		except OSError:
			pass
		with self.changed:
			self.closed = True
			self.changed.notify_all()

	def _on_frame(self, kind: int, flags: int, stream: int, payload: bytes):
		with self.changed:
			if kind == SETTINGS and not flags & ACK:
				for i in range(0, len(payload), 6):
					key, value = struct.unpack(">HI", payload[i:i + 6])
					if key == SETTINGS_INITIAL_WINDOW_SIZE:
						for open_stream in self.windows:
							if open_stream != 0:
								self.windows[open_stream] += value - self.initial_window
						self.initial_window = value
				self.sock.sendall(_frame(SETTINGS, ACK, 0))
			elif kind == WINDOW_UPDATE:
				self.windows[stream] = self.windows.get(stream, 0) + struct.unpack(">I", payload)[0]
			elif kind == PING and not flags & ACK:
				self.sock.sendall(_frame(PING, ACK, 0, payload))
			elif (kind == HEADERS and flags & END_STREAM) or kind == RST_STREAM:
				self.ended.add(stream)
			elif kind == GOAWAY:
				self.closed = True
			self.changed.notify_all()
