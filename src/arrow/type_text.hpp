// DuckDB type texts that mean the same on every DuckDB: the wire's exact-type metadata and the
// remote catalog's type definitions. A type bound from a user type (CREATE TYPE mood AS ENUM
// ...) carries the user type's name as its alias and prints as "mood", which another database
// (the host, or a worker without that type) reads as an unknown type: aliases are dropped, at
// every nesting level, so the definition is printed instead.
#pragma once

#include "duckdb/common/types.hpp"

#include <string>

namespace openduck {

// TransformStringToLogicalType(text), remembered per text: every result's schema carries its
// columns' type texts, and parsing one runs DuckDB's SQL parser, a few percent of a small
// statement's CPU on both ends. Throws a ParserException for a text that does not parse. Each
// call returns its own deep copy (a caller may set an alias on it). Thread-safe.
duckdb::LogicalType ParseTypeText(const std::string &text);
// `type` with no alias anywhere inside it.
duckdb::LogicalType WithoutAliases(const duckdb::LogicalType &type);
// WithoutAliases(type)'s text when DuckDB parses it back, else "" (an unnamed STRUCT prints as
// STRUCT(INTEGER, VARCHAR), which does not parse). A collated VARCHAR keeps its collation
// (`VARCHAR COLLATE NOCASE`), which DuckDB's own type text drops: the reader then compares,
// sorts and groups it the same way.
std::string ExactTypeText(const duckdb::LogicalType &type);
// " COLLATE a.b" for a VARCHAR collated by a.b, else "": DuckDB's type text leaves collations
// out.
std::string CollateClause(const duckdb::LogicalType &type);

} // namespace openduck
