// Hybrid placement LOCAL→REMOTE. A SELECT that joins host tables with the tables of one attached
// OpenDuck database normally pulls the remote side to the host (REMOTE→LOCAL). When the host side
// is the smaller one, the other way moves fewer bytes: the host tables are sent along with the
// statement (ExecuteFragmentRequest.uploads), become temporary tables of the worker's
// connection, and the whole statement runs next to the remote data; only its result comes back.
//
// Chosen by estimated bytes moved: the host tables' rows times their column widths against the
// remote scans' estimated rows (the catalog's statistics) times the widths of the columns they
// read. A host table is sent with only the rows that can reach the result: the statement's
// filters on one scan of it alone (OR-ed across its scans) are applied first when nothing
// between filter and scan can
// turn a dropped row into another result (an outer join's padded side, an anti join's
// right side, an aggregate). `SET openduck_placement = 'local'` never uploads, 'remote' uploads whenever the statement
// qualifies, 'auto' (the default) compares. Qualifies: a SELECT outside a worker session whose
// leaves are scans of one OpenDuck database's present state, scans of DuckDB tables without
// generated columns (on the host: the transaction's own view of them, uncommitted rows
// included; only the columns the statement reads), or constants; at most
// openduck_max_upload_bytes of host rows. Host views that only rename a table count as that
// table, so a statement reading the database through such views alone runs whole there too. The rewritten text
// must bind on the worker to exactly the host plan's types, else the host plan is kept.
#pragma once

#include "duckdb/catalog/catalog_entry/duck_table_entry.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/optimizer/optimizer_extension.hpp"
#include "duckdb/parser/sql_statement.hpp"

#include <set>

namespace openduck {

void AddPlacementSettings(duckdb::DBConfig &config);

// "catalog"."schema"."table", as Upload.source names a host table.
std::string QualifiedTableName(duckdb::TableCatalogEntry &table);
// The rows of host table `table` as this transaction sees them, as an Arrow IPC stream of the
// columns `only` lists (by index; empty: all); false when the stream would pass `limit` bytes.
// With `keep`, only the rows it is true for (an expression over those columns, in their order).
bool EncodeHostTable(duckdb::ClientContext &context, duckdb::DuckTableEntry &table, const std::set<duckdb::idx_t> &only,
                     duckdb::optional_ptr<const duckdb::Expression> keep, uint64_t limit, std::string &out);

// Replaces `target` by one remote query carrying its host tables when placement says so; false
// when `target` is kept. `statement` is left as it was (the rewrite works on a copy).
// `explained`: the statement is only explained (described, not sent).
bool ShipWithUploads(duckdb::OptimizerExtensionInput &input, duckdb::unique_ptr<duckdb::LogicalOperator> &target,
                     const duckdb::SQLStatement &statement, bool explained);

} // namespace openduck
