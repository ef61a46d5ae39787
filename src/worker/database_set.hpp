// The databases one worker serves: one persistent duckdb::DuckDB per database of the storage
// engine, kept open for the worker's lifetime (queries never get a fresh database), plus the
// read-only instances of time-travel snapshots.
//
// A database is opened at start-up when asked for (-d) or already in the store, and otherwise on
// first use: a database created or cloned while the server runs (by the SQL functions, or by
// `openduck db create|clone` against the same metadata store) is served as soon as it exists.
// A worker serves a database of the store unless another worker holds (or last held) its write
// lease, the rule that keeps workers sharing one metadata store apart; a worker that ships its
// commits takes over a database whose writer is gone (lease expired or released) and shipped
// its commits too (failover: TakeOver), and reopens its own writers it lost (fenced by a
// metadata-store outage, or invalidated by DuckDB after a failed checkpoint).
//
// Thread-safe. Opening is serialised (one instance per database, and DuckDB recovery of one
// database never races another's); lookups of open databases only take a short lock. Instances
// are never closed before the set is destroyed, so returned pointers stay valid until then: a
// dropped database's instance is retired (no longer found or announced) and adopted again when
// the same database is undropped.
#pragma once

#include "storage/storage_engine.hpp"
#include "worker/transaction_gate.hpp"

#include "duckdb/main/database.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace openduck {

class DatabaseSet {
public:
	// Opens every name in `requested` (creating missing ones; one another live worker took
	// over is left to it) plus every database of `storage` this worker may serve. `storage`
	// must outlive the set. Throws std::runtime_error naming the database that failed.
	DatabaseSet(StorageEngine &storage, const std::vector<std::string> &requested);

	StorageEngine &Storage() {
		return storage_;
	}
	// Where the databases' new transactions wait while a checkpoint waits (AutoSnapshots).
	TransactionGate &Gate() {
		return gate_;
	}

	// The writable instance of `name`, opened on first use, and reopened when DuckDB invalidated
	// it and it may be (ReopenLostWriterLocked). nullptr when the store has no such live database
	// or another worker serves it. Throws std::runtime_error (naming the database and the store)
	// when it exists but cannot be opened.
	duckdb::DuckDB *Find(const std::string &name);
	// The read-only instance of snapshot `snapshot` (id, name, or "@<unix microseconds>":
	// StorageEngine::RequireSnapshot; a DuckLake snapshot id or time for a DuckLake database) of
	// database `name`, opened on first use and kept (one per
	// database and snapshot); `resolved` receives the snapshot's id. Throws NotFoundError when
	// there is no such snapshot, std::runtime_error when it cannot be opened.
	duckdb::DuckDB *FindSnapshot(const std::string &name, const std::string &snapshot, int64_t &resolved);

	// Creates the empty database `name` of `kind` and opens it. AlreadyExistsError when it
	// exists. REQUIRES: IsValidDatabaseName(name).
	duckdb::DuckDB &Create(const std::string &name, DatabaseKind kind = DatabaseKind::kNative);
	// Clones `source` at `snapshot` (its head when empty) into `target` (StorageEngine::
	// CloneDatabase) and opens the clone, so this worker takes its write lease at once.
	// REQUIRES: IsValidDatabaseName(target).
	DatabaseRecord Clone(const std::string &source, const std::string &target, const std::string &snapshot);
	// Drops the live database `name` in the store and stops serving it (its instance is
	// retired). NotFoundError when no live database has that name.
	DatabaseRecord Drop(const std::string &name);
	// Brings back the most recently dropped `name` (MetadataStore::UndropDatabase) and serves it
	// again when this worker may. NotFoundError when none is dropped, AlreadyExistsError when a
	// live database took the name.
	DatabaseRecord Undrop(const std::string &name);

	// Whether `instance`, found for `name`, is a lost writer that must serve nothing (another
	// writer may have committed since): its writer lost its write lease, or could not confirm it
	// for a whole lease TTL (StorageEngine::LeaseUnconfirmed), or it is being reopened or was
	// replaced by a reopened one.
	bool LostWriter(const std::string &name, const duckdb::DuckDB *instance);
	// The writable instances opened so far, by name (valid until the set is destroyed).
	std::map<std::string, duckdb::DuckDB *> OpenWriters();
	// Sorted names of the databases served: the open ones whose writer still holds its lease and
	// those Find would open. Reads the metadata store; when it is unreachable, the open ones
	// (logged). A writer that lost its lease is not announced: another worker took it over.
	std::vector<std::string> Names();
	// Opens every database this worker may serve and has not opened yet: at start-up, and on a
	// standby to take over databases whose writer is gone. Returns the names it opened; a
	// database another worker takes first is skipped (logged).
	std::vector<std::string> TakeOver();
	// Where the databases live, for log lines.
	std::string Describe();

private:
	// May this worker serve `db`: never leased, last leased by this worker's holder, or left by
	// a gone writer that shipped its commits (see above).
	bool MayServe(const DatabaseRecord &db);
	duckdb::DuckDB *FindOpen(const std::string &name);
	// Replaces the lost writer of `db` here, `fenced` (this worker lost its lease: the metadata
	// store was unreachable too long) or invalidated by DuckDB, with a reopened instance when
	// every commit was shipped and the lease is this worker's or lapsed; false when not (another
	// worker serves it). REQUIRES: open_lock_ held.
	bool ReopenLostWriterLocked(const DatabaseRecord &db, bool fenced, std::lock_guard<std::mutex> &open_lock);
	// A -d database that another live worker took over while this one was down: this worker,
	// which ships its commits, then starts as its standby instead of failing.
	bool WrittenByAnotherLiveWorker(const std::string &name);
	// TakeOver. REQUIRES: open_lock_ held.
	std::vector<std::string> OpenServableLocked(std::lock_guard<std::mutex> &open_lock);
	// Opens database `name` (creating it when `create` and missing) and adds it.
	// REQUIRES: open_lock_ held (the parameter proves it), `name` not open yet.
	duckdb::DuckDB &OpenLocked(const std::string &name, bool create, std::lock_guard<std::mutex> &open_lock);
	// Serves `instance` as database `name`.
	duckdb::DuckDB &Adopt(const std::string &name, std::unique_ptr<duckdb::DuckDB> instance);

	StorageEngine &storage_;
	TransactionGate gate_;
	// Held while opening or creating: serialises those, so a database is opened once.
	std::mutex open_lock_;
	// Guards databases_ (entries are added, never removed).
	std::mutex lock_;
	std::map<std::string, std::unique_ptr<duckdb::DuckDB>> databases_;
	// Dropped databases' instances by database id, guarded by open_lock_: kept so pointers handed
	// out stay valid, and so an undrop serves the instance holding its local state again.
	std::map<int64_t, std::unique_ptr<duckdb::DuckDB>> retired_;
	// Lost writers replaced by a reopened one (ReopenLostWriterLocked), kept for the same
	// reason. Guarded by lock_.
	std::vector<std::unique_ptr<duckdb::DuckDB>> lost_;
	// Databases whose lost writer is being reopened (ReopenLostWriterLocked). Guarded by lock_.
	std::set<std::string> reopening_;
	std::mutex snapshots_lock_;
	std::map<std::pair<std::string, std::string>, std::unique_ptr<duckdb::DuckDB>> snapshots_;
};

} // namespace openduck
