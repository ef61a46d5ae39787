// openduck_query('<attached catalog>', '<sql>'): runs one statement on the remote database
// exactly as written and returns its result. Binding prepares the statement remotely (no side
// effects) to learn the result's columns; execution runs it. Afterwards the catalog cache is
// refreshed, since the statement may have changed the schema.
#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

class ODCatalog;

duckdb::TableFunction QueryFunction();

// Bind data for running `sql` whose result has `types`, as openduck_query would after binding.
// `schema_may_change`: refresh the catalog cache once the statement finished. `read_only`: the
// statement only reads (ExecuteOptions::read_only).
duckdb::unique_ptr<duckdb::FunctionData> MakeQueryBindData(ODCatalog &catalog, std::string sql,
                                                           duckdb::vector<duckdb::LogicalType> types,
                                                           bool schema_may_change, bool read_only);

} // namespace openduck
