// Moves host rows into the current worker session, a few MiB of Arrow IPC per request, so a
// statement can then run on the worker against them (INSERT ... SELECT, DELETE ... WHERE rowid
// IN, UPDATE ... FROM), or, for a plain INSERT of every column, straight into the target table.
// Memory stays bounded on both sides.
//
// Sending is pipelined: while one batch is on its way (and being inserted on the worker), the
// sink thread encodes the next. One request is in flight at a time, so batches arrive in order;
// one more may wait, encoded, behind it.
//
// Waiting: the client thread that runs the query (SetClientThread) waits in place. A background thread instead hands its task back: ReadyForInput / TryFinish return
// false and call the sink's InterruptState back when it can go on, and the sink returns BLOCKED.
// Why the difference: while no task is free, DuckDB's client loop (PendingQueryResult, and the
// Python client's) polls ExecuteTask without sleeping, so a background thread blocked in the
// sink would leave the client thread spinning on a core the worker needs; handed back, the task
// is soon picked up by the client thread, which then waits without burning CPU.
//
// Used by one sink thread at a time; requests are sent by a thread of its own.
#pragma once

#include "arrow/ipc_compression.hpp"

#include "duckdb/common/types/column/column_data_collection.hpp"
#include "extension/client/remote_client.hpp"

#include "duckdb/parallel/interrupt.hpp"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

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

	// The thread that runs the query's client loop; the physical operator records it when it is
	// planned, which happens on that thread (sink states may be set up on background threads).
	void SetClientThread(std::thread::id thread) {
		client_thread_ = thread;
	}
	// False while an encoded batch still waits behind the request in flight: `interrupt` is
	// called back once it has gone, and Append must not be called before that.
	bool ReadyForInput(const duckdb::InterruptState &interrupt);
	void Append(duckdb::ClientContext &context, duckdb::DataChunk &chunk);
	// Sends what is buffered; true once the worker inserted everything (afterwards the temporary
	// table exists even if no row was sent). False, with `interrupt` called back when it is
	// worth asking again, while requests are still on their way. Rethrows a request's error.
	bool TryFinish(duckdb::ClientContext &context, const duckdb::InterruptState &interrupt);
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
	// Encodes the buffered rows into a request and hands it to the sender.
	void Flush(duckdb::ClientContext &context);
	// The sender thread: sends `request`, then whatever was queued behind it.
	void SendLoop(duckdb::ClientContext &context, ExecuteOptions request);
	// Calls the waiting sink back, if any. Called with lock_ held.
	void WakeWaiter(std::unique_lock<std::mutex> &guard);
	void RethrowError(std::unique_lock<std::mutex> &guard);

	ODCatalog &catalog_;
	ExecuteOptions options_;
	duckdb::vector<duckdb::LogicalType> types_;
	std::unique_ptr<IpcStreamWriter> writer_;
	// How requests are compressed (openduck_compression); "auto" is measured as the time from
	// one Flush to the next per uncompressed byte: sending is what makes Flush wait.
	AdaptiveCompression compression_;
	std::chrono::steady_clock::time_point last_flush_;
	uint64_t last_flush_bytes_ = 0;
	// What the last flushed batch is compressed with: the time to the next Flush is its.
	IpcCodec last_flush_codec_ = IpcCodec::kNone;
	std::string schema_message_;
	duckdb::idx_t rows_sent_ = 0;
	bool sent_any_ = false;

	std::thread::id client_thread_;
	std::thread sender_;
	std::mutex lock_;
	std::condition_variable changed_;
	// Guarded by lock_.
	bool sending_ = false;
	std::unique_ptr<ExecuteOptions> queued_;
	std::exception_ptr error_;
	std::unique_ptr<duckdb::InterruptState> waiter_;
};

// The sum of the counts in a one-column BIGINT result (what INSERT/UPDATE/DELETE return).
duckdb::idx_t SumCounts(duckdb::ColumnDataCollection &counts);
// Runs `sql` on `catalog`'s worker with `options` and returns all its rows.
duckdb::unique_ptr<duckdb::ColumnDataCollection> RunRemote(duckdb::ClientContext &context, ODCatalog &catalog,
                                                           const std::string &sql, ExecuteOptions options);

} // namespace openduck
