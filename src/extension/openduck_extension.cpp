// Entry point of the loadable extension: registers the 'openduck' and 'od' ATTACH types, the
// openduck_query / openduck_scan and admin (openduck_create_database ..., openduck_databases)
// table functions, the database statements (CREATE DATABASE ..., SHOW OPENDUCK DATABASES) and
// the `openduck` secret type.
#define DUCKDB_BUILD_LOADABLE_EXTENSION
#include "duckdb.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "extension/client/openduck_secret.hpp"
#include "extension/ddl/ddl_parser_extension.hpp"
#include "extension/functions/admin_functions.hpp"
#include "extension/functions/database_list_function.hpp"
#include "extension/functions/diff_function.hpp"
#include "extension/pushdown/upload_pushdown.hpp"
#include "extension/catalog/od_storage_extension.hpp"
#include "extension/functions/explain_function.hpp"
#include "extension/functions/merge_avg_function.hpp"
#include "extension/functions/query_function.hpp"
#include "extension/functions/split_read_function.hpp"
#include "extension/pushdown/split_pushdown.hpp"
#include "extension/pushdown/limit_pushdown.hpp"
#include "extension/pushdown/early_scan.hpp"
#include "extension/pushdown/row_filter_pushdown.hpp"
#include "extension/pushdown/row_order.hpp"
#include "extension/pushdown/semi_join_pushdown.hpp"
#include "extension/scan/one_snapshot_per_statement.hpp"
#include "extension/scan/query_stats.hpp"
#include "extension/pushdown/query_text_state.hpp"
#include "extension/catalog/catalog_recheck.hpp"
#include "extension/client/compression_setting.hpp"
#include "extension/scan/remote_scan.hpp"
#include "extension/pushdown/statement_pushdown.hpp"
#include "duckdb/planner/extension_callback.hpp"

namespace {

// Connections opened after LOAD remember their statement text for statement pushdown.
class RegisterQueryText : public duckdb::ExtensionCallback {
public:
	void OnConnectionOpened(duckdb::ClientContext &context) override {
		openduck::QueryTextState::Register(context);
		openduck::CatalogRecheck::Register(context);
		openduck::QueryStats::Get(context);
	}
};

} // namespace

extern "C" DUCKDB_EXTENSION_API void openduck_duckdb_cpp_init(duckdb::ExtensionLoader &loader) {
	auto &config = duckdb::DBConfig::GetConfig(loader.GetDatabaseInstance());
	// The map owns its values, so each prefix needs its own instance.
	config.storage_extensions["openduck"] = duckdb::make_uniq<openduck::ODStorageExtension>();
	config.storage_extensions["od"] = duckdb::make_uniq<openduck::ODStorageExtension>();
	config.parser_extensions.push_back(openduck::DatabaseStatementExtension());
	config.optimizer_extensions.push_back(openduck::StatementPushdownExtension());
	config.optimizer_extensions.push_back(openduck::LimitPushdownExtension());
	config.optimizer_extensions.push_back(openduck::RowFilterPushdownExtension());
	// Before the semi-join pass adds its key-collecting operators to build sides.
	config.optimizer_extensions.push_back(openduck::RowOrderExtension());
	config.optimizer_extensions.push_back(openduck::SemiJoinPushdownExtension());
	config.optimizer_extensions.push_back(openduck::OneSnapshotPerStatementExtension());
	// Last: it sends a scan as the passes before left it.
	config.optimizer_extensions.push_back(openduck::EarlyScanExtension());
	config.AddExtensionOption(openduck::kStatementSnapshotSetting,
	                          "Read every remote table of a statement from one snapshot of its database (a statement "
	                          "reading a database more than once then runs in a worker session, whose results the worker "
	                          "materializes); false lets each remote read stream from its own snapshot",
	                          duckdb::LogicalType::BOOLEAN, duckdb::Value::BOOLEAN(true));
	openduck::AddCompressionSetting(config);
	openduck::AddSplitSettings(config);
	openduck::AddPlacementSettings(config);
	config.extension_callbacks.push_back(duckdb::make_uniq<RegisterQueryText>());
	openduck::RegisterOpenDuckSecretType(loader.GetDatabaseInstance());
	loader.RegisterFunction(openduck::QueryFunction());
	loader.RegisterFunction(openduck::SplitReadFunction());
	loader.RegisterFunction(openduck::MergeAvgFunction());
	loader.RegisterFunction(openduck::RemoteScanFunction());
	loader.RegisterFunction(openduck::LastQueryStatsFunction());
	loader.RegisterFunction(openduck::ExplainFunction());
	for (auto &function : openduck::AdminFunctions()) {
		loader.RegisterFunction(function);
	}
	loader.RegisterFunction(openduck::DatabaseListFunction());
	loader.RegisterFunction(openduck::DiffFunction());
	loader.SetDescription("OpenDuck: attach databases served by an OpenDuck cluster");
}
