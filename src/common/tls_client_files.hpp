// The files a client uses to reach an https:// endpoint (see rpc/tls_client.hpp for the
// credentials made from them).
#pragma once

#include <string>

namespace openduck {

struct TlsClientFiles {
	// PEM certificates of the CAs that may sign the server's certificate; empty: the system's.
	std::string ca_file;
	// A client certificate and its key, for servers that ask for one (mutual TLS); both or none.
	std::string cert_file;
	std::string key_file;
};

} // namespace openduck
