#include "extension/od_index_entry.hpp"

#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/create_statement.hpp"

namespace openduck {

using namespace duckdb;

ODIndexEntry::ODIndexEntry(Catalog &catalog, SchemaCatalogEntry &schema, CreateIndexInfo &info)
    : IndexCatalogEntry(catalog, schema, info), table_(info.table) {
}

unique_ptr<ODIndexEntry> ODIndexEntry::FromSQL(Catalog &catalog, SchemaCatalogEntry &schema, const std::string &name,
                                               const std::string &table, const std::string &sql) {
	unique_ptr<CreateIndexInfo> info;
	try {
		Parser parser;
		parser.ParseQuery(sql);
		if (parser.statements.size() == 1 && parser.statements[0]->type == StatementType::CREATE_STATEMENT) {
			auto &create = parser.statements[0]->Cast<CreateStatement>();
			if (create.info->type == CatalogType::INDEX_ENTRY) {
				info = unique_ptr_cast<CreateInfo, CreateIndexInfo>(std::move(create.info));
			}
		}
	} catch (std::exception &) {
		// Described by name only: the statement is informational, the worker has the index.
	}
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
