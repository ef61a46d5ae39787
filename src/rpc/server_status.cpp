#include "rpc/server_status.hpp"

#include "common/token.hpp"
#include "common/version.hpp"
#include "rpc/http_request.hpp"
#include "rpc/json_string.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace openduck {

std::string HealthJson(const std::string &role, const std::vector<WorkerStatus> &workers) {
	std::string json = "{\"status\":\"ok\",\"role\":" + JsonString(role) + ",\"version\":" + JsonString(kVersion) +
	                   ",\"protocol_version\":" + JsonString(kProtocolVersion) +
	                   ",\"duckdb_version\":" + JsonString(kDuckDBVersion) + ",\"workers\":[";
	for (std::size_t i = 0; i < workers.size(); i++) {
		auto &worker = workers[i];
		if (i > 0) {
			json += ",";
		}
		json += "{\"id\":" + JsonString(worker.id) + ",\"address\":" + JsonString(worker.address) + ",\"databases\":[";
		for (std::size_t d = 0; d < worker.databases.size(); d++) {
			json += (d > 0 ? "," : "") + JsonString(worker.databases[d]);
		}
		json += "],\"last_heartbeat_ms_ago\":" + std::to_string(worker.last_heartbeat_ms_ago) +
		        ",\"replica\":" + (worker.replica ? "true" : "false");
		if (worker.replica) {
			json += ",\"positions\":{";
			bool first = true;
			for (auto &position : worker.positions) {
				json += (first ? "" : ",") + JsonString(position.first) + ":{\"snapshot\":" +
				        std::to_string(position.second.snapshot) + ",\"segments\":" +
				        std::to_string(position.second.segments) + "}";
				first = false;
			}
			json += "}";
		}
		if (!worker.connections.empty()) {
			json += ",\"connections\":{";
			bool first = true;
			for (auto &usage : worker.connections) {
				json += (first ? "" : ",") + JsonString(usage.first) + ":{\"in_use\":" +
				        std::to_string(usage.second.in_use) + ",\"waiting\":" + std::to_string(usage.second.waiting) +
				        "}";
				first = false;
			}
			json += "}";
		}
		json += "}";
	}
	json += "]}";
	return json;
}

// Pads `cells` into aligned columns, two spaces apart.
static std::string Table(const std::vector<std::vector<std::string>> &rows) {
	std::vector<size_t> widths;
	for (auto &row : rows) {
		widths.resize(std::max(widths.size(), row.size()), 0);
		for (size_t i = 0; i < row.size(); i++) {
			widths[i] = std::max(widths[i], row[i].size());
		}
	}
	std::string out;
	for (auto &row : rows) {
		std::string line;
		for (size_t i = 0; i < row.size(); i++) {
			line += row[i] + (i + 1 < row.size() ? std::string(widths[i] - row[i].size() + 2, ' ') : "");
		}
		out += line + "\n";
	}
	return out;
}

static std::string Fixed(double value, int decimals) {
	char text[32];
	std::snprintf(text, sizeof(text), "%.*f", decimals, value);
	return text;
}

std::string StatusText(const std::string &role, const std::vector<WorkerStatus> &workers,
                       const ServerMetrics &metrics) {
	std::string out = std::string("OpenDuck ") + role + " " + kVersion + " (protocol " + kProtocolVersion +
	                  ", DuckDB " + kDuckDBVersion + ")\n";
	out += "statements: " + std::to_string(metrics.running_statements.load()) + " running, " +
	       std::to_string(metrics.queued_statements.load()) + " queued; calls in progress: " +
	       std::to_string(metrics.active_queries.load()) + "\n\n";
	std::vector<std::vector<std::string>> worker_rows {{"worker", "role", "address", "heartbeat", "databases"}};
	std::map<std::string, std::string> served_by;
	for (auto &worker : workers) {
		std::string databases;
		for (auto &database : worker.databases) {
			databases += (databases.empty() ? "" : ", ") + database;
			auto position = worker.positions.find(database);
			if (position != worker.positions.end()) {
				// Where the replica is: snapshot S plus N shipped commit segments.
				databases += "@" + std::to_string(position->second.snapshot) + "+" +
				             std::to_string(position->second.segments);
			}
			if (!worker.replica) {
				served_by[database] = worker.id;
			}
		}
		auto heartbeat =
		    worker.id == "local" ? std::string("-") : Fixed(worker.last_heartbeat_ms_ago / 1000.0, 1) + " s ago";
		worker_rows.push_back({worker.id, worker.replica ? "replica" : "writer", worker.address, heartbeat,
		                       databases.empty() ? "-" : databases});
	}
	out += Table(worker_rows) + "\n";
	std::vector<std::vector<std::string>> database_rows {
	    {"database", "writer", "calls", "errors", "mean ms", "sent MiB", "received MiB"}};
	auto summaries = metrics.Summaries();
	for (auto &entry : served_by) {
		auto &summary = summaries[entry.first];
		database_rows.push_back({entry.first, entry.second, std::to_string(summary.queries),
		                         std::to_string(summary.errors), Fixed(summary.mean_seconds * 1000, 1),
		                         Fixed(summary.bytes_sent / 1048576.0, 1), Fixed(summary.bytes_received / 1048576.0, 1)});
	}
	out += Table(database_rows);
	return out;
}

std::string StatusHttpResponse(const HttpRequest &request, const std::string &role, const HttpAuthorizer &authorizer,
                               const std::function<std::vector<WorkerStatus>()> &workers,
                               const ServerMetrics &metrics) {
	HttpViewer viewer;
	if (!request.authorization.empty()) {
		viewer = authorizer(TokenFromHeader(request.authorization));
	}
	// Drops the entries of databases `viewer` may not see from a map by database name.
	auto keep_visible = [&](auto &by_database) {
		for (auto entry = by_database.begin(); entry != by_database.end();) {
			entry = viewer.may_see(entry->first) ? std::next(entry) : by_database.erase(entry);
		}
	};
	// The workers, each listing only the databases `viewer` may see.
	auto visible_workers = [&] {
		std::vector<WorkerStatus> visible;
		for (auto &worker : workers()) {
			auto shown = worker;
			shown.databases.clear();
			for (auto &database : worker.databases) {
				if (viewer.may_see(database)) {
					shown.databases.push_back(database);
				}
			}
			keep_visible(shown.positions);
			keep_visible(shown.connections);
			if (viewer.admin || !shown.databases.empty()) {
				visible.push_back(std::move(shown));
			}
		}
		return visible;
	};
	if (request.path == "/health") {
		if (!viewer.authenticated) {
			return RenderHttpResponse(200, "application/json", "{\"status\":\"ok\"}\n");
		}
		return RenderHttpResponse(200, "application/json", HealthJson(role, visible_workers()) + "\n");
	}
	if (request.path == "/status") {
		if (!viewer.authenticated) {
			return RenderHttpResponse(401, "text/plain",
			                          "/status needs a valid token: send Authorization: Bearer <token>\n");
		}
		return RenderHttpResponse(200, "text/plain", StatusText(role, visible_workers(), metrics));
	}
	if (request.path == "/metrics") {
		if (!viewer.authenticated) {
			return RenderHttpResponse(401, "text/plain",
			                          "/metrics needs the server's token: send Authorization: Bearer <token>\n");
		}
		if (!viewer.admin) {
			return RenderHttpResponse(403, "text/plain",
			                          "/metrics needs the server's token or an admin token for every database\n");
		}
		return RenderHttpResponse(200, "text/plain; version=0.0.4", metrics.PrometheusText());
	}
	return RenderHttpResponse(404, "text/plain", "not found: " + request.path + " (try /health, /status or /metrics)\n");
}

} // namespace openduck
