// openduck_query('<attached catalog>', '<sql>'): runs one statement on the remote database
// exactly as written and returns its result. Binding prepares the statement remotely (no side
// effects) to learn the result's columns; execution runs it. Afterwards the catalog cache is
// refreshed, since the statement may have changed the schema.
#pragma once

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/function/table_function.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "openduck/v1/openduck.pb.h"

#include <memory>
#include <mutex>
#include <vector>

namespace openduck {

class ODCatalog;
class RemoteResult;

// A statement's result whose request went out while the statement was planned: its schema
// served as the description, so the statement costs one request. The plan's first execution
// takes it; a plan never executed drops it, which cancels the request.
struct PrefetchedResult {
	explicit PrefetchedResult(std::unique_ptr<RemoteResult> result);
	~PrefetchedResult();
	// The result, or nullptr once taken.
	std::unique_ptr<RemoteResult> Take();

private:
	std::mutex lock_;
	std::unique_ptr<RemoteResult> result_;
};

duckdb::TableFunction QueryFunction();

// How a statement shipped whole runs.
struct ShippedStatement {
	// Refresh the catalog cache once the statement finished (it may be DDL).
	bool schema_may_change = false;
	// It only reads: safe to send again (ExecuteOptions::read_only).
	bool read_only = false;
	// A write of an auto-commit host statement: unless the transaction already has a worker
	// session, the worker runs it in a transaction of its own and commits it before answering,
	// so the statement costs one request instead of open + run + commit.
	bool own_transaction = false;
	// Set when planning already sent the statement (a read outside a session).
	std::shared_ptr<PrefetchedResult> prefetched;
	// The past snapshot (id) the statement reads, "" for the attachment's state: its AT clauses
	// were removed from the text, so every run must go to that snapshot.
	std::string snapshot;
	// Host tables sent along as the temporary tables the text reads (upload_pushdown.hpp).
	std::shared_ptr<const std::vector<v1::Upload>> uploads;
	// A write written back from a host plan bound against the cached catalog: the table it
	// writes. Sent with that catalog's version for the worker to check (checked_write.hpp).
	duckdb::TableCatalogEntry *target = nullptr;
};

// What openduck_query's scan does with its bind data (MakeQueryBindData), shared with the
// operator of statements shipped whole (scan/remote_statement.hpp):
// Sends the statement, or takes the result its planning already asked for; does not wait.
std::unique_ptr<RemoteResult> StartQuery(duckdb::ClientContext &context, const duckdb::FunctionData &bind);
// Raises when the result's columns differ from the bound ones (waits for its schema if needed).
void CheckQueryTypes(const duckdb::FunctionData &bind, RemoteResult &result);
// After the whole result was read: drops the catalog cache when the statement may change it.
void QueryFinished(const duckdb::FunctionData &bind);
// EXPLAIN's lines: where it runs, the SQL, what is uploaded with it.
duckdb::InsertionOrderPreservingMap<std::string> QueryParams(const duckdb::FunctionData &bind);

// Tells the openduck_query behind `get` that nothing above it observes the order of its rows
// (row_order.hpp): the worker may deliver them in any order. False when `get` is no openduck_query.
bool AllowQueryAnyRowOrder(duckdb::LogicalGet &get);

// Bind data for running `sql` whose result has `types`, as openduck_query would after binding.
duckdb::unique_ptr<duckdb::FunctionData> MakeQueryBindData(ODCatalog &catalog, std::string sql,
                                                           duckdb::vector<duckdb::LogicalType> types,
                                                           const ShippedStatement &how);

} // namespace openduck
