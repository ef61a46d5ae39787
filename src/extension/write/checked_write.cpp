#include "extension/write/checked_write.hpp"

#include "duckdb/common/error_data.hpp"
#include "duckdb/common/exception/transaction_exception.hpp"
#include "duckdb/transaction/transaction.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/catalog/od_transaction.hpp"

namespace openduck {

using namespace duckdb;

// After the transaction's catalog proved stale (the current one is pinned now): throws unless
// `target` (nullptr: a table being created) is unchanged.
static void RequireUnchangedTable(ClientContext &context, ODCatalog &catalog, optional_ptr<TableCatalogEntry> target,
                                  const std::string &name) {
	optional_ptr<CatalogEntry> current;
	if (target) {
		current = catalog.LookupInSchema(catalog.GetCatalogTransaction(context), target->schema.name,
		                                 CatalogType::TABLE_ENTRY, target->name);
	}
	if (current && current->ToSQL() == target->ToSQL()) {
		return;
	}
	throw TransactionException("table \"%s\" of database '%s' changed while this statement was planned (another "
	                           "client altered, dropped or replaced it); nothing was written: run the statement again",
	                           name, catalog.GetName());
}

void ConfirmCatalogFor(ClientContext &context, ODCatalog &catalog, optional_ptr<TableCatalogEntry> target,
                       const std::string &name) {
	if (!Transaction::Get(context, catalog).Cast<ODTransaction>().VerifySnapshot(catalog)) {
		RequireUnchangedTable(context, catalog, target, name);
	}
}

void SendCheckingCatalog(ClientContext &context, ODCatalog &catalog, TableCatalogEntry &target, bool outside_session,
                         const std::function<void(const std::string &)> &send) {
	auto &transaction = Transaction::Get(context, catalog).Cast<ODTransaction>();
	// A session's requests carry no version: an unverified catalog is confirmed first.
	auto version = outside_session ? transaction.UnverifiedVersion() : "";
	if (version.empty()) {
		ConfirmCatalogFor(context, catalog, &target, target.name);
		send("");
		return;
	}
	try {
		send(version);
		transaction.ConfirmSnapshot();
		return;
	} catch (std::exception &error) {
		// Only the refusal of a stale catalog may be followed by sending again: any other error
		// stands, and so does a catalog error while the catalog was current.
		if (ErrorData(error).Type() != ExceptionType::CATALOG || transaction.VerifySnapshot(catalog)) {
			throw;
		}
	}
	RequireUnchangedTable(context, catalog, &target, target.name);
	send("");
}

} // namespace openduck
