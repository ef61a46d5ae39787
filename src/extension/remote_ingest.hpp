// Moves host rows into the current worker session, a few MiB of Arrow IPC per request, so a
// statement can then run on the worker against them (INSERT ... SELECT, DELETE ... WHERE rowid
// IN, UPDATE ... FROM), or, for a plain INSERT of every column, straight into the target table.
// Memory stays bounded on both sides.
//
// Sending is pipelined: while one batch is on its way (and being appended on the worker), the
// sink thread encodes the next. At most one request is in flight, so batches arrive in order.
//
// Used by one sink thread at a time; the in-flight send runs on a thread of its own.
#pragma once

#include "duckdb/common/types/column/column_data_collection.hpp"
#include "extension/remote_client.hpp"

#include <future>

namespace openduck {

class IpcStreamWriter;
class ODCatalog;

class RemoteIngest {
public:
	// Rows go to a temporary table of the session (TableSQL()).
	RemoteIngest(duckdb::ClientContext &context, ODCatalog &catalog, duckdb::vector<duckdb::LogicalType> types);
	// Rows are appended straight into `schema`.`table`, whose columns must be `types` in order.
	RemoteIngest(duckdb::ClientContext &context, ODCatalog &catalog, duckdb::vector<duckdb::LogicalType> types,
	             const std::string &schema, const std::string &table);
	~RemoteIngest();

	void Append(duckdb::ClientContext &context, duckdb::DataChunk &chunk);
	// Sends what is buffered and waits until the worker appended everything; afterwards the
	// temporary table exists even if no row was sent.
	void Finish(duckdb::ClientContext &context);
	// Runs `sql` (which reads TableSQL()) in the session and returns its rows, then drops the
	// temporary table.
	duckdb::unique_ptr<duckdb::ColumnDataCollection> RunAndDrop(duckdb::ClientContext &context,
	                                                            const std::string &sql);
	duckdb::idx_t RowsSent() const {
		return rows_sent_;
	}

	// The temporary table, columns c0..cN-1 in input order.
	std::string TableSQL() const;
	static std::string ColumnName(duckdb::idx_t index);

private:
	void Flush(duckdb::ClientContext &context);
	// Waits for the request in flight; rethrows its error.
	void Wait();
	duckdb::unique_ptr<duckdb::ColumnDataCollection> Run(duckdb::ClientContext &context, const std::string &sql,
	                                                     const ExecuteOptions &options);

	ODCatalog &catalog_;
	ExecuteOptions options_;
	duckdb::vector<duckdb::LogicalType> types_;
	std::unique_ptr<IpcStreamWriter> writer_;
	std::string schema_message_;
	duckdb::idx_t rows_sent_ = 0;
	bool sent_any_ = false;
	std::future<void> in_flight_;
};

// The sum of the counts in a one-column BIGINT result (what INSERT/UPDATE/DELETE return).
duckdb::idx_t SumCounts(duckdb::ColumnDataCollection &counts);

} // namespace openduck
