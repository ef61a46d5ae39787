// Little-endian integer encoding for the on-disk formats (layer objects, active-layer log), and
// hex for bytes kept in the metadata store's text columns.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace openduck {

inline void PutU32(std::string &out, uint32_t v) {
	for (int i = 0; i < 4; i++) {
		out.push_back(char((v >> (8 * i)) & 0xFF));
	}
}

inline void PutU64(std::string &out, uint64_t v) {
	for (int i = 0; i < 8; i++) {
		out.push_back(char((v >> (8 * i)) & 0xFF));
	}
}

inline uint32_t GetU32(const uint8_t *p) {
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

inline uint64_t GetU64(const uint8_t *p) {
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

inline std::string HexEncode(const std::string &bytes) {
	static const char digits[] = "0123456789abcdef";
	std::string out;
	out.reserve(bytes.size() * 2);
	for (unsigned char byte : bytes) {
		out.push_back(digits[byte >> 4]);
		out.push_back(digits[byte & 15]);
	}
	return out;
}

// Throws std::invalid_argument on anything but pairs of hex digits.
inline std::string HexDecode(const std::string &text) {
	auto nibble = [](char c) -> int {
		if (c >= '0' && c <= '9') {
			return c - '0';
		}
		if (c >= 'a' && c <= 'f') {
			return c - 'a' + 10;
		}
		throw std::invalid_argument("not a hex digit");
	};
	if (text.size() % 2) {
		throw std::invalid_argument("odd length hex text");
	}
	std::string out(text.size() / 2, '\0');
	for (size_t i = 0; i < out.size(); i++) {
		out[i] = char(nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]));
	}
	return out;
}

} // namespace openduck
