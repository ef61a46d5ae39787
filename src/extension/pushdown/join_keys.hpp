// The keys of one join's build side, for one execution of a plan: the OPENDUCK_JOIN_KEYS
// operator (pushdown/semi_join_pushdown.hpp) adds their hashes while the build side runs and
// marks them complete when its pipeline has finished; the remote scan on the probe side, which
// DuckDB starts only after every build side of its pipeline, then asks the worker for the rows
// whose key may be among them (openduck_join_keys(), common/join_key_filter.hpp). Keys that are
// incomplete, too many, or not selective against the remote table are simply not sent: the
// filter is a reduction, the join itself still decides. Thread-safe.
#pragma once

#include "common/distinct_count.hpp"
#include "duckdb/common/types/vector.hpp"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace openduck {

class JoinKeys {
public:
	// `column`: the remote scan's column the keys are compared with.
	explicit JoinKeys(std::string column) : column_(std::move(column)) {
	}

	const std::string &Column() const {
		return column_;
	}
	// Forgets the keys of an earlier execution (a prepared statement runs its plan again).
	void Reset();
	// Adds the hashes (DuckDB's hash of the keys' type) of the non-NULL rows among `keys`.
	void Add(duckdb::Vector &keys, duckdb::idx_t count);
	void Finish();
	// "openduck_join_keys("<column>", <n>)" for a scan of a table of about `remote_rows` rows
	// whose column has about `remote_distinct` distinct values (UINT64_MAX when unknown), the
	// encoded filter appended to `filters` as its entry n (sent beside the text:
	// ExecuteFragmentRequest.join_key_filters); or "" when the filter is not worth sending.
	// `sent` describes what was sent, for EXPLAIN ANALYZE ("<column>: <n> keys in <k> KiB",
	// "about <n>" when estimated: DistinctCount).
	std::string FilterSQL(uint64_t remote_rows, uint64_t remote_distinct, std::vector<std::string> &filters,
	                      std::string &sent);

private:
	const std::string column_;
	std::mutex lock_;
	std::vector<uint64_t> hashes_;
	// How many of hashes_ are distinct, counted as they arrive: sorting them at the end would
	// hold the remote scan back (distinct_count.hpp).
	DistinctCount distinct_;
	bool complete_ = false;
	bool overflow_ = false;
};

} // namespace openduck
