// An index of a remote table, as listed by the worker: lets DROP INDEX, duckdb_indexes() and
// the binder see it. The worker's DuckDB owns and maintains the index; this entry only
// describes it. Immutable, like the CatalogSnapshot that owns it.
#pragma once

#include "duckdb/catalog/catalog_entry/index_catalog_entry.hpp"

namespace openduck {

class ODIndexEntry : public duckdb::IndexCatalogEntry {
public:
	ODIndexEntry(duckdb::Catalog &catalog, duckdb::SchemaCatalogEntry &schema, duckdb::CreateIndexInfo &info);

	// The entry for index `name` on `table`, described by its CREATE INDEX statement `sql`.
	static duckdb::unique_ptr<ODIndexEntry> FromSQL(duckdb::Catalog &catalog, duckdb::SchemaCatalogEntry &schema,
	                                               const std::string &name, const std::string &table,
	                                               const std::string &sql);

	std::string GetSchemaName() const override;
	std::string GetTableName() const override;

private:
	std::string table_;
};

} // namespace openduck
