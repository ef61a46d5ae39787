// One remote query's result, read by several scanning threads at once.
//
// Why one query: every row of a scan must come from one snapshot of the remote table. Separate
// requests per thread (the earlier rowid ranges) each ran in their own auto-commit transaction,
// so a commit between them gave a torn result. Threads still share the decoding: one thread at a
// time pulls the next payload from the stream and splits it into record batches; each thread
// then converts the batch it took on its own. Batches are numbered in stream order, so a scan can
// hand the number to order-preserving sinks as its batch index.
//
// Thread-safe. The remote query starts with the first TakeBatch (a scan that is never read costs
// no request), unless it was sent earlier (Adopt).
#pragma once

#include "duckdb/common/error_data.hpp"

#include "arrow/ipc_stream_reader.hpp"
#include "duckdb/common/arrow/arrow_wrapper.hpp"
#include "duckdb/function/table/arrow.hpp"
#include "extension/client/remote_client.hpp"
#include "extension/scan/query_stats.hpp"

#include <deque>
#include <functional>
#include <mutex>

namespace openduck {

class SharedRemoteStream {
public:
	// `start` sends the request; `on_schema` checks the received types (called once, with the
	// lock held, before any batch is handed out).
	SharedRemoteStream(duckdb::ClientContext &context, std::function<std::unique_ptr<RemoteQuery>()> start,
	                   std::function<void(const duckdb::vector<duckdb::LogicalType> &)> on_schema);

	// Reads `query`, already sent (while the statement was planned), instead of sending a request
	// of its own; `first_payload` is the payload already taken from it, if any. Before the first
	// TakeBatch. True when that payload holds the whole result.
	bool Adopt(std::unique_ptr<RemoteQuery> query, std::string *first_payload);

	// The next unconverted record batch and its position in the stream; false at the end.
	bool TakeBatch(duckdb::shared_ptr<duckdb::ArrowArrayWrapper> &batch, duckdb::idx_t &sequence);
	// Converts up to STANDARD_VECTOR_SIZE rows of scan.chunk (a batch from TakeBatch) into `out`;
	// `import` is the thread's scratch chunk, set up with ImportTypes().
	void Convert(duckdb::ArrowScanLocalState &scan, duckdb::idx_t count, duckdb::DataChunk &import,
	             duckdb::DataChunk &out) const;
	// Valid after the first TakeBatch that returned true.
	const duckdb::vector<duckdb::LogicalType> &ImportTypes() const;

private:
	bool TakeBatchLocked(duckdb::shared_ptr<duckdb::ArrowArrayWrapper> &batch, duckdb::idx_t &sequence);
	// With lock_ held: feeds one more payload; false at the end of the stream.
	bool Pull();

	std::function<std::unique_ptr<RemoteQuery>()> start_;
	std::function<void(const duckdb::vector<duckdb::LogicalType> &)> on_schema_;
	std::function<bool()> interrupted_;
	QueryCounters &counters_;

	std::mutex lock_;
	std::unique_ptr<RemoteQuery> query_;
	IpcStreamReader reader_;
	bool schema_checked_ = false;
	bool finished_ = false;
	// The error the stream failed with, given to every later TakeBatch.
	duckdb::ErrorData failure_;
	std::deque<duckdb::shared_ptr<duckdb::ArrowArrayWrapper>> pending_;
	duckdb::idx_t next_sequence_ = 0;
};

} // namespace openduck
