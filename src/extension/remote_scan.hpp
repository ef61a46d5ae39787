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

class RemoteClient;
// Whether `bind_data` belongs to a scan (openduck_scan) of a relation served through `client`.
bool IsRemoteScanOf(const duckdb::TableFunction &function, duckdb::optional_ptr<duckdb::FunctionData> bind_data,
                    const RemoteClient &client);

} // namespace openduck
