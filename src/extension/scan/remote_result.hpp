// A remote statement's result as DuckDB chunks: pulls Arrow IPC payloads from a RemoteQuery
// and decodes them. Not thread-safe; one per scanning thread.
#pragma once

#include "arrow/ipc_stream_reader.hpp"
#include "extension/client/remote_client.hpp"
#include "extension/scan/query_stats.hpp"

namespace openduck {

// Counts a received payload's bytes and feeds it to `reader`.
void FeedPayload(IpcStreamReader &reader, QueryCounters &counters, std::string payload);
// Feeds the next payload of `query` into `reader`, counting its bytes; false at the end of the
// stream. Shared by RemoteResult and SharedRemoteStream.
bool FeedNextPayload(RemoteQuery &query, IpcStreamReader &reader, QueryCounters &counters,
                     const std::function<bool()> &interrupted);

class RemoteResult {
public:
	RemoteResult(duckdb::ClientContext &context, std::unique_ptr<RemoteQuery> query);

	// Blocks until the schema arrived (or the statement failed).
	const duckdb::vector<duckdb::LogicalType> &Types();
	const duckdb::vector<std::string> &Names();
	// Fills `out` with the next rows; false at the end of the result.
	bool Next(duckdb::DataChunk &out);

	// The same without blocking, for operators that return BLOCKED while the network is slow:
	// kWaiting when the next payload has not arrived, and `wake` is then called (from another
	// thread) when it does. Errors are raised as by the blocking calls.
	enum class Poll { kReady, kEnded, kWaiting };
	// kReady: `out` holds rows; kEnded: the result is complete (its trailer read).
	Poll PollNext(duckdb::DataChunk &out, const std::function<void()> &wake);
	// Blocks until the whole result has arrived (its trailer too) or `bytes` more of it have:
	// Next and PollNext then answer without waiting for that part.
	void Buffer(uint64_t bytes);
	uint64_t BytesReceived() const {
		return query_->BytesReceived();
	}

private:
	// Feeds one more payload into the reader; false at the end of the stream.
	bool Pull();
	// Pull without blocking (`wake` as in PollNext).
	RemoteQuery::Poll TryPull(const std::function<void()> &wake);
	// Blocking: Pull, or past the end of the Arrow stream one payload of its trailer; false (and
	// ended_ set) at the end of the stream.
	bool Advance();

	std::unique_ptr<RemoteQuery> query_;
	IpcStreamReader reader_;
	std::function<bool()> interrupted_;
	QueryCounters &counters_;
	// The stream's end (past its trailer) was read.
	bool ended_ = false;
};

} // namespace openduck
