#include "extension/catalog/catalog_recheck.hpp"

#include "duckdb/common/exception/catalog_exception.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/transaction/meta_transaction.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/catalog/od_transaction.hpp"

namespace openduck {

using namespace duckdb;

static const char *kStaleCatalog = "OpenDuck: the remote catalog of database '";

// The running transaction's ODTransaction on `db`, nullptr if it has not used it.
static optional_ptr<ODTransaction> RunningTransaction(ClientContext &context, AttachedDatabase &db) {
	if (!context.transaction.HasActiveTransaction()) {
		return nullptr;
	}
	auto transaction = MetaTransaction::Get(context).TryGetTransaction(db);
	return transaction ? &transaction->Cast<ODTransaction>() : nullptr;
}

// Verifies the snapshot of every OpenDuck database the running statement used so far (the
// statement's properties miss some, such as the tables inside a remote view); the name of one
// that was stale, or "".
static std::string StaleCatalog(ClientContext &context) {
	std::string stale;
	for (auto &db : DatabaseManager::Get(context).GetDatabases(context)) {
		if (db->GetCatalog().GetCatalogType() != "openduck") {
			continue;
		}
		auto transaction = RunningTransaction(context, *db);
		if (transaction && !transaction->VerifySnapshot(db->GetCatalog().Cast<ODCatalog>())) {
			stale = db->GetName();
		}
	}
	return stale;
}

// After a call of an unknown function: true when an OpenDuck database that was not searched
// for functions, since it held no macros (ODCatalog::CatalogTypeLookupRule), holds some now.
static bool MacrosAppeared(ClientContext &context, const ErrorData &error) {
	if (error.Type() != ExceptionType::CATALOG || error.RawMessage().find("Function with name") == std::string::npos) {
		return false;
	}
	bool appeared = false;
	for (auto &db : DatabaseManager::Get(context).GetDatabases(context)) {
		if (db->GetCatalog().GetCatalogType() == "openduck" && db->GetCatalog().Cast<ODCatalog>().MacrosAppeared()) {
			appeared = true;
		}
	}
	return appeared;
}

void RequireCurrentCatalogs(ClientContext &context) {
	auto stale = StaleCatalog(context);
	if (!stale.empty()) {
		throw CatalogException("%s%s' changed while this statement was planned (another connection changed its "
		                       "schema); it is planned again",
		                       kStaleCatalog, stale);
	}
}

RebindQueryInfo CatalogRecheck::OnPlanningError(ClientContext &context, SQLStatement &statement, ErrorData &error) {
	if (StringUtil::StartsWith(error.RawMessage(), kStaleCatalog) || !StaleCatalog(context).empty() ||
	    MacrosAppeared(context, error)) {
		return RebindQueryInfo::ATTEMPT_TO_REBIND;
	}
	return RebindQueryInfo::DO_NOT_REBIND;
}

void CatalogRecheck::Register(ClientContext &context) {
	context.registered_state->GetOrCreate<CatalogRecheck>(kKey);
}

} // namespace openduck
