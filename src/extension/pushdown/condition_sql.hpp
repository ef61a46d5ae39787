// Conditions over one remote scan's columns as SQL for the worker, for filters DuckDB leaves above
// a scan (pushdown/row_filter_pushdown.hpp) or pushes into it as an expression
// (ExpressionFilter, `substring(c_phone, 1, 2) IN (...)`).
//
// Renders only what the worker evaluates exactly as the host does: the scan's columns, constants
// with exact literals (typed with CAST), a few functions that cannot fail (substring, lower, LIKE,
// ...), comparisons of two values of the same scalar type, IN lists, IS [NOT] NULL, NOT, AND and
// OR. A collation is a function around the column too (NOCASE binds as lower), sent when listed.
// Host and worker run the same DuckDB, a column has the same type on both (but for a collation:
// the host's catalog shows a remote `VARCHAR COLLATE nocase` as VARCHAR, and the worker applies
// the collation, as a local DuckDB would) and the host session's settings go with every request,
// so the worker binds the same functions. Functions that can
// fail (an overflow, a failed cast) are not sent: the worker may evaluate a condition on rows
// another condition drops first on the host, and would fail a statement the host answers.
// Stateless.
#pragma once

#include "duckdb/planner/expression.hpp"

#include <functional>
#include <string>

namespace openduck {

// The SQL of a column reference (a BoundColumnRefExpression or a BoundReferenceExpression) of the
// scan, or "" when it is none of its columns.
using ColumnRenderer = std::function<std::string(const duckdb::Expression &column)>;

// True, with `out` set, when `condition` can be sent.
bool RenderCondition(const duckdb::Expression &condition, const ColumnRenderer &column_sql, std::string &out);

} // namespace openduck
