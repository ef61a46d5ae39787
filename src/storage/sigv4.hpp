// AWS Signature Version 4 request signing (the Authorization header S3 and S3-compatible
// stores check). Pure functions over OpenSSL's SHA-256/HMAC; thread-safe. Validated against
// AWS's published test vectors in test/unit/storage_sigv4_test.cpp.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace openduck {

struct SigV4Credentials {
	std::string access_key;
	std::string secret_key;
	std::string session_token; // empty unless temporary credentials
};

struct SigV4Request {
	std::string method;       // "GET"
	std::string path;         // already URI-encoded, e.g. "/bucket/layers/1/x.layer"
	std::vector<std::pair<std::string, std::string>> query; // raw (unencoded) name/value pairs
	std::vector<std::pair<std::string, std::string>> headers; // every header to sign (incl. host, x-amz-date)
	std::string payload_sha256_hex;
};

std::string Sha256Hex(const std::string &data);
// RFC 3986 unreserved characters stay, everything else becomes %XX; '/' stays unless
// `encode_slash`.
std::string UriEncode(const std::string &text, bool encode_slash);
// The canonical request (exposed for tests and error messages).
std::string SigV4CanonicalRequest(const SigV4Request &request, std::string &signed_headers);
// The Authorization header value for `request` at `amz_date` (YYYYMMDDTHHMMSSZ).
std::string SigV4Authorization(const SigV4Request &request, const SigV4Credentials &credentials,
                               const std::string &region, const std::string &service, const std::string &amz_date);

} // namespace openduck
