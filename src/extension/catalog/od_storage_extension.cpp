#include "extension/catalog/od_storage_extension.hpp"

#include "duckdb/common/exception.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/exception/catalog_exception.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/parser/parsed_data/attach_info.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/catalog/od_transaction.hpp"
#include "extension/client/openduck_secret.hpp"
#include "extension/scan/query_stats.hpp"
#include "extension/pushdown/query_text_state.hpp"
#include "extension/catalog/catalog_recheck.hpp"

namespace openduck {

using namespace duckdb;

static unique_ptr<Catalog> Attach(optional_ptr<StorageExtensionInfo> storage_info, ClientContext &context,
                                  AttachedDatabase &db, const string &name, AttachInfo &info,
                                  AttachOptions &options) {
	if (!DBConfig::GetConfig(context).options.enable_external_access) {
		throw PermissionException("Attaching OpenDuck databases is disabled by enable_external_access=false");
	}
	std::map<std::string, std::string> settings;
	std::string secret_name;
	for (auto &option : options.options) {
		if (option.first == "secret") {
			secret_name = option.second.ToString();
		} else {
			settings[option.first] = option.second.ToString();
		}
	}
	AttachConfig config;
	try {
		auto secret = OpenDuckSecretSettings(context, AttachPathDatabase(info.path), secret_name);
		config = ParseAttachConfig(info.path, settings, secret);
	} catch (std::invalid_argument &ex) {
		throw BinderException(ex.what());
	}
	if (options.access_mode == AccessMode::READ_ONLY) {
		config.read_only = true;
	} else if (config.read_only) {
		// ?access=read_only: DuckDB refuses writes as for ATTACH ... (READ_ONLY).
		db.SetReadOnlyDatabase();
	}
	auto client = std::make_shared<RemoteClient>(std::move(config));
	client->Handshake();
	// The connection that loaded the extension predates the connection callback.
	QueryTextState::Register(context);
	CatalogRecheck::Register(context);
	QueryStats::Get(context);
	return make_uniq<ODCatalog>(db, std::move(client));
}

static unique_ptr<TransactionManager> CreateTransactionManager(optional_ptr<StorageExtensionInfo> storage_info,
                                                               AttachedDatabase &db, Catalog &catalog) {
	return make_uniq<ODTransactionManager>(db);
}

ODStorageExtension::ODStorageExtension() {
	attach = Attach;
	create_transaction_manager = CreateTransactionManager;
}

} // namespace openduck
