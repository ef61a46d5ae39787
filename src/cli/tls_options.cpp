#include "cli/tls_options.hpp"

#include "rpc/tls_client.hpp"

#include <cstdlib>
#include <stdexcept>

namespace openduck {

const char *kTlsServerOptionsHelp =
    R"(      --tls-cert FILE   serve TLS on the port, gRPC and HTTP alike, with this PEM certificate
                        chain; clients then connect to https://HOST:PORT (plaintext is refused)
      --tls-key FILE    the PEM private key of --tls-cert (required with it)
      --tls-client-ca FILE
                        mutual TLS: accept only clients presenting a certificate signed by a CA
                        in this PEM file
)";

const char *kTlsOutboundOptionHelp =
    R"(      --tls-ca FILE     PEM CA certificates that sign the certificates of the https:// servers
                        this process connects to (default: $OPENDUCK_CA, else the system's CAs);
                        it presents its own --tls-cert to servers that ask for a client certificate
)";

std::vector<OptionSpec> TlsOptionSpecs(bool outbound) {
	std::vector<OptionSpec> specs {{"tls-cert", 0, true}, {"tls-key", 0, true}, {"tls-client-ca", 0, true}};
	if (outbound) {
		specs.push_back({"tls-ca", 0, true});
	}
	return specs;
}

std::unique_ptr<TlsServerContext> TlsServerFrom(const ParsedOptions &options) {
	TlsServerFiles files {options.Get("tls-cert"), options.Get("tls-key"), options.Get("tls-client-ca")};
	if (!files.enabled()) {
		if (options.Has("tls-key") || options.Has("tls-client-ca")) {
			throw UsageError("--tls-key and --tls-client-ca need --tls-cert: the certificate the server presents");
		}
		return nullptr;
	}
	try {
		return std::make_unique<TlsServerContext>(files);
	} catch (std::runtime_error &ex) {
		throw UsageError(ex.what());
	}
}

TlsClientFiles TlsClientFrom(const ParsedOptions &options) {
	TlsClientFiles files;
	files.ca_file = options.Get("tls-ca");
	if (files.ca_file.empty()) {
		const char *env = std::getenv("OPENDUCK_CA");
		files.ca_file = env ? env : "";
	}
	files.cert_file = options.Get("tls-cert");
	files.key_file = options.Get("tls-key");
	// Check the files now, not at the first connection.
	Endpoint probe;
	probe.tls = true;
	try {
		ChannelCredentialsFor(probe, files);
	} catch (std::invalid_argument &ex) {
		throw UsageError(std::string("--tls-ca / OPENDUCK_CA / --tls-cert: ") + ex.what());
	}
	return files;
}

} // namespace openduck
