#include "storage/database_sandbox.hpp"

#include "duckdb/common/error_data.hpp"
#include "duckdb/main/connection.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "storage/join_keys_function.hpp"
#include "storage/sandbox_functions.hpp"

#include <stdexcept>

namespace openduck {

static void SetLimit(duckdb::DBConfig &config, const char *setting, const char *option, const std::string &value) {
	if (value.empty()) {
		return;
	}
	try {
		config.SetOptionByName(setting, duckdb::Value(value));
	} catch (std::exception &ex) {
		throw std::invalid_argument(std::string("--") + option + " '" + value +
		                            "' is not a size DuckDB accepts (e.g. 4GB, 512MiB): " +
		                            duckdb::ErrorData(ex).RawMessage());
	}
}

void DatabaseSandbox::Configure(duckdb::DBConfig &config) const {
	config.options.autoinstall_known_extensions = false;
	config.options.autoload_known_extensions = false;
	config.options.allow_community_extensions = false;
	config.options.allow_unsigned_extensions = false;
	if (!extension_directory.empty()) {
		config.options.extension_directory = extension_directory;
	}
	SetLimit(config, "memory_limit", "memory-limit", memory_limit);
	SetLimit(config, "max_temp_directory_size", "max-temp-size", max_temp_size);
}

static void Run(duckdb::Connection &connection, const std::string &sql, const std::string &what) {
	auto result = connection.Query(sql);
	if (result->HasError()) {
		throw std::runtime_error(what + ": " + result->GetError());
	}
}

static std::string QuotedList(const std::vector<std::string> &items) {
	std::string list;
	for (auto &item : items) {
		list += (list.empty() ? "" : ", ") + duckdb::KeywordHelper::WriteQuoted(item, '\'');
	}
	return "[" + list + "]";
}

void DatabaseSandbox::Seal(duckdb::DuckDB &database, const std::vector<std::string> &own_files,
                           const std::vector<std::string> &own_directories) const {
	duckdb::Connection connection(database);
	for (auto &extension : extensions) {
		// Loaded by the server while access is still on; a path is loaded as given (the operator
		// chose it), a name from the server's own extension directory, never downloaded.
		Run(connection, "LOAD " + duckdb::KeywordHelper::WriteQuoted(extension, '\''),
		    "cannot load allowed extension '" + extension + "' (--allow-extension)");
	}
	auto directories = allowed_directories;
	directories.insert(directories.end(), own_directories.begin(), own_directories.end());
	if (!directories.empty()) {
		Run(connection, "SET allowed_directories = " + QuotedList(directories),
		    "cannot allow the directories given with --allow-path");
	}
	if (!own_files.empty()) {
		// Exact paths only; client SQL cannot write them either (the statement guard refuses COPY).
		Run(connection, "SET allowed_paths = " + QuotedList(own_files), "cannot keep the database's own files open");
	}
	HideServerPaths(*database.instance);
	RegisterJoinKeysFunction(*database.instance);
	Run(connection, "SET enable_external_access = false", "cannot turn off external access");
}

} // namespace openduck
