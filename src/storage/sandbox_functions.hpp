// The built-in functions through which client SQL could read the server's own paths, changed in
// each sandboxed database instance: current_setting() refuses the settings that hold paths
// (temp_directory, home_directory, allowed_paths, ...); duckdb_settings() shows them as NULL and
// duckdb_databases() (behind PRAGMA database_list and SHOW DATABASES) shows no file paths; the
// functions that exist only to list server files (duckdb_temporary_files, duckdb_extensions)
// refuse to run. A refusal is a PermissionException that says to look on the host instead.
//
// Changing the catalog's functions, rather than refusing names in the statement guard, covers
// every way a call can be written: views, macros, prepared statements, query(), subqueries.
#pragma once

#include "duckdb/main/database.hpp"

namespace openduck {

// Replaces the functions in `database`'s system catalog. Call once, before client SQL runs.
void HideServerPaths(duckdb::DatabaseInstance &database);

// Makes the functions of the sqlite and postgres extensions that open a store by a path or
// connection string of their own (sqlite_scan, sqlite_query, postgres_scan, postgres_attach,
// ...) refuse to run in `database`: a DuckLake-backed database loads those extensions for its
// catalog, and client SQL must reach no other store. Those not loaded are skipped.
void RefuseStoreFunctions(duckdb::DatabaseInstance &database);

} // namespace openduck
