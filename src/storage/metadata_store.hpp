// The metadata store: databases, their snapshot history, the layers each snapshot is made of,
// the single-writer lease and reader pins. Every mutation is one transaction, so a snapshot is
// committed with its layer list atomically or not at all.
//
// Schema (both backends): db, db_policy, write_lease, layer, snapshot, snapshot_layer,
// reader_pin, commit_segment — see
// sql_metadata_store.cpp. Implementations are thread-safe (calls are serialised).
// Errors throw std::runtime_error with the database / snapshot named; a lease conflict or a
// fenced (stale-generation) commit throws LeaseError, a taken name AlreadyExistsError.
#pragma once

#include "common/commit_position.hpp"
#include "storage/retention_policy.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace openduck {

class LeaseError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// The name of a new database or snapshot is taken. Servers answer ALREADY_EXISTS.
class AlreadyExistsError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// A database or snapshot asked for by name does not exist. Servers answer NOT_FOUND.
class NotFoundError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// A write lease to take for a database as it is created.
struct LeaseRequest {
	std::string holder;
	int64_t ttl_seconds;
	bool ships_commits = false; // as for AcquireLease
};
// The generation of a database's first write lease.
constexpr int64_t kFirstLeaseGeneration = 1;

// What a database is stored as, fixed when it is created. Native: a DuckDB file on the
// differential storage (layers, snapshots). DuckLake: a DuckLake catalog and its Parquet data
// files, served through DuckDB's ducklake extension (storage/ducklake_database.hpp).
enum class DatabaseKind { kNative, kDuckLake };

// "native" / "ducklake": the kind's name in listings and in the metadata store.
const char *DatabaseKindName(DatabaseKind kind);

struct DatabaseRecord {
	int64_t id = 0;
	std::string name;
	int64_t created_at = 0;
	int64_t dropped_at = 0;    // 0 while live
	int64_t head_snapshot = 0; // 0 before the first checkpoint (always 0 for DuckLake)
	DatabaseKind kind = DatabaseKind::kNative;
};

// What an operator set for one database (`openduck db set`), overriding the defaults of the
// workers (--snapshot-interval) and of `openduck gc` (--retention). Kept with the database until
// GC purges it; a clone starts without one.
struct DatabasePolicy {
	static constexpr int64_t kDefaultInterval = -1;
	// Seconds between automatic snapshots while there are commits (0: none);
	// kDefaultInterval: the worker's --snapshot-interval.
	int64_t snapshot_interval_seconds = kDefaultInterval;
	// RetentionPolicy text; "": gc's --retention.
	std::string retention;
};

struct LayerRecord {
	int64_t id = 0;
	std::string object_key;
	uint64_t size_bytes = 0;   // whole object
	uint64_t data_bytes = 0;   // extent bytes only
	uint64_t extent_count = 0;
	int64_t created_at = 0;
};

struct SnapshotRecord {
	int64_t id = 0;
	int64_t db_id = 0;
	int64_t parent_id = 0; // 0 for a database's first snapshot
	int64_t created_at = 0;
	std::string name;      // empty unless named
	uint64_t file_size = 0;
	int64_t layer_count = 0;
	uint64_t layer_bytes = 0; // sum of its layers' object sizes
};

// Who holds (or last held) a database's write lease.
struct LeaseState {
	std::string holder;
	int64_t generation = 0;
	// Expired or released: another holder may take it (AcquireLease would succeed).
	bool expired = false;
	// The holder shipped every commit to shared storage (CommitSegment), so a takeover by
	// another worker loses nothing.
	bool ships_commits = false;
};

// A piece of a writer's local durable state since its base snapshot, shipped at a commit so
// another worker can take the database over with every acknowledged commit: the bytes the
// active layer's log and DuckDB's WAL gained since the previous segment. The object (or
// inline_data) holds `active_length` log bytes, then `wal_length` WAL bytes (commit_log.hpp).
struct CommitSegment {
	int64_t base_snapshot = 0;
	int64_t seq = 0; // 0, 1, 2, ... per base snapshot
	std::string object_key;
	uint64_t active_offset = 0; // the log continues at this offset with this segment's bytes
	uint64_t active_length = 0;
	uint64_t wal_offset = 0; // the WAL is wal_offset + wal_length bytes long after this segment
	uint64_t wal_length = 0;
	// A small segment's bytes travel in its row instead of an object (no upload: a small commit
	// costs one metadata transaction); object_key then only names it.
	std::string inline_data;
};

struct GcPlan {
	std::vector<int64_t> purged_databases;  // dropped longer ago than the retention
	std::vector<int64_t> expired_snapshots; // snapshot rows removed
	std::vector<LayerRecord> dead_layers;   // objects to delete (rows marked dead)
};

class MetadataStore {
public:
	virtual ~MetadataStore() = default;

	// Creates a live database; throws AlreadyExistsError when a live one has that name. With a
	// `lease`, the new database's write lease (generation kFirstLeaseGeneration) is taken for it
	// in the same transaction, so no other worker can open the database before its creator.
	virtual DatabaseRecord CreateDatabase(const std::string &name, const LeaseRequest *lease,
	                                      DatabaseKind kind = DatabaseKind::kNative) = 0;
	// The live database called `name`.
	virtual std::optional<DatabaseRecord> FindDatabase(const std::string &name) = 0;
	virtual std::optional<DatabaseRecord> GetDatabase(int64_t id) = 0;
	virtual std::vector<DatabaseRecord> ListDatabases(bool include_dropped) = 0;
	// Soft delete: the database disappears from listings but its snapshots stay until GC
	// purges it after the retention period. Throws when no live database has that name.
	virtual DatabaseRecord DropDatabase(const std::string &name) = 0;
	// Brings back the most recently dropped database called `name`; throws when none is
	// dropped or a live one took the name.
	virtual DatabaseRecord UndropDatabase(const std::string &name) = 0;

	// Sets `db_id`'s policy (all defaults: removes it). Throws std::invalid_argument for a
	// retention RetentionPolicy::Parse rejects.
	virtual void SetDatabasePolicy(int64_t db_id, const DatabasePolicy &policy) = 0;
	// The policies of live databases that have one, by database name (one read).
	virtual std::map<std::string, DatabasePolicy> DatabasePolicies() = 0;

	// Takes the write lease on `db_id` for `holder` and returns the new generation. Succeeds
	// when the lease is free, expired, or already held by `holder` (a restarted writer);
	// otherwise throws LeaseError naming the holder. Every take bumps the generation, fencing
	// out whoever held it before.
	// `ships_commits`: this writer ships every commit (AppendCommitSegment).
	virtual int64_t AcquireLease(int64_t db_id, const std::string &holder, int64_t ttl_seconds,
	                             bool ships_commits = false) = 0;
	virtual void ReleaseLease(int64_t db_id, int64_t generation) = 0;
	// The write lease of `db_id`; nullopt when nobody ever took it.
	virtual std::optional<LeaseState> Lease(int64_t db_id) = 0;
	// Extends the lease while `generation` is still the current one; false when another
	// writer has taken it since.
	virtual bool RenewLease(int64_t db_id, int64_t generation, int64_t ttl_seconds) = 0;

	// In one transaction: checks the lease generation (LeaseError when stale) and that the
	// head is still `parent_id`, records `layer`, creates the snapshot whose layers are the
	// parent's plus `layer`, and moves the head. Fills layer.id; returns the snapshot.
	// `replaces` > 0 commits a compaction: `layer` stands in for the parent's last `replaces`
	// layers (which stay in older snapshots until GC expires those).
	virtual SnapshotRecord CommitSnapshot(int64_t db_id, int64_t generation, int64_t parent_id, LayerRecord &layer,
	                                      uint64_t file_size, int64_t replaces = 0) = 0;

	// Records `segment` (its object already uploaded) in one transaction that checks the lease
	// generation and that the head is still segment.base_snapshot (LeaseError otherwise), so a
	// writer that lost its lease can never add a commit. CommitSnapshot drops the segments of the
	// old head: the new snapshot contains them.
	virtual void AppendCommitSegment(int64_t db_id, int64_t generation, const CommitSegment &segment) = 0;
	// The segments continuing `base_snapshot` of `db_id`, in order.
	virtual std::vector<CommitSegment> CommitSegments(int64_t db_id, int64_t base_snapshot) = 0;
	// The head of `db_id` and how many segments continue it, read at one instant (one
	// statement), so a seal in between cannot pair a head with another head's segments.
	virtual CommitPosition LatestPosition(int64_t db_id) = 0;

	virtual std::vector<SnapshotRecord> ListSnapshots(int64_t db_id) = 0;
	virtual std::optional<SnapshotRecord> GetSnapshot(int64_t snapshot_id) = 0;
	// By name, or by decimal id when `name_or_id` is all digits; only snapshots of `db_id`.
	virtual std::optional<SnapshotRecord> FindSnapshot(int64_t db_id, const std::string &name_or_id) = 0;
	// Oldest first: later layers override earlier ones.
	virtual std::vector<LayerRecord> SnapshotLayers(int64_t snapshot_id) = 0;
	// Gives `snapshot_id` a name unique within its database (named snapshots are retained);
	// AlreadyExistsError when another snapshot of the database has it, or this snapshot has
	// another name (a snapshot has one name, never silently replaced).
	virtual SnapshotRecord NameSnapshot(int64_t snapshot_id, const std::string &name) = 0;

	// Creates database `name` whose first snapshot shares `source`'s layers (no data copied);
	// AlreadyExistsError when a live database has that name. `lease` as for CreateDatabase.
	virtual DatabaseRecord CloneDatabase(const SnapshotRecord &source, const std::string &name,
	                                     const LeaseRequest *lease) = 0;

	// A live reader's claim on a snapshot, so GC keeps its layers. Returns the pin id.
	virtual int64_t PinSnapshot(int64_t snapshot_id, const std::string &holder, int64_t ttl_seconds) = 0;
	virtual void RenewPin(int64_t pin_id, int64_t ttl_seconds) = 0;
	virtual void Unpin(int64_t pin_id) = 0;

	// Decides what garbage collection removes at `now`. Each database's retention is its own
	// (DatabasePolicy::retention), else `retention`. A snapshot survives when it is a database
	// head, named, kept by its retention's tiers (RetentionPolicy::KeptByAge), or pinned by an
	// unexpired reader; databases dropped longer ago than their retention's horizon (and not
	// held by a live writer's lease) are purged with all their unpinned snapshots. A layer
	// dies when no surviving snapshot uses it. Unless `dry_run`, the expired rows are deleted
	// and dead layers are marked so no new snapshot or clone can reference them — in one
	// transaction. Layers marked earlier whose deletion did not finish are included again.
	// Lease and pin expiry (here and everywhere) follow the store's clock, not `now`.
	virtual GcPlan PlanGarbageCollection(int64_t now, const RetentionPolicy &retention, bool dry_run) = 0;
	// Removes the rows of dead layers whose objects are gone.
	virtual void ForgetLayers(const std::vector<int64_t> &layer_ids) = 0;
	// Every object key a layer or commit segment row names (live or dead), for the orphan sweep.
	virtual std::vector<std::string> AllObjectKeys() = 0;

	virtual std::string Describe() const = 0;
};

// Opens the store named by `url`: sqlite:///absolute/path.db or postgresql://... (libpq
// connection URI). Creates the schema when missing. Throws std::runtime_error.
std::unique_ptr<MetadataStore> OpenMetadataStore(const std::string &url);

} // namespace openduck
