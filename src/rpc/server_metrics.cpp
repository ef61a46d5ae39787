#include "rpc/server_metrics.hpp"

#include "common/process_memory.hpp"
#include "rpc/log.hpp"
#include "rpc/response_scan.hpp"

#include <cstdio>

namespace openduck {

const std::vector<double> ServerMetrics::kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                            0.25,  0.5,    1,     2.5,  5,     10,   30, 120};

void ServerMetrics::Record(const Query &query) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto &series = databases_[query.database];
	series.queries++;
	if (!query.error_kind.empty()) {
		series.errors[query.error_kind]++;
	}
	series.bytes_sent += query.bytes_sent;
	series.bytes_received += query.bytes_received;
	series.seconds += query.seconds;
	for (size_t i = 0; i < kLatencyBuckets.size(); i++) {
		if (query.seconds <= kLatencyBuckets[i]) {
			series.buckets[i]++;
		}
	}
}

void ServerMetrics::SetConnections(const std::string &database, int in_use, int waiting) {
	std::lock_guard<std::mutex> guard(mutex_);
	connections_[database] = ConnectionUsage {in_use, waiting};
}

std::map<std::string, ConnectionUsage> ServerMetrics::Connections() const {
	std::lock_guard<std::mutex> guard(mutex_);
	return connections_;
}

// A label value: backslash, double quote and newline escaped as the exposition format says.
static std::string Label(const std::string &value) {
	std::string out;
	for (char c : value) {
		if (c == '\\' || c == '"') {
			out += '\\';
			out += c;
		} else if (c == '\n') {
			out += "\\n";
		} else {
			out += c;
		}
	}
	return out;
}

static std::string Number(double value) {
	char text[32];
	std::snprintf(text, sizeof(text), "%.9g", value);
	return text;
}

static void Header(std::string &out, const char *name, const char *type, const char *help) {
	out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

// One metric with a value per database: `field` of each entry of `by_database`.
template <class ENTRY, class VALUE>
static void PerDatabase(std::string &out, const char *name, const char *type, const char *help,
                        const std::map<std::string, ENTRY> &by_database, VALUE ENTRY::*field) {
	Header(out, name, type, help);
	for (auto &entry : by_database) {
		out += std::string(name) + "{database=\"" + Label(entry.first) + "\"} " + std::to_string(entry.second.*field) +
		       "\n";
	}
}

// The process-wide memory gauges (common/process_memory.hpp).
static void AppendMemory(std::string &out) {
	auto memory = ReadProcessMemory();
	Header(out, "openduck_memory_bytes", "gauge",
	       "The process's memory by kind: resident; allocated and held free by malloc; allocated and resident "
	       "in DuckDB's own allocator.");
	auto line = [&](const char *kind, std::optional<uint64_t> value) {
		if (value) {
			out += std::string("openduck_memory_bytes{kind=\"") + kind + "\"} " + std::to_string(*value) + "\n";
		}
	};
	line("resident", memory.resident_bytes);
	line("malloc_allocated", memory.malloc_allocated_bytes);
	line("malloc_free", memory.malloc_free_bytes);
	line("duckdb_allocated", memory.duckdb_allocated_bytes);
	line("duckdb_resident", memory.duckdb_resident_bytes);
}

std::string ServerMetrics::PrometheusText() const {
	std::lock_guard<std::mutex> guard(mutex_);
	std::string out;
	auto per_database = [&](const char *name, const char *type, const char *help, uint64_t Series::*field) {
		PerDatabase(out, name, type, help, databases_, field);
	};
	per_database("openduck_queries_total", "counter", "ExecuteFragment calls finished, by database.",
	             &Series::queries);
	Header(out, "openduck_query_errors_total", "counter",
	       "ExecuteFragment calls that failed, by database and kind (a DuckDB error type such as Catalog, or "
	       "a gRPC status such as RESOURCE_EXHAUSTED).");
	for (auto &entry : databases_) {
		for (auto &error : entry.second.errors) {
			out += "openduck_query_errors_total{database=\"" + Label(entry.first) + "\",kind=\"" +
			       Label(error.first) + "\"} " + std::to_string(error.second) + "\n";
		}
	}
	per_database("openduck_bytes_sent_total", "counter", "Arrow IPC result bytes sent to callers.",
	             &Series::bytes_sent);
	per_database("openduck_bytes_received_total", "counter", "Arrow IPC bytes received from callers (inserts).",
	             &Series::bytes_received);
	Header(out, "openduck_query_duration_seconds", "histogram",
	       "ExecuteFragment call duration, from the request to the last response sent.");
	for (auto &entry : databases_) {
		auto labels = "database=\"" + Label(entry.first) + "\"";
		for (size_t i = 0; i < kLatencyBuckets.size(); i++) {
			out += "openduck_query_duration_seconds_bucket{" + labels + ",le=\"" + Number(kLatencyBuckets[i]) +
			       "\"} " + std::to_string(entry.second.buckets[i]) + "\n";
		}
		out += "openduck_query_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
		       std::to_string(entry.second.queries) + "\n";
		out += "openduck_query_duration_seconds_sum{" + labels + "} " + Number(entry.second.seconds) + "\n";
		out += "openduck_query_duration_seconds_count{" + labels + "} " + std::to_string(entry.second.queries) + "\n";
	}
	auto gauge = [&](const char *name, const char *help, int64_t value) {
		Header(out, name, "gauge", help);
		out += std::string(name) + " " + std::to_string(value) + "\n";
	};
	gauge("openduck_active_queries", "ExecuteFragment calls in progress.", active_queries.load());
	gauge("openduck_running_statements", "Statements holding one of the worker's places (--max-running-statements).",
	      running_statements.load());
	gauge("openduck_queued_statements", "Statements waiting for a place to run.", queued_statements.load());
	PerDatabase(out, "openduck_database_connections_in_use", "gauge",
	            "Connections of a database in use: auto-commit statements running plus open transactions "
	            "(--max-connections-per-database).",
	            connections_, &ConnectionUsage::in_use);
	PerDatabase(out, "openduck_database_connections_waiting", "gauge",
	            "Statements and transactions waiting for a connection of a database.", connections_,
	            &ConnectionUsage::waiting);
	AppendMemory(out);
	if (layer_cache) {
		auto held = layer_cache();
		gauge("openduck_layer_cache_bytes",
		      "Sealed layer data held in memory (part of malloc_allocated); at most openduck_layer_cache_capacity_bytes.",
		      static_cast<int64_t>(held.first));
		gauge("openduck_layer_cache_capacity_bytes", "The most sealed layer data kept in memory (--layer-cache-mb).",
		      static_cast<int64_t>(held.second));
	}
	return out;
}

std::map<std::string, ServerMetrics::Summary> ServerMetrics::Summaries() const {
	std::lock_guard<std::mutex> guard(mutex_);
	std::map<std::string, Summary> summaries;
	for (auto &entry : databases_) {
		if (entry.first.empty()) {
			continue;
		}
		auto &series = entry.second;
		auto &summary = summaries[entry.first];
		summary.queries = series.queries;
		for (auto &error : series.errors) {
			summary.errors += error.second;
		}
		summary.bytes_sent = series.bytes_sent;
		summary.bytes_received = series.bytes_received;
		summary.mean_seconds = series.queries ? series.seconds / double(series.queries) : 0;
	}
	return summaries;
}

MeteredQuery::MeteredQuery(ServerMetrics &metrics) : metrics_(metrics), started_(std::chrono::steady_clock::now()) {
	metrics_.active_queries++;
}

MeteredQuery::~MeteredQuery() {
	query_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
	metrics_.Record(query_);
	metrics_.active_queries--;
	auto millis = query_.seconds * 1000;
	if (!query_.error_kind.empty() || millis >= double(metrics_.log_queries_over_ms.load())) {
		char ms[32];
		std::snprintf(ms, sizeof(ms), "%.1f", millis);
		LogEvent("query", {{"query_id", query_id_},
		                   {"execution_id", execution_id_},
		                   {"database", query_.database},
		                   {"token", token_},
		                   {"status", query_.error_kind.empty() ? "ok" : query_.error_kind},
		                   {"ms", ms, true},
		                   {"bytes_sent", std::to_string(query_.bytes_sent), true},
		                   {"bytes_received", std::to_string(query_.bytes_received), true}});
	}
}

void MeteredQuery::CountRequest(const openduck::v1::ExecuteFragmentRequest &request, const std::string &token) {
	query_.bytes_received += request.ingest_arrow().size();
	query_id_ = request.query_id();
	execution_id_ = request.execution_id();
	token_ = token;
}

void MeteredQuery::CountResponse(const openduck::v1::ExecuteFragmentResponse &response) {
	Count(response.arrow_batch().size() + response.arrow_part().size(),
	      response.has_error() ? &response.error() : nullptr);
}

void MeteredQuery::CountResponse(const grpc::ByteBuffer &response) {
	auto scan = ScanResponse(response);
	Count(scan.arrow_bytes, scan.has_error ? &scan.error : nullptr);
}

void MeteredQuery::Count(uint64_t arrow_bytes, const openduck::v1::Error *error) {
	query_.bytes_sent += arrow_bytes;
	if (error) {
		MarkFailed(error->type());
	}
}

void MeteredQuery::MarkFailed(const std::string &kind) {
	if (query_.error_kind.empty()) {
		query_.error_kind = kind.empty() ? "unknown" : kind;
	}
}

std::string StatusKind(int code) {
	static const char *const kNames[] = {"OK",
	                                     "CANCELLED",
	                                     "UNKNOWN",
	                                     "INVALID_ARGUMENT",
	                                     "DEADLINE_EXCEEDED",
	                                     "NOT_FOUND",
	                                     "ALREADY_EXISTS",
	                                     "PERMISSION_DENIED",
	                                     "RESOURCE_EXHAUSTED",
	                                     "FAILED_PRECONDITION",
	                                     "ABORTED",
	                                     "OUT_OF_RANGE",
	                                     "UNIMPLEMENTED",
	                                     "INTERNAL",
	                                     "UNAVAILABLE",
	                                     "DATA_LOSS",
	                                     "UNAUTHENTICATED"};
	return code >= 0 && code < 17 ? kNames[code] : "UNKNOWN";
}

} // namespace openduck
