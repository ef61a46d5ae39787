#include "common/join_key_filter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace openduck {

namespace {

constexpr char kMagic[4] = {'O', 'D', 'J', 'K'};
constexpr uint8_t kVersion = 1;
constexpr size_t kHeaderBytes = sizeof(kMagic) + 1;
// 2^26 words = 2^32 bits (512 MiB): positions are 32-bit; far past what a host sends (a few MiB).
constexpr size_t kMaxWords = size_t(1) << 26;

} // namespace

std::string JoinKeyFilter::Encode(const std::vector<uint64_t> &hashes, uint64_t distinct, uint64_t probe_rows,
                                  size_t max_bytes) {
	auto keys = double(std::max<uint64_t>(distinct, 1));
	// With k bits per key and b bits of filter per key, a row without a match passes with
	// probability (1 - e^(-k/b))^k: solved for b at the wanted rate, a twentieth of the keys'
	// count over the probes (16 to 256 bits per key).
	double rate = probe_rows == 0 ? 1.0 : std::min(0.5, 0.05 * keys / double(probe_rows));
	double bits_per_key = -double(kBitsPerKey) / std::log(1.0 - std::pow(rate, 1.0 / kBitsPerKey));
	bits_per_key = std::max(16.0, std::min(256.0, bits_per_key));
	size_t max_words = std::max<size_t>(1, max_bytes / sizeof(uint64_t));
	size_t words = 1;
	while (words < max_words && double(words) * 64 < keys * bits_per_key) {
		words <<= 1;
	}
	if (words > max_words) {
		words >>= 1;
	}
	JoinKeyFilter filter;
	filter.words_.assign(words, 0);
	filter.mask_ = words * 64 - 1;
	for (auto hash : hashes) {
		filter.Set(hash);
	}
	std::string encoded(kHeaderBytes + words * sizeof(uint64_t), '\0');
	std::memcpy(&encoded[0], kMagic, sizeof(kMagic));
	encoded[sizeof(kMagic)] = char(kVersion);
	for (size_t i = 0; i < words; i++) {
		for (size_t b = 0; b < sizeof(uint64_t); b++) {
			encoded[kHeaderBytes + i * sizeof(uint64_t) + b] = char((filter.words_[i] >> (8 * b)) & 0xFF);
		}
	}
	return encoded;
}

JoinKeyFilter JoinKeyFilter::Decode(const std::string &encoded) {
	if (encoded.size() < kHeaderBytes || std::memcmp(encoded.data(), kMagic, sizeof(kMagic)) != 0) {
		throw std::invalid_argument("not a join key filter (it starts with \"ODJK\" and a version byte)");
	}
	if (uint8_t(encoded[sizeof(kMagic)]) != kVersion) {
		throw std::invalid_argument("join key filter version " + std::to_string(uint8_t(encoded[sizeof(kMagic)])) +
		                            " is not known to this server (it reads version 1)");
	}
	size_t bytes = encoded.size() - kHeaderBytes;
	size_t words = bytes / sizeof(uint64_t);
	if (bytes % sizeof(uint64_t) != 0 || words == 0 || (words & (words - 1)) != 0 || words > kMaxWords) {
		throw std::invalid_argument("join key filter of " + std::to_string(bytes) +
		                            " bytes: its words must number a power of two, 1 to 2^26");
	}
	JoinKeyFilter filter;
	filter.words_.assign(words, 0);
	filter.mask_ = words * 64 - 1;
	auto *data = reinterpret_cast<const unsigned char *>(encoded.data()) + kHeaderBytes;
	for (size_t i = 0; i < words; i++) {
		uint64_t word = 0;
		for (size_t b = 0; b < sizeof(uint64_t); b++) {
			word |= uint64_t(data[i * sizeof(uint64_t) + b]) << (8 * b);
		}
		filter.words_[i] = word;
	}
	return filter;
}

} // namespace openduck
