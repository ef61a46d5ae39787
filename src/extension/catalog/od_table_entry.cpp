#include "extension/catalog/od_table_entry.hpp"

#include "duckdb/storage/table_storage_info.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/scan/remote_scan.hpp"

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
	// The binder turns INSERT ... ON CONFLICT into MERGE INTO over these keys; the worker's
	// DuckDB enforces them.
	auto &columns = GetColumns();
	for (auto &key : relation_.unique_keys) {
		IndexInfo index;
		index.is_unique = true;
		index.is_primary = key.is_primary;
		index.is_foreign = false;
		for (auto &column : key.columns) {
			if (!columns.ColumnExists(column)) {
				throw IOException("OpenDuck: unique key of remote table \"%s\" names unknown column \"%s\"; the "
				                  "catalog changed while it was read, retry the statement",
				                  name, column);
			}
			index.column_set.insert(columns.GetColumn(column).Physical().index);
		}
		info.index_info.push_back(std::move(index));
	}
	return info;
}

void ODTableEntry::BindUpdateConstraints(Binder &binder, LogicalGet &get, LogicalProjection &proj,
                                         LogicalUpdate &update, ClientContext &context) {
	// Constraints are enforced by the worker's DuckDB, which owns the table.
}

} // namespace openduck
