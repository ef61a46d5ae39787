// The last step of shipping a statement whole: ask the worker for the result's columns and, when
// they equal the host plan's, replace the plan by one remote query (scan/remote_statement.hpp).
// Shared by the statement pushdown (every table remote) and the upload pushdown (small host
// tables sent along).
#pragma once

#include "extension/client/remote_client.hpp"
#include "extension/functions/query_function.hpp"

#include "duckdb/optimizer/optimizer_extension.hpp"
#include "duckdb/planner/logical_operator.hpp"

#include <string>

namespace openduck {

class ODCatalog;

// Replaces `target` by a remote query running `sql` as `how` says; false when `target` is kept
// (the worker cannot bind `sql`, or its result's types differ from the plan's). `options` are
// the statement's (its session, settings, uploads). With `prefetch` the statement is sent now
// and its result's schema is the description (one request); otherwise it is described, cached
// by `shape` unless it carries uploads. Errors other than "cannot ship" are raised.
bool ShipPlan(duckdb::OptimizerExtensionInput &input, duckdb::unique_ptr<duckdb::LogicalOperator> &target,
              ODCatalog &catalog, const std::string &sql, ExecuteOptions options, ShippedStatement how, bool prefetch,
              const std::string &shape);

} // namespace openduck
