// What a server process reports on its plain-HTTP endpoints: GET /health (JSON) and
// GET /metrics (Prometheus text exposition format).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace openduck {

// One worker as listed by /health.
struct WorkerStatus {
	std::string id;
	std::string address;
	std::vector<std::string> databases;
	int64_t last_heartbeat_ms_ago = 0;
};

// {"status":"ok","role":...,"version":...,"protocol_version":...,"duckdb_version":...,
//  "workers":[{"id":...,"address":...,"databases":[...],"last_heartbeat_ms_ago":N}]}
std::string HealthJson(const std::string &role, const std::vector<WorkerStatus> &workers);

// What the bearer of a token may see on the HTTP endpoints.
struct HttpViewer {
	bool authenticated = false;
	// May read /metrics and every worker (the bootstrap token, or an admin token for '*').
	bool admin = false;
	// Which databases /health lists.
	std::function<bool(const std::string &database)> may_see;
};
// Called with the token of an Authorization: Bearer header.
using HttpAuthorizer = std::function<HttpViewer(const std::string &token)>;

// The answer to a plain-HTTP GET on the server port: /health, /metrics, or 404. Without a valid
// token (Authorization: Bearer ...) /health says only {"status":"ok"} (liveness for load
// balancers, nothing about databases or workers) and /metrics answers 401; `workers` is called
// only for an authenticated request, so anonymous probes cost no metadata queries. /health
// lists only the databases the token may see (and, for a token of one database, only the
// workers serving it); /metrics needs an admin token.
struct HttpRequest;
struct ServerMetrics;
std::string StatusHttpResponse(const HttpRequest &request, const std::string &role, const HttpAuthorizer &authorizer,
                               const std::function<std::vector<WorkerStatus>()> &workers,
                               const ServerMetrics &metrics);

// JSON string literal (with quotes) for `text`; control characters are \u-escaped and bytes
// >= 0x80 are passed through (the inputs are UTF-8).
std::string JsonString(const std::string &text);

// Query counters of one server process. Thread-safe (atomics); shared by all RPC threads.
struct ServerMetrics {
	std::atomic<uint64_t> queries_total {0};
	std::atomic<uint64_t> query_errors_total {0};
	std::atomic<uint64_t> bytes_sent_total {0};
	std::atomic<int64_t> active_queries {0};
	// The in-process worker's statement queue (worker/statement_queue.hpp); 0 on a gateway.
	std::atomic<int64_t> running_statements {0};
	std::atomic<int64_t> queued_statements {0};

	std::string PrometheusText() const;
};

// Counts one ExecuteFragment call in ServerMetrics for as long as it lives.
class MeteredQuery {
public:
	explicit MeteredQuery(ServerMetrics &metrics) : metrics_(metrics) {
		metrics_.queries_total++;
		metrics_.active_queries++;
	}
	~MeteredQuery() {
		if (failed_) {
			metrics_.query_errors_total++;
		}
		metrics_.active_queries--;
	}
	MeteredQuery(const MeteredQuery &) = delete;
	MeteredQuery &operator=(const MeteredQuery &) = delete;

	void AddBytesSent(uint64_t bytes) {
		metrics_.bytes_sent_total += bytes;
	}
	// Counted once however often it is called.
	void MarkFailed() {
		failed_ = true;
	}

private:
	ServerMetrics &metrics_;
	bool failed_ = false;
};

} // namespace openduck
