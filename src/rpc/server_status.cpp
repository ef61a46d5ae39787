#include "rpc/server_status.hpp"

#include "common/token.hpp"
#include "common/version.hpp"
#include "rpc/http_request.hpp"

#include <cstdio>

namespace openduck {

std::string JsonString(const std::string &text) {
	std::string out = "\"";
	for (char c : text) {
		auto byte = static_cast<unsigned char>(c);
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		default:
			if (byte < 0x20) {
				char escaped[8];
				std::snprintf(escaped, sizeof(escaped), "\\u%04x", byte);
				out += escaped;
			} else {
				out += c;
			}
		}
	}
	out += "\"";
	return out;
}

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
		json += "],\"last_heartbeat_ms_ago\":" + std::to_string(worker.last_heartbeat_ms_ago) + "}";
	}
	json += "]}";
	return json;
}

std::string StatusHttpResponse(const HttpRequest &request, const std::string &role, const HttpAuthorizer &authorizer,
                               const std::function<std::vector<WorkerStatus>()> &workers,
                               const ServerMetrics &metrics) {
	HttpViewer viewer;
	if (!request.authorization.empty()) {
		viewer = authorizer(TokenFromHeader(request.authorization));
	}
	if (request.path == "/health") {
		if (!viewer.authenticated) {
			return RenderHttpResponse(200, "application/json", "{\"status\":\"ok\"}\n");
		}
		std::vector<WorkerStatus> visible;
		for (auto &worker : workers()) {
			auto shown = worker;
			shown.databases.clear();
			for (auto &database : worker.databases) {
				if (viewer.may_see(database)) {
					shown.databases.push_back(database);
				}
			}
			if (viewer.admin || !shown.databases.empty()) {
				visible.push_back(std::move(shown));
			}
		}
		return RenderHttpResponse(200, "application/json", HealthJson(role, visible) + "\n");
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
	return RenderHttpResponse(404, "text/plain", "not found: " + request.path + " (try /health or /metrics)\n");
}

} // namespace openduck
