// What a server process counts for GET /metrics (Prometheus text exposition format): finished
// ExecuteFragment calls by database, with errors by kind, bytes each way and a latency
// histogram, plus gauges of calls in progress, of the worker's statement queue and of each
// database's connections, and the process's memory by allocator (common/process_memory.hpp).
//
// Thread-safe: gauges are atomics; the per-database series are under one mutex, taken once per
// finished call. Only databases a call was routed to get a series (a name is attached by the
// handler after it resolved the database), so callers cannot grow the output with made-up names.
#pragma once

#include "openduck/v1/openduck.pb.h"

#include <grpcpp/support/byte_buffer.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace openduck {

// Connections of one database in use and waiting for one (worker/connection_limit.hpp).
struct ConnectionUsage {
	int64_t in_use = 0;
	int64_t waiting = 0;
};

class ServerMetrics {
public:
	// One finished call.
	struct Query {
		std::string database; // "" when the call never reached a database
		std::string error_kind; // "" for success; a DuckDB error type or a gRPC status name
		uint64_t bytes_sent = 0;
		uint64_t bytes_received = 0;
		double seconds = 0;
	};

	// Upper bounds, in seconds, of the latency histogram's buckets (+Inf is implied).
	static const std::vector<double> kLatencyBuckets;

	std::atomic<int64_t> active_queries {0};
	// Finished calls that took at least this long are logged (a `query` event with its query id);
	// failed calls always are. 0 logs every call. Set at start-up (--log-queries-over-ms).
	std::atomic<int64_t> log_queries_over_ms {1000};
	// The in-process worker's statement queue (worker/fair_queue.hpp); 0 on a gateway.
	std::atomic<int64_t> running_statements {0};
	std::atomic<int64_t> queued_statements {0};
	// A worker's cache of sealed layer data (storage/layer_cache.hpp): bytes held and capacity.
	// Set once before the server serves; empty on a gateway.
	std::function<std::pair<uint64_t, uint64_t>()> layer_cache;

	// What /status shows of one database.
	struct Summary {
		uint64_t queries = 0;
		uint64_t errors = 0;
		uint64_t bytes_sent = 0;
		uint64_t bytes_received = 0;
		double mean_seconds = 0;
	};

	void Record(const Query &query);
	// The in-process worker's connections of `database` now.
	void SetConnections(const std::string &database, int in_use, int waiting);
	// By database, those the worker was asked for a connection of (none on a gateway).
	std::map<std::string, ConnectionUsage> Connections() const;
	std::string PrometheusText() const;
	// By database, the "" series (calls that reached none) left out.
	std::map<std::string, Summary> Summaries() const;

private:
	struct Series {
		uint64_t queries = 0;
		std::map<std::string, uint64_t> errors; // by kind
		uint64_t bytes_sent = 0;
		uint64_t bytes_received = 0;
		std::vector<uint64_t> buckets = std::vector<uint64_t>(kLatencyBuckets.size(), 0);
		double seconds = 0;
	};

	mutable std::mutex mutex_;
	std::map<std::string, Series> databases_;
	std::map<std::string, ConnectionUsage> connections_;
};

// Counts one ExecuteFragment call: in progress while it lives, recorded when it ends, and
// logged then when it failed or was slow (ServerMetrics::log_queries_over_ms).
class MeteredQuery {
public:
	explicit MeteredQuery(ServerMetrics &metrics);
	~MeteredQuery();
	MeteredQuery(const MeteredQuery &) = delete;
	MeteredQuery &operator=(const MeteredQuery &) = delete;

	// The database the call was routed to (after it was resolved, never before).
	void SetDatabase(const std::string &database) {
		query_.database = database;
	}
	// Counts the bytes the caller sent (its Arrow payload) and keeps its ids for the log line;
	// `token` is the caller's token label (never the token).
	void CountRequest(const openduck::v1::ExecuteFragmentRequest &request, const std::string &token);
	// Counts one response on its way to the caller: its Arrow bytes, or its error's kind.
	void CountResponse(const openduck::v1::ExecuteFragmentResponse &response);
	// The same for a serialised response, read without parsing its payload (rpc/response_scan.hpp).
	void CountResponse(const grpc::ByteBuffer &response);
	// The first failure's kind is the one counted.
	void MarkFailed(const std::string &kind);

private:
	void Count(uint64_t arrow_bytes, const openduck::v1::Error *error);

	ServerMetrics &metrics_;
	ServerMetrics::Query query_;
	std::chrono::steady_clock::time_point started_;
	std::string query_id_;
	std::string execution_id_;
	std::string token_;
};

// "UNAVAILABLE", "NOT_FOUND", ...: the kind a failed call's status is counted under.
std::string StatusKind(int grpc_status_code);

} // namespace openduck
