// How a worker obtains the DuckDB instance behind a database name. This is the seam where the
// storage engine plugs in: today a plain DuckDB file per database, later a database file seen
// through the differential-storage FileSystem (layers in an object store, snapshots in a
// metadata store).
//
// Implementations must be safe to call from one thread at a time (the worker opens its
// databases at start-up).
#pragma once

#include "duckdb/main/database.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace openduck {

class DatabaseOpener {
public:
	virtual ~DatabaseOpener() = default;

	// Opens the database `name`, creating it when it does not exist yet. The returned instance
	// stays open for the worker's lifetime. REQUIRES: IsValidDatabaseName(name).
	// Throws (duckdb::Exception or std::runtime_error) with the name and location on failure.
	virtual std::unique_ptr<duckdb::DuckDB> Open(const std::string &name) = 0;

	// Names of the databases that already exist in this store.
	virtual std::vector<std::string> ListExisting() = 0;

	// Where the databases live, for log lines (e.g. "/var/lib/openduck").
	virtual std::string Describe() const = 0;

	// A separate read-only DuckDB on snapshot `snapshot` (a name or an id) of database `name`.
	// Throws std::runtime_error saying why when there is no such snapshot.
	virtual std::unique_ptr<duckdb::DuckDB> OpenSnapshot(const std::string &name, const std::string &snapshot) {
		throw std::runtime_error("snapshot '" + snapshot + "' of database '" + name +
		                         "' does not exist (this store keeps only the current state of its databases)");
	}
};

} // namespace openduck
