// Database administration in SQL, through an attached OpenDuck database:
//
//   SELECT * FROM openduck_create_database('cloud', 'newdb');
//   SELECT * FROM openduck_clone_database('cloud', 'branch' [, snapshot := 'NAME_OR_ID']);
//   SELECT * FROM openduck_create_snapshot('cloud', 'v1');
//
// The first argument names the attached catalog; its server (the worker serving its database)
// does the work, and a created or cloned database can be attached right away. A clone shares the
// source's layers (nothing is copied) at `snapshot`, else at the attachment's time-travel
// snapshot, else at the head after a CHECKPOINT (so it holds everything committed). A snapshot
// is named after a CHECKPOINT of the head. Each returns one row saying what was done.
//
// Binding has no side effects; the request is sent once, when the function runs.
#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

duckdb::vector<duckdb::TableFunction> AdminFunctions();

} // namespace openduck
