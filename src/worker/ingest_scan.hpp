// Host rows arriving in an ingest request (Arrow IPC) are inserted with one SQL statement,
// `INSERT INTO <target> SELECT * FROM openduck_ingest_scan('<key>')`, instead of an Appender:
//  - the scan is parallel and hands out row-group-sized pieces with batch indexes, so DuckDB
//    plans its order-preserving batch insert, which compresses and writes row groups on every
//    thread at once (the Appender compressed on one thread, the worker's bottleneck);
//  - the rows are converted from the received bytes straight into the insert, no copy between.
//
// An IngestScan registers the request's record batches under a key for the statement's
// lifetime. Only the connection that registered them can bind the key, so other sessions never
// see rows in flight.
//
// Thread-safety: IngestScan objects are used by one thread; the registry and the table function
// are safe for concurrent use.
#pragma once

#include "arrow/ipc_stream_reader.hpp"
#include "duckdb/main/client_context.hpp"

#include <memory>
#include <string>

namespace openduck {

struct IngestBatches;

class IngestScan {
public:
	// Takes every record batch `reader` was fed (it must have a schema) and registers them for
	// statements of `context`.
	IngestScan(duckdb::ClientContext &context, std::unique_ptr<IpcStreamReader> reader);
	~IngestScan();
	IngestScan(const IngestScan &) = delete;
	IngestScan &operator=(const IngestScan &) = delete;

	// `SELECT * FROM` this reads the rows, columns named as the IPC schema names them.
	std::string TableFunctionSQL() const;
	duckdb::idx_t RowCount() const;

	// Registers openduck_ingest_scan in `db` unless it is there already.
	static void EnsureRegistered(duckdb::DatabaseInstance &db);

private:
	std::string key_;
	std::shared_ptr<IngestBatches> batches_;
};

} // namespace openduck
