// Turns the filters DuckDB pushes into a remote scan into a SQL WHERE clause for the worker.
//
// DuckDB removes pushed filters from its own plan, so every mandatory filter must be applied
// exactly: a filter that cannot be rendered with certainty (e.g. a nested-type constant, a
// string with a NUL byte) is kept for local evaluation on the received rows instead.
// Optional and dynamic filters are hints: rendered when possible, otherwise dropped.
#pragma once

#include "duckdb/common/types/value.hpp"
#include "duckdb/planner/table_filter.hpp"

#include <string>

namespace openduck {

struct RenderedFilters {
	// "" when nothing could be pushed.
	std::string where_sql;
	// Filters to evaluate locally, keyed like TableFilterSet (position in the scan's column_ids).
	duckdb::vector<std::pair<duckdb::idx_t, duckdb::unique_ptr<duckdb::TableFilter>>> local;
};

// `column_sql[i]` is the SQL of the scan's i-th projected column.
RenderedFilters RenderFilters(const duckdb::TableFilterSet &filters, const duckdb::vector<std::string> &column_sql);

} // namespace openduck
