#include "storage/sql_metadata_store.hpp"

#include "common/snapshot_reference.hpp"

#include "storage/byte_codec.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace openduck {

int64_t UnixNow() {
	return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
	    .count();
}

int64_t SqlMetadataStore::StoreNow() {
	return std::stoll(connection_->Query("SELECT " + connection_->UnixNowSql()).at(0).at(0));
}

static std::string S(int64_t v) {
	return std::to_string(v);
}

static int64_t I(const std::string &text) {
	return text.empty() ? 0 : std::stoll(text);
}

SqlMetadataStore::SqlMetadataStore(std::unique_ptr<SqlConnection> connection) : connection_(std::move(connection)) {
	// 0 / '' stand for "none" instead of NULL, so both engines read rows the same way.
	// Parameters are text: select-list uses are CAST so PostgreSQL knows their type.
	auto id = connection_->IdColumnType();
	const std::vector<std::string> schema = {
	    "CREATE TABLE IF NOT EXISTS db (id " + id +
	        ", name TEXT NOT NULL, created_at BIGINT NOT NULL, dropped_at BIGINT NOT NULL DEFAULT 0, "
	        "head_snapshot BIGINT NOT NULL DEFAULT 0)",
	    "CREATE UNIQUE INDEX IF NOT EXISTS db_live_name ON db (name) WHERE dropped_at = 0",
	    // A table of its own rather than columns of db: stores made before it gain it by
	    // CREATE IF NOT EXISTS, and most databases have no row.
	    "CREATE TABLE IF NOT EXISTS db_policy (db_id BIGINT PRIMARY KEY, snapshot_interval BIGINT NOT NULL, "
	    "retention TEXT NOT NULL)",
	    // Native databases have no row, so stores made before DuckLake need no change.
	    "CREATE TABLE IF NOT EXISTS db_kind (db_id BIGINT PRIMARY KEY, kind TEXT NOT NULL)",
	    "CREATE TABLE IF NOT EXISTS write_lease (db_id BIGINT PRIMARY KEY, generation BIGINT NOT NULL, "
	    "holder TEXT NOT NULL, expires_at BIGINT NOT NULL)",
	    "CREATE TABLE IF NOT EXISTS layer (id " + id +
	        ", object_key TEXT NOT NULL UNIQUE, size_bytes BIGINT NOT NULL, data_bytes BIGINT NOT NULL, "
	        "extent_count BIGINT NOT NULL, created_at BIGINT NOT NULL, dead INTEGER NOT NULL DEFAULT 0)",
	    "CREATE TABLE IF NOT EXISTS snapshot (id " + id +
	        ", db_id BIGINT NOT NULL, parent_id BIGINT NOT NULL, created_at BIGINT NOT NULL, "
	        "name TEXT NOT NULL DEFAULT '', file_size BIGINT NOT NULL, generation BIGINT NOT NULL)",
	    "CREATE UNIQUE INDEX IF NOT EXISTS snapshot_name ON snapshot (db_id, name) WHERE name <> ''",
	    "CREATE INDEX IF NOT EXISTS snapshot_db ON snapshot (db_id)",
	    "CREATE TABLE IF NOT EXISTS snapshot_layer (snapshot_id BIGINT NOT NULL, position INTEGER NOT NULL, "
	    "layer_id BIGINT NOT NULL, PRIMARY KEY (snapshot_id, position))",
	    "CREATE INDEX IF NOT EXISTS snapshot_layer_layer ON snapshot_layer (layer_id)",
	    "CREATE TABLE IF NOT EXISTS reader_pin (id " + id +
	        ", snapshot_id BIGINT NOT NULL, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)",
	    "CREATE TABLE IF NOT EXISTS commit_segment (db_id BIGINT NOT NULL, base_snapshot BIGINT NOT NULL, "
	    "seq BIGINT NOT NULL, generation BIGINT NOT NULL, object_key TEXT NOT NULL, active_offset BIGINT NOT NULL, "
	    "active_length BIGINT NOT NULL, wal_offset BIGINT NOT NULL, wal_length BIGINT NOT NULL, "
	    "inline_data TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (db_id, base_snapshot, seq))",
	};
	InTransaction<int>([&] {
		for (auto &statement : schema) {
			connection_->Query(statement);
		}
		// Stores made before commit shipping existed lack the column (SQLite has no ADD COLUMN
		// IF NOT EXISTS; the probe runs in a savepoint because PostgreSQL aborts the transaction
		// on an error).
		connection_->Query("SAVEPOINT probe");
		try {
			connection_->Query("SELECT ships_commits FROM write_lease WHERE 1 = 0");
			connection_->Query("RELEASE SAVEPOINT probe");
		} catch (std::runtime_error &) {
			connection_->Query("ROLLBACK TO SAVEPOINT probe");
			connection_->Query("RELEASE SAVEPOINT probe");
			connection_->Query("ALTER TABLE write_lease ADD COLUMN ships_commits INTEGER NOT NULL DEFAULT 0");
		}
		return 0;
	});
}

template <class T, class F>
T SqlMetadataStore::InTransaction(F body) {
	std::lock_guard<std::mutex> guard(mutex_);
	connection_->BeginExclusive();
	try {
		T result = body();
		connection_->Commit();
		return result;
	} catch (...) {
		try {
			connection_->Rollback();
		} catch (...) {
			// The original error says more than a failed rollback (the connection may be gone).
		}
		throw;
	}
}

// A subquery rather than a join: the callers' WHERE clauses name db's columns unqualified.
static const char *kDatabaseColumns = "SELECT id, name, created_at, dropped_at, head_snapshot, "
                                      "COALESCE((SELECT kind FROM db_kind k WHERE k.db_id = db.id), '') FROM db ";

const char *DatabaseKindName(DatabaseKind kind) {
	return kind == DatabaseKind::kDuckLake ? "ducklake" : "native";
}

std::vector<DatabaseRecord> SqlMetadataStore::SelectDatabases(const std::string &where,
                                                              const std::vector<std::string> &params) {
	std::vector<DatabaseRecord> out;
	for (auto &row : connection_->Query(kDatabaseColumns + where, params)) {
		auto kind = row[5] == DatabaseKindName(DatabaseKind::kDuckLake) ? DatabaseKind::kDuckLake : DatabaseKind::kNative;
		out.push_back(DatabaseRecord {I(row[0]), row[1], I(row[2]), I(row[3]), I(row[4]), kind});
	}
	return out;
}

static const char *kSnapshotColumns =
    "SELECT s.id, s.db_id, s.parent_id, s.created_at, s.name, s.file_size, "
    "(SELECT COUNT(*) FROM snapshot_layer sl WHERE sl.snapshot_id = s.id), "
    "(SELECT COALESCE(SUM(l.size_bytes), 0) FROM snapshot_layer sl JOIN layer l ON l.id = sl.layer_id "
    "WHERE sl.snapshot_id = s.id) FROM snapshot s ";

std::vector<SnapshotRecord> SqlMetadataStore::SelectSnapshots(const std::string &where,
                                                              const std::vector<std::string> &params) {
	std::vector<SnapshotRecord> out;
	for (auto &row : connection_->Query(kSnapshotColumns + where, params)) {
		SnapshotRecord record;
		record.id = I(row[0]);
		record.db_id = I(row[1]);
		record.parent_id = I(row[2]);
		record.created_at = I(row[3]);
		record.name = row[4];
		record.file_size = uint64_t(I(row[5]));
		record.layer_count = I(row[6]);
		record.layer_bytes = uint64_t(I(row[7]));
		out.push_back(record);
	}
	return out;
}

DatabaseRecord SqlMetadataStore::InsertDatabase(const std::string &name, const LeaseRequest *lease,
                                                DatabaseKind kind) {
	if (!SelectDatabases("WHERE name = $1 AND dropped_at = 0", {name}).empty()) {
		throw AlreadyExistsError("database '" + name + "' already exists");
	}
	auto now = UnixNow();
	auto rows = connection_->Query("INSERT INTO db (name, created_at) VALUES ($1, $2) RETURNING id", {name, S(now)});
	DatabaseRecord db {I(rows.at(0).at(0)), name, now, 0, 0, kind};
	if (kind != DatabaseKind::kNative) {
		connection_->Query("INSERT INTO db_kind (db_id, kind) VALUES ($1, $2)", {S(db.id), DatabaseKindName(kind)});
	}
	if (lease) {
		connection_->Query("INSERT INTO write_lease (db_id, generation, holder, expires_at, ships_commits) "
		                   "VALUES ($1, $2, $3, $4, $5)",
		                   {S(db.id), S(kFirstLeaseGeneration), lease->holder, S(StoreNow() + lease->ttl_seconds),
		                    S(lease->ships_commits ? 1 : 0)});
	}
	return db;
}

DatabaseRecord SqlMetadataStore::CreateDatabase(const std::string &name, const LeaseRequest *lease,
                                                DatabaseKind kind) {
	return InTransaction<DatabaseRecord>([&] { return InsertDatabase(name, lease, kind); });
}

std::optional<DatabaseRecord> SqlMetadataStore::FindDatabase(const std::string &name) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto found = SelectDatabases("WHERE name = $1 AND dropped_at = 0", {name});
	if (found.empty()) {
		return std::nullopt;
	}
	return found[0];
}

std::optional<DatabaseRecord> SqlMetadataStore::GetDatabase(int64_t id) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto found = SelectDatabases("WHERE id = $1", {S(id)});
	if (found.empty()) {
		return std::nullopt;
	}
	return found[0];
}

std::vector<DatabaseRecord> SqlMetadataStore::ListDatabases(bool include_dropped) {
	std::lock_guard<std::mutex> guard(mutex_);
	return SelectDatabases(include_dropped ? "ORDER BY name, id" : "WHERE dropped_at = 0 ORDER BY name", {});
}

DatabaseRecord SqlMetadataStore::DropDatabase(const std::string &name) {
	return InTransaction<DatabaseRecord>([&] {
		auto found = SelectDatabases("WHERE name = $1 AND dropped_at = 0", {name});
		if (found.empty()) {
			throw std::runtime_error("database '" + name + "' does not exist");
		}
		auto now = UnixNow();
		connection_->Query("UPDATE db SET dropped_at = $1 WHERE id = $2", {S(now), S(found[0].id)});
		found[0].dropped_at = now;
		return found[0];
	});
}

DatabaseRecord SqlMetadataStore::UndropDatabase(const std::string &name) {
	return InTransaction<DatabaseRecord>([&] {
		if (!SelectDatabases("WHERE name = $1 AND dropped_at = 0", {name}).empty()) {
			throw std::runtime_error("cannot undrop '" + name + "': a live database already has that name");
		}
		auto found = SelectDatabases("WHERE name = $1 AND dropped_at <> 0 ORDER BY dropped_at DESC, id DESC", {name});
		if (found.empty()) {
			throw std::runtime_error("cannot undrop '" + name +
			                         "': no dropped database has that name (or GC already purged it)");
		}
		connection_->Query("UPDATE db SET dropped_at = 0 WHERE id = $1", {S(found[0].id)});
		found[0].dropped_at = 0;
		return found[0];
	});
}

void SqlMetadataStore::SetDatabasePolicy(int64_t db_id, const DatabasePolicy &policy) {
	if (!policy.retention.empty()) {
		RetentionPolicy::Parse(policy.retention);
	}
	InTransaction<int>([&] {
		if (SelectDatabases("WHERE id = $1", {S(db_id)}).empty()) {
			throw NotFoundError("database id " + S(db_id) + " does not exist");
		}
		connection_->Query("DELETE FROM db_policy WHERE db_id = $1", {S(db_id)});
		if (policy.snapshot_interval_seconds != DatabasePolicy::kDefaultInterval || !policy.retention.empty()) {
			connection_->Query("INSERT INTO db_policy (db_id, snapshot_interval, retention) VALUES ($1, $2, $3)",
			                   {S(db_id), S(policy.snapshot_interval_seconds), policy.retention});
		}
		return 0;
	});
}

std::map<std::string, DatabasePolicy> SqlMetadataStore::DatabasePolicies() {
	std::lock_guard<std::mutex> guard(mutex_);
	std::map<std::string, DatabasePolicy> out;
	for (auto &row : connection_->Query("SELECT d.name, p.snapshot_interval, p.retention FROM db_policy p "
	                                    "JOIN db d ON d.id = p.db_id WHERE d.dropped_at = 0",
	                                    {})) {
		out[row[0]] = DatabasePolicy {I(row[1]), row[2]};
	}
	return out;
}

int64_t SqlMetadataStore::AcquireLease(int64_t db_id, const std::string &holder, int64_t ttl_seconds,
                                       bool ships_commits) {
	return InTransaction<int64_t>([&] {
		auto now = StoreNow();
		auto rows = connection_->Query("SELECT generation, holder, expires_at FROM write_lease WHERE db_id = $1",
		                               {S(db_id)});
		int64_t generation = 1;
		auto ships = S(ships_commits ? 1 : 0);
		if (!rows.empty()) {
			if (rows[0][1] != holder && I(rows[0][2]) > now) {
				throw LeaseError("database id " + S(db_id) + " is being written by '" + rows[0][1] +
				                 "' (lease generation " + rows[0][0] + ", expires in " + S(I(rows[0][2]) - now) +
				                 " s)");
			}
			generation = I(rows[0][0]) + 1;
			connection_->Query("UPDATE write_lease SET generation = $1, holder = $2, expires_at = $3, "
			                   "ships_commits = $4 WHERE db_id = $5",
			                   {S(generation), holder, S(now + ttl_seconds), ships, S(db_id)});
		} else {
			connection_->Query("INSERT INTO write_lease (db_id, generation, holder, expires_at, ships_commits) "
			                   "VALUES ($1, $2, $3, $4, $5)",
			                   {S(db_id), S(generation), holder, S(now + ttl_seconds), ships});
		}
		return generation;
	});
}

void SqlMetadataStore::ReleaseLease(int64_t db_id, int64_t generation) {
	InTransaction<int>([&] {
		// Only the current generation may release; a fenced-out writer's release is a no-op.
		connection_->Query("UPDATE write_lease SET expires_at = 0 WHERE db_id = $1 AND generation = $2",
		                   {S(db_id), S(generation)});
		return 0;
	});
}

std::optional<LeaseState> SqlMetadataStore::Lease(int64_t db_id) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto rows = connection_->Query("SELECT holder, generation, CASE WHEN expires_at <= " + connection_->UnixNowSql() +
	                                   " THEN 1 ELSE 0 END, ships_commits FROM write_lease WHERE db_id = $1",
	                               {S(db_id)});
	if (rows.empty()) {
		return std::nullopt;
	}
	return LeaseState {rows[0][0], I(rows[0][1]), I(rows[0][2]) != 0, I(rows[0][3]) != 0};
}

bool SqlMetadataStore::RenewLease(int64_t db_id, int64_t generation, int64_t ttl_seconds) {
	return InTransaction<bool>([&] {
		return !connection_
		            ->Query("UPDATE write_lease SET expires_at = $1 WHERE db_id = $2 AND generation = $3 RETURNING db_id",
		                    {S(StoreNow() + ttl_seconds), S(db_id), S(generation)})
		            .empty();
	});
}

void SqlMetadataStore::CheckGeneration(int64_t db_id, int64_t generation, const std::string &what) {
	auto lease = connection_->Query("SELECT generation FROM write_lease WHERE db_id = $1", {S(db_id)});
	if (lease.empty() || I(lease[0][0]) != generation) {
		throw LeaseError("database id " + S(db_id) + ": write lease generation " + S(generation) +
		                 " is stale (current: " + (lease.empty() ? std::string("none") : lease[0][0]) +
		                 "); another writer took over, so this " + what + " was not committed");
	}
}

void SqlMetadataStore::AppendCommitSegment(int64_t db_id, int64_t generation, const CommitSegment &segment) {
	InTransaction<int>([&] {
		CheckGeneration(db_id, generation, "commit");
		auto db = SelectDatabases("WHERE id = $1", {S(db_id)});
		if (db.empty()) {
			throw std::runtime_error("database id " + S(db_id) + " no longer exists");
		}
		if (db[0].head_snapshot != segment.base_snapshot) {
			throw LeaseError("database '" + db[0].name + "': head moved to snapshot " + S(db[0].head_snapshot) +
			                 " while this writer's commits continue snapshot " + S(segment.base_snapshot));
		}
		connection_->Query("INSERT INTO commit_segment (db_id, base_snapshot, seq, generation, object_key, "
		                   "active_offset, active_length, wal_offset, wal_length, inline_data, created_at) "
		                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
		                   {S(db_id), S(segment.base_snapshot), S(segment.seq), S(generation), segment.object_key,
		                    S(int64_t(segment.active_offset)), S(int64_t(segment.active_length)),
		                    S(int64_t(segment.wal_offset)), S(int64_t(segment.wal_length)),
		                    HexEncode(segment.inline_data), S(UnixNow())});
		return 0;
	});
}

std::vector<CommitSegment> SqlMetadataStore::CommitSegments(int64_t db_id, int64_t base_snapshot) {
	std::lock_guard<std::mutex> guard(mutex_);
	std::vector<CommitSegment> out;
	for (auto &row : connection_->Query("SELECT seq, object_key, active_offset, active_length, wal_offset, wal_length, "
	                                    "inline_data FROM commit_segment WHERE db_id = $1 AND base_snapshot = $2 "
	                                    "ORDER BY seq",
	                                    {S(db_id), S(base_snapshot)})) {
		out.push_back(CommitSegment {base_snapshot, I(row[0]), row[1], uint64_t(I(row[2])), uint64_t(I(row[3])),
		                             uint64_t(I(row[4])), uint64_t(I(row[5])), HexDecode(row[6])});
	}
	return out;
}

CommitPosition SqlMetadataStore::LatestPosition(int64_t db_id) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto rows = connection_->Query("SELECT d.head_snapshot, (SELECT count(*) FROM commit_segment c WHERE c.db_id = d.id "
	                               "AND c.base_snapshot = d.head_snapshot) FROM db d WHERE d.id = $1",
	                               {S(db_id)});
	if (rows.empty()) {
		throw NotFoundError("database id " + S(db_id) + " no longer exists in " + Describe());
	}
	return CommitPosition {I(rows[0][0]), I(rows[0][1])};
}

SnapshotRecord SqlMetadataStore::CommitSnapshot(int64_t db_id, int64_t generation, int64_t parent_id,
                                                LayerRecord &layer, uint64_t file_size, int64_t replaces) {
	return InTransaction<SnapshotRecord>([&] {
		CheckGeneration(db_id, generation, "snapshot");
		auto db = SelectDatabases("WHERE id = $1", {S(db_id)});
		if (db.empty()) {
			throw std::runtime_error("database id " + S(db_id) + " no longer exists");
		}
		if (db[0].head_snapshot != parent_id) {
			throw LeaseError("database '" + db[0].name + "': head moved to snapshot " + S(db[0].head_snapshot) +
			                 " while this writer expected " + S(parent_id));
		}
		auto now = UnixNow();
		layer.created_at = now;
		layer.id = I(connection_
		                 ->Query("INSERT INTO layer (object_key, size_bytes, data_bytes, extent_count, created_at) "
		                         "VALUES ($1, $2, $3, $4, $5) RETURNING id",
		                         {layer.object_key, S(int64_t(layer.size_bytes)), S(int64_t(layer.data_bytes)),
		                          S(int64_t(layer.extent_count)), S(now)})
		                 .at(0)
		                 .at(0));
		auto snapshot_id = I(connection_
		                         ->Query("INSERT INTO snapshot (db_id, parent_id, created_at, file_size, generation) "
		                                 "VALUES ($1, $2, $3, $4, $5) RETURNING id",
		                                 {S(db_id), S(parent_id), S(now), S(int64_t(file_size)), S(generation)})
		                         .at(0)
		                         .at(0));
		auto parent_layers =
		    I(connection_->Query("SELECT COUNT(*) FROM snapshot_layer WHERE snapshot_id = $1", {S(parent_id)}).at(0).at(0));
		if (replaces < 0 || replaces > parent_layers) {
			throw std::runtime_error("snapshot " + S(parent_id) + " has " + S(parent_layers) + " layers; cannot replace " +
			                         S(replaces));
		}
		connection_->Query("INSERT INTO snapshot_layer (snapshot_id, position, layer_id) "
		                   "SELECT CAST($1 AS BIGINT), position, layer_id FROM snapshot_layer "
		                   "WHERE snapshot_id = $2 AND position < $3",
		                   {S(snapshot_id), S(parent_id), S(parent_layers - replaces)});
		connection_->Query("INSERT INTO snapshot_layer (snapshot_id, position, layer_id) "
		                   "SELECT CAST($1 AS BIGINT), COUNT(*), CAST($2 AS BIGINT) FROM snapshot_layer WHERE snapshot_id = $1",
		                   {S(snapshot_id), S(layer.id)});
		connection_->Query("UPDATE db SET head_snapshot = $1 WHERE id = $2", {S(snapshot_id), S(db_id)});
		// The new snapshot holds everything the old head's commit segments shipped; their
		// objects go in GC's orphan sweep.
		connection_->Query("DELETE FROM commit_segment WHERE db_id = $1", {S(db_id)});
		return SelectSnapshots("WHERE s.id = $1", {S(snapshot_id)}).at(0);
	});
}

std::vector<SnapshotRecord> SqlMetadataStore::ListSnapshots(int64_t db_id) {
	std::lock_guard<std::mutex> guard(mutex_);
	return SelectSnapshots("WHERE s.db_id = $1 ORDER BY s.id", {S(db_id)});
}

std::optional<SnapshotRecord> SqlMetadataStore::GetSnapshot(int64_t snapshot_id) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto found = SelectSnapshots("WHERE s.id = $1", {S(snapshot_id)});
	if (found.empty()) {
		return std::nullopt;
	}
	return found[0];
}

std::optional<SnapshotRecord> SqlMetadataStore::FindSnapshot(int64_t db_id, const std::string &name_or_id) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto found = SelectSnapshots("WHERE s.db_id = $1 AND s.name = $2", {S(db_id), name_or_id});
	bool numeric = IsSnapshotId(name_or_id) && name_or_id.size() < 19; // a BIGINT
	if (found.empty() && numeric) {
		found = SelectSnapshots("WHERE s.db_id = $1 AND s.id = $2", {S(db_id), name_or_id});
	}
	if (found.empty()) {
		return std::nullopt;
	}
	return found[0];
}

std::vector<LayerRecord> SqlMetadataStore::SnapshotLayers(int64_t snapshot_id) {
	std::lock_guard<std::mutex> guard(mutex_);
	std::vector<LayerRecord> out;
	for (auto &row : connection_->Query(
	         "SELECT l.id, l.object_key, l.size_bytes, l.data_bytes, l.extent_count, l.created_at "
	         "FROM snapshot_layer sl JOIN layer l ON l.id = sl.layer_id WHERE sl.snapshot_id = $1 ORDER BY sl.position",
	         {S(snapshot_id)})) {
		out.push_back(LayerRecord {I(row[0]), row[1], uint64_t(I(row[2])), uint64_t(I(row[3])), uint64_t(I(row[4])),
		                           I(row[5])});
	}
	return out;
}

SnapshotRecord SqlMetadataStore::NameSnapshot(int64_t snapshot_id, const std::string &name) {
	return InTransaction<SnapshotRecord>([&] {
		auto found = SelectSnapshots("WHERE s.id = $1", {S(snapshot_id)});
		if (found.empty()) {
			throw std::runtime_error("snapshot " + S(snapshot_id) + " does not exist");
		}
		if (!SelectSnapshots("WHERE s.db_id = $1 AND s.name = $2", {S(found[0].db_id), name}).empty()) {
			throw AlreadyExistsError("a snapshot named '" + name + "' already exists in this database");
		}
		if (!found[0].name.empty()) {
			// A snapshot has one name; renaming it would silently take away the name users know.
			throw AlreadyExistsError("snapshot " + S(snapshot_id) + " is already named '" + found[0].name +
			                         "' (nothing was committed since it was taken): use that name");
		}
		connection_->Query("UPDATE snapshot SET name = $1 WHERE id = $2", {name, S(snapshot_id)});
		found[0].name = name;
		return found[0];
	});
}

DatabaseRecord SqlMetadataStore::CloneDatabase(const SnapshotRecord &source, const std::string &name,
                                               const LeaseRequest *lease) {
	return InTransaction<DatabaseRecord>([&] {
		if (SelectSnapshots("WHERE s.id = $1", {S(source.id)}).empty()) {
			throw std::runtime_error("cannot clone: snapshot " + S(source.id) + " no longer exists");
		}
		auto db = InsertDatabase(name, lease);
		auto now = UnixNow();
		auto snapshot_id = I(connection_
		                         ->Query("INSERT INTO snapshot (db_id, parent_id, created_at, file_size, generation) "
		                                 "VALUES ($1, $2, $3, $4, 0) RETURNING id",
		                                 {S(db.id), S(source.id), S(now), S(int64_t(source.file_size))})
		                         .at(0)
		                         .at(0));
		connection_->Query("INSERT INTO snapshot_layer (snapshot_id, position, layer_id) "
		                   "SELECT CAST($1 AS BIGINT), position, layer_id FROM snapshot_layer WHERE snapshot_id = $2",
		                   {S(snapshot_id), S(source.id)});
		connection_->Query("UPDATE db SET head_snapshot = $1 WHERE id = $2", {S(snapshot_id), S(db.id)});
		db.head_snapshot = snapshot_id;
		return db;
	});
}

int64_t SqlMetadataStore::PinSnapshot(int64_t snapshot_id, const std::string &holder, int64_t ttl_seconds) {
	return InTransaction<int64_t>([&] {
		if (SelectSnapshots("WHERE s.id = $1", {S(snapshot_id)}).empty()) {
			throw std::runtime_error("snapshot " + S(snapshot_id) + " no longer exists");
		}
		return I(connection_
		             ->Query("INSERT INTO reader_pin (snapshot_id, holder, expires_at) VALUES ($1, $2, $3) RETURNING id",
		                     {S(snapshot_id), holder, S(StoreNow() + ttl_seconds)})
		             .at(0)
		             .at(0));
	});
}

void SqlMetadataStore::RenewPin(int64_t pin_id, int64_t ttl_seconds) {
	InTransaction<int>([&] {
		connection_->Query("UPDATE reader_pin SET expires_at = $1 WHERE id = $2", {S(StoreNow() + ttl_seconds), S(pin_id)});
		return 0;
	});
}

void SqlMetadataStore::Unpin(int64_t pin_id) {
	InTransaction<int>([&] {
		connection_->Query("DELETE FROM reader_pin WHERE id = $1", {S(pin_id)});
		return 0;
	});
}

GcPlan SqlMetadataStore::PlanGarbageCollection(int64_t now, const RetentionPolicy &retention, bool dry_run) {
	std::lock_guard<std::mutex> guard(mutex_);
	// A dry run performs the same statements and rolls them back, so it reports exactly what a
	// real run would do at this moment.
	connection_->BeginExclusive();
	try {
		GcPlan plan;
		std::map<int64_t, RetentionPolicy> own_retention;
		for (auto &row : connection_->Query("SELECT db_id, retention FROM db_policy WHERE retention <> ''", {})) {
			try {
				own_retention.emplace(I(row[0]), RetentionPolicy::Parse(row[1]));
			} catch (std::invalid_argument &ex) {
				throw std::runtime_error("database id " + row[0] + ": " + ex.what());
			}
		}
		auto retention_of = [&](int64_t db_id) -> const RetentionPolicy & {
			auto found = own_retention.find(db_id);
			return found == own_retention.end() ? retention : found->second;
		};
		for (auto &row : connection_->Query("SELECT id, dropped_at FROM db WHERE dropped_at <> 0 AND NOT EXISTS "
		                                    "(SELECT 1 FROM write_lease l WHERE l.db_id = db.id AND l.expires_at > $1) "
		                                    "ORDER BY id",
		                                    {S(StoreNow())})) {
			if (I(row[1]) < now - retention_of(I(row[0])).Horizon()) {
				plan.purged_databases.push_back(I(row[0]));
			}
		}
		for (auto db_id : plan.purged_databases) {
			connection_->Query("UPDATE db SET head_snapshot = 0 WHERE id = $1", {S(db_id)});
		}
		connection_->Query("DELETE FROM reader_pin WHERE expires_at < $1", {S(StoreNow())});
		// Databases purged now or by an earlier run that left pinned snapshots behind.
		std::set<int64_t> purged;
		for (auto &row : connection_->Query("SELECT id FROM db WHERE head_snapshot = 0 AND dropped_at <> 0", {})) {
			purged.insert(I(row[0]));
		}
		struct Candidate {
			SnapshotAge age;
			bool kept; // a head, named (unless its database is purged) or pinned
		};
		std::map<int64_t, std::vector<Candidate>> by_database;
		for (auto &row : connection_->Query(
		         "SELECT s.id, s.db_id, s.created_at, CASE WHEN s.name <> '' THEN 1 ELSE 0 END, "
		         "CASE WHEN EXISTS (SELECT 1 FROM db d WHERE d.head_snapshot = s.id) "
		         "OR EXISTS (SELECT 1 FROM reader_pin p WHERE p.snapshot_id = s.id) THEN 1 ELSE 0 END "
		         "FROM snapshot s ORDER BY s.id",
		         {})) {
			auto db_id = I(row[1]);
			bool named = I(row[3]) != 0 && !purged.count(db_id);
			by_database[db_id].push_back(Candidate {SnapshotAge {I(row[0]), I(row[2])}, named || I(row[4]) != 0});
		}
		for (auto &database : by_database) {
			std::unordered_set<int64_t> young;
			if (!purged.count(database.first)) {
				std::vector<SnapshotAge> ages;
				for (auto &candidate : database.second) {
					ages.push_back(candidate.age);
				}
				young = retention_of(database.first).KeptByAge(now, ages);
			}
			for (auto &candidate : database.second) {
				if (!candidate.kept && !young.count(candidate.age.id)) {
					plan.expired_snapshots.push_back(candidate.age.id);
				}
			}
		}
		std::sort(plan.expired_snapshots.begin(), plan.expired_snapshots.end());
		for (auto snapshot_id : plan.expired_snapshots) {
			connection_->Query("DELETE FROM snapshot_layer WHERE snapshot_id = $1", {S(snapshot_id)});
			connection_->Query("DELETE FROM snapshot WHERE id = $1", {S(snapshot_id)});
		}
		for (auto db_id : plan.purged_databases) {
			if (connection_->Query("SELECT 1 FROM snapshot WHERE db_id = $1", {S(db_id)}).empty()) {
				connection_->Query("DELETE FROM write_lease WHERE db_id = $1", {S(db_id)});
				connection_->Query("DELETE FROM commit_segment WHERE db_id = $1", {S(db_id)});
				connection_->Query("DELETE FROM db_policy WHERE db_id = $1", {S(db_id)});
				connection_->Query("DELETE FROM db_kind WHERE db_id = $1", {S(db_id)});
				connection_->Query("DELETE FROM db WHERE id = $1", {S(db_id)});
			}
		}
		for (auto &row : connection_->Query(
		         "SELECT id, object_key, size_bytes, data_bytes, extent_count, created_at FROM layer l "
		         "WHERE NOT EXISTS (SELECT 1 FROM snapshot_layer sl WHERE sl.layer_id = l.id) ORDER BY id",
		         {})) {
			plan.dead_layers.push_back(LayerRecord {I(row[0]), row[1], uint64_t(I(row[2])), uint64_t(I(row[3])),
			                                        uint64_t(I(row[4])), I(row[5])});
			connection_->Query("UPDATE layer SET dead = 1 WHERE id = $1", {row[0]});
		}
		if (dry_run) {
			connection_->Rollback();
		} else {
			connection_->Commit();
		}
		return plan;
	} catch (...) {
		try {
			connection_->Rollback();
		} catch (...) {
		}
		throw;
	}
}

void SqlMetadataStore::ForgetLayers(const std::vector<int64_t> &layer_ids) {
	InTransaction<int>([&] {
		for (auto id : layer_ids) {
			// Only rows still unreferenced: nothing can reference a dead layer, but be exact.
			connection_->Query("DELETE FROM layer WHERE id = $1 AND dead = 1 AND NOT EXISTS "
			                   "(SELECT 1 FROM snapshot_layer sl WHERE sl.layer_id = layer.id)",
			                   {S(id)});
		}
		return 0;
	});
}

std::vector<std::string> SqlMetadataStore::AllObjectKeys() {
	std::lock_guard<std::mutex> guard(mutex_);
	std::vector<std::string> keys;
	for (auto &row : connection_->Query("SELECT object_key FROM layer UNION ALL SELECT object_key FROM commit_segment",
	                                    {})) {
		keys.push_back(row[0]);
	}
	return keys;
}

} // namespace openduck
