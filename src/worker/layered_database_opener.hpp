// The default store of a worker: every database is a layered file in the differential storage
// engine (layers in the object store, snapshots in the metadata store). The worker holds each
// database's write lease while it serves it.
#pragma once

#include "storage/storage_engine.hpp"
#include "worker/database_opener.hpp"

namespace openduck {

class LayeredDatabaseOpener : public DatabaseOpener {
public:
	// `engine` must outlive the opener and every DuckDB it returns.
	explicit LayeredDatabaseOpener(StorageEngine &engine) : engine_(engine) {
	}

	std::unique_ptr<duckdb::DuckDB> Open(const std::string &name) override;
	// The live databases nobody else holds the write lease of (never leased, or last leased
	// by this worker).
	std::vector<std::string> ListExisting() override;
	std::string Describe() const override;
	// A read-only DuckDB on snapshot `snapshot` (name or id) of database `name`.
	std::unique_ptr<duckdb::DuckDB> OpenSnapshot(const std::string &name, const std::string &snapshot);

private:
	StorageEngine &engine_;
};

} // namespace openduck
