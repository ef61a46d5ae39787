#include "rpc/tls_server_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace openduck {

std::string TlsServerContext::TakeErrors() {
	std::string text;
	while (auto code = ERR_get_error()) {
		char buffer[256];
		ERR_error_string_n(code, buffer, sizeof(buffer));
		text += (text.empty() ? "" : "; ") + std::string(buffer);
	}
	return text.empty() ? "no detail from OpenSSL" : text;
}

static void CheckReadable(const std::string &file, const std::string &option) {
	std::ifstream in(file);
	if (!in) {
		throw std::runtime_error(option + " " + file + ": cannot read the file: " + std::strerror(errno));
	}
}

// The protocols we serve, in our order of preference, in ALPN wire format. HTTP/1.1 comes first:
// gRPC clients never offer it, while HTTP clients such as curl offer "h2" too and would
// otherwise be handed to gRPC.
static const unsigned char kServerProtocols[] = "\x08http/1.1\x08grpc-exp\x02h2";

static int SelectApplicationProtocol(SSL *, const unsigned char **out, unsigned char *out_length,
                                     const unsigned char *offered, unsigned int offered_length, void *) {
	unsigned char *selected = nullptr;
	if (SSL_select_next_proto(&selected, out_length, kServerProtocols, sizeof(kServerProtocols) - 1, offered,
	                          offered_length) != OPENSSL_NPN_NEGOTIATED) {
		// No protocol in common: go on without ALPN rather than fail, so that clients offering
		// only, say, "http/1.0" still get an HTTP answer.
		return SSL_TLSEXT_ERR_NOACK;
	}
	*out = selected;
	return SSL_TLSEXT_ERR_OK;
}

TlsServerContext::TlsServerContext(const TlsServerFiles &files) {
	if (files.key_file.empty()) {
		throw std::runtime_error("--tls-cert needs --tls-key: the private key of the certificate");
	}
	CheckReadable(files.cert_file, "--tls-cert");
	CheckReadable(files.key_file, "--tls-key");
	context_ = SSL_CTX_new(TLS_server_method());
	if (!context_) {
		throw std::runtime_error("cannot create a TLS context: " + TakeErrors());
	}
	try {
		SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
		// gRPC (RFC 7540 9.2) needs TLS 1.2+ without renegotiation.
		SSL_CTX_set_options(context_, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
		SSL_CTX_set_mode(context_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		// Read whole socket buffers, not one record header and body at a time: a bulk upload
		// otherwise costs two read syscalls per 16 KiB record.
		SSL_CTX_set_read_ahead(context_, 1);
		if (SSL_CTX_use_certificate_chain_file(context_, files.cert_file.c_str()) != 1) {
			throw std::runtime_error("--tls-cert " + files.cert_file +
			                         ": not a PEM certificate chain: " + TakeErrors());
		}
		// Read the key on its own first: SSL_CTX_use_PrivateKey_file reports a key of another
		// certificate with the same error as a file that holds no key.
		EVP_PKEY *key = nullptr;
		if (FILE *in = std::fopen(files.key_file.c_str(), "r")) {
			key = PEM_read_PrivateKey(in, nullptr, nullptr, nullptr);
			std::fclose(in);
		}
		if (!key) {
			throw std::runtime_error("--tls-key " + files.key_file + ": not a PEM private key: " + TakeErrors());
		}
		bool key_matches = SSL_CTX_use_PrivateKey(context_, key) == 1 && SSL_CTX_check_private_key(context_) == 1;
		EVP_PKEY_free(key);
		if (!key_matches) {
			throw std::runtime_error("--tls-key " + files.key_file + " is not the key of the certificate in --tls-cert " +
			                         files.cert_file + ": " + TakeErrors());
		}
		if (!files.client_ca_file.empty()) {
			CheckReadable(files.client_ca_file, "--tls-client-ca");
			if (SSL_CTX_load_verify_locations(context_, files.client_ca_file.c_str(), nullptr) != 1) {
				throw std::runtime_error("--tls-client-ca " + files.client_ca_file +
				                         ": not a PEM CA certificate: " + TakeErrors());
			}
			SSL_CTX_set_verify(context_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
			requires_client_certificate_ = true;
		}
		SSL_CTX_set_alpn_select_cb(context_, SelectApplicationProtocol, nullptr);
	} catch (...) {
		SSL_CTX_free(context_);
		throw;
	}
}

TlsServerContext::~TlsServerContext() {
	SSL_CTX_free(context_);
}

SSL *TlsServerContext::NewSession(int fd) const {
	SSL *session = SSL_new(context_);
	if (!session || SSL_set_fd(session, fd) != 1) {
		SSL_free(session);
		throw std::runtime_error("cannot start a TLS session: " + TakeErrors());
	}
	return session;
}

TlsApplication TlsServerContext::Application(SSL *session) {
	const unsigned char *protocol = nullptr;
	unsigned int length = 0;
	SSL_get0_alpn_selected(session, &protocol, &length);
	std::string selected(reinterpret_cast<const char *>(protocol), protocol ? length : 0);
	return selected == "h2" || selected == "grpc-exp" ? TlsApplication::kGrpc : TlsApplication::kHttp;
}

} // namespace openduck
