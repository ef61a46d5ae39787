"""A TCP proxy on 127.0.0.1 that injects network faults short of a dead process, for
test/e2e/test_network_faults.py: it sits between a host and the gateway, or between the gateway
and a worker (the worker advertises the proxy's address with `--advertise`), and forwards bytes
unchanged until told otherwise.

Modes, switched at run time with `set_mode()`; each applies at once to the connections already
relayed and to new ones:

  pass        forward everything
  delay       sleep `delay_ms` before forwarding each chunk read (a slow, congested link)
  stall       stop forwarding but keep both sockets open: to either end the peer went silent
              (a partition, a hung middlebox); TCP flow control then stops the senders too
  truncate    forward only the first `truncate_bytes` of the next chunk, then close both sides
              with FIN (a connection cut in the middle of a message)
  reset       reset every connection (RST through SO_LINGER 0), and every new one at accept
  blackhole   accept new connections but never connect them on (a load balancer without a
              backend); the connections relayed before stall

`pass` again ends the fault: stalled connections carry on where they stopped (the peer may have
given up on them meanwhile), held blackhole connections are reset. Bytes are never altered.

    proxy = FaultProxy(target_port)      # listens on proxy.port
    proxy.set_mode("stall"); ...; proxy.set_mode("pass")
"""

import socket
import struct
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from odtest import TcpRelay  # noqa: E402

MODES = ("pass", "delay", "stall", "truncate", "reset", "blackhole")

# Up to this much is read and forwarded at once: large, so that `delay` (one sleep per chunk)
# slows a 100 MB stream by seconds, not minutes.
CHUNK_BYTES = 1 << 20

# Relayed sockets block at most this long in one call, so a pump notices a reset by another
# thread soon even while the peer neither sends nor reads.
POLL_S = 0.2


class _Connection:
	"""One relayed connection: the client's socket and the target's (None when blackholed)."""

	def __init__(self, client: socket.socket, server):
		self.client = client
		self.server = server
		self.closed = False

	def sockets(self):
		return [s for s in (self.client, self.server) if s is not None]


def _close(sockets, reset: bool):
	"""Closes `sockets`: with an RST when `reset` (SO_LINGER 0 makes close() abort), else with
	a FIN. A pump still in recv() or send() on one wakes within POLL_S and finds it closed; the
	RST leaves when that last reference goes."""
	for s in sockets:
		try:
			if reset:
				s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
			else:
				s.shutdown(socket.SHUT_RDWR)
		except OSError:
			pass
		try:
			s.close()
		except OSError:
			pass


class FaultProxy(TcpRelay):
	"""TcpRelay with switchable faults (see the module docstring). Thread-safe.

	Reuses TcpRelay's listener and close(); relays with pumps of its own, which can hold data
	(stall), and close the way the fault says."""

	def __init__(self, target_port: int, port: int = 0):
		self._changed = threading.Condition()
		self.mode = "pass"
		self.delay_ms = 0
		self.truncate_bytes = 0
		self.connections = []  # the live _Connections
		self.accepted = 0
		# Bytes forwarded to the target (`up`) and back (`down`), over every connection: tests
		# use them to see that a transfer is under way before they inject a fault.
		self.bytes_up = 0
		self.bytes_down = 0
		super().__init__(target_port, port)

	# -- control ---------------------------------------------------------------------------

	def set_mode(self, mode: str, delay_ms: int = 20, truncate_bytes: int = 16):
		"""Switches to `mode`; `delay_ms` applies to delay, `truncate_bytes` to truncate."""
		assert mode in MODES, f"unknown mode {mode!r} (one of {', '.join(MODES)})"
		with self._changed:
			self.mode, self.delay_ms, self.truncate_bytes = mode, delay_ms, truncate_bytes
			live = list(self.connections)
			self._changed.notify_all()  # stalled pumps look at the new mode
		for connection in live:
			# A blackholed connection has no target to carry on with once the fault ends.
			if mode == "reset" or (mode == "pass" and connection.server is None):
				self._end(connection, reset=True)

	def live_connections(self) -> int:
		with self._changed:
			return len(self.connections)

	def close(self):
		"""Stops listening and resets every connection."""
		super().close()
		with self._changed:
			live = list(self.connections)
		for connection in live:
			self._end(connection, reset=True)

	# -- relaying ----------------------------------------------------------------------------

	def _accept(self):
		while True:
			try:
				client, _ = self.listener.accept()
			except OSError:
				return  # closed
			with self._changed:
				self.accepted += 1
				mode = self.mode
			if mode == "reset":
				_close([client], reset=True)
				continue
			if mode == "blackhole":
				# Held open and never read: the client's bytes sit in the kernel's buffers.
				with self._changed:
					self.connections.append(_Connection(client, None))
				continue
			try:
				server = socket.create_connection(("127.0.0.1", self.target_port))
			except OSError:
				_close([client], reset=True)  # the target is down: so is the relayed connection
				continue
			connection = _Connection(client, server)
			for s in connection.sockets():
				s.settimeout(POLL_S)
			with self._changed:
				self.connections.append(connection)
			for source, sink, upstream in ((client, server, True), (server, client, False)):
				threading.Thread(target=self._pump, args=(source, sink, upstream, connection), daemon=True).start()

	def _pump(self, source, sink, upstream: bool, connection: _Connection):
		try:
			while not connection.closed:
				try:
					data = source.recv(CHUNK_BYTES)
				except socket.timeout:
					continue
				if not data or not self._forward(data, sink, upstream, connection):
					break
		except OSError:
			pass  # closed or reset under us
		self._end(connection, reset=False)

	def _forward(self, data: bytes, sink, upstream: bool, connection: _Connection) -> bool:
		"""Passes `data` on as the mode says; False ends the connection (with a FIN)."""
		with self._changed:
			# Stalled: hold this chunk, and read no more, until the mode changes.
			while self.mode in ("stall", "blackhole") and not connection.closed:
				self._changed.wait()
			mode, delay_ms, keep = self.mode, self.delay_ms, self.truncate_bytes
		if connection.closed or mode == "reset":
			return False
		if mode == "delay":
			time.sleep(delay_ms / 1000)
		if mode == "truncate":
			data = data[:keep]
		view = memoryview(data)
		while view:
			if connection.closed:
				return False
			try:
				view = view[sink.send(view):]
			except socket.timeout:
				continue
		with self._changed:
			if upstream:
				self.bytes_up += len(data)
			else:
				self.bytes_down += len(data)
		return mode != "truncate"

	def _end(self, connection: _Connection, reset: bool):
		with self._changed:
			if connection.closed:
				return
			connection.closed = True
			self.connections.remove(connection)
			self._changed.notify_all()
		_close(connection.sockets(), reset)
