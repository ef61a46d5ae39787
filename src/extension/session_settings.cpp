#include "extension/session_settings.hpp"

#include "duckdb/common/string_util.hpp"
#include "duckdb/main/client_config.hpp"
#include "extension/sql_rewrite.hpp"

namespace openduck {

using namespace duckdb;

namespace {

struct Setting {
	const char *name;
	// Sent only when the host's value differs from this; nullptr: always sent.
	const char *default_value;
};

// TimeZone and Calendar default to the machine's own, which may differ between host and worker.
const Setting kSettings[] = {
    {"TimeZone", nullptr},
    {"Calendar", nullptr},
    {"default_null_order", "NULLS_LAST"},
    {"default_order", "ASCENDING"},
    {"integer_division", "false"},
    {"ieee_floating_point_ops", "true"},
    {"scalar_subquery_error_on_multiple_rows", "true"},
};

} // namespace

std::string SessionSettingsSQL(ClientContext &context) {
	std::string sql;
	for (auto &setting : kSettings) {
		Value value;
		if (!context.TryGetCurrentSetting(setting.name, value) || value.IsNull()) {
			continue;  // e.g. TimeZone without ICU on the host
		}
		if (setting.default_value && StringUtil::CIEquals(value.ToString(), setting.default_value)) {
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
