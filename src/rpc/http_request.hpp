// Incremental parser for the HTTP/1.1 requests the shared gRPC/HTTP port answers (health and
// metrics probes). Only the request line and the header block matter: the endpoints take no
// body, so the parser stops at the blank line. Requests larger than a fixed bound are refused,
// so a client cannot make the server buffer unbounded input.
//
// Not thread-safe: one parser per connection.
#pragma once

#include <cstddef>
#include <string>

namespace openduck {

struct HttpRequest {
	std::string method;
	// The path without the query string ("/health?x=1" -> "/health").
	std::string path;
	std::string version;
	// The Authorization header's value ("Bearer <token>"); empty when absent.
	std::string authorization;
};

class HttpRequestParser {
public:
	enum class State { kIncomplete, kComplete, kInvalid, kTooLarge };

	static constexpr std::size_t kMaxRequestBytes = 8192;

	// Adds received bytes. Returns the state after them; once not kIncomplete it stays put.
	State Feed(const char *data, std::size_t size);
	State state() const {
		return state_;
	}
	// REQUIRES: state() == kComplete.
	const HttpRequest &request() const {
		return request_;
	}

private:
	void ParseHead();

	std::string buffer_;
	HttpRequest request_;
	State state_ = State::kIncomplete;
};

// A complete HTTP/1.1 response with Content-Length and "Connection: close" (and, for 401, the
// WWW-Authenticate header naming the Bearer scheme).
std::string RenderHttpResponse(int status, const std::string &content_type, const std::string &body);

} // namespace openduck
