#include "extension/pushdown/join_keys.hpp"

#include "common/join_key_filter.hpp"
#include "duckdb/common/vector_operations/vector_operations.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

#include <algorithm>

namespace openduck {

using namespace duckdb;

namespace {

// Collected hashes past this many are dropped and no filter is sent (32 MiB of them).
constexpr size_t kMaxHashes = size_t(4) << 20;
// At most this many distinct keys go into a filter, of at most 4 MiB (5.3 MiB of SQL text).
constexpr size_t kMaxFilterKeys = size_t(1) << 20;
constexpr size_t kMaxFilterBytes = size_t(4) << 20;
// A filter is sent only when the table has this many rows per distinct key or more: with
// fewer, most rows match anyway and the worker's hashing and the text are spent for little.
constexpr uint64_t kMinRowsPerKey = 4;
// Nor when the keys are more than half the remote column's distinct values (an estimate, e.g.
// TPC-H Q14's 200K part keys against l_partkey's 200K): at best half its rows would stay
// behind, and the filter only delays the scan (it waits for the build side) and costs its text.
constexpr uint64_t kMinDistinctPerKey = 2;
// Up to this many hashes, their distinct keys are counted exactly, past it estimated.
constexpr size_t kExactCountMaxHashes = size_t(16) << 10;

} // namespace

void JoinKeys::Reset() {
	std::lock_guard<std::mutex> guard(lock_);
	hashes_.clear();
	distinct_.Clear();
	complete_ = false;
	overflow_ = false;
}

void JoinKeys::Add(Vector &keys, idx_t count) {
	if (count == 0) {
		return;
	}
	Vector hashes(LogicalType::HASH, count);
	VectorOperations::Hash(keys, hashes, count);
	UnifiedVectorFormat key_format, hash_format;
	keys.ToUnifiedFormat(count, key_format);
	hashes.ToUnifiedFormat(count, hash_format);
	auto hash_data = UnifiedVectorFormat::GetData<hash_t>(hash_format);
	std::lock_guard<std::mutex> guard(lock_);
	if (overflow_) {
		return;
	}
	for (idx_t i = 0; i < count; i++) {
		if (key_format.validity.RowIsValid(key_format.sel->get_index(i))) {
			auto hash = hash_data[hash_format.sel->get_index(i)];
			hashes_.push_back(hash);
			distinct_.Add(hash);
		}
	}
	if (hashes_.size() > kMaxHashes) {
		overflow_ = true;
		hashes_.clear();
		hashes_.shrink_to_fit();
	}
}

void JoinKeys::Finish() {
	std::lock_guard<std::mutex> guard(lock_);
	complete_ = true;
}

std::string JoinKeys::FilterSQL(uint64_t remote_rows, uint64_t remote_distinct, std::vector<std::string> &filters,
                                std::string &sent) {
	std::lock_guard<std::mutex> guard(lock_);
	sent.clear();
	if (!complete_ || overflow_) {
		return "";
	}
	// Few keys are counted exactly (sorting 16K hashes takes well under a millisecond), so
	// EXPLAIN ANALYZE shows their exact number; more are estimated.
	bool exact = hashes_.size() <= kExactCountMaxHashes;
	uint64_t distinct_keys;
	if (exact) {
		std::sort(hashes_.begin(), hashes_.end());
		hashes_.erase(std::unique(hashes_.begin(), hashes_.end()), hashes_.end());
		distinct_keys = hashes_.size();
	} else {
		distinct_keys = distinct_.Estimate();
	}
	if (distinct_keys > kMaxFilterKeys || distinct_keys * kMinRowsPerKey > remote_rows ||
	    distinct_keys * kMinDistinctPerKey > remote_distinct) {
		return "";
	}
	auto encoded = JoinKeyFilter::Encode(hashes_, distinct_keys, remote_rows, kMaxFilterBytes);
	sent = column_ + ": " + (exact ? "" : "about ") + std::to_string(distinct_keys) + " keys in " +
	       std::to_string((encoded.size() + 1023) / 1024) + " KiB";
	filters.push_back(std::move(encoded));
	return "openduck_join_keys(" + QuoteIdentifier(column_) + ", " + std::to_string(filters.size() - 1) + ")";
}

} // namespace openduck
