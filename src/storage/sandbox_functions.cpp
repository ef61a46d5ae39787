#include "storage/sandbox_functions.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/scalar_function_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/catalog/catalog_transaction.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/catalog/catalog_entry/table_function_catalog_entry.hpp"

#include <mutex>

namespace openduck {

using namespace duckdb;

static const char *kSandbox = "OpenDuck workers run client SQL in a sandbox: ";

// Settings whose values are server paths, file names or repository locations.
static bool HoldsServerPath(const std::string &name) {
	static const case_insensitive_set_t paths {"temp_directory",
	                                           "home_directory",
	                                           "extension_directory",
	                                           "secret_directory",
	                                           "allowed_directories",
	                                           "allowed_paths",
	                                           "file_search_path",
	                                           "log_query_path",
	                                           "profile_output",
	                                           "profiling_output",
	                                           "http_logging_output",
	                                           "custom_extension_repository",
	                                           "autoinstall_extension_repository",
	                                           "max_temp_directory_size"};
	return paths.count(name) > 0;
}

// DuckDB's own binder of current_setting(), which the replacement calls for every other setting.
// The same function for every database instance.
static bind_scalar_function_t original_current_setting_bind = nullptr;

static unique_ptr<FunctionData> CurrentSettingBind(ClientContext &context, ScalarFunction &function,
                                                   vector<unique_ptr<Expression>> &arguments) {
	if (!arguments.empty() && arguments[0]->IsFoldable()) {
		auto name = ExpressionExecutor::EvaluateScalar(context, *arguments[0]);
		if (!name.IsNull() && HoldsServerPath(name.ToString())) {
			throw PermissionException("%scurrent_setting('%s') is not readable on the server: it holds a server path. "
			                          "Settings you can change are your host's: run current_setting() on the host.",
			                          kSandbox, name.ToString());
		}
	}
	return original_current_setting_bind(context, function, arguments);
}

static unique_ptr<FunctionData> RefusedTableFunctionBind(ClientContext &, TableFunctionBindInput &input,
                                                         vector<LogicalType> &, vector<string> &) {
	throw PermissionException("%s%s() is not available on the server: it lists the server's files. Run it on the "
	                          "host, which lists your own.",
	                          kSandbox, input.table_function.name);
}

static unique_ptr<FunctionData> RefusedStoreFunctionBind(ClientContext &, TableFunctionBindInput &input,
                                                         vector<LogicalType> &, vector<string> &) {
	throw PermissionException("%s%s() is not available on the server: it would reach a store directly instead of "
	                          "through this database. Query the database's tables.",
	                          kSandbox, input.table_function.name);
}

// Makes every overload of table function `name` refuse to bind with `bind`.
static void RefuseTableFunction(TableFunctionCatalogEntry &entry, table_function_bind_t bind) {
	for (auto &overload : entry.functions.functions) {
		overload.bind = bind;
		overload.bind_replace = nullptr;
		overload.bind_operator = nullptr;
	}
}

// DuckDB's own functions behind duckdb_databases() and duckdb_settings(), which the replacements
// call before they blank the paths (the same functions for every database instance).
static table_function_t original_databases_function = nullptr;
static table_function_t original_settings_function = nullptr;

// Columns of the two functions (they have no projection pushdown, so the output has them all).
static constexpr idx_t kDatabasePathColumn = 2;
static constexpr idx_t kSettingNameColumn = 0;
static constexpr idx_t kSettingValueColumn = 1;

static void DatabasesWithoutPaths(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	original_databases_function(context, input, output);
	for (idx_t row = 0; row < output.size(); row++) {
		output.SetValue(kDatabasePathColumn, row, Value(LogicalType::VARCHAR));
	}
}

static void SettingsWithoutPaths(ClientContext &context, TableFunctionInput &input, DataChunk &output) {
	original_settings_function(context, input, output);
	for (idx_t row = 0; row < output.size(); row++) {
		if (HoldsServerPath(output.GetValue(kSettingNameColumn, row).ToString())) {
			output.SetValue(kSettingValueColumn, row, Value(LogicalType::VARCHAR));
		}
	}
}

// The catalog entry of system function `name`, as `T`.
template <class T>
static T &SystemFunction(Catalog &catalog, CatalogTransaction transaction, CatalogType type, const char *name) {
	auto entry = catalog.GetSchema(transaction, DEFAULT_SCHEMA).GetEntry(transaction, type, name);
	if (!entry) {
		throw InternalException("the OpenDuck sandbox found no function %s() to replace", name);
	}
	return entry->Cast<T>();
}

// Makes the one overload of table function `name` call `replacement` instead of DuckDB's own
// function, which it saves in `original`.
static void ReplaceTableFunction(Catalog &catalog, CatalogTransaction transaction, const char *name,
                                 table_function_t replacement, table_function_t &original) {
	auto &entry = SystemFunction<TableFunctionCatalogEntry>(catalog, transaction, CatalogType::TABLE_FUNCTION_ENTRY,
	                                                        name);
	auto &functions = entry.functions.functions;
	if (functions.size() != 1 || functions[0].projection_pushdown || !functions[0].function) {
		throw InternalException("%s() of this DuckDB build is not the function the OpenDuck sandbox can wrap", name);
	}
	if (functions[0].function != replacement) {
		original = functions[0].function;
		functions[0].function = replacement;
	}
}

void HideServerPaths(DatabaseInstance &database) {
	// Databases open concurrently; the saved originals are shared.
	static std::mutex mutex;
	std::lock_guard<std::mutex> guard(mutex);
	auto &catalog = Catalog::GetSystemCatalog(database);
	auto transaction = CatalogTransaction::GetSystemTransaction(database);
	// The functions are swapped inside their catalog entries: binding copies a function from its
	// entry. Refusing duckdb_databases() or duckdb_settings() outright would also break the
	// information_schema and pg_catalog views built on them, so those blank the paths instead.
	auto &current_setting = SystemFunction<ScalarFunctionCatalogEntry>(
	    catalog, transaction, CatalogType::SCALAR_FUNCTION_ENTRY, "current_setting");
	for (auto &overload : current_setting.functions.functions) {
		if (overload.bind == CurrentSettingBind) {
			continue;
		}
		if (!overload.bind || (original_current_setting_bind && overload.bind != original_current_setting_bind)) {
			throw InternalException("current_setting() of this DuckDB build binds in an unexpected way; the "
			                        "OpenDuck sandbox cannot wrap it");
		}
		original_current_setting_bind = overload.bind;
		overload.bind = CurrentSettingBind;
	}
	ReplaceTableFunction(catalog, transaction, "duckdb_databases", DatabasesWithoutPaths, original_databases_function);
	ReplaceTableFunction(catalog, transaction, "duckdb_settings", SettingsWithoutPaths, original_settings_function);
	for (auto name : {"duckdb_temporary_files", "duckdb_extensions"}) {
		RefuseTableFunction(
		    SystemFunction<TableFunctionCatalogEntry>(catalog, transaction, CatalogType::TABLE_FUNCTION_ENTRY, name),
		    RefusedTableFunctionBind);
	}
}

void RefuseStoreFunctions(DatabaseInstance &database) {
	auto &catalog = Catalog::GetSystemCatalog(database);
	auto transaction = CatalogTransaction::GetSystemTransaction(database);
	auto &schema = catalog.GetSchema(transaction, DEFAULT_SCHEMA);
	// Not postgres_query / postgres_execute: DuckLake runs its own catalog statements through
	// them, on the one PostgreSQL database attached (ducklake_database.hpp confines its role).
	for (auto name : {"sqlite_attach", "sqlite_query", "sqlite_scan", "postgres_attach", "postgres_scan",
	                  "postgres_scan_pushdown"}) {
		auto entry = schema.GetEntry(transaction, CatalogType::TABLE_FUNCTION_ENTRY, name);
		if (entry) {
			RefuseTableFunction(entry->Cast<TableFunctionCatalogEntry>(), RefusedStoreFunctionBind);
		}
	}
}

} // namespace openduck
