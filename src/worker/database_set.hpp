// The databases one worker serves: one persistent duckdb::DuckDB per database, opened at
// start-up and kept open for the worker's lifetime (queries never get a fresh database).
//
// Thread-safety: the set is fixed after construction, so lookups need no lock. Each returned
// DuckDB is itself thread-safe for creating connections.
#pragma once

#include "worker/database_opener.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace openduck {

class DatabaseSet {
public:
	// Opens every name in `requested` (creating missing ones) plus every database that already
	// exists in `opener`'s store. Throws std::runtime_error naming the database that failed.
	DatabaseSet(DatabaseOpener &opener, const std::vector<std::string> &requested);

	// nullptr when this worker does not serve `name`.
	duckdb::DuckDB *Find(const std::string &name) const;
	// The read-only instance of snapshot `snapshot` of served database `name`, opened on first
	// use and kept (one per database and snapshot). Throws std::runtime_error when it cannot be
	// opened. Thread-safe.
	duckdb::DuckDB *FindSnapshot(const std::string &name, const std::string &snapshot);
	// Sorted names.
	std::vector<std::string> Names() const;

private:
	DatabaseOpener &opener_;
	std::map<std::string, std::unique_ptr<duckdb::DuckDB>> databases_;
	std::mutex snapshots_lock_;
	std::map<std::pair<std::string, std::string>, std::unique_ptr<duckdb::DuckDB>> snapshots_;
};

} // namespace openduck
