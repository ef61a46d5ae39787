// A Bloom filter over the hashes of a join's build-side keys, the form in which a host sends a
// semi-join reduction to a worker: the host hashes each key with DuckDB's own hash of the key's
// type (VectorOperations::Hash), the worker hashes the remote column the same way and keeps the
// rows whose hash may be in the set. Host and worker run the same DuckDB (Handshake pins it), so
// a key present on the host is never filtered out; false positives only cost bandwidth.
//
// Layout (version 1): "ODJK", a version byte, then 2^n little-endian 64-bit words. A hash picks
// one word with its low bits and sets 4 bits in it from its top 24 bits (a register-blocked
// Bloom filter: one memory access per probe). Sized at 16-32 bits per distinct key, it lets
// through about 0.5% of the rows that do not match.
//
// Immutable once built; safe to probe from many threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace openduck {

class JoinKeyFilter {
public:
	// The encoded filter of `hashes` (duplicates allowed; the vector is sorted in place).
	static std::string Encode(std::vector<uint64_t> &hashes);
	// Throws std::invalid_argument naming what is wrong when `encoded` is not a filter.
	static JoinKeyFilter Decode(const std::string &encoded);
	// Distinct values among sorted hashes.
	static size_t CountDistinct(const std::vector<uint64_t> &sorted);

	bool MayContain(uint64_t hash) const {
		return (words_[hash & mask_] & BitsOf(hash)) == BitsOf(hash);
	}

private:
	static uint64_t BitsOf(uint64_t hash) {
		return (uint64_t(1) << ((hash >> 40) & 63)) | (uint64_t(1) << ((hash >> 46) & 63)) |
		       (uint64_t(1) << ((hash >> 52) & 63)) | (uint64_t(1) << ((hash >> 58) & 63));
	}

	std::vector<uint64_t> words_;
	uint64_t mask_ = 0;
};

} // namespace openduck
