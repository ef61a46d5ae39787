// The differential storage engine of one process: the metadata store, the object store, the
// shared layer cache and a local directory for active layers and WALs. It opens databases as
// DuckDB instances whose file is layered (writer, holding the write lease) or a pinned
// snapshot (read-only), and offers the admin operations behind `openduck db|snapshot`.
//
// Thread-safe: the stores and cache are; opening is safe from any thread.
#pragma once

#include "storage/database_sandbox.hpp"
#include "storage/directory_lock.hpp"
#include "storage/layer_cache.hpp"
#include "storage/layered_file.hpp"
#include "storage/metadata_store.hpp"
#include "storage/object_store.hpp"

#include "duckdb/main/database.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace openduck {

struct StorageConfig {
	std::string metadata_url; // sqlite:///path or postgresql://...
	std::string store_url;    // file:///dir or s3://bucket/prefix
	std::string local_dir;    // active layers, WALs, DuckDB temp files
	// The most sealed layer data kept in memory (LayerCache), shared by every database.
	uint64_t cache_bytes = 256ull << 20;
	// Who takes write leases; a restarted process with the same holder takes its lease back
	// at once. Default: "<hostname>:<local_dir>".
	std::string holder;
	int64_t lease_ttl_seconds = 60;
	// Ship every commit to the stores before DuckDB acknowledges it (commit_log.hpp), so
	// another worker on the same stores can take a database over from a dead writer with every
	// acknowledged commit. Off: commits since the last checkpoint live on this machine only.
	bool ship_commits = false;
	// How long a snapshot reader's pin holds without renewal (renewed at half of it while the
	// reader is open, idle or not); GC keeps a pinned snapshot's layers.
	int64_t pin_ttl_seconds = 600;
	// A database's layer list is kept below this length by compaction (0 = never compact).
	int64_t compact_at_layers = 16;
	// What client SQL may reach outside its database, and each instance's limits.
	DatabaseSandbox sandbox;

	// The embedded defaults under `data_dir`: sqlite metadata, file:// store, local dir.
	static StorageConfig Defaults(const std::string &data_dir);
};

constexpr std::size_t kMaxSnapshotNameLength = 63;

// Why `name` cannot name a snapshot ("" when it can): 1 to kMaxSnapshotNameLength of letters,
// digits, '_', '-' and '.', not digits only (those read as snapshot ids).
std::string SnapshotNameProblem(const std::string &name);

class StorageEngine {
public:
	explicit StorageEngine(StorageConfig config);
	~StorageEngine();

	MetadataStore &Metadata() {
		return *metadata_;
	}
	ObjectStore &Store() {
		return *store_;
	}
	// The process's cache of sealed layer data (its size shows in /metrics).
	const LayerCache &Cache() const {
		return *cache_;
	}
	// Names of the databases this engine opened for writing whose writer lost its lease (and
	// was not reopened since).
	std::vector<std::string> FencedDatabases();
	// Whether `name` is one of FencedDatabases(), without listing them (asked on every request,
	// so it never waits for a lease renewal in progress).
	bool Fenced(const std::string &name);
	// Whether this engine writes `name` but its lease was not confirmed for a whole lease TTL: it
	// may have lapsed and another worker may write the database now, though the renewer has not
	// found out yet (its call to an unreachable metadata store has not returned). Reads of such a
	// writer could go back in time. Always false unless commits are shipped (no one else can take
	// a database over then). Never waits for a renewal in progress.
	bool LeaseUnconfirmed(const std::string &name);
	// Whether this engine's writers ship their commits (StorageConfig::ship_commits).
	bool ShipsCommits() const {
		return config_.ship_commits;
	}
	// The identity this engine takes write leases under.
	const std::string &Holder() const {
		return config_.holder;
	}

	// Takes this engine's local directory for this process alone (DirectoryLock): servers call
	// it at start so a second server on the same directory is refused before it writes.
	void LockLocalDir();

	// The newest snapshot of `db` taken at or before `unix_micros` (RequireSnapshot's "@" form).
	SnapshotRecord SnapshotAt(const DatabaseRecord &db, const std::string &unix_micros);
	// The live database `name`; throws NotFoundError naming it when missing.
	DatabaseRecord RequireDatabase(const std::string &name);
	// A snapshot of `db` by name or id, or "@<unix microseconds>" for the newest snapshot taken
	// at or before that time; throws NotFoundError when missing (naming the oldest snapshot's
	// time for a time before the history).
	SnapshotRecord RequireSnapshot(const DatabaseRecord &db, const std::string &name_or_id);

	// Opens `name` for writing (creating it when `create` and missing): takes the write lease,
	// recovers the local active layer, and returns a DuckDB on the layered file. The lease is
	// renewed in the background and released when the DuckDB is destroyed; the engine must
	// outlive it.
	std::unique_ptr<duckdb::DuckDB> OpenDatabase(const std::string &name, bool create);
	// Opens `name` for writing again after this engine's writer of it was lost: fenced because
	// its lease could not be renewed in time (the metadata store was unreachable), or
	// invalidated by DuckDB (a checkpoint failed because its commit could not be shipped). Takes
	// the lease anew (LeaseError when another worker took it first) and restores every shipped
	// commit into a local directory of its own, since the lost instance may still be serving a
	// read from the old one. REQUIRES: ShipsCommits().
	std::unique_ptr<duckdb::DuckDB> ReopenWriter(const std::string &name);
	// Creates `name` and opens it for writing, its lease taken in the transaction that creates
	// it, so no other process can open the new database first. AlreadyExistsError when taken.
	std::unique_ptr<duckdb::DuckDB> CreateDatabase(const std::string &name,
	                                               DatabaseKind kind = DatabaseKind::kNative);
	// CloneDatabase, then opens the clone for writing, its lease taken in the clone's
	// transaction; `clone` receives its record.
	std::unique_ptr<duckdb::DuckDB> OpenClone(const std::string &source, const std::string &target,
	                                          const std::string &snapshot, DatabaseRecord &clone);
	// Opens snapshot `name_or_id` of database `name` read-only (a separate DuckDB instance). For
	// a DuckLake database, `name_or_id` is a DuckLake snapshot id (DuckLakeVersion).
	std::unique_ptr<duckdb::DuckDB> OpenSnapshot(const std::string &name, const std::string &name_or_id);
	// A sandboxed in-memory DuckDB for computing over database `name`'s instances (a diff of two
	// snapshots): the same limits as theirs, spilling into a directory of its own next to the
	// database's, removed when it closes.
	std::unique_ptr<duckdb::DuckDB> OpenScratch(const std::string &name);
	// Opens database `name` read-only as a read replica sees it: its head snapshot plus every
	// commit shipped after it (restored into a directory of its own, removed when the instance
	// closes). `position` receives what the instance holds. Pins the snapshot like OpenSnapshot.
	std::unique_ptr<duckdb::DuckDB> OpenReplica(const std::string &name, CommitPosition &position);
	// Removes what replica instances of an earlier process left (one killed before closing
	// them). REQUIRES: LockLocalDir (no other process uses this directory).
	void RemoveStaleReplicaFiles();
	// The shared committed position of database `name` (one metadata read).
	CommitPosition LatestPosition(const std::string &name);
	// Of the database `name` this engine writes: how many commits it synced, and the position a
	// replica must reach to see them (LayeredFile::Commits, Position). nullopt when this engine
	// does not write `name`.
	std::optional<std::pair<uint64_t, CommitPosition>> WriterPosition(const std::string &name);
	// Reads every extent of every layer of `snapshot` and checks its checksum; throws on the
	// first mismatch or missing object.
	void VerifySnapshot(const SnapshotRecord &snapshot);
	// Creates `target` sharing the layers of `source` at `snapshot` (its head when empty).
	// Only metadata changes, in one transaction, and no lease is taken: safe while a server
	// writes `source`. NotFoundError for an unknown source or snapshot, AlreadyExistsError when
	// `target` exists. REQUIRES: `target` is a valid database name (worker/database_name.hpp).
	DatabaseRecord CloneDatabase(const std::string &source, const std::string &target, const std::string &snapshot);
	// Names snapshot `snapshot_id` of `db` (its head, typically). std::invalid_argument for a
	// name SnapshotNameProblem rejects, AlreadyExistsError when the database has it already.
	SnapshotRecord NameSnapshot(const DatabaseRecord &db, int64_t snapshot_id, const std::string &name);

	// Releases a lease taken by OpenDatabase (called when its DuckDB is gone).
	void ReleaseLease(int64_t db_id, int64_t generation);

private:
	// The snapshot CloneDatabase starts from: `snapshot` of `source`, or its head when empty.
	SnapshotRecord SnapshotToClone(const std::string &source, const std::string &snapshot);
	// A DuckDB on database `db_id`'s layered file, written under lease `generation` (taken at
	// `acquired` or later); releases the lease when opening fails. `restore`: the previous
	// writer shipped its commits (CommitShipping::restore). `own_dir`: local files there instead
	// of DatabaseDir, removed when the file closes.
	std::unique_ptr<duckdb::DuckDB> OpenWriter(int64_t db_id, int64_t generation,
	                                           std::chrono::steady_clock::time_point acquired, bool restore,
	                                           const std::string &own_dir = "");
	std::string DatabaseDir(const DatabaseRecord &db);
	// DuckLake database `db` (storage/ducklake_database.hpp): read-write when `version` is 0,
	// else read-only at that DuckLake snapshot.
	std::unique_ptr<duckdb::DuckDB> OpenLake(const DatabaseRecord &db, int64_t version);
	// A spill directory no other instance uses, under DatabaseDir(db)/tmp, named after `what`.
	// DuckDB creates it when it first spills and removes it with the instance; instances sharing
	// one would reuse each other's file names, and the first to close would delete the others'.
	std::string OwnTempDir(const DatabaseRecord &db, const std::string &what);
	// A sandboxed DuckDB on `file` as database `path` (its WAL at the local `wal_path`, none when
	// empty; spill files in `temp_dir`).
	std::unique_ptr<duckdb::DuckDB> NewInstance(std::shared_ptr<LayeredFile> file, const std::string &path,
	                                            const std::string &wal_path, const std::string &temp_dir);
	// Has the renewer keep `file`'s snapshot pin alive while the file is open.
	void RenewPinWhileOpen(const std::shared_ptr<LayeredFile> &file);
	// Keeps every lease this engine holds and every reader pin alive (a thread started by the
	// first OpenDatabase or OpenSnapshot); fences a writer whose lease is lost.
	void RenewLeases();
	// REQUIRES: leases_lock_ held.
	void StartRenewerLocked();

	StorageConfig config_;
	std::unique_ptr<DirectoryLock> dir_lock_;
	std::unique_ptr<MetadataStore> metadata_;
	std::unique_ptr<ObjectStore> store_;
	std::unique_ptr<LayerCache> cache_;

	struct HeldLease {
		int64_t db_id;
		int64_t generation;
		std::weak_ptr<LayeredFile> file; // fenced when the lease is lost
		std::chrono::steady_clock::time_point renewed; // start of the last successful renewal
	};
	std::mutex leases_lock_;
	std::condition_variable leases_changed_;
	std::vector<HeldLease> leases_;
	std::vector<std::weak_ptr<LayeredFile>> readers_; // open snapshots, whose pins are renewed
	// The latest writer opened of each database, for the per-request checks: under a lock of its
	// own, which the renewer never holds across a call to the metadata store.
	std::mutex writers_lock_;
	std::map<std::string, std::weak_ptr<LayeredFile>> writers_;
	std::shared_ptr<LayeredFile> LatestWriter(const std::string &name);
	bool stopping_ = false;
	std::thread renewer_;
	std::atomic<uint64_t> replica_instances_ {0}; // names each replica instance's directory
	std::atomic<uint64_t> temp_dirs_ {0};          // names OwnTempDir's directories
};

} // namespace openduck
