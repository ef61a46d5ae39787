// The sandbox of every DuckDB instance a worker opens: client SQL reaches nothing outside its own
// database — no server files (COPY, read_csv, ATTACH, EXPORT), no network, no extensions — except
// what an operator allowed here. DuckDB enforces it (enable_external_access = false, no
// extension autoloading or autoinstalling); the worker's statement guard (worker/statement_guard)
// adds clear errors and refuses statements that change the server's configuration.
//
// Access cannot be turned back on from SQL: DuckDB refuses enable_external_access = true and
// changes to allowed_directories on a running database once external access is off.
#pragma once

#include "duckdb/main/config.hpp"
#include "duckdb/main/database.hpp"

#include <string>
#include <vector>

namespace openduck {

struct DatabaseSandbox {
	// Server directories client SQL may read and write (COPY ... FROM '/srv/data/x.csv',
	// read_parquet, ...): `--allow-path`. None by default.
	std::vector<std::string> allowed_directories;
	// Extensions every instance loads itself when it opens (a .duckdb_extension path, or the
	// name of one installed on the server): `--allow-extension`. Client SQL never loads any.
	std::vector<std::string> extensions;
	// DuckDB's memory_limit and max_temp_directory_size for each instance (DuckDB's syntax,
	// e.g. "4GB"); empty: DuckDB's defaults.
	std::string memory_limit;
	std::string max_temp_size;
	// Where extensions named by name are loaded from (DuckDB's extension_directory layout:
	// DIR/v1.4.4/linux_amd64/NAME.duckdb_extension): `--extension-dir`. Empty: DuckDB's default.
	std::string extension_directory;

	// Before the instance starts: limits, and no extension ever fetched or loaded on demand.
	// Throws std::invalid_argument naming the option when a limit does not parse.
	void Configure(duckdb::DBConfig &config) const;
	// Once it runs: loads the allowed extensions, adds the functions hosts' generated SQL calls
	// (storage/join_keys_function.hpp), then turns external access off. `own_files`
	// are the instance's own local files DuckDB reaches through a client's file system (its WAL,
	// which it reopens, truncates and removes by path): they stay accessible to the instance.
	// `own_directories` likewise (a DuckLake database's data path), on top of --allow-path.
	// Throws std::runtime_error naming the extension or directory that failed.
	void Seal(duckdb::DuckDB &database, const std::vector<std::string> &own_files,
	          const std::vector<std::string> &own_directories = {}) const;
};

} // namespace openduck
