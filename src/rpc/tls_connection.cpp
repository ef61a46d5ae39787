#include "rpc/tls_connection.hpp"

#include <openssl/err.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace openduck {

TlsConnection::TlsConnection(const TlsServerContext &context, int fd) : session_(nullptr), fd_(fd) {
	fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
	try {
		session_ = context.NewSession(fd_);
	} catch (...) {
		close(fd_);
		throw;
	}
}

TlsConnection::~TlsConnection() {
	SSL_free(session_);
	close(fd_);
}

static int MillisLeft(TlsConnection::Deadline deadline) {
	auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
	return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

bool TlsConnection::WaitFor(int ssl_error, Deadline deadline) {
	short events;
	if (ssl_error == SSL_ERROR_WANT_READ) {
		events = POLLIN;
	} else if (ssl_error == SSL_ERROR_WANT_WRITE) {
		events = POLLOUT;
	} else {
		return false;
	}
	while (true) {
		int left = MillisLeft(deadline);
		if (left == 0) {
			return false;
		}
		pollfd ready = {fd_, events, 0};
		int rc = poll(&ready, 1, left);
		if (rc > 0) {
			return true;
		}
		if (rc == 0 || errno != EINTR) {
			return false;
		}
	}
}

std::string TlsConnection::Handshake(Deadline deadline) {
	while (true) {
		ERR_clear_error();
		int rc = SSL_accept(session_);
		if (rc == 1) {
			return "";
		}
		int error = SSL_get_error(session_, rc);
		if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
			if (!WaitFor(error, deadline)) {
				return "no TLS handshake within the time allowed";
			}
			continue;
		}
		if (error == SSL_ERROR_SYSCALL || error == SSL_ERROR_ZERO_RETURN ||
		    ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			ERR_clear_error();
			return "the client closed the connection during the TLS handshake (it may not trust this "
			       "server's certificate)";
		}
		return "TLS handshake failed: " + TlsServerContext::TakeErrors();
	}
}

TlsApplication TlsConnection::application() const {
	return TlsServerContext::Application(session_);
}

ssize_t TlsConnection::Read(char *buffer, size_t size, Deadline deadline) {
	while (true) {
		ERR_clear_error();
		int n = SSL_read(session_, buffer, static_cast<int>(size));
		if (n > 0) {
			return n;
		}
		int error = SSL_get_error(session_, n);
		if (error == SSL_ERROR_ZERO_RETURN) {
			return 0;
		}
		if (!WaitFor(error, deadline)) {
			return -1;
		}
	}
}

bool TlsConnection::WriteAll(const std::string &data, Deadline deadline) {
	size_t written = 0;
	while (written < data.size()) {
		ERR_clear_error();
		int n = SSL_write(session_, data.data() + written, static_cast<int>(data.size() - written));
		if (n > 0) {
			written += static_cast<size_t>(n);
			continue;
		}
		if (!WaitFor(SSL_get_error(session_, n), deadline)) {
			return false;
		}
	}
	SSL_shutdown(session_);
	return true;
}

namespace {

// Bytes read from one side and not yet written to the other.
struct RelayBuffer {
	static constexpr size_t kCapacity = 256 * 1024;
	char data[kCapacity];
	size_t begin = 0;
	size_t end = 0;

	size_t pending() const {
		return end - begin;
	}
	size_t space() const {
		return kCapacity - end;
	}
	void Consumed(size_t n) {
		begin += n;
		if (begin == end) {
			begin = end = 0;
		}
	}
};

} // namespace

void TlsConnection::Relay(int plain_fd) {
	auto to_plain = std::make_unique<RelayBuffer>();
	auto to_tls = std::make_unique<RelayBuffer>();
	bool tls_closed = false;   // the client ended its side
	bool plain_closed = false; // gRPC ended its side
	bool plain_shut = false;   // we passed the client's end on to gRPC
	// OpenSSL wants a write that could not finish retried with the same bytes first.
	bool tls_write_pending = false;
	bool failed = false;
	while (true) {
		bool progress = false;
		short tls_events = 0;
		short plain_events = 0;
		// Each direction reads all it can before writing, so one write carries many TLS records
		// (every syscall and wake-up of the peer costs more than the bytes it moves).
		while (!tls_closed && to_plain->space() > 0) {
			ERR_clear_error();
			int n = SSL_read(session_, to_plain->data + to_plain->end, static_cast<int>(to_plain->space()));
			if (n > 0) {
				to_plain->end += static_cast<size_t>(n);
				progress = true;
			} else {
				int error = SSL_get_error(session_, n);
				if (error == SSL_ERROR_WANT_READ) {
					tls_events |= POLLIN;
				} else if (error == SSL_ERROR_WANT_WRITE) {
					tls_events |= POLLOUT;
				} else if (error == SSL_ERROR_ZERO_RETURN) {
					tls_closed = true;
				} else {
					failed = true; // reset, or a protocol error: the connection is over
				}
				break;
			}
		}
		if (failed) {
			break;
		}
		if (to_plain->pending() > 0) {
			ssize_t n = send(plain_fd, to_plain->data + to_plain->begin, to_plain->pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0) {
				to_plain->Consumed(static_cast<size_t>(n));
				progress = true;
			} else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				plain_events |= POLLOUT;
			} else {
				break;
			}
		} else if (tls_closed && !plain_shut) {
			shutdown(plain_fd, SHUT_WR);
			plain_shut = true;
		}
		while (!plain_closed && !tls_write_pending && to_tls->space() > 0) {
			ssize_t n = recv(plain_fd, to_tls->data + to_tls->end, to_tls->space(), MSG_DONTWAIT);
			if (n > 0) {
				to_tls->end += static_cast<size_t>(n);
				progress = true;
				continue;
			}
			if (n == 0) {
				plain_closed = true;
			} else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				plain_events |= POLLIN;
			} else {
				failed = true;
			}
			break;
		}
		if (failed) {
			break;
		}
		if (to_tls->pending() > 0) {
			ERR_clear_error();
			int n = SSL_write(session_, to_tls->data + to_tls->begin, static_cast<int>(to_tls->pending()));
			if (n > 0) {
				to_tls->Consumed(static_cast<size_t>(n));
				tls_write_pending = false;
				progress = true;
			} else {
				int error = SSL_get_error(session_, n);
				if (error == SSL_ERROR_WANT_WRITE) {
					tls_events |= POLLOUT;
				} else if (error == SSL_ERROR_WANT_READ) {
					tls_events |= POLLIN;
				} else {
					break;
				}
				tls_write_pending = true;
			}
		} else if (plain_closed) {
			// gRPC closed the connection and everything it sent is out.
			SSL_shutdown(session_);
			break;
		}
		if (progress) {
			continue;
		}
		// A socket nothing waits on is left out: its hang-up would otherwise wake poll at once, in
		// a loop. A hang-up or error on a polled one shows in its next read or write.
		pollfd fds[2] = {{tls_events ? fd_ : -1, tls_events, 0}, {plain_events ? plain_fd : -1, plain_events, 0}};
		if (poll(fds, 2, -1) < 0 && errno != EINTR) {
			break;
		}
	}
	close(plain_fd);
}

} // namespace openduck
