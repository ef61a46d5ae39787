// DuckDB type texts that mean the same on every DuckDB: the wire's exact-type metadata and the
// remote catalog's type definitions. A type bound from a user type (CREATE TYPE mood AS ENUM
// ...) carries the user type's name as its alias and prints as "mood", which another database
// (the host, or a worker without that type) reads as an unknown type: aliases are dropped, at
// every nesting level, so the definition is printed instead.
#pragma once

#include "duckdb/common/types.hpp"

#include <string>

namespace openduck {

// `type` with no alias anywhere inside it.
duckdb::LogicalType WithoutAliases(const duckdb::LogicalType &type);
// WithoutAliases(type)'s text when DuckDB parses it back, else "" (an unnamed STRUCT prints as
// STRUCT(INTEGER, VARCHAR), which does not parse).
std::string ExactTypeText(const duckdb::LogicalType &type);

} // namespace openduck
