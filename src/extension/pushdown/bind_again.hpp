// Binding a rewritten statement inside the optimizer hook, for pushdowns that replace the
// plan being optimized by the plan of other SQL.
#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"
#include "duckdb/parser/sql_statement.hpp"
#include "duckdb/planner/logical_operator.hpp"

namespace openduck {

// `statement` bound by a fresh binder (types resolved), or nullptr if it does not bind (errors
// that must reach the user are rethrown: pushdown_errors.hpp). A fresh binder numbers tables
// from 0; the optimizer keeps numbering with the old binder, which is moved past the new
// plan's indexes so no table index is used twice.
duckdb::unique_ptr<duckdb::LogicalOperator> BindAgain(duckdb::OptimizerExtensionInput &input,
                                                      duckdb::SQLStatement &statement);

} // namespace openduck
