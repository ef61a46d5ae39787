// The server side of TLS on the one port: the certificate and key a server presents, and
// optionally the CA its clients' certificates must be signed by (mutual TLS).
//
// Why our own termination instead of gRPC's SslServerCredentials: gRPC and the HTTP endpoints
// share one port, and gRPC only listens for itself; sockets we hand it (AddInsecureChannelFromFd)
// must be plaintext. So a TLS connection is accepted here, ALPN says which protocol the client
// speaks ("h2"/"grpc-exp" for gRPC, "http/1.1" for probes), and gRPC gets the decrypted bytes
// through a socket pair (tls_relay.hpp).
//
// Thread-safety: immutable after construction; NewSession may be called from any thread.
#pragma once

#include <memory>
#include <string>

#include <openssl/ssl.h>

namespace openduck {

struct TlsServerFiles {
	std::string cert_file;      // PEM certificate chain, the server's own first
	std::string key_file;       // PEM private key of that certificate
	std::string client_ca_file; // empty: no client certificates asked for

	bool enabled() const {
		return !cert_file.empty();
	}
};

// What ALPN settled on for a connection.
enum class TlsApplication { kGrpc, kHttp };

class TlsServerContext {
public:
	// Loads and checks the files; throws std::runtime_error naming the file and the option
	// (--tls-cert, --tls-key, --tls-client-ca) when one is missing, unreadable, not PEM, or the
	// key does not belong to the certificate.
	explicit TlsServerContext(const TlsServerFiles &files);
	~TlsServerContext();
	TlsServerContext(const TlsServerContext &) = delete;
	TlsServerContext &operator=(const TlsServerContext &) = delete;

	// A new server-side session for a connected socket (not yet handshaken). Never null.
	SSL *NewSession(int fd) const;
	bool requires_client_certificate() const {
		return requires_client_certificate_;
	}

	// The application ALPN selected on a handshaken session: gRPC for "h2"/"grpc-exp", HTTP
	// otherwise (also when the client offered no ALPN, as simple HTTP clients do).
	static TlsApplication Application(SSL *session);
	// The OpenSSL error queue as text (emptied), for error messages.
	static std::string TakeErrors();

private:
	SSL_CTX *context_ = nullptr;
	bool requires_client_certificate_ = false;
};

} // namespace openduck
