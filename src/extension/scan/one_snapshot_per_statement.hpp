// One snapshot per statement: a plan that runs two or more queries on one remote database (two
// scans, or a scan and a shipped subtree, of an auto-commit hybrid statement) must read them all
// from one worker snapshot. Each would otherwise be an auto-commit query of its own on the
// worker, and a commit landing between them would give the statement a torn view (one table
// before a transfer, the other after it).
//
// The optimizer pass below runs after pushdown, on the final plan: it marks the bind data of
// every remote read of a database read more than once, and those reads then run in the host
// transaction's worker session (ODTransaction::SessionFor), opened for the statement and
// committed with it. Statements reading a database once stay session-free (no extra round trip).
//
// The cost: a session runs one query at a time, so the worker materializes each of those reads
// before sending it (bench/statement_snapshot_bench.py: worker memory and CPU grow with the
// size of the reads). `SET openduck_statement_snapshot = false` lets each read stream from its
// own snapshot again.
#pragma once

#include "duckdb/function/table_function.hpp"
#include "duckdb/optimizer/optimizer_extension.hpp"

namespace openduck {

class ODCatalog;

// What every table function that runs a query on the worker binds (openduck_scan,
// openduck_query). Copies must carry both fields.
struct RemoteReadBindData : public duckdb::TableFunctionData {
	ODCatalog *catalog = nullptr;
	// This read shares the statement's worker snapshot with the other reads of `catalog`.
	bool shares_snapshot = false;
	// A read of a past snapshot (AT): one fixed state already, never in a session.
	bool time_travel = false;
};

// The host setting (BOOLEAN, default true) that turns the pass on.
constexpr const char *kStatementSnapshotSetting = "openduck_statement_snapshot";

duckdb::OptimizerExtension OneSnapshotPerStatementExtension();

} // namespace openduck
