// One accepted connection on a TLS port: the handshake, reads and writes with deadlines for the
// HTTP endpoints, and the relay that carries a gRPC connection's bytes between the TLS session
// and gRPC's plaintext end of a socket pair (see tls_server_context.hpp for why).
//
// Owns the socket and the session; the destructor closes both. Not thread-safe: one thread
// drives a connection from handshake to close.
#pragma once

#include "rpc/tls_server_context.hpp"

#include <chrono>
#include <string>

#include <sys/types.h>

namespace openduck {

class TlsConnection {
public:
	using Deadline = std::chrono::steady_clock::time_point;

	// Takes ownership of `fd` (an accepted socket) and makes it non-blocking.
	TlsConnection(const TlsServerContext &context, int fd);
	~TlsConnection();
	TlsConnection(const TlsConnection &) = delete;
	TlsConnection &operator=(const TlsConnection &) = delete;

	// Empty when the handshake completed before `deadline`, else why it did not.
	std::string Handshake(Deadline deadline);
	TlsApplication application() const;

	// Up to `size` decrypted bytes: > 0 read, 0 at the end of the stream, -1 on error or timeout.
	ssize_t Read(char *buffer, size_t size, Deadline deadline);
	// False when the peer went away or `deadline` passed first.
	bool WriteAll(const std::string &data, Deadline deadline);

	// Carries bytes both ways between the session and `plain_fd` until either side closes or
	// fails; then closes `plain_fd` (its owner, gRPC, sees the end of its connection).
	void Relay(int plain_fd);

private:
	// Waits until the socket is ready for what `ssl_error` (SSL_ERROR_WANT_*) asks. False on
	// timeout or another error.
	bool WaitFor(int ssl_error, Deadline deadline);

	SSL *session_;
	int fd_;
};

} // namespace openduck
