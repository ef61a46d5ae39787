#include "common/distinct_count.hpp"

#include "common/hash_remix.hpp"

#include <cmath>

namespace openduck {

void DistinctCount::Add(uint64_t hash) {
	hash = RemixHash(hash);
	auto index = uint32_t(hash >> (64 - kIndexBits));
	// The rest, with a stop bit so that an all-zero remainder still has a finite rank.
	uint64_t rest = (hash << kIndexBits) | (uint64_t(1) << (kIndexBits - 1));
	auto rank = uint8_t(__builtin_clzll(rest) + 1);
	if (rank > registers_[index]) {
		registers_[index] = rank;
	}
}

uint64_t DistinctCount::Estimate() const {
	double sum = 0;
	uint32_t zeros = 0;
	for (auto rank : registers_) {
		sum += std::ldexp(1.0, -int(rank));
		zeros += rank == 0;
	}
	double m = kRegisters;
	double estimate = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (estimate <= 2.5 * m && zeros > 0) {
		estimate = m * std::log(m / zeros); // linear counting: exact enough for small counts
	}
	return uint64_t(std::llround(estimate));
}

void DistinctCount::Clear() {
	registers_.fill(0);
}

} // namespace openduck
