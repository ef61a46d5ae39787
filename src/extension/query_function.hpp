// openduck_query('<attached catalog>', '<sql>'): runs one statement on the remote database
// exactly as written and returns its result. Binding prepares the statement remotely (no side
// effects) to learn the result's columns; execution runs it. Afterwards the catalog cache is
// refreshed, since the statement may have changed the schema.
#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

duckdb::TableFunction QueryFunction();

} // namespace openduck
