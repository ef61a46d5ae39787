// UPDATE and DELETE of a remote table with parameters, shipped whole after all.
//
// DuckDB binds a statement's parameter values as constants while it plans (Python's
// execute(sql, params)), so the text with its `?` cannot be shipped (statement_pushdown.hpp). As
// a host plan, an UPDATE or DELETE pulls the matching row ids, sends them back and applies them:
// seven requests (catalog check, session, scan, rows, statement, cleanup, commit). When the plan
// is one scan of the table under a condition the worker evaluates exactly (condition_sql.hpp),
// setting values that are constants once folded (parameters, casts of them, DEFAULT), it is
// written back as
//   UPDATE "s"."t" SET "c" = CAST('...' AS type), ... [WHERE condition]
//   DELETE FROM "s"."t" [WHERE condition]
// and sent as one statement. In auto-commit its request carries the version of the cached catalog
// it was bound against, which the worker checks (write/checked_write.hpp): one request.
// RETURNING, FROM/USING, subqueries and values read from the row stay host plans. Stateless.
#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"

namespace openduck {

class ODCatalog;

// Replaces `target`, an UPDATE or DELETE of a table of `catalog`, by the statement written back
// from it; false when it stays as it is.
bool ShipModifyWithValues(duckdb::OptimizerExtensionInput &input, duckdb::unique_ptr<duckdb::LogicalOperator> &target,
                          ODCatalog &catalog);

} // namespace openduck
