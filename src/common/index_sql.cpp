#include "common/index_sql.hpp"

#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/create_statement.hpp"

namespace openduck {

using namespace duckdb;

unique_ptr<CreateIndexInfo> ParseCreateIndex(const std::string &sql) {
	Parser parser;
	try {
		parser.ParseQuery(sql);
	} catch (std::exception &) {
		return nullptr;
	}
	if (parser.statements.size() != 1 || parser.statements[0]->type != StatementType::CREATE_STATEMENT) {
		return nullptr;
	}
	auto &create = parser.statements[0]->Cast<CreateStatement>();
	if (create.info->type != CatalogType::INDEX_ENTRY) {
		return nullptr;
	}
	return unique_ptr_cast<CreateInfo, CreateIndexInfo>(std::move(create.info));
}

} // namespace openduck
