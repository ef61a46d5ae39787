// DuckLake-backed databases (DatabaseKind::kDuckLake): a DuckLake catalog plus Parquet data
// files, served through DuckDB's ducklake extension in a sandboxed in-memory DuckDB whose
// default database is the lake, so everything a worker does with a native database's instance
// (client SQL, catalog reads, sessions) works on it unchanged.
//
// Where the parts live follows from the engine's two stores and the database id; nothing else
// is recorded:
//   catalog  sqlite:// metadata store  → SQLite file  <metadata file's dir>/ducklake/<id>.sqlite
//            postgresql:// store       → PostgreSQL database openduck_ducklake_<id> on that server,
//                                          owned by and reached as role openduck_ducklake_<id>
//   data     <object store>/ducklake/<id>/  (a directory, or an s3:// prefix)
// Every database gets a catalog of its own, never a schema of a shared one: DuckLake attaches
// the catalog as a DuckDB database, so client SQL can reach it, and it must hold nothing else.
// On PostgreSQL, DuckLake itself reads and writes the catalog through postgres_query and
// postgres_execute, so client SQL can run statements there too: hence a role that owns that one
// database and nothing more (no superuser, no CREATEDB/CREATEROLE, the database closed to
// PUBLIC). Its password is derived from the metadata store's URL and PGPASSWORD, so it is known
// to whoever can reach the metadata store already, and needs no storing. The metadata store's
// user needs CREATEDB and CREATEROLE.
// GC lists only layers/ and commit segments, so it never takes DuckLake's files for orphans.
//
// Versions are DuckLake snapshots (one per commit), not the differential storage's: AT
// (VERSION => n) and ?snapshot=n open the lake read-only at DuckLake snapshot n.
#pragma once

#include "storage/database_sandbox.hpp"
#include "storage/s3_object_store.hpp"

#include "duckdb/main/database.hpp"

#include <memory>
#include <optional>
#include <string>

namespace openduck {

struct DuckLakeLocation {
	std::string catalog;      // what follows "ducklake:" in ATTACH: sqlite:<file> or postgres:<uri>
	std::string catalog_file; // the SQLite catalog ("" on PostgreSQL)
	std::string data_path;    // ends in '/'
	std::optional<S3Location> s3; // credentials for an s3:// data path
	// PostgreSQL only: the metadata store's URL (to create the role and database), the role.
	std::string postgres_admin_url;
	std::string postgres_role;
	std::string postgres_password;
	// For errors and logs: the catalog without credentials, and the data path.
	std::string Describe() const;
};

// The object store prefix of database `db_id`'s data files ("ducklake/<id>/").
std::string DuckLakeDataPrefix(int64_t db_id);

// Where database `db_id`'s lake lives on these stores. Throws std::runtime_error for a store
// URL it cannot place a lake on.
DuckLakeLocation LocateDuckLake(const std::string &metadata_url, const std::string &store_url, int64_t db_id);

// A sandboxed instance serving the lake at `location` as database `name`, the instance's
// default database: read-write at its latest state when `version` is 0, else read-only at
// DuckLake snapshot `version`. `config` carries the instance's limits and spill directory. The
// first open creates the catalog (and its PostgreSQL database). Loads ducklake, the catalog's
// extension and (for s3) httpfs by name from the sandbox's extension directory; client SQL
// loses the functions that would reach the catalog's store directly (postgres_query, ...).
// Throws std::runtime_error naming the database, the location and the fix.
std::unique_ptr<duckdb::DuckDB> OpenDuckLake(const DuckLakeLocation &location, const std::string &name,
                                             int64_t version, duckdb::DBConfig &config,
                                             const DatabaseSandbox &sandbox);

// The DuckLake snapshot that `reference` names in the lake `head` serves as `name`: an id
// (checked to exist), or "@<unix microseconds>" for the newest snapshot at or before that time.
// DuckLake snapshots have no names. Throws NotFoundError saying which snapshots exist.
int64_t DuckLakeVersion(duckdb::DuckDB &head, const std::string &name, const std::string &reference);

} // namespace openduck
