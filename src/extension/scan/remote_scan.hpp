// The table function that reads a remote table or view: it sends
// SELECT <projected columns> FROM "schema"."name" to the worker and streams the result.
// Also registered as openduck_scan('<catalog>', '<schema>', '<name>'), which is how remote views
// are expressed locally.
#pragma once

#include "duckdb/function/table_function.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "extension/catalog/remote_relation.hpp"
#include "extension/pushdown/condition_sql.hpp"

namespace openduck {

class ODCatalog;

// Bind data of a scan of `relation` in `catalog`.
duckdb::unique_ptr<duckdb::FunctionData> MakeRemoteScanBindData(ODCatalog &catalog, const RemoteRelation &relation,
                                                                duckdb::optional_ptr<duckdb::TableCatalogEntry> table);
duckdb::TableFunction RemoteScanFunction();

class RemoteClient;
class JoinKeys;

// Lets the worker stop after `max_rows` rows of the scan behind `get` (in `order_sql` order,
// e.g. " ORDER BY \"a\" DESC NULLS LAST", or any order when empty). The caller keeps its own
// LIMIT / TopN above. Refused (false) when `get` is no remote scan or has a filter that would
// be evaluated locally, after the limit.
bool PushRowLimit(duckdb::LogicalGet &get, duckdb::idx_t max_rows, const std::string &order_sql);
// Makes the scan behind `get` ask the worker, when it starts, for only the rows whose value of
// `keys`' column may be among those keys. False when `get` is no remote scan or has a row limit.
bool AddJoinKeys(duckdb::LogicalGet &get, std::shared_ptr<JoinKeys> keys);
// Makes the scan behind `get` also send `sql`, a condition over its remote columns, in its WHERE
// (pushdown/row_filter_pushdown.hpp); the caller keeps evaluating it on the host. False when
// `get` is no remote scan or has a row limit.
bool AddRowFilter(duckdb::LogicalGet &get, const std::string &sql);
// Tells the scan behind `get` that the optimizer is to get no statistics of it: reading them
// costs requests (a session, then the statistics) that a plan with nothing to order or prune
// them against does not repay. False when `get` is no remote scan.
bool DeclineStatistics(duckdb::LogicalGet &get);
// Tells the scan behind `get` that nothing above it observes the order of its rows, so the
// worker may produce them in any order (ExecuteFragmentRequest.any_row_order). False when `get`
// is no remote scan or has a row limit (the limit keeps the first rows in the worker's order).
bool AllowAnyRowOrder(duckdb::LogicalGet &get);
// Marks the scan behind `get` as one whose statement confirms its catalog with the scan's own
// request (pushdown/early_scan.hpp). False when `get` is no remote scan of the present.
bool MarkToSendEarly(duckdb::LogicalGet &get);
bool SendsEarly(const duckdb::LogicalGet &get);
// When the running transaction's catalog snapshot of the scan behind `get` is unverified
// (ODTransaction::UnverifiedVersion): sends the scan's request now, while its statement is
// planned, carrying that snapshot's version (ExecuteFragmentRequest.expected_catalog_version),
// and waits for the worker's first response, which confirms the snapshot. The scan's execution
// then reads that request's result. Raises what the worker raised (a changed catalog: a
// CatalogException). False when nothing was sent: the snapshot was verified already, or `get`
// is no remote scan, or one that reads a past snapshot or a read replica, shares its statement's
// snapshot, or waits for join keys.
bool SendScanEarly(duckdb::ClientContext &context, duckdb::LogicalGet &get);
// The table or view a remote scan reads; nullptr when `get` is no remote scan.
duckdb::optional_ptr<const RemoteRelation> ScannedRelation(duckdb::LogicalGet &get);
// The distinct values of `column` in the statistics the catalog listed, UINT64_MAX when unknown.
uint64_t ListedDistinctCount(const RemoteRelation &relation, const std::string &column);
// The remote column behind output column `column_index` of a remote scan, "" if none.
std::string RemoteColumnName(const duckdb::LogicalGet &get, duckdb::idx_t column_index);
// The quoted remote column behind a BoundColumnRefExpression of `get`; used at once (it refers
// to `get`).
ColumnRenderer RemoteColumnSQL(const duckdb::LogicalGet &get);
// Whether `bind_data` belongs to a scan (openduck_scan) of a relation served through `client`.
bool IsRemoteScanOf(const duckdb::TableFunction &function, duckdb::optional_ptr<duckdb::FunctionData> bind_data,
                    const RemoteClient &client);

} // namespace openduck
