// Runs LIMIT and ORDER BY ... LIMIT on the worker for remote scans that stay part of a local
// plan (hybrid statements; single-database statements are shipped whole instead). DuckDB
// 1.4.4 gives table functions no limit, so this post-optimize hook finds LIMIT -> PROJECTION* ->
// remote scan and TOP_N -> remote scan, and tells the scan to fetch only the rows needed.
// The local LIMIT / TopN stays in the plan, so results are exact either way.
#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"

namespace openduck {

duckdb::OptimizerExtension LimitPushdownExtension();

} // namespace openduck
