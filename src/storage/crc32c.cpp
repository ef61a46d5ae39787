#include "storage/crc32c.hpp"

#include <cstring>

namespace openduck {

namespace {

struct Crc32cTables {
	uint32_t table[8][256];
	Crc32cTables() {
		const uint32_t poly = 0x82F63B78u; // reflected Castagnoli polynomial
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t crc = i;
			for (int bit = 0; bit < 8; bit++) {
				crc = (crc & 1) ? (crc >> 1) ^ poly : crc >> 1;
			}
			table[0][i] = crc;
		}
		for (uint32_t i = 0; i < 256; i++) {
			for (int t = 1; t < 8; t++) {
				table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFF];
			}
		}
	}
};

const Crc32cTables &Tables() {
	static const Crc32cTables tables;
	return tables;
}

#if defined(__x86_64__)
// The SSE4.2 CRC32 instruction computes exactly CRC-32C, about ten times faster than the tables:
// every layer read is checksummed, so this is on the scan path.
__attribute__((target("sse4.2"))) uint32_t HardwareCrc32c(const void *data, size_t size, uint32_t crc) {
	auto p = static_cast<const uint8_t *>(data);
	uint64_t state = ~crc;
	while (size >= 8) {
		uint64_t word;
		std::memcpy(&word, p, 8);
		state = __builtin_ia32_crc32di(state, word);
		p += 8;
		size -= 8;
	}
	auto state32 = static_cast<uint32_t>(state);
	while (size--) {
		state32 = __builtin_ia32_crc32qi(state32, *p++);
	}
	return ~state32;
}
#endif

} // namespace

uint32_t SoftwareCrc32c(const void *data, size_t size, uint32_t crc) {
	auto &t = Tables().table;
	auto p = static_cast<const uint8_t *>(data);
	crc = ~crc;
	while (size >= 8) {
		uint32_t low = (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24) ^ crc;
		crc = t[7][low & 0xFF] ^ t[6][(low >> 8) & 0xFF] ^ t[5][(low >> 16) & 0xFF] ^ t[4][low >> 24] ^ t[3][p[4]] ^
		      t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
		p += 8;
		size -= 8;
	}
	while (size--) {
		crc = t[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	}
	return ~crc;
}

uint32_t Crc32c(const void *data, size_t size, uint32_t crc) {
#if defined(__x86_64__)
	static const bool has_sse42 = __builtin_cpu_supports("sse4.2");
	if (has_sse42) {
		return HardwareCrc32c(data, size, crc);
	}
#endif
	return SoftwareCrc32c(data, size, crc);
}

} // namespace openduck
