#include "extension/od_transaction.hpp"

#include "extension/od_catalog.hpp"

namespace openduck {

ODTransaction::ODTransaction(duckdb::TransactionManager &manager, duckdb::ClientContext &context)
    : duckdb::Transaction(manager, context) {
}

std::shared_ptr<CatalogSnapshot> ODTransaction::Snapshot(ODCatalog &catalog) {
	{
		std::lock_guard<std::mutex> guard(lock_);
		if (!pinned_.empty()) {
			return pinned_.back();
		}
	}
	auto snapshot = catalog.GetSnapshot();
	Pin(snapshot);
	return snapshot;
}

void ODTransaction::Pin(std::shared_ptr<CatalogSnapshot> fresh) {
	std::lock_guard<std::mutex> guard(lock_);
	pinned_.push_back(std::move(fresh));
}

ODTransactionManager::ODTransactionManager(duckdb::AttachedDatabase &db) : duckdb::TransactionManager(db) {
}

duckdb::Transaction &ODTransactionManager::StartTransaction(duckdb::ClientContext &context) {
	auto transaction = duckdb::make_uniq<ODTransaction>(*this, context);
	auto &result = *transaction;
	std::lock_guard<std::mutex> guard(lock_);
	transactions_[result] = std::move(transaction);
	return result;
}

duckdb::ErrorData ODTransactionManager::CommitTransaction(duckdb::ClientContext &context,
                                                          duckdb::Transaction &transaction) {
	std::lock_guard<std::mutex> guard(lock_);
	transactions_.erase(transaction);
	return duckdb::ErrorData();
}

void ODTransactionManager::RollbackTransaction(duckdb::Transaction &transaction) {
	std::lock_guard<std::mutex> guard(lock_);
	transactions_.erase(transaction);
}

void ODTransactionManager::Checkpoint(duckdb::ClientContext &context, bool force) {
	// The worker checkpoints its own database; nothing is stored on the client.
}

} // namespace openduck
