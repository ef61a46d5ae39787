// The shared gRPC/HTTP port parses HTTP/1.1 requests (/health, /metrics) from anyone who can
// connect, before any authentication. Besides surviving any bytes, the parser must not depend on
// how TCP cut them: the input fed whole and fed in pieces (cut where the input's first byte
// says) must give the same state, and the same request when complete.
#include "rpc/http_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

openduck::HttpRequestParser::State Parse(const std::string &bytes, size_t piece, openduck::HttpRequestParser &parser) {
	auto state = openduck::HttpRequestParser::State::kIncomplete;
	for (size_t offset = 0; offset < bytes.size(); offset += piece) {
		state = parser.Feed(bytes.data() + offset, std::min(piece, bytes.size() - offset));
	}
	return state;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size == 0) {
		return 0;
	}
	size_t piece = data[0] % 16 + 1;
	std::string bytes(reinterpret_cast<const char *>(data + 1), size - 1);
	openduck::HttpRequestParser whole, pieces;
	auto whole_state = Parse(bytes, bytes.size() + 1, whole);
	auto pieces_state = Parse(bytes, piece, pieces);
	if (whole_state != pieces_state) {
		std::abort();
	}
	if (whole_state == openduck::HttpRequestParser::State::kComplete) {
		auto &a = whole.request(), &b = pieces.request();
		if (a.method != b.method || a.path != b.path || a.version != b.version || a.authorization != b.authorization) {
			std::abort();
		}
	}
	return 0;
}
