// A Bloom filter over the hashes of a join's build-side keys, the form in which a host sends a
// semi-join reduction to a worker: the host hashes each key with DuckDB's own hash of the key's
// type (VectorOperations::Hash), the worker hashes the remote column the same way and keeps the
// rows whose hash may be in the set. Host and worker run the same DuckDB (Handshake pins it), so
// a key present on the host is never filtered out; false positives only cost bandwidth.
//
// Layout (version 1): "ODJK", a version byte, then 2^n little-endian 64-bit words of bits. A
// hash sets 4 bits: the two 32-bit halves of the hash and of its splitmix64 remix, each taken
// modulo the filter's bits (at most 2^32). It is sized so that, of the rows it
// will be probed with, about a twentieth as many as there are keys pass without a match: the
// rows sent stay close to the rows that match (each key matches one row or more).
//
// Immutable once built; safe to probe from many threads.
#pragma once

#include "common/hash_remix.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace openduck {

class JoinKeyFilter {
public:
	// The encoded filter of `hashes` (duplicates allowed), about `distinct` of them distinct
	// (DistinctCount: it sizes the filter), to be probed with about `probe_rows` rows; at most
	// `max_bytes` (then with more false positives).
	static std::string Encode(const std::vector<uint64_t> &hashes, uint64_t distinct, uint64_t probe_rows,
	                          size_t max_bytes);
	// Throws std::invalid_argument naming what is wrong when `encoded` is not a filter.
	static JoinKeyFilter Decode(const std::string &encoded);

	bool MayContain(uint64_t hash) const {
		uint64_t mixed = RemixHash(hash);
		return Has(hash) && Has(hash >> 32) && Has(mixed) && Has(mixed >> 32);
	}

private:
	bool Has(uint64_t position) const {
		position &= mask_;
		return words_[position >> 6] & (uint64_t(1) << (position & 63));
	}
	void Set(uint64_t hash) {
		uint64_t mixed = RemixHash(hash);
		for (uint64_t position : {hash, hash >> 32, mixed, mixed >> 32}) {
			position &= mask_;
			words_[position >> 6] |= uint64_t(1) << (position & 63);
		}
	}

	static constexpr int kBitsPerKey = 4;
	std::vector<uint64_t> words_;
	// Bits - 1.
	uint64_t mask_ = 0;
};

} // namespace openduck
