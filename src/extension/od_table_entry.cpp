#include "extension/od_table_entry.hpp"

#include "duckdb/storage/table_storage_info.hpp"
#include "extension/od_catalog.hpp"
#include "extension/remote_scan.hpp"

namespace openduck {

using namespace duckdb;

ODTableEntry::ODTableEntry(Catalog &catalog, SchemaCatalogEntry &schema, CreateTableInfo &info,
                           const RemoteRelation &relation)
    : TableCatalogEntry(catalog, schema, info), relation_(relation) {
}

unique_ptr<BaseStatistics> ODTableEntry::GetStatistics(ClientContext &context, column_t column_id) {
	// The optimizer asks the scan (remote_statistics.hpp), which reads them fresh per statement.
	return nullptr;
}

TableFunction ODTableEntry::GetScanFunction(ClientContext &context, unique_ptr<FunctionData> &bind_data) {
	bind_data = MakeRemoteScanBindData(catalog.Cast<ODCatalog>(), relation_, this);
	return RemoteScanFunction();
}

TableStorageInfo ODTableEntry::GetStorageInfo(ClientContext &context) {
	TableStorageInfo info;
	info.cardinality = relation_.estimated_rows;
	return info;
}

void ODTableEntry::BindUpdateConstraints(Binder &binder, LogicalGet &get, LogicalProjection &proj,
                                         LogicalUpdate &update, ClientContext &context) {
	// Constraints are enforced by the worker's DuckDB, which owns the table.
}

} // namespace openduck
