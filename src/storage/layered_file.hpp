// One database file seen through its layers: the sealed layers of a snapshot (oldest first,
// newest wins) plus, for the writer, the active layer on top. This is what the DuckDB
// FileSystem (DiffFileSystem) reads and writes.
//
// Writer: holds the database's write lease (generation-fenced). A write at offset < 12288 (a
// DuckDB header) followed by Sync() is the end of a checkpoint: Sync() then seals the active
// layer into a layer object, uploads it and commits a snapshot (parent = current head) in the
// metadata store, in that order. If the upload or the commit fails, Sync() throws (so DuckDB's
// checkpoint fails and it keeps its WAL), the data stays in the durable active layer and the
// seal is retried at the next Sync(); a stale lease (another writer took over) or Fence()
// makes the file refuse all further writes.
//
// Reader (a snapshot opened for time travel or by a clone's first read, or a read replica's
// snapshot plus shipped commits): immutable; pins the snapshot in the metadata store so GC keeps
// its layers while it is open.
//
// Thread-safe: reads share a lock; writes, truncation and sealing take it exclusively.
#pragma once

#include "storage/active_layer.hpp"
#include "storage/commit_log.hpp"
#include "storage/extent_map.hpp"
#include "storage/layer_cache.hpp"
#include "storage/layer_format.hpp"
#include "storage/metadata_store.hpp"
#include "storage/object_store.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

namespace openduck {

// The stores a layered file works with; they must outlive it.
struct StorageContext {
	MetadataStore &metadata;
	ObjectStore &store;
	LayerCache &cache;
};

// How a writer ships its commits (commit_log.hpp).
struct CommitShipping {
	// The local WAL DuckDB writes for this database.
	std::string wal_path;
	// The previous writer shipped its commits: rebuild the local log and WAL from the shared
	// segments instead of trusting local files (they may be stale, or on another machine).
	bool restore = false;
	// Ship this writer's commits.
	bool ship = false;
};

class LayeredFile {
public:
	// The writer of `db`, continuing its head snapshot and any active layer left in
	// `local_dir` by a previous process. `generation` is the lease this writer holds.
	// `compact_at` bounds the layer list: a seal that would make it that long also folds the
	// newest half of the sealed layers into the new layer (0 = never compact). `shipping` says
	// whether to restore shipped commits first and whether to ship this writer's (ShipCommits).
	static std::shared_ptr<LayeredFile> OpenWriter(StorageContext context, const DatabaseRecord &db,
	                                               int64_t generation, const std::string &local_dir,
	                                               int64_t compact_at = 16,
	                                               const CommitShipping *shipping = nullptr);
	// A read-only view of `snapshot` of `db`; pins it for `holder`, for `pin_ttl_seconds` at a
	// time (RenewPinIfDue extends it).
	static std::shared_ptr<LayeredFile> OpenSnapshot(StorageContext context, const DatabaseRecord &db,
	                                                 const SnapshotRecord &snapshot, const std::string &holder,
	                                                 int64_t pin_ttl_seconds);
	// A read replica's view of `db`: snapshot `head` (pinned for `holder` like OpenSnapshot's)
	// plus the commits shipped after it, restored into `local_dir` (the log becomes this file's
	// active layer; `wal_path` receives the WAL, which DuckDB replays in memory when it opens
	// the database read-only). Read-only. Returns how many commit segments were restored.
	static std::shared_ptr<LayeredFile> OpenReplica(StorageContext context, const DatabaseRecord &db,
	                                                const SnapshotRecord &head, const std::string &local_dir,
	                                                const std::string &wal_path, const std::string &holder,
	                                                int64_t pin_ttl_seconds, int64_t &segments);
	~LayeredFile();
	// Runs `on_close` when the file is destroyed, i.e. after the DuckDB instance that owns it
	// (through its file system) has shut down and made its final checkpoint.
	void SetOnClose(std::function<void()> on_close) {
		on_close_ = std::move(on_close);
	}

	// Positional I/O on the logical file. Reads past the end throw; holes read as zeros.
	void Read(void *buffer, uint64_t length, uint64_t offset);
	void Write(const void *buffer, uint64_t length, uint64_t offset);
	void Truncate(uint64_t size);
	// Makes every write durable (fdatasync of the active layer) and seals after a header write.
	void Sync();
	uint64_t Size() const {
		return size_.load();
	}
	bool ReadOnly() const {
		return read_only_;
	}
	// Refuses every later write, sync and WAL append: the lease renewer calls it when this
	// writer's lease is lost or may have expired, so no commit is acknowledged after that.
	void Fence() {
		fenced_ = true;
	}
	bool Fenced() const {
		return fenced_;
	}
	// When the metadata store last confirmed this writer's lease (taken or renewed): set by the
	// lease renewer, read on every request to decide whether this writer may still serve reads.
	void ConfirmLease(std::chrono::steady_clock::time_point at) {
		lease_confirmed_ = at.time_since_epoch().count();
	}
	std::chrono::steady_clock::time_point LeaseConfirmed() const {
		return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(lease_confirmed_.load()));
	}
	const std::string &DatabaseName() const {
		return db_.name;
	}
	// A reader renews its snapshot pin when half its TTL has passed (reads and the engine's
	// renewer call this, so an idle reader keeps its pin too).
	void RenewPinIfDue();
	// Called after DuckDB synced its WAL (a commit): ships the commit when this writer ships
	// commits; throws when it cannot, so DuckDB does not acknowledge it.
	void ShipCommits();
	// DuckDB removed its WAL.
	void WalRemoved();
	// How many commits DuckDB synced on this writer since it opened (every WAL sync).
	uint64_t Commits() const {
		return commits_.load();
	}
	// What a read replica must reach to see every commit of this writer so far: its base
	// snapshot and shipped segments, or kUnshippedSegments when it does not ship.
	CommitPosition Position() const;
	// Throws when this writer may write no more (the message says why and what to do): it is
	// fenced, or a seal failed (see seal_failed_).
	void CheckWritable() const;
	// "database 'x'" or "snapshot 7 of database 'x'", for messages.
	std::string Describe() const;

private:
	LayeredFile(StorageContext context, const DatabaseRecord &db);
	struct SealedLayer {
		LayerRecord record;
		std::shared_ptr<const LayerIndex> index;
	};
	// Loads the layers of `snapshot_id` and builds the sealed extent map.
	void LoadSnapshot(int64_t snapshot_id, uint64_t file_size);
	void AddSealedLayer(SealedLayer layer);
	// The newest version of every byte of the active layer and the newest `merge` sealed
	// layers, as one extent map (sources: sealed layer index or kActiveSource), plus the
	// smallest truncation among them.
	ExtentMap SealContent(size_t merge, uint64_t &truncated_to) const;
	void ReadSealed(const ExtentLocation &location, char *out, uint64_t length);
	void Seal();

	StorageContext context_;
	DatabaseRecord db_;
	bool read_only_ = false;
	int64_t generation_ = 0;
	std::string local_dir_;
	std::atomic<int64_t> snapshot_id_ {0};
	std::atomic<uint64_t> size_ {0};

	mutable std::shared_mutex lock_;
	std::vector<SealedLayer> layers_;
	ExtentMap sealed_;
	std::unique_ptr<ActiveLayer> active_;
	std::unique_ptr<CommitLog> commit_log_; // null unless this writer ships commits
	bool header_written_ = false;
	int64_t compact_at_ = 0;
	std::atomic<bool> fenced_ {false};
	// Set when sealing a checkpoint failed. DuckDB then invalidates the database, but only after
	// the checkpoint has released its lock, so a commit waiting for that lock could still append
	// to the WAL after the checkpoint's marker. The failed checkpoint's header is in the active
	// layer, and a later open that takes it sees that marker as checkpointed and skips the whole
	// WAL, losing such a commit; so nothing is written or committed here until the database is
	// reopened.
	std::atomic<bool> seal_failed_ {false};
	std::atomic<std::chrono::steady_clock::rep> lease_confirmed_ {0};
	std::atomic<uint64_t> commits_ {0};

	std::function<void()> on_close_;
	int64_t pin_id_ = 0;
	int64_t pin_ttl_seconds_ = 0;
	std::atomic<int64_t> pin_renewed_ {0}; // steady_clock ticks of the last renewal
};

} // namespace openduck
