#include "rpc/tls_client.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace openduck {

// Where Linux distributions keep the system's trusted CAs (Debian/Ubuntu, Fedora/RHEL, others).
static const char *const kSystemCaBundles[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                               "/etc/ssl/cert.pem"};

static std::string ReadPem(const std::string &file, const std::string &what, const char *marker) {
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		throw std::invalid_argument("cannot read the TLS " + what + " file '" + file + "': " + std::strerror(errno));
	}
	std::ostringstream text;
	text << in.rdbuf();
	auto pem = text.str();
	if (pem.find(marker) == std::string::npos) {
		throw std::invalid_argument("the TLS " + what + " file '" + file + "' holds no PEM " + what +
		                            " (no '-----BEGIN ..." + marker + "' line)");
	}
	return pem;
}

static std::string SystemCas() {
	for (auto *bundle : kSystemCaBundles) {
		std::ifstream in(bundle, std::ios::binary);
		if (in) {
			std::ostringstream text;
			text << in.rdbuf();
			return text.str();
		}
	}
	return ""; // gRPC then uses its own default roots
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const Endpoint &endpoint, const TlsClientFiles &files) {
	if (!endpoint.tls) {
		return grpc::InsecureChannelCredentials();
	}
	grpc::SslCredentialsOptions options;
	options.pem_root_certs = files.ca_file.empty() ? SystemCas() : ReadPem(files.ca_file, "CA certificate", "CERTIFICATE-----");
	if (files.cert_file.empty() != files.key_file.empty()) {
		throw std::invalid_argument("a TLS client certificate needs its key, and the key its certificate: give both");
	}
	if (!files.cert_file.empty()) {
		options.pem_cert_chain = ReadPem(files.cert_file, "client certificate", "CERTIFICATE-----");
		options.pem_private_key = ReadPem(files.key_file, "client key", "PRIVATE KEY-----");
	}
	return grpc::SslCredentials(options);
}

} // namespace openduck
