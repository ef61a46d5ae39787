// Filters over several columns of one remote table, evaluated on the worker too. DuckDB pushes a
// filter into a scan only when it reads one column; `l_commitdate < l_receiptdate` stays in a
// FILTER above the scan, so every row that passes the scan's own filters crossed the wire before
// it was dropped (TPC-H Q12 with lineitem remote: 8x the rows it keeps).
//
// A post-optimize pass: each conjunct of a FILTER directly above a remote scan that
// pushdown/condition_sql.hpp can render is also sent in the scan's WHERE (as SQL over the remote
// columns). The FILTER stays: the worker only sends fewer rows, the host still decides.
#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"

namespace openduck {

duckdb::OptimizerExtension RowFilterPushdownExtension();

} // namespace openduck
