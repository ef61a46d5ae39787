// Host views seen through by subtree shipping (subtree_pushdown.hpp). A user who keeps
// `CREATE VIEW sales AS SELECT * FROM cloud.sales` on the host means the remote table: a
// subquery over that view is as remote-only as one over cloud.sales. DuckDB only expands views
// when it binds, so subtree shipping, which works on parsed SQL, would see a local name and keep
// the part local.
//
// ExpandHostViews replaces, in a copy of a statement part, each reference to a view of a host
// catalog by the view's query as a derived table, the way DuckDB's binder does: the view's
// table names resolved with the view's own catalog and schema first, its column aliases and
// names applied, the reference's alias kept (a column named as schema.view.column then does not
// bind on the worker, and the part stays local). Every table name that resolves, in the part and
// in its views, is written fully qualified, so neither the caller's search path nor a CTE name
// of an expanded view can capture it. Whatever it cannot resolve (a time-travel
// reference, an unknown name, a cycle deeper than kMaxViewDepth) is left as it was; the part then
// stays local. It does not decide whether the part can be shipped: RemoteOnlyCheck does, on the
// result.
// Stateless; one statement's optimizer at a time.
#pragma once

#include "duckdb/common/case_insensitive_map.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/query_node.hpp"

namespace openduck {

// `ctes`: the CTE names in scope around `node` (references to them are no views).
void ExpandHostViews(duckdb::ClientContext &context, duckdb::QueryNode &node, const duckdb::case_insensitive_set_t &ctes);

} // namespace openduck
