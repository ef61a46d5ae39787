#include "extension/client/session_settings.hpp"

#include "duckdb/common/string_util.hpp"
#include "duckdb/main/client_config.hpp"
#include "duckdb/main/client_context_state.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

#include <mutex>

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
    {"default_collation", "", nullptr},
};

std::string ComputeSettingsSQL(ClientContext &context) {
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

// SessionSettingsSQL's answer for the statement a connection is running: a statement asks once
// per remote call (the statement, statistics, catalog checks) and the host's settings cannot
// change while it runs (SET is a statement of its own), so it is forgotten at every statement's
// begin and end. Scans on several threads may ask at once.
class SettingsMemo : public ClientContextState {
public:
	static constexpr const char *kKey = "openduck_session_settings";

	void QueryBegin(ClientContext &) override {
		Forget();
	}
	void QueryEnd() override {
		Forget();
	}

	std::string Get(ClientContext &context) {
		std::lock_guard<std::mutex> guard(lock_);
		if (!known_) {
			sql_ = ComputeSettingsSQL(context);
			known_ = true;
		}
		return sql_;
	}

private:
	void Forget() {
		std::lock_guard<std::mutex> guard(lock_);
		known_ = false;
	}

	std::mutex lock_;
	bool known_ = false;
	std::string sql_;
};

} // namespace

std::string SessionSettingsSQL(ClientContext &context) {
	return context.registered_state->GetOrCreate<SettingsMemo>(SettingsMemo::kKey)->Get(context);
}

} // namespace openduck
