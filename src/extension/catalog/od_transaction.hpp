// Transactions of an attached OpenDuck database.
//
// Auto-commit reads need no server state: each runs on its own worker connection, unless the
// statement reads the database more than once (one_snapshot_per_statement.hpp) or was planned
// with remote statistics (remote_statistics.hpp), which are read in a session its reads then
// use. Anything else (a write, or any statement inside BEGIN ... COMMIT) runs in a worker
// session, committed or rolled back with the host's transaction. Inside BEGIN ... COMMIT the
// session opens when DuckDB starts the transaction on this database, so the catalog and the
// data are read at the point DuckDB's own transactions would read them; an auto-commit write
// opens it at its first write. A transaction also pins the catalog snapshots whose entries it
// handed to DuckDB.
#pragma once

#include "duckdb/transaction/transaction.hpp"
#include "duckdb/transaction/transaction_manager.hpp"
#include "duckdb/common/reference_map.hpp"
#include "openduck/v1/openduck.pb.h"

#include <memory>
#include <mutex>
#include <vector>

namespace openduck {

struct CatalogSnapshot;
class ODCatalog;
class RemoteClient;
struct QueryCounters;
class RemoteQuery;

// Used by one DuckDB transaction at a time; the pin list is guarded for parallel binds.
class ODTransaction : public duckdb::Transaction {
public:
	ODTransaction(duckdb::TransactionManager &manager, duckdb::ClientContext &context);

	// The snapshot this transaction reads, pinning one on first use. An auto-commit statement
	// outside a session starts from the cached catalog without asking the worker whether it is
	// current (a round trip per statement otherwise): that snapshot stays unverified until
	// VerifySnapshot. Statements shipped whole need no verification (the worker binds their
	// text against its own catalog and the host checks the result's shape); any other plan is
	// verified before it runs, and planning errors verify too (catalog_recheck.hpp).
	std::shared_ptr<CatalogSnapshot> Snapshot(ODCatalog &catalog);
	// Confirms an unverified snapshot with the worker. False when it was stale: the current one
	// is pinned instead, and whatever was bound against the old one must be bound again.
	bool VerifySnapshot(ODCatalog &catalog);
	// The catalog version of the snapshot when it is still unverified, else "". A request
	// carrying it (ExecuteOptions::expected_catalog_version) that the worker ran confirms it:
	// ConfirmSnapshot.
	std::string UnverifiedVersion();
	void ConfirmSnapshot();
	// Snapshot, confirmed current with the worker if it was not.
	std::shared_ptr<CatalogSnapshot> VerifiedSnapshot(ODCatalog &catalog);
	// Switches to `fresh` (after a refresh) while keeping older snapshots alive.
	void Pin(std::shared_ptr<CatalogSnapshot> fresh);
	// Keeps `past` (a past snapshot's catalog the transaction bound entries of) alive as long
	// as the transaction, without reading from it otherwise.
	void KeepAlive(std::shared_ptr<CatalogSnapshot> past);

	// The worker session this transaction's statements must run in, opening it when needed;
	// "" for auto-commit reads, which need none unless they share the statement's snapshot with
	// other reads (`shares_snapshot`).
	std::string SessionFor(duckdb::ClientContext &context, ODCatalog &catalog, bool shares_snapshot = false);
	// The session an auto-commit statement reads remote statistics in, opening it when needed:
	// the statement's reads of the database then see the snapshot those statistics cover (a
	// commit after the statistics were read and before a read would otherwise bring rows outside
	// them; remote_statistics.hpp).
	std::string StatisticsSession(duckdb::ClientContext &context, ODCatalog &catalog);
	// For the statement's only read of the database: the session StatisticsSession opened, if
	// nothing else used it, handed over to that read, which ends it on the worker
	// (SESSION_ACTION_FINAL_READ) and streams its result. "" otherwise. Later SessionFor calls
	// open a new session.
	std::string TakeStatisticsSession();
	// The session opened so far, "" if none.
	std::string CurrentSession();
	// The counters of the connection's running statement: every round trip the transaction
	// makes for it (sessions opened and ended, catalogs checked) counts there.
	QueryCounters &Counters() {
		return counters_;
	}
	// Ends the session (if one was opened) with COMMIT or ROLLBACK.
	duckdb::ErrorData Commit();
	void Rollback();

private:
	duckdb::ErrorData EndSession(v1::SessionAction action);
	// Opens session_id_ (session_lock_ held).
	void OpenSession(duckdb::ClientContext &context, ODCatalog &catalog);

	std::mutex lock_;
	std::vector<std::shared_ptr<CatalogSnapshot>> pinned_;
	std::vector<std::shared_ptr<CatalogSnapshot>> kept_; // KeepAlive's
	bool unverified_ = false;
	// Held while the first snapshot is pinned and for a whole VerifySnapshot: a scan on another
	// thread of the same statement (duckdb_tables() and duckdb_columns() in SHOW ALL TABLES)
	// waits and shares the outcome, instead of loading or keeping a snapshot of its own, whose
	// entries have other oids (their join then matched nothing).
	std::mutex pin_lock_;
	// Read at construction: DuckDB starts an auto-commit statement's transaction with it.
	const bool auto_commit_;
	// The connection's (QueryStats lives as long as the connection, which outlives this).
	QueryCounters &counters_;

	std::mutex session_lock_;
	std::shared_ptr<RemoteClient> client_;
	std::string session_id_;
	std::string query_id_; // of the statement that opened the session
	// The OPEN call; the worker rolls the session back if it ends before COMMIT/ROLLBACK.
	std::unique_ptr<RemoteQuery> lifeline_;
	// The session was opened by StatisticsSession and nothing else has used it yet.
	bool statistics_only_ = false;
	// The OPEN call of a session TakeStatisticsSession handed over: kept until the transaction
	// ends, since ending it earlier would roll the session back under its final read.
	std::unique_ptr<RemoteQuery> handed_over_;
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
