// The plan of a statement shipped whole (pushdown/shipped_plan.hpp): one operator that runs the
// statement on the worker and yields its result. EXPLAIN shows it as OPENDUCK_QUERY, like the
// openduck_query table function it shares its bind data and start-up with.
//
// Why an operator of its own rather than openduck_query's table scan: a table function holds a
// DuckDB thread while it waits for the network, and the client's thread then spins on
// ExecuteTask (NO_TASKS_AVAILABLE) until that thread is done. With 8 hosts on 2 cores that spin
// cost each small auto-commit statement about 2 ms of host CPU. This operator returns BLOCKED
// while nothing has arrived and is rescheduled by the receiving thread, so waiting threads
// sleep (the client's in Executor::WaitForTask).
#pragma once

#include "duckdb/function/function.hpp"
#include "duckdb/planner/logical_operator.hpp"

namespace openduck {

// `bind` is openduck_query bind data (MakeQueryBindData); `table_index` binds the result's
// columns for the operators above it.
duckdb::unique_ptr<duckdb::LogicalOperator> MakeRemoteStatement(duckdb::idx_t table_index,
                                                                duckdb::unique_ptr<duckdb::FunctionData> bind,
                                                                duckdb::vector<duckdb::LogicalType> types);

} // namespace openduck
