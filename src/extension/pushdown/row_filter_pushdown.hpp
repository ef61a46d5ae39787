// Filters over several columns of one remote table, evaluated on the worker too. DuckDB pushes a
// filter into a scan only when it reads one column; `l_commitdate < l_receiptdate` stays in a
// FILTER above the scan, so every row that passes the scan's own filters crossed the wire before
// it was dropped (TPC-H Q12 with lineitem remote: 8x the rows it keeps).
//
// A post-optimize pass: for a FILTER directly above a remote scan, each of its conjuncts that is
// built only from the scan's columns, constants with exact literals, comparisons of equal scalar
// types, IS [NOT] NULL, AND and OR is also sent in the scan's WHERE (as SQL over the remote
// columns). The FILTER stays: the worker only sends fewer rows, the host still decides. Types
// are compared as they are on the host because both sides are the same DuckDB and a column has
// the same type on both; collations make DuckDB wrap a column in a function, which is never sent.
#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"

namespace openduck {

duckdb::OptimizerExtension RowFilterPushdownExtension();

} // namespace openduck
