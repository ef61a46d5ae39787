#include "cli/sandbox_options.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace openduck {

const char *kSandboxOptionsHelp =
    R"(      --allow-path DIR  let client SQL read and write server files under DIR (COPY, read_csv, ...;
                        repeatable; default: none: client SQL reaches only its own database)
      --allow-extension PATH_OR_NAME
                        load this DuckDB extension into every database (e.g. the tpch extension
                        file); clients can use it but never load extensions themselves (repeatable)
      --extension-dir DIR
                        where extensions given by name are loaded from, in DuckDB's layout
                        (DIR/v1.4.4/linux_amd64/NAME.duckdb_extension), e.g. the duckdb_ext/extensions
                        folder of the pip packages duckdb-ext-*; DuckLake databases load ducklake,
                        sqlite_scanner or postgres_scanner, and httpfs (s3:// store) from it
                        (default: $OPENDUCK_EXTENSION_DIR, else DuckDB's ~/.duckdb/extensions)
      --memory-limit SIZE    DuckDB memory_limit of each database, e.g. 4GB (default: DuckDB's)
      --max-temp-size SIZE   DuckDB max_temp_directory_size of each database (default: DuckDB's)
      --statement-timeout SECONDS
                        interrupt a statement running longer (default: 0, no limit; an open
                        transaction may last longer, each of its statements may not)
      --max-calls-per-token N
                        statements and open transactions one token may have running at once (a
                        statement inside an open transaction counts as one more while it runs);
                        more are refused with an error naming this option (default: 64; 0: no limit)
      --max-running-statements N
                        statements the worker runs at once; more wait their turn, taken fairly
                        between tokens (default: 4 per core, at least 8; 0: no limit)
      --max-connections-per-database N
                        connections of one database in use at once: auto-commit statements
                        running plus open transactions; more wait their turn, taken fairly
                        between tokens, without delaying other databases (default: 0, no limit)
      --queue-timeout SECONDS
                        a statement or transaction that could not start within this long is
                        refused with an error naming the limit it waited for (default: 60)
  -h, --help            show this help
)";

std::vector<OptionSpec> SandboxOptionSpecs() {
	return {{"allow-path", 0, true},
	        {"allow-extension", 0, true},
	        {"extension-dir", 0, true},
	        {"memory-limit", 0, true},
	        {"max-temp-size", 0, true},
	        {"statement-timeout", 0, true},
	        {"max-calls-per-token", 0, true},
	        {"max-running-statements", 0, true},
	        {"max-connections-per-database", 0, true},
	        {"queue-timeout", 0, true}};
}

DatabaseSandbox SandboxFrom(const ParsedOptions &options) {
	DatabaseSandbox sandbox;
	for (auto &path : options.GetAll("allow-path")) {
		std::error_code error;
		auto absolute = std::filesystem::absolute(path, error);
		if (error || !std::filesystem::is_directory(absolute)) {
			throw UsageError("--allow-path " + path + ": not a directory");
		}
		// DuckDB matches allowed directories as path prefixes: end with '/' so that /srv/data
		// does not also allow /srv/data-private.
		auto directory = absolute.lexically_normal().string();
		if (directory.back() != '/') {
			directory += '/';
		}
		sandbox.allowed_directories.push_back(directory);
	}
	sandbox.extensions = options.GetAll("allow-extension");
	const char *env = std::getenv("OPENDUCK_EXTENSION_DIR");
	auto extension_dir = options.Has("extension-dir") ? options.Get("extension-dir") : std::string(env ? env : "");
	if (!extension_dir.empty()) {
		std::error_code error;
		auto absolute = std::filesystem::absolute(extension_dir, error);
		if (error || !std::filesystem::is_directory(absolute)) {
			throw UsageError("--extension-dir " + extension_dir + ": not a directory");
		}
		sandbox.extension_directory = absolute.lexically_normal().string();
	}
	sandbox.memory_limit = options.Get("memory-limit");
	sandbox.max_temp_size = options.Get("max-temp-size");
	return sandbox;
}

int DefaultMaxRunningStatements() {
	return std::max(8, 4 * static_cast<int>(std::thread::hardware_concurrency()));
}

// A positive count, or 0 spelled out (no limit).
WorkerLimits WorkerLimitsFrom(const ParsedOptions &options) {
	WorkerLimits limits;
	limits.statement_timeout_seconds = options.GetNonNegative("statement-timeout", 0);
	limits.calls_per_token = options.GetNonNegative("max-calls-per-token", kDefaultCallsPerToken);
	limits.max_running_statements = options.GetNonNegative("max-running-statements", DefaultMaxRunningStatements());
	limits.max_connections_per_database = options.GetNonNegative("max-connections-per-database", 0);
	limits.queue_timeout_seconds = options.GetPositive("queue-timeout", kDefaultQueueTimeoutSeconds);
	return limits;
}

} // namespace openduck
