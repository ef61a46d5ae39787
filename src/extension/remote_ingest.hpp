// Moves host rows into a temporary table of the current worker session, ~1 MiB of Arrow IPC
// per request, so a statement can then run on the worker against them (INSERT ... SELECT,
// DELETE ... WHERE rowid IN, UPDATE ... FROM). Memory stays bounded on both sides.
// Used by one sink thread at a time.
#pragma once

#include "duckdb/common/types/column/column_data_collection.hpp"
#include "extension/remote_client.hpp"

namespace openduck {

class ODCatalog;

class RemoteIngest {
public:
	RemoteIngest(duckdb::ClientContext &context, ODCatalog &catalog, duckdb::vector<duckdb::LogicalType> types);

	void Append(duckdb::ClientContext &context, duckdb::DataChunk &chunk);
	// Sends what is buffered; afterwards the temporary table exists even if no row was sent.
	void Finish(duckdb::ClientContext &context);
	// Runs `sql` (which reads TableSQL()) in the session and returns its rows, then drops the
	// temporary table.
	duckdb::unique_ptr<duckdb::ColumnDataCollection> RunAndDrop(duckdb::ClientContext &context,
	                                                            const std::string &sql);

	// The temporary table, columns c0..cN-1 in input order.
	std::string TableSQL() const;
	static std::string ColumnName(duckdb::idx_t index);

private:
	void Flush(duckdb::ClientContext &context);
	duckdb::unique_ptr<duckdb::ColumnDataCollection> Run(duckdb::ClientContext &context, const std::string &sql,
	                                                     const ExecuteOptions &options);

	ODCatalog &catalog_;
	ExecuteOptions options_;
	duckdb::vector<duckdb::LogicalType> types_;
	duckdb::ColumnDataCollection buffer_;
	std::string table_;
};

// The sum of the counts in a one-column BIGINT result (what INSERT/UPDATE/DELETE return).
duckdb::idx_t SumCounts(duckdb::ColumnDataCollection &counts);

} // namespace openduck
