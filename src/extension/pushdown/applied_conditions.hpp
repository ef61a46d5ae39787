// Conditions a statement shipped with uploads (upload_pushdown.hpp) need not repeat. A host table
// is sent with only the rows that pass its reads' conditions; left in the shipped text, a
// condition every read has makes the worker's optimizer count it a second time on rows that all
// pass (a fifth of the rows for a range, whatever the statistics). TPC-DS Q38 with a year of `date_dim` sent:
// its join with `store_sales` was estimated at 106K rows for 541K, the worker built its hash
// table on that join instead of on `customer`'s 100K rows, and its part took 115-200 ms against
// 72-97 with the condition dropped.
// Stateless; thread-safe.
#pragma once

#include "duckdb/parser/sql_statement.hpp"
#include "duckdb/planner/expression.hpp"

#include <set>
#include <string>

namespace openduck {

// A condition the host bound, as text comparable with the statement's own (for `applied`
// below): without the casts the binder put on constants.
std::string AppliedConditionText(const duckdb::Expression &condition);

// Drops from `statement` each top-level AND condition of the WHERE clause of every SELECT that
// reads `upload` (a host table's reference rewritten to temp.main.<upload>) in its FROM through
// inner and cross joins only, when the condition's text is one of `applied`: the conditions the
// upload's rows all meet (every read of the table has them), as the host bound them
// (AppliedConditionText; a condition written otherwise stays, which costs nothing but the
// estimate). Returns how many were dropped.
duckdb::idx_t DropAppliedConditions(duckdb::SQLStatement &statement, const std::string &upload,
                                    const std::set<std::string> &applied);

} // namespace openduck
