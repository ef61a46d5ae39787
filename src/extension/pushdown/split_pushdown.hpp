// Distributed reads: a large aggregate over one remote table, from a READ_ONLY attachment
// through a gateway with read replicas, runs as several parts (split_aggregate.hpp), each part
// on another replica at the same commit position, reading its own range of the table's row
// groups; the host merges the parts' partial aggregates (openduck_split_read, then the merge).
// The result equals the one a single worker computes from that state.
//
// Settings: openduck_split_reads (default true) and openduck_split_min_rows (default
// 1,000,000: smaller tables are read by one worker, where splitting costs more than it saves).
#pragma once

#include "duckdb/main/config.hpp"
#include "duckdb/optimizer/optimizer_extension.hpp"
#include "duckdb/parser/statement/select_statement.hpp"

namespace openduck {

class ODCatalog;

constexpr const char *kSplitReadsSetting = "openduck_split_reads";
constexpr const char *kSplitMinRowsSetting = "openduck_split_min_rows";

void AddSplitSettings(duckdb::DBConfig &config);

// Replaces `target` (the plan of `statement`, an auto-commit read outside a session whose
// table references were rewritten for the worker) by a split read and its merge; false when
// the statement is not split (the caller ships it whole).
bool ShipSplitAggregate(duckdb::OptimizerExtensionInput &input, duckdb::unique_ptr<duckdb::LogicalOperator> &target,
                        ODCatalog &catalog, const duckdb::SelectStatement &statement);

} // namespace openduck
