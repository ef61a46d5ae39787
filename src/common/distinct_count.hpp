// An estimate of how many distinct values a stream of 64-bit hashes holds, in 4 KiB whatever
// its length: a HyperLogLog sketch (Flajolet et al. 2007) of 4096 registers, with linear
// counting for small counts. Its standard error is about 1.6%; below a few thousand values it is
// close to exact.
//
// Why not sort and count: a join's build side hands over a few hundred thousand key hashes,
// and sorting them costs 10-25 ms on the statement's critical path (the remote scan waits for
// the decision), while adding each hash to the sketch costs a few nanoseconds as the keys
// arrive.
//
// Not thread-safe: callers serialise Add (JoinKeys holds its lock).
#pragma once

#include <array>
#include <cstdint>

namespace openduck {

class DistinctCount {
public:
	// Counts `hash`, any well-mixed or not 64-bit hash (it is remixed first).
	void Add(uint64_t hash);
	// The estimated number of distinct hashes added so far (0 when none was).
	uint64_t Estimate() const;
	void Clear();

private:
	static constexpr int kIndexBits = 12;
	static constexpr uint32_t kRegisters = uint32_t(1) << kIndexBits;
	// Per register, the longest run of leading zeros (+1) seen among the hashes it was given.
	std::array<uint8_t, kRegisters> registers_ {};
};

} // namespace openduck
