// Reading a CREATE INDEX statement back: duckdb_indexes() gives an index's columns only as
// display text, so the worker (unique keys) and the host (index entries) parse the statement
// DuckDB stored for it.
#pragma once

#include "duckdb/parser/parsed_data/create_index_info.hpp"

#include <string>

namespace openduck {

// The parsed `sql` when it is one CREATE [UNIQUE] INDEX statement; nullptr for anything else,
// including text that does not parse.
duckdb::unique_ptr<duckdb::CreateIndexInfo> ParseCreateIndex(const std::string &sql);

} // namespace openduck
