// Base of the physical operators that write host rows into a remote table (remote_insert.hpp,
// remote_modify.hpp): a single-threaded sink that ingests rows into the worker session, and a
// source that returns the count of affected rows or, with RETURNING, the rows the worker
// returned.
#pragma once

#include "duckdb/common/types/column/column_data_collection.hpp"
#include "duckdb/execution/physical_operator.hpp"
#include "extension/write/remote_ingest.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

namespace openduck {

class ODCatalog;

class RemoteWriteState : public duckdb::GlobalSinkState {
public:
	explicit RemoteWriteState(std::unique_ptr<RemoteIngest> ingest_p) : ingest(std::move(ingest_p)) {
	}

	// Runs the statement that applies the ingested rows (after ingest->TryFinish succeeded) and
	// records what it reports.
	void Apply(duckdb::ClientContext &context, const std::string &sql, bool return_chunk);
	// Runs `sql`, which carries its rows itself, with `options`, and records what it reports.
	void Apply(duckdb::ClientContext &context, ODCatalog &catalog, const std::string &sql, bool return_chunk,
	           ExecuteOptions options);

	std::unique_ptr<RemoteIngest> ingest;
	// CREATE TABLE IF NOT EXISTS ... AS found the table: the rows are discarded, as in DuckDB.
	bool discard = false;
	duckdb::idx_t affected = 0;
	duckdb::unique_ptr<duckdb::ColumnDataCollection> returned;

private:
	void Record(duckdb::unique_ptr<duckdb::ColumnDataCollection> rows, bool return_chunk);
};

class RemoteWrite : public duckdb::PhysicalOperator {
public:
	RemoteWrite(duckdb::PhysicalPlan &plan, duckdb::vector<duckdb::LogicalType> types, ODCatalog &catalog,
	            bool return_chunk, duckdb::idx_t estimated_cardinality);

	duckdb::unique_ptr<duckdb::GlobalSourceState> GetGlobalSourceState(duckdb::ClientContext &context) const override;
	duckdb::SourceResultType GetData(duckdb::ExecutionContext &context, duckdb::DataChunk &chunk,
	                                 duckdb::OperatorSourceInput &input) const override;

	bool IsSink() const override {
		return true;
	}
	bool IsSource() const override {
		return true;
	}
	bool ParallelSink() const override {
		return false;
	}
	bool SinkOrderDependent() const override {
		return true;
	}

protected:
	// Hands `ingest` to a new sink state, telling it which thread runs the client loop.
	std::unique_ptr<RemoteIngest> Prepare(std::unique_ptr<RemoteIngest> ingest) const;

	ODCatalog &catalog_;
	bool return_chunk_;
	// Operators are planned on the thread that then runs the query's client loop.
	std::thread::id client_thread_ = std::this_thread::get_id();
};

} // namespace openduck
