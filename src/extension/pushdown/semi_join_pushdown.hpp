// Semi-join reduction of remote scans (placement REMOTE→LOCAL made cheaper): when a hash join's
// probe side streams a remote table's column that the join compares for equality with its
// build side, the build side's keys go to the worker, which then sends only the rows whose key
// may match. DuckDB's own dynamic join filters (min/max, and an IN list of up to 50 values)
// already reach the remote SQL; this covers the many-key case with a Bloom filter
// (common/join_key_filter.hpp).
//
// A post-optimize pass puts an OPENDUCK_JOIN_KEYS operator on top of the join's build side: it
// passes the rows through and collects their keys' hashes (pushdown/join_keys.hpp). The remote
// scan reads them when it starts, which DuckDB does only after every build side of its pipeline
// has finished. So the scan must stream into the join through its probe side alone: the path
// from the join down to the scan may hold projections that pass the column through, filters,
// and the probe side of joins that keep or drop each probe row on its own (never an aggregate,
// a LIMIT, or the nullable side of an outer join), and the join itself must drop probe rows
// without a match (INNER, SEMI, RIGHT, RIGHT_SEMI) on an equality.
#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"

namespace openduck {

duckdb::OptimizerExtension SemiJoinPushdownExtension();

} // namespace openduck
