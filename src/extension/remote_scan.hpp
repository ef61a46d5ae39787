// The table function that reads a remote table or view: it sends
// SELECT <projected columns> FROM "schema"."name" to the worker and streams the result.
// Also registered as openduck_scan('<catalog>', '<schema>', '<name>'), which is how remote views
// are expressed locally.
#pragma once

#include "duckdb/function/table_function.hpp"
#include "extension/remote_relation.hpp"

namespace openduck {

class ODCatalog;

// Bind data of a scan of `relation` in `catalog`.
duckdb::unique_ptr<duckdb::FunctionData> MakeRemoteScanBindData(ODCatalog &catalog, const RemoteRelation &relation,
                                                                duckdb::optional_ptr<duckdb::TableCatalogEntry> table);
duckdb::TableFunction RemoteScanFunction();

} // namespace openduck
