#include "common/endpoint.hpp"

#include <stdexcept>

namespace openduck {

static std::invalid_argument BadEndpoint(const std::string &text, const std::string &why) {
	return std::invalid_argument("invalid OpenDuck endpoint '" + text + "': " + why +
	                             " (expected http://host:port or https://host:port, e.g. " + kDefaultEndpoint + ")");
}

Endpoint ParseEndpoint(const std::string &text) {
	std::string rest = text;
	bool tls = false;
	auto scheme_end = rest.find("://");
	if (scheme_end != std::string::npos) {
		std::string scheme = rest.substr(0, scheme_end);
		tls = scheme == "https" || scheme == "grpcs";
		if (!tls && scheme != "http" && scheme != "grpc") {
			throw BadEndpoint(text, "unknown scheme '" + scheme + "'");
		}
		rest = rest.substr(scheme_end + 3);
	}
	while (!rest.empty() && rest.back() == '/') {
		rest.pop_back();
	}
	if (rest.find('/') != std::string::npos) {
		throw BadEndpoint(text, "endpoints have no path");
	}
	Endpoint result;
	result.tls = tls;
	std::string port_text;
	if (!rest.empty() && rest[0] == '[') {
		auto close = rest.find(']');
		if (close == std::string::npos) {
			throw BadEndpoint(text, "unterminated IPv6 address");
		}
		result.host = rest.substr(1, close - 1);
		if (close + 1 < rest.size()) {
			if (rest[close + 1] != ':') {
				throw BadEndpoint(text, "expected ':' after the IPv6 address");
			}
			port_text = rest.substr(close + 2);
		}
	} else {
		auto colon = rest.rfind(':');
		if (colon == std::string::npos) {
			result.host = rest;
		} else {
			result.host = rest.substr(0, colon);
			port_text = rest.substr(colon + 1);
		}
	}
	if (result.host.empty()) {
		throw BadEndpoint(text, "missing host");
	}
	if (!port_text.empty()) {
		size_t used = 0;
		long port = -1;
		try {
			port = std::stol(port_text, &used);
		} catch (...) {
			used = 0;
		}
		if (used != port_text.size() || port <= 0 || port > 65535) {
			throw BadEndpoint(text, "port '" + port_text + "' is not a number between 1 and 65535");
		}
		result.port = static_cast<int>(port);
	}
	return result;
}

std::string Endpoint::Target() const {
	if (host.find(':') != std::string::npos) {
		return "[" + host + "]:" + std::to_string(port);
	}
	return host + ":" + std::to_string(port);
}

std::string Endpoint::ToString() const {
	return (tls ? "https://" : "http://") + Target();
}

} // namespace openduck
