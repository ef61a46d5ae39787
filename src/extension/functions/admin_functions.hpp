// Database administration in SQL, through an attached OpenDuck database:
//
//   SELECT * FROM openduck_create_database('cloud', 'newdb');
//   SELECT * FROM openduck_clone_database('cloud', 'branch' [, snapshot := 'NAME_OR_ID']);
//   SELECT * FROM openduck_create_snapshot('cloud', 'v1');
//   SELECT * FROM openduck_drop_database('cloud', 'olddb');
//   SELECT * FROM openduck_undrop_database('cloud', 'olddb');
//
// The first argument names the attached catalog; its server (the worker serving its database)
// does the work, and a created or cloned database can be attached right away. A clone shares the
// source's layers (nothing is copied) at `snapshot`, else at the attachment's time-travel
// snapshot, else at the head after a CHECKPOINT (so it holds everything committed). A snapshot
// is named after a CHECKPOINT of the head. A drop is soft (undrop brings the database back until
// garbage collection purges it) and refused for the attachment's own database. Each returns one
// row saying what was done. The database statements (ddl/) run the same calls.
//
// Binding has no side effects; the request is sent once, when the function runs.
#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

duckdb::vector<duckdb::TableFunction> AdminFunctions();

// Not registered: runs the request a database statement planned (RequestParameters) and returns
// the admin functions' row.
duckdb::TableFunction AdminStatementFunction();

} // namespace openduck
