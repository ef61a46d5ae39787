// Object keys, store URLs and endpoints end up in signed S3 requests: the URL parsing and the
// SigV4 code must take any bytes without crashing, and UriEncode must stay reversible (a key
// that encoded ambiguously would sign one object and fetch another).
//
// Input: fields separated by '\n': store URL, AWS_ENDPOINT_URL, method, path, query name, query
// value, header name, header value, key.
#include "storage/s3_object_store.hpp"
#include "storage/sigv4.hpp"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<std::string> Fields(const std::string &text, size_t count) {
	std::vector<std::string> fields;
	size_t start = 0;
	while (fields.size() + 1 < count) {
		auto end = text.find('\n', start);
		if (end == std::string::npos) {
			break;
		}
		fields.push_back(text.substr(start, end - start));
		start = end + 1;
	}
	fields.push_back(start <= text.size() ? text.substr(start) : "");
	fields.resize(count);
	return fields;
}

int HexValue(char c) {
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

// The inverse of UriEncode; aborts on anything UriEncode must never produce.
std::string UriDecode(const std::string &encoded) {
	std::string decoded;
	for (size_t i = 0; i < encoded.size(); i++) {
		char c = encoded[i];
		if (c != '%') {
			bool unreserved = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
			                  c == '~' || c == '/';
			if (!unreserved) {
				std::abort();
			}
			decoded += c;
			continue;
		}
		if (i + 2 >= encoded.size()) {
			std::abort();
		}
		int high = HexValue(encoded[i + 1]), low = HexValue(encoded[i + 2]);
		if (high < 0 || low < 0) {
			std::abort(); // lower-case or non-hex escapes differ from what S3 computes
		}
		decoded += char(high * 16 + low);
		i += 2;
	}
	return decoded;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
	setenv("AWS_ACCESS_KEY_ID", "fuzz-key", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "fuzz-secret", 1);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	auto fields = Fields(std::string(reinterpret_cast<const char *>(data), size), 9);
	setenv("AWS_ENDPOINT_URL", fields[1].c_str(), 1);
	try {
		openduck::S3ObjectStore store(openduck::S3Location::FromUrl(fields[0]));
		store.Describe();
	} catch (std::runtime_error &) {
	}
	for (bool encode_slash : {false, true}) {
		auto encoded = openduck::UriEncode(fields[8], encode_slash);
		if (encode_slash && encoded.find('/') != std::string::npos) {
			std::abort();
		}
		if (UriDecode(encoded) != fields[8]) {
			std::abort();
		}
	}
	openduck::SigV4Request request;
	request.method = fields[2];
	request.path = fields[3];
	request.query = {{fields[4], fields[5]}, {fields[5], fields[4]}};
	request.headers = {{fields[6], fields[7]}, {"host", fields[1]}, {"x-amz-date", "20261204T000000Z"}};
	request.payload_sha256_hex = openduck::Sha256Hex(fields[8]);
	std::string signed_headers;
	openduck::SigV4CanonicalRequest(request, signed_headers);
	auto authorization = openduck::SigV4Authorization(request, {"fuzz-key", "fuzz-secret", fields[7]}, fields[4],
	                                                  "s3", "20261204T000000Z");
	if (authorization.compare(0, 16, "AWS4-HMAC-SHA256") != 0) {
		std::abort();
	}
	return 0;
}
