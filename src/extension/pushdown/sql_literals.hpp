// The SQL pieces every rendering of a condition for the worker shares (pushdown/filter_sql.hpp for
// the filters DuckDB pushes into a scan, pushdown/condition_sql.hpp for the expressions it
// leaves above): exact literals and comparison operators. Stateless.
#pragma once

#include "duckdb/common/enums/expression_type.hpp"
#include "duckdb/common/types/value.hpp"

#include <string>

namespace openduck {

// An exact SQL literal of `value` (typed with CAST), or false when there is none.
bool TryRenderLiteral(const duckdb::Value &value, std::string &out);
// Whether values of `type` have exact literals (TryRenderLiteral) and compare the same wherever
// they are compared: the scalar types.
bool IsScalarLiteralType(const duckdb::LogicalType &type);
// The SQL operator of a comparison ("=", "<", "IS DISTINCT FROM", ...), nullptr for other types.
const char *ComparisonSQL(duckdb::ExpressionType type);

} // namespace openduck
