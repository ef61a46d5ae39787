// Parsing of gateway/worker endpoints such as "http://host:7878" and "https://host:7878".
#pragma once

#include <string>

namespace openduck {

constexpr int kDefaultPort = 7878;
constexpr const char *kDefaultEndpoint = "http://localhost:7878";

struct Endpoint {
	std::string host;
	int port = kDefaultPort;
	// https:// (or grpcs://): the connection uses TLS and checks the server's certificate.
	bool tls = false;

	// "host:port" as gRPC expects it (IPv6 hosts bracketed).
	std::string Target() const;
	// "http://host:port" or "https://host:port", the form users write.
	std::string ToString() const;
};

// Accepts "http[s]://host[:port][/]", "grpc[s]://host[:port]" and bare "host[:port]" (plaintext).
// Throws std::invalid_argument naming the bad input and the expected form.
Endpoint ParseEndpoint(const std::string &text);

} // namespace openduck
