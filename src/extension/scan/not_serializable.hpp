// Remote reads (openduck_scan, and openduck_query whether a user wrote it or pushdown made it)
// cannot be rebuilt from serialized bytes: their bind data points at the attached catalog, its
// client and the transaction's worker session, and a plan-made read has no parameters DuckDB
// could bind it again from. Without serialize callbacks DuckDB would try exactly that, and the
// rebind failed with an INTERNAL error ("Attempted to access index 0 within vector of size 0")
// whenever a plan was copied: CTE inlining (TPC-DS Q4, Q11, Q27, Q74) and plan verification
// (`PRAGMA enable_verification`).
//
// NotImplementedException is DuckDB's own answer for operators that cannot be copied: CTE
// inlining then keeps the CTE materialized, and plan verification skips the round trip.
#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

// Sets `function`'s serialize and deserialize callbacks to throw NotImplementedException.
void MarkNotSerializable(duckdb::TableFunction &function);

} // namespace openduck
