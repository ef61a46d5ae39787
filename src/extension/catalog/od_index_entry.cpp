#include "extension/catalog/od_index_entry.hpp"

#include "common/index_sql.hpp"

#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"

namespace openduck {

using namespace duckdb;

ODIndexEntry::ODIndexEntry(Catalog &catalog, SchemaCatalogEntry &schema, CreateIndexInfo &info)
    : IndexCatalogEntry(catalog, schema, info), table_(info.table) {
}

unique_ptr<ODIndexEntry> ODIndexEntry::FromSQL(Catalog &catalog, SchemaCatalogEntry &schema, const std::string &name,
                                               const std::string &table, const std::string &sql) {
	// Without a parsable statement the entry is described by name only: it is informational,
	// the worker has the index.
	auto info = ParseCreateIndex(sql);
	if (!info) {
		info = make_uniq<CreateIndexInfo>();
	}
	info->index_name = name;
	info->table = table;
	info->schema = schema.name;
	info->sql = sql;
	return make_uniq<ODIndexEntry>(catalog, schema, *info);
}

std::string ODIndexEntry::GetSchemaName() const {
	return schema.name;
}

std::string ODIndexEntry::GetTableName() const {
	return table_;
}

} // namespace openduck
