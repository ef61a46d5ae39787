// Ships the remote-only parts of hybrid SELECT statements: a CTE, a derived table, a branch of
// a set operation or an uncorrelated subquery that reads tables of one attached OpenDuck
// database and nothing local becomes openduck_query('<database>', '<its SQL>'), so its joins,
// aggregates and filters run on the worker and only its result crosses the wire. The rest of
// the statement stays local.
//
// Works on parsed SQL (which round-trips exactly) like whole-statement pushdown, and only ships
// a part when it is sure the worker computes the same thing:
// - every table it names resolves, through the host's catalog and search path, to that one
//   database (CTE names of the enclosing query, local tables and table functions keep a part
//   local; the host's views are seen through, view_expansion.hpp);
// - the worker binds the part on its own (a reference to an outer, local column fails there:
//   correlated subqueries stay local);
// - it calls no function whose value depends on where it runs (now(), random(),
//   current_setting(), ...), and its result columns have distinct names.
// Stateless; used by one statement's optimizer at a time.
#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/query_node.hpp"

namespace openduck {

// Rewrites `node` in place; returns how many parts were replaced by openduck_query.
duckdb::idx_t ShipRemoteSubtrees(duckdb::ClientContext &context, duckdb::QueryNode &node);

} // namespace openduck
