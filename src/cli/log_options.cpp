#include "cli/log_options.hpp"

#include "rpc/log.hpp"
#include "rpc/protobuf_log.hpp"

namespace openduck {

static constexpr int kDefaultLogQueriesOverMs = 1000;

const char *kLogOptionsHelp =
    R"(Logging:
      --log-format text|json
                        text lines (default) or one JSON object per line ("ts", "role",
                        "msg", or "event" and its fields) for log collectors
      --log-queries-over-ms N
                        log a `query` line (query id, execution id, database, token name,
                        status, ms, bytes) for every call that fails or takes at least N ms
                        (default: 1000; 0 logs every call). The query id is the host
                        statement's: openduck_last_query_stats() shows it in the host
)";

std::vector<OptionSpec> LogOptionSpecs() {
	return {{"log-format", 0, true}, {"log-queries-over-ms", 0, true}};
}

void ConfigureLogging(const ParsedOptions &options, const std::string &role) {
	SetLogRole(role);
	LimitProtobufLog();
	auto format = options.Get("log-format", "text");
	if (format == "json") {
		SetLogFormat(LogFormat::kJson);
	} else if (format != "text") {
		throw UsageError("--log-format must be text or json, got '" + format + "'");
	}
}

void ConfigureQueryLog(const ParsedOptions &options, ServerMetrics &metrics) {
	metrics.log_queries_over_ms = options.GetNonNegative("log-queries-over-ms", kDefaultLogQueriesOverMs);
}

} // namespace openduck
