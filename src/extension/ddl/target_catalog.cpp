#include "extension/ddl/target_catalog.hpp"

#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/database_manager.hpp"
#include "extension/catalog/od_catalog.hpp"

#include <algorithm>

namespace openduck {

using namespace duckdb;

std::string TargetCatalog(ClientContext &context, const std::string &statement, const std::string &reads) {
	auto &current = DatabaseManager::GetDefaultDatabase(context);
	if (ODCatalog::Find(context, current)) {
		return current;
	}
	std::vector<std::string> aliases;
	for (auto &database : DatabaseManager::Get(context).GetDatabases(context)) {
		if (ODCatalog::Find(context, database->GetName())) {
			aliases.push_back(database->GetName());
		}
	}
	std::sort(aliases.begin(), aliases.end());
	for (auto &alias : aliases) {
		if (!reads.empty() && ODCatalog::Find(context, alias)->Client().Config().database == reads) {
			return alias;
		}
	}
	if (aliases.size() == 1) {
		return aliases[0];
	}
	if (aliases.empty()) {
		throw BinderException("%s needs an attached OpenDuck database to reach its server: ATTACH "
		                      "'openduck:<database>?endpoint=...' AS <alias> first",
		                      statement);
	}
	std::string list;
	for (auto &alias : aliases) {
		list += (list.empty() ? "" : ", ") + alias;
	}
	throw BinderException("%s: several OpenDuck databases are attached (%s) and the current database is none "
	                      "of them; USE <alias> picks the server that runs it",
	                      statement, list);
}

} // namespace openduck
