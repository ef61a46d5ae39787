// What a server process reports on its plain-HTTP endpoints: GET /health (JSON) and
// GET /metrics (Prometheus text exposition format).
#pragma once

#include "common/commit_position.hpp"
#include "rpc/server_metrics.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace openduck {

// One worker as listed by /health.
struct WorkerStatus {
	std::string id;
	std::string address;
	std::vector<std::string> databases;
	int64_t last_heartbeat_ms_ago = 0;
	// A read replica, with each open database's position.
	bool replica = false;
	std::map<std::string, CommitPosition> positions;
	// Known only for a process's own worker: each database's connections.
	std::map<std::string, ConnectionUsage> connections;
};

// {"status":"ok","role":...,"version":...,"protocol_version":...,"duckdb_version":...,
//  "workers":[{"id":...,"address":...,"databases":[...],"last_heartbeat_ms_ago":N,
//  "replica":false}]}; a replica's entry adds "positions":{"db":{"snapshot":S,"segments":N}}, and
// the process's own worker "connections":{"db":{"in_use":N,"waiting":M}}.
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

// The answer to a plain-HTTP GET on the server port: /health, /status, /metrics, or 404.
// Without a valid token (Authorization: Bearer ...) /health says only {"status":"ok"} (liveness
// for load balancers, nothing about databases or workers) and /status and /metrics answer 401;
// `workers` is called only for an authenticated request, so anonymous probes cost no metadata
// queries. /health and /status (a text table of workers and databases, what `openduck status`
// prints) show only the databases the token may see (and, for a token of one database, only the
// workers serving it); /metrics needs an admin token.
struct HttpRequest;
std::string StatusHttpResponse(const HttpRequest &request, const std::string &role, const HttpAuthorizer &authorizer,
                               const std::function<std::vector<WorkerStatus>()> &workers,
                               const ServerMetrics &metrics);

// The text of /status: `workers` (with the databases the caller may see), and per database its
// writer and the calls this process served for it.
std::string StatusText(const std::string &role, const std::vector<WorkerStatus> &workers,
                       const ServerMetrics &metrics);

} // namespace openduck
