// Little-endian integer encoding for the on-disk formats (layer objects, active-layer log).
#pragma once

#include <cstdint>
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

} // namespace openduck
