// Per-connection counters of what remote execution shipped, readable through
// openduck_last_query_stats(): requests sent, Arrow IPC bytes and rows received and request bytes
// sent by the previous statement of this connection, and that statement's query id, which every request it
// made carried and the servers log (correlate with their `query` log lines). Counters are
// atomic: parallel scans add to them.
#pragma once

#include "duckdb/function/table_function.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/main/client_context_state.hpp"

#include <atomic>
#include <mutex>
#include <string>

namespace openduck {

struct QueryCounters {
	std::atomic<uint64_t> requests {0};
	std::atomic<uint64_t> bytes {0};
	std::atomic<uint64_t> rows {0};
	// Requests as sent (SQL, settings, uploaded and inserted rows).
	std::atomic<uint64_t> bytes_sent {0};
};

class QueryStats : public duckdb::ClientContextState {
public:
	static constexpr const char *kKey = "openduck_query_stats";

	void QueryBegin(duckdb::ClientContext &context) override;
	void QueryEnd() override;

	QueryCounters &Current() {
		return current_;
	}
	// The running statement's id (drawn at its first use).
	std::string QueryId();
	uint64_t last_requests = 0;
	uint64_t last_bytes = 0;
	uint64_t last_rows = 0;
	uint64_t last_bytes_sent = 0;
	std::string last_query_id;

	static QueryStats &Get(duckdb::ClientContext &context);

private:
	QueryCounters current_;
	std::mutex lock_; // query_id_: parallel scans ask for it
	std::string query_id_;
};

duckdb::TableFunction LastQueryStatsFunction();

} // namespace openduck
