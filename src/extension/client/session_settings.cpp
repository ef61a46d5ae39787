#include "extension/client/session_settings.hpp"

#include "duckdb/common/string_util.hpp"
#include "duckdb/main/client_config.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

namespace openduck {

using namespace duckdb;

namespace {

struct Setting {
	const char *name;
	// Sent only when the host's value differs from the worker's default (or its alias).
	const char *worker_default;
	const char *alias;
};

// Workers default to UTC and the Gregorian calendar (storage_engine.cpp), whatever their
// machine's zone; the rest are DuckDB's defaults.
const Setting kSettings[] = {
    {"TimeZone", "UTC", "Etc/UTC"},
    {"Calendar", "gregorian", nullptr},
    {"default_null_order", "NULLS_LAST", nullptr},
    {"default_order", "ASCENDING", nullptr},
    {"integer_division", "false", nullptr},
    {"ieee_floating_point_ops", "true", nullptr},
    {"scalar_subquery_error_on_multiple_rows", "true", nullptr},
};

} // namespace

std::string SessionSettingsSQL(ClientContext &context) {
	std::string sql;
	for (auto &setting : kSettings) {
		Value value;
		if (!context.TryGetCurrentSetting(setting.name, value) || value.IsNull()) {
			continue;  // e.g. TimeZone without ICU on the host
		}
		auto text = value.ToString();
		if (StringUtil::CIEquals(text, setting.worker_default) ||
		    (setting.alias && StringUtil::CIEquals(text, setting.alias))) {
			continue;
		}
		sql += "SET " + QuoteIdentifier(setting.name) + " = " + value.ToSQLString() + "; ";
	}
	for (auto &variable : ClientConfig::GetConfig(context).user_variables) {
		sql += "SET VARIABLE " + QuoteIdentifier(variable.first) + " = " + variable.second.ToSQLString() + "; ";
	}
	return sql;
}

} // namespace openduck
