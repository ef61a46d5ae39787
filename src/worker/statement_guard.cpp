#include "worker/statement_guard.hpp"

#include "duckdb/common/case_insensitive_map.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/parser/parsed_data/create_info.hpp"
#include "duckdb/parser/statement/create_statement.hpp"
#include "duckdb/parser/statement/explain_statement.hpp"
#include "duckdb/parser/statement/multi_statement.hpp"
#include "duckdb/parser/statement/pragma_statement.hpp"
#include "duckdb/parser/statement/prepare_statement.hpp"
#include "duckdb/parser/statement/set_statement.hpp"

namespace openduck {

using namespace duckdb;

static const char *kServerSide = "OpenDuck workers run client SQL in a sandbox: ";

// Settings a statement may change for its own connection: those hosts forward with every
// request (extension/client/session_settings.cpp) and the search path (USE).
static bool IsSessionSetting(const std::string &name) {
	static const case_insensitive_set_t allowed {"TimeZone",
	                                             "Calendar",
	                                             "default_null_order",
	                                             "default_order",
	                                             "integer_division",
	                                             "ieee_floating_point_ops",
	                                             "scalar_subquery_error_on_multiple_rows",
	                                             "default_collation",
	                                             "schema",
	                                             "search_path"};
	return allowed.count(name) > 0;
}

// PRAGMAs that only read the database (and CHECKPOINT, which the database has only one of).
static bool IsReadOnlyPragma(const std::string &name) {
	static const case_insensitive_set_t allowed {
	    "table_info", "storage_info", "show",         "show_tables",    "show_tables_expanded", "show_databases",
	    "database_size", "database_list", "version",  "platform",       "functions",            "collations",
	    "metadata_info", "checkpoint",    "force_checkpoint", "user_agent"};
	return allowed.count(name) > 0;
}

static void Refuse(const std::string &what, const std::string &instead) {
	throw PermissionException("%s%s is not allowed on the server. %s", kServerSide, what, instead);
}

void CheckClientStatement(SQLStatement &statement) {
	switch (statement.type) {
	case StatementType::ATTACH_STATEMENT:
	case StatementType::DETACH_STATEMENT:
		Refuse("ATTACH / DETACH", "Attach other databases on the host instead (ATTACH 'openduck:<name>' AS ...).");
	case StatementType::LOAD_STATEMENT:
	case StatementType::UPDATE_EXTENSIONS_STATEMENT:
		Refuse("INSTALL / LOAD of extensions",
		       "An operator can load an extension into every database with `openduck serve|worker --allow-extension`.");
	case StatementType::COPY_STATEMENT:
		Refuse("COPY on the server (it reads or writes the server's files)",
		       "Run COPY on the host: COPY cloud.t FROM 'file.csv' and COPY cloud.t TO 'file.csv' move the rows "
		       "between your files and the remote table.");
	case StatementType::COPY_DATABASE_STATEMENT:
	case StatementType::EXPORT_STATEMENT:
		Refuse("COPY FROM DATABASE / EXPORT DATABASE", "Run them on the host, where the attached database is 'cloud'.");
	case StatementType::EXTENSION_STATEMENT:
	case StatementType::LOGICAL_PLAN_STATEMENT:
	case StatementType::RELATION_STATEMENT:
		Refuse("this kind of statement", "Send plain SQL.");
	case StatementType::CREATE_STATEMENT: {
		auto &info = *statement.Cast<CreateStatement>().info;
		if (info.type == CatalogType::SECRET_ENTRY) {
			Refuse("CREATE SECRET", "Create secrets on the host.");
		}
		return;
	}
	case StatementType::SET_STATEMENT: {
		auto &set = statement.Cast<SetStatement>();
		if (set.scope == SetScope::VARIABLE) {
			return;
		}
		if (set.scope == SetScope::AUTOMATIC) {
			set.scope = SetScope::SESSION;
		}
		if (set.scope == SetScope::GLOBAL) {
			Refuse("SET GLOBAL " + set.name, "Settings apply to your own session only: use SET SESSION.");
		}
		if (!IsSessionSetting(set.name)) {
			Refuse("changing '" + set.name + "'",
			       "Only session settings (TimeZone, Calendar, default_null_order, default_order, integer_division, "
			       "ieee_floating_point_ops, scalar_subquery_error_on_multiple_rows, default_collation, schema, "
			       "search_path) and SET VARIABLE may be set; server limits are options of `openduck "
			       "serve|worker`.");
		}
		return;
	}
	case StatementType::PRAGMA_STATEMENT: {
		auto &name = statement.Cast<PragmaStatement>().info->name;
		if (!IsReadOnlyPragma(name)) {
			Refuse("PRAGMA " + name, "Only PRAGMAs that read the database are allowed.");
		}
		return;
	}
	case StatementType::EXPLAIN_STATEMENT:
		CheckClientStatement(*statement.Cast<ExplainStatement>().stmt);
		return;
	case StatementType::PREPARE_STATEMENT:
		CheckClientStatement(*statement.Cast<PrepareStatement>().statement);
		return;
	case StatementType::MULTI_STATEMENT:
		for (auto &child : statement.Cast<MultiStatement>().statements) {
			CheckClientStatement(*child);
		}
		return;
	default:
		return;
	}
}

} // namespace openduck
