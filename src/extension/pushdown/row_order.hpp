// Which remote reads (scans, and the shipped parts of hybrid statements) may arrive in any row
// order. DuckDB keeps a table's insertion order through filters and projections up to the result
// (preserve_insertion_order), and a worker does the same for a read unless told otherwise: its
// threads then wait for each other, since its ordered streaming collector holds back every batch
// but the lowest. For a selective scan that costs about half its speed (TPC-H SF1, `lineitem`
// filtered to 1% on the worker: 40 -> 19 ms).
//
// A post-optimize pass marks a remote read "any order" (AllowAnyRowOrder, AllowQueryAnyRowOrder)
// when everything between it and the nearest operator that consumes rows without regard to their
// order passes rows through: projections, filters, the probe side of a hash join. Such consumers
// are a hash join's build side and aggregates (GROUP BY, plain DISTINCT) whose every function
// DuckDB marks NOT_ORDER_DEPENDENT (count, sum, min, max, ...; not list, first, string_agg).
// Anything else (ORDER BY, LIMIT, windows, the result itself) keeps the order. A session with
// DuckDB's preserve_insertion_order off orders nothing but ORDER BY: every remote read is marked.
#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"

namespace openduck {

duckdb::OptimizerExtension RowOrderExtension();

} // namespace openduck
