#include "common/join_key_filter.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace openduck {

namespace {

constexpr char kMagic[4] = {'O', 'D', 'J', 'K'};
constexpr uint8_t kVersion = 1;
constexpr size_t kHeaderBytes = sizeof(kMagic) + 1;
// 2^28 words = 2 GiB: far past anything a host sends (it stops at a few MiB); bounds a hostile one.
constexpr size_t kMaxWords = size_t(1) << 28;

} // namespace

size_t JoinKeyFilter::CountDistinct(const std::vector<uint64_t> &sorted) {
	size_t distinct = 0;
	for (size_t i = 0; i < sorted.size(); i++) {
		distinct += i == 0 || sorted[i] != sorted[i - 1];
	}
	return distinct;
}

std::string JoinKeyFilter::Encode(std::vector<uint64_t> &hashes) {
	std::sort(hashes.begin(), hashes.end());
	// 16 bits per distinct key at least: four keys per 64-bit word.
	size_t wanted = std::max<size_t>(1, (CountDistinct(hashes) + 3) / 4);
	size_t words = 1;
	while (words < wanted) {
		words <<= 1;
	}
	JoinKeyFilter filter;
	filter.words_.assign(words, 0);
	filter.mask_ = words - 1;
	for (auto hash : hashes) {
		filter.words_[hash & filter.mask_] |= BitsOf(hash);
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
		                            " bytes: its words must number a power of two, 1 to 2^28");
	}
	JoinKeyFilter filter;
	filter.words_.assign(words, 0);
	filter.mask_ = words - 1;
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
