// Transactions of an attached OpenDuck database. Reads are auto-committed on the worker, so a
// transaction's job here is to pin the catalog snapshots whose entries it handed to DuckDB.
#pragma once

#include "duckdb/transaction/transaction.hpp"
#include "duckdb/transaction/transaction_manager.hpp"
#include "duckdb/common/reference_map.hpp"

#include <mutex>
#include <vector>

namespace openduck {

struct CatalogSnapshot;
class ODCatalog;

// Used by one DuckDB transaction at a time; the pin list is guarded for parallel binds.
class ODTransaction : public duckdb::Transaction {
public:
	ODTransaction(duckdb::TransactionManager &manager, duckdb::ClientContext &context);

	// The snapshot this transaction reads, pinning the catalog's current one on first use.
	std::shared_ptr<CatalogSnapshot> Snapshot(ODCatalog &catalog);
	// Switches to `fresh` (after a refresh) while keeping older snapshots alive.
	void Pin(std::shared_ptr<CatalogSnapshot> fresh);

private:
	std::mutex lock_;
	std::vector<std::shared_ptr<CatalogSnapshot>> pinned_;
};

class ODTransactionManager : public duckdb::TransactionManager {
public:
	ODTransactionManager(duckdb::AttachedDatabase &db);

	duckdb::Transaction &StartTransaction(duckdb::ClientContext &context) override;
	duckdb::ErrorData CommitTransaction(duckdb::ClientContext &context, duckdb::Transaction &transaction) override;
	void RollbackTransaction(duckdb::Transaction &transaction) override;
	void Checkpoint(duckdb::ClientContext &context, bool force = false) override;

private:
	std::mutex lock_;
	duckdb::reference_map_t<duckdb::Transaction, duckdb::unique_ptr<ODTransaction>> transactions_;
};

} // namespace openduck
