// splitmix64's finaliser: spreads a 64-bit hash's entropy over all its bits. DuckDB's hashes of
// small integers differ in few bits, and the join key filter (its second set of bit positions;
// part of its wire layout) and the distinct count (its register and rank) need bits that vary.
// Thread-safe (a pure function).
#pragma once

#include <cstdint>

namespace openduck {

inline uint64_t RemixHash(uint64_t hash) {
	hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ULL;
	hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebULL;
	return hash ^ (hash >> 31);
}

} // namespace openduck
