#include "common/token.hpp"

namespace openduck {

bool TokensEqual(const std::string &a, const std::string &b) {
	// Fold the length difference into the accumulator and always walk the longer string, so
	// neither the position of the first difference nor an early length exit leaks timing.
	volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
	size_t n = a.size() > b.size() ? a.size() : b.size();
	for (size_t i = 0; i < n; i++) {
		unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
		unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
		diff = diff | (x ^ y);
	}
	return diff == 0;
}

std::string BearerHeader(const std::string &token) {
	return "Bearer " + token;
}

std::string TokenFromHeader(const std::string &header_value) {
	static const std::string kPrefix = "Bearer ";
	if (header_value.compare(0, kPrefix.size(), kPrefix) == 0) {
		return header_value.substr(kPrefix.size());
	}
	return header_value;
}

} // namespace openduck
