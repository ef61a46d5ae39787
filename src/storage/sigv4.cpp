#include "storage/sigv4.hpp"

#include <algorithm>
#include <map>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace openduck {

static std::string Hex(const unsigned char *data, size_t size) {
	static const char digits[] = "0123456789abcdef";
	std::string out;
	out.reserve(size * 2);
	for (size_t i = 0; i < size; i++) {
		out.push_back(digits[data[i] >> 4]);
		out.push_back(digits[data[i] & 15]);
	}
	return out;
}

std::string Sha256Hex(const std::string &data) {
	unsigned char digest[SHA256_DIGEST_LENGTH];
	SHA256(reinterpret_cast<const unsigned char *>(data.data()), data.size(), digest);
	return Hex(digest, sizeof(digest));
}

static std::string Hmac(const std::string &key, const std::string &data) {
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int size = 0;
	HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char *>(data.data()), data.size(),
	     digest, &size);
	return std::string(reinterpret_cast<char *>(digest), size);
}

std::string UriEncode(const std::string &text, bool encode_slash) {
	static const char digits[] = "0123456789ABCDEF";
	std::string out;
	for (unsigned char c : text) {
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || (c == '/' && !encode_slash)) {
			out.push_back(char(c));
		} else {
			out.push_back('%');
			out.push_back(digits[c >> 4]);
			out.push_back(digits[c & 15]);
		}
	}
	return out;
}

static std::string Trim(const std::string &value) {
	// Trim both ends and collapse inner runs of spaces, as the canonical form requires.
	std::string out;
	bool space = false;
	for (char c : value) {
		if (c == ' ' || c == '\t') {
			space = !out.empty();
			continue;
		}
		if (space) {
			out.push_back(' ');
			space = false;
		}
		out.push_back(c);
	}
	return out;
}

std::string SigV4CanonicalRequest(const SigV4Request &request, std::string &signed_headers) {
	std::vector<std::pair<std::string, std::string>> query;
	for (auto &entry : request.query) {
		query.emplace_back(UriEncode(entry.first, true), UriEncode(entry.second, true));
	}
	std::sort(query.begin(), query.end());
	std::string canonical_query;
	for (auto &entry : query) {
		canonical_query += (canonical_query.empty() ? "" : "&") + entry.first + "=" + entry.second;
	}
	std::map<std::string, std::string> headers;
	for (auto &entry : request.headers) {
		auto name = entry.first;
		std::transform(name.begin(), name.end(), name.begin(), ::tolower);
		auto &value = headers[name];
		value += (value.empty() ? "" : ",") + Trim(entry.second);
	}
	std::string canonical_headers;
	signed_headers.clear();
	for (auto &entry : headers) {
		canonical_headers += entry.first + ":" + entry.second + "\n";
		signed_headers += (signed_headers.empty() ? "" : ";") + entry.first;
	}
	return request.method + "\n" + request.path + "\n" + canonical_query + "\n" + canonical_headers + "\n" +
	       signed_headers + "\n" + request.payload_sha256_hex;
}

std::string SigV4Authorization(const SigV4Request &request, const SigV4Credentials &credentials,
                               const std::string &region, const std::string &service, const std::string &amz_date) {
	std::string signed_headers;
	auto canonical = SigV4CanonicalRequest(request, signed_headers);
	auto date = amz_date.substr(0, 8);
	auto scope = date + "/" + region + "/" + service + "/aws4_request";
	auto string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
	auto key = Hmac(Hmac(Hmac(Hmac("AWS4" + credentials.secret_key, date), region), service), "aws4_request");
	auto signature = Hmac(key, string_to_sign);
	return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope + ", SignedHeaders=" + signed_headers +
	       ", Signature=" + Hex(reinterpret_cast<const unsigned char *>(signature.data()), signature.size());
}

} // namespace openduck
