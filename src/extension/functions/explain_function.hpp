// openduck_explain('<sql>'): where each part of a statement's plan runs. One row per operator,
// parents first (the operator column is indented by depth): location LOCAL (the host's DuckDB)
// or REMOTE (a worker), the operator, its details. Between the two sides a bridge row says which
// way rows travel: Bridge(REMOTE→LOCAL) above a remote scan or a shipped statement (its result
// streams to the host), Bridge(LOCAL→REMOTE) below a remote write fed by host rows. Under a
// shipped statement come the worker's own plan of it (its EXPLAIN) and the SQL it runs.
//
// The statement is planned exactly as EXPLAIN would plan it, on another connection of the same
// database with the caller's default catalog and schema (so outside the caller's transaction).
#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

duckdb::TableFunction ExplainFunction();

} // namespace openduck
