#include "common/distinct_count.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

namespace openduck {
namespace {

TEST(DistinctCountTest, CountsSmallSetsExactlyEnough) {
	DistinctCount count;
	EXPECT_EQ(count.Estimate(), 0u);
	for (uint64_t i = 0; i < 4; i++) {
		count.Add(i * 7);
		count.Add(i * 7); // duplicates count once
	}
	EXPECT_EQ(count.Estimate(), 4u);
	count.Clear();
	EXPECT_EQ(count.Estimate(), 0u);
}

// Within 5% (three standard errors) from a hundred to ten million distinct values, whether the
// hashes are random or DuckDB-like hashes of consecutive integers, and however often each repeats.
TEST(DistinctCountTest, EstimatesLargeSetsWithinAFewPercent) {
	for (uint64_t distinct : {100ull, 3000ull, 20000ull, 200000ull, 1500000ull, 10000000ull}) {
		for (bool sequential : {false, true}) {
			DistinctCount count;
			uint64_t repeats = distinct >= 1000000 ? 1 : 3;
			for (uint64_t r = 0; r < repeats; r++) {
				std::mt19937_64 values(distinct);
				for (uint64_t i = 0; i < distinct; i++) {
					count.Add(sequential ? i : values());
				}
			}
			double error = std::abs(double(count.Estimate()) - double(distinct)) / double(distinct);
			EXPECT_LT(error, 0.05) << distinct << (sequential ? " sequential" : " random") << ": estimated "
			                       << count.Estimate();
		}
	}
}

} // namespace
} // namespace openduck
