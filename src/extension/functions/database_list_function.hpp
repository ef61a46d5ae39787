// The remote databases of the server an attachment reaches, with their sizes:
//
//   SELECT * FROM openduck_databases('cloud');   -- also: SHOW OPENDUCK DATABASES
//
// One row per live database the attachment's token may see (the server cuts the list), by name:
// name, size_bytes (the database file at its head), layer_bytes (the objects of the head's layers,
// shared ones included, so clones count them again), snapshots (kept in its history),
// head_snapshot and created_at. One LIST call, sent when the function runs.
#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

duckdb::TableFunction DatabaseListFunction();
// Not registered: what SHOW OPENDUCK DATABASES plans (parameters: RequestParameters).
duckdb::TableFunction DatabaseListStatementFunction();

} // namespace openduck
