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
void CheckClientStatement(const duckdb::SQLStatement &statement);

} // namespace openduck
