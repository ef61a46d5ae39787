// The parser extension behind the database statements (database_statement.hpp): DuckDB hands it
// each statement its own parser rejects; the forms here become a ManageDatabase call through
// the attachment TargetCatalog picks, run by the admin functions' table functions, so the rules
// and errors are theirs. Anything else keeps DuckDB's own error. Stateless, thread-safe.
#pragma once

#include "duckdb/parser/parser_extension.hpp"

namespace openduck {

duckdb::ParserExtension DatabaseStatementExtension();

} // namespace openduck
