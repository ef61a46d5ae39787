// Column statistics of a remote table for the host's optimizer (the `statistics` callback of
// remote scans): min/max, null flags and distinct-count estimates drive join order, filter
// pruning and statistics propagation exactly as for a local table.
//
// Wrong statistics give wrong results (a filter judged always-true is dropped, values are
// compressed into the range the statistics promise), so they must hold for every row the scan
// will return:
// - They are read from the worker when the optimizer first asks, once per scan and statement
//   (a GetCatalog, whose ColumnInfo.statistics are the tables' own DuckDB statistics), never
//   from the cached catalog: any client may have written since it was loaded.
// - Only auto-commit statements get them. Inside a host transaction the worker session may
//   hold uncommitted rows, which table statistics do not cover.
// - They are read inside a worker session opened for the statement first
//   (ODTransaction::StatisticsSession), and the statement's reads of the database run in it:
//   its snapshot was taken before the statistics were read, and statistics only widen as rows
//   are committed, so they cover every row those reads return. Another client's commit in
//   between is simply not seen, as by any auto-commit statement that started before it.
//   A statement's only read takes the session over (SESSION_ACTION_FINAL_READ) and streams.
// - Where no session could be opened (the worker unreachable) or the statement snapshot is
//   turned off for reads that share none, a commit in between may still bring rows outside
//   them: the scan checks every received vector against what it reported (StatisticsCheck)
//   and fails the statement rather than return a wrong answer.
// Thread-safe: the optimizer loads and reports under a lock; each scan then takes an immutable
// StatisticsCheck.
#pragma once

#include "duckdb/common/types/data_chunk.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/storage/statistics/base_statistics.hpp"
#include "extension/catalog/remote_relation.hpp"

#include <mutex>

namespace openduck {

class ODCatalog;

// The statistics a scan reported, by output column; checks received rows against them.
class StatisticsCheck {
public:
	StatisticsCheck(std::string table, duckdb::vector<std::string> names,
	                duckdb::vector<std::pair<duckdb::idx_t, duckdb::BaseStatistics>> columns);

	// Throws duckdb::IOException when a row of `chunk` lies outside the statistics.
	void Verify(duckdb::DataChunk &chunk) const;

private:
	std::string table_;
	duckdb::vector<std::string> names_;
	// (output column, statistics reported for it)
	duckdb::vector<std::pair<duckdb::idx_t, duckdb::BaseStatistics>> columns_;
};

class RemoteTableStatistics {
public:
	RemoteTableStatistics(ODCatalog &catalog, const RemoteRelation &relation);

	// Statistics of table column `column` for the optimizer, or nullptr when none may be used.
	duckdb::unique_ptr<duckdb::BaseStatistics> Get(duckdb::ClientContext &context, duckdb::column_t column);
	// The plan gains nothing from statistics (DeclineStatistics in remote_scan.hpp): Get reports
	// none and never reads them.
	void Decline() {
		std::lock_guard<std::mutex> guard(lock_);
		declined_ = true;
	}
	// The check for a scan whose output column i is table column `column_ids[i]`; nullptr when
	// no statistics were reported for those columns.
	duckdb::unique_ptr<StatisticsCheck> CheckFor(const duckdb::vector<duckdb::column_t> &column_ids);

private:
	void Load(duckdb::ClientContext &context);

	ODCatalog &catalog_;
	RemoteRelation relation_;
	std::mutex lock_;
	bool loaded_ = false;
	bool declined_ = false;
	// By table column; nullptr when unknown.
	duckdb::vector<duckdb::unique_ptr<duckdb::BaseStatistics>> columns_;
	duckdb::vector<bool> reported_;
};

} // namespace openduck
