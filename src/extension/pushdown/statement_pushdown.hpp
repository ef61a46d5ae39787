// Ships whole statements to the worker when every table they read or write lives in one
// attached OpenDuck database: joins, aggregates and window functions then run remotely and
// only the result crosses the wire; INSERT/UPDATE/DELETE/CREATE TABLE AS over remote data never
// move rows at all.
//
// Runs as the pre-optimize hook, before DuckDB's own optimizers rewrite the plan. It re-parses
// the statement's text (parsed SQL round-trips exactly, unlike bound expressions), removes the
// local alias of the attached catalog from table references, asks the worker to describe the
// result and, when the types match the local plan exactly, replaces the plan by one remote
// query. Anything it is not sure about keeps the local plan.
//
// A hybrid read (remote and local data) is planned again with its remote-only parts replaced by
// openduck_query calls (subtree_pushdown.hpp), when the new plan's result types equal the old.
#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"

namespace openduck {

duckdb::OptimizerExtension StatementPushdownExtension();

} // namespace openduck
