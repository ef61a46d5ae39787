// Refuses client statements that would reach outside the database they were sent to, or change
// the server: ATTACH / DETACH, INSTALL / LOAD, COPY and EXPORT / IMPORT DATABASE (server files),
// CREATE SECRET, SET / RESET / PRAGMA of anything but the session settings hosts forward, and
// SET GLOBAL. DuckDB's own sandbox (storage/database_sandbox.hpp) already blocks file, network
// and extension access; the guard gives every refusal one clear error that says what to do
// instead, and covers what DuckDB leaves open (configuration, secrets).
//
// Stateless and thread-safe.
#pragma once

#include "duckdb/parser/sql_statement.hpp"

namespace openduck {

// Throws duckdb::PermissionException naming the statement and the way to do it from the host.
// A SET or RESET without a scope is narrowed to SESSION: in DuckDB 1.4 a plain SET of some
// settings (default_null_order, default_order) is global, and one client's settings must never
// change another's results.
void CheckClientStatement(duckdb::SQLStatement &statement);

} // namespace openduck
