// A remote table. Scans become SELECTs on the worker (see remote_scan.hpp). Immutable.
#pragma once

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "extension/catalog/remote_relation.hpp"

namespace openduck {

class ODTableEntry : public duckdb::TableCatalogEntry {
public:
	ODTableEntry(duckdb::Catalog &catalog, duckdb::SchemaCatalogEntry &schema, duckdb::CreateTableInfo &info,
	             const RemoteRelation &relation);

	duckdb::unique_ptr<duckdb::BaseStatistics> GetStatistics(duckdb::ClientContext &context,
	                                                         duckdb::column_t column_id) override;
	duckdb::TableFunction GetScanFunction(duckdb::ClientContext &context,
	                                      duckdb::unique_ptr<duckdb::FunctionData> &bind_data) override;
	duckdb::TableStorageInfo GetStorageInfo(duckdb::ClientContext &context) override;
	void BindUpdateConstraints(duckdb::Binder &binder, duckdb::LogicalGet &get, duckdb::LogicalProjection &proj,
	                           duckdb::LogicalUpdate &update, duckdb::ClientContext &context) override;

private:
	const RemoteRelation &relation_;
};

} // namespace openduck
