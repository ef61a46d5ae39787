// Host-planned reads of one remote table in one request.
//
// An auto-commit statement is bound against the host's cached catalog. Shipped whole, it needs
// no confirmation that the cache is current (the worker binds its text). A statement that runs
// as a host plan does: confirming costs a request of its own. That is every statement with
// parameters (Python's execute(sql, params)), whose text holds placeholders the worker has no
// values for. When such a plan reads one remote table and filters, projects or aggregates it (a
// point lookup), the scan's request goes out instead while the statement is planned, carrying
// the version of the catalog it was bound against (ExecuteFragmentRequest.
// expected_catalog_version): the worker runs it only against that version, and when the catalog
// changed the statement is bound again (catalog_recheck.hpp). The statement then costs one
// request. Stateless.
#pragma once

#include "duckdb/optimizer/optimizer_extension.hpp"
#include "duckdb/planner/logical_operator.hpp"
#include "duckdb/planner/operator/logical_get.hpp"

namespace openduck {

// The one LogicalGet of a plan that is a chain of operators over it; nullptr for any other
// plan (an operator that combines inputs, a leaf that is no scan).
duckdb::LogicalGet *LoneScan(duckdb::LogicalOperator &op);

// For the statement pushdown, where a read of `plan` (bound, not yet optimized; no EXPLAIN) is
// left to run as a host plan: true when the confirmation of the catalog can wait for the pass
// below, which sends the plan's lone remote scan with its catalog version (or confirms the
// catalog itself when the optimized plan does not allow that).
bool DeferCatalogCheckToScan(duckdb::ClientContext &context, duckdb::LogicalOperator &plan);

// The pass; registered after every pass that changes remote scans.
duckdb::OptimizerExtension EarlyScanExtension();

} // namespace openduck
