#include "storage/storage_engine.hpp"

#include "common/failpoint.hpp"
#include "common/snapshot_reference.hpp"
#include "storage/admin_report.hpp"
#include "rpc/log.hpp"
#include "storage/diff_file_system.hpp"
#include "storage/ducklake_database.hpp"

#include "duckdb/common/virtual_file_system.hpp"
#include "duckdb/main/config.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace openduck {

namespace fs = std::filesystem;

StorageConfig StorageConfig::Defaults(const std::string &data_dir) {
	auto root = fs::absolute(data_dir).lexically_normal().string();
	if (root.size() > 1 && root.back() == '/') {
		root.pop_back();
	}
	StorageConfig config;
	config.metadata_url = "sqlite://" + root + "/metadata.sqlite";
	config.store_url = "file://" + root + "/store";
	config.local_dir = root + "/local";
	return config;
}

StorageEngine::StorageEngine(StorageConfig config) : config_(std::move(config)) {
	std::error_code error;
	fs::create_directories(config_.local_dir, error);
	if (error) {
		throw std::runtime_error("storage: cannot create local directory '" + config_.local_dir +
		                         "': " + error.message());
	}
	config_.local_dir = fs::absolute(config_.local_dir).lexically_normal().string();
	if (config_.holder.empty()) {
		char host[256] = {0};
		::gethostname(host, sizeof(host) - 1);
		config_.holder = std::string(host) + ":" + config_.local_dir;
	}
	metadata_ = OpenMetadataStore(config_.metadata_url);
	store_ = OpenObjectStore(config_.store_url);
	cache_ = std::make_unique<LayerCache>(*store_, config_.cache_bytes);
}

void StorageEngine::LockLocalDir() {
	if (!dir_lock_) {
		dir_lock_ = std::make_unique<DirectoryLock>(config_.local_dir);
	}
}

StorageEngine::~StorageEngine() {
	{
		std::lock_guard<std::mutex> guard(leases_lock_);
		stopping_ = true;
	}
	leases_changed_.notify_all();
	if (renewer_.joinable()) {
		renewer_.join();
	}
}

void StorageEngine::StartRenewerLocked() {
	if (!renewer_.joinable()) {
		renewer_ = std::thread([this] { RenewLeases(); });
	}
}

void StorageEngine::RenewLeases() {
	std::unique_lock<std::mutex> guard(leases_lock_);
	auto period = std::chrono::seconds(
	    std::max<int64_t>(1, std::min(config_.lease_ttl_seconds, config_.pin_ttl_seconds) / 3));
	while (!stopping_) {
		leases_changed_.wait_for(guard, period);
		if (stopping_) {
			break;
		}
		std::vector<std::shared_ptr<LayeredFile>> alive;
		// Under the lock: a release cannot interleave and be undone by a late renewal.
		for (auto &lease : leases_) {
			auto fenced = lease.file.lock();
			if (fenced && fenced->Fenced()) {
				continue; // lost for good: said once when it was lost
			}
			auto started = std::chrono::steady_clock::now();
			try {
				Failpoint("lease.renew");
				if (metadata_->RenewLease(lease.db_id, lease.generation, config_.lease_ttl_seconds)) {
					lease.renewed = started;
					if (fenced) {
						fenced->ConfirmLease(started);
					}
					continue;
				}
				Log("storage: lost the write lease of database id " + std::to_string(lease.db_id) +
				    " (another writer took it); no further commit is accepted here");
			} catch (std::exception &ex) {
				// The lease may still hold: fence only once it may have expired before the next try.
				if (started + period < lease.renewed + std::chrono::seconds(config_.lease_ttl_seconds)) {
					Log("storage: cannot renew the write lease of database id " + std::to_string(lease.db_id) +
					    " (will retry): " + ex.what());
					continue;
				}
				Log("storage: cannot renew the write lease of database id " + std::to_string(lease.db_id) +
				    " before it expires; no further commit is accepted here: " + ex.what());
			}
			if (auto file = lease.file.lock()) {
				file->Fence();
				alive.push_back(std::move(file));
			}
		}
		// Snapshot readers: their pins must outlive idle periods, not only reads.
		for (auto it = readers_.begin(); it != readers_.end();) {
			if (auto file = it->lock()) {
				file->RenewPinIfDue();
				alive.push_back(std::move(file));
				++it;
			} else {
				it = readers_.erase(it);
			}
		}
		// A file's destructor may release its lease (ReleaseLease locks): drop them unlocked.
		guard.unlock();
		alive.clear();
		guard.lock();
	}
}

std::shared_ptr<LayeredFile> StorageEngine::LatestWriter(const std::string &name) {
	std::lock_guard<std::mutex> guard(writers_lock_);
	auto found = writers_.find(name);
	return found == writers_.end() ? nullptr : found->second.lock();
}

bool StorageEngine::Fenced(const std::string &name) {
	// The latest writer decides: one reopened after a fenced one has a writer again.
	auto writer = LatestWriter(name);
	return writer && writer->Fenced();
}

bool StorageEngine::LeaseUnconfirmed(const std::string &name) {
	if (!config_.ship_commits) {
		return false;
	}
	auto writer = LatestWriter(name);
	return writer && !writer->Fenced() &&
	       std::chrono::steady_clock::now() >= writer->LeaseConfirmed() + std::chrono::seconds(config_.lease_ttl_seconds);
}

std::vector<std::string> StorageEngine::FencedDatabases() {
	// As Fenced(name): the latest writer decides (one reopened after a fenced one has a writer).
	std::lock_guard<std::mutex> guard(writers_lock_);
	std::vector<std::string> names;
	for (auto &entry : writers_) {
		auto writer = entry.second.lock();
		if (writer && writer->Fenced()) {
			names.push_back(entry.first);
		}
	}
	return names;
}

void StorageEngine::ReleaseLease(int64_t db_id, int64_t generation) {
	std::lock_guard<std::mutex> guard(leases_lock_);
	for (auto it = leases_.begin(); it != leases_.end(); ++it) {
		if (it->db_id == db_id && it->generation == generation) {
			leases_.erase(it);
			break;
		}
	}
	try {
		metadata_->ReleaseLease(db_id, generation);
	} catch (std::exception &) {
		// The lease expires by itself.
	}
}

DatabaseRecord StorageEngine::RequireDatabase(const std::string &name) {
	auto db = metadata_->FindDatabase(name);
	if (!db) {
		throw NotFoundError("database '" + name + "' does not exist in " + metadata_->Describe());
	}
	return *db;
}

SnapshotRecord StorageEngine::RequireSnapshot(const DatabaseRecord &db, const std::string &name_or_id) {
	if (db.kind == DatabaseKind::kDuckLake) {
		throw NotFoundError("database '" + db.name + "' is DuckLake-backed: its versions are DuckLake snapshots, "
		                    "not OpenDuck snapshots; read one with FROM t AT (VERSION => n) or ATTACH "
		                    "'openduck:" + db.name + "?snapshot=n', list them with SELECT * FROM "
		                    "ducklake_snapshots('" + db.name + "') through openduck_query");
	}
	if (IsSnapshotTime(name_or_id)) {
		return SnapshotAt(db, name_or_id.substr(1));
	}
	auto snapshot = metadata_->FindSnapshot(db.id, name_or_id);
	if (!snapshot) {
		throw NotFoundError("database '" + db.name + "' has no snapshot named or numbered '" + name_or_id +
		                         "' (see `openduck snapshot list -d " + db.name + "`)");
	}
	return *snapshot;
}

SnapshotRecord StorageEngine::SnapshotAt(const DatabaseRecord &db, const std::string &unix_micros) {
	int64_t micros = 0;
	try {
		size_t used = 0;
		micros = std::stoll(unix_micros, &used);
		if (used != unix_micros.size()) {
			throw std::invalid_argument(unix_micros);
		}
	} catch (std::exception &) {
		throw NotFoundError("'@" + unix_micros + "' is no point in time (expected @<unix microseconds>)");
	}
	// Snapshot times are whole seconds: one taken during the second of `micros` counts.
	auto seconds = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
	std::optional<SnapshotRecord> newest, oldest;
	for (auto &snapshot : metadata_->ListSnapshots(db.id)) {
		if (!oldest || snapshot.created_at < oldest->created_at) {
			oldest = snapshot;
		}
		if (snapshot.created_at <= seconds && (!newest || snapshot.created_at >= newest->created_at)) {
			newest = snapshot;
		}
	}
	if (!newest) {
		throw NotFoundError("database '" + db.name + "' has no snapshot at or before " + FormatTime(seconds) +
		                    (oldest ? "; its history starts at " + FormatTime(oldest->created_at) + " (snapshot " +
		                                  std::to_string(oldest->id) + ")"
		                            : std::string("; it has no snapshot yet (run CHECKPOINT)")));
	}
	return *newest;
}

std::string StorageEngine::DatabaseDir(const DatabaseRecord &db) {
	// Keyed by id as well as name: a dropped and re-created name never sees the old active layer.
	auto dir = config_.local_dir + "/" + db.name + "." + std::to_string(db.id);
	std::error_code error;
	fs::create_directories(dir + "/tmp", error);
	if (error) {
		throw std::runtime_error("storage: cannot create '" + dir + "': " + error.message());
	}
	return dir;
}

// Every worker computes in UTC and the Gregorian calendar whatever its machine's zone, so hosts
// know what to send when theirs differ (extension/session_settings.cpp). And a server that runs
// for weeks under a changing load gives freed memory back: DuckDB's allocator keeps it for reuse
// unless its background threads purge it after a decay, and a task that peaked above the flush
// threshold (default 128 MiB) flushes its thread's cache when it ends. (Both are process-wide.)
static void ConfigureServer(duckdb::DBConfig &config) {
	config.options.set_variables["TimeZone"] = duckdb::Value("UTC");
	config.options.set_variables["Calendar"] = duckdb::Value("gregorian");
	config.options.allocator_background_threads = true;
	config.options.allocator_flush_threshold = 32ULL << 20;
}

// Points `config` at the layered file: our file system for `path` (and its WAL at the local
// `wal_path`, none when empty), local spill files, read-only for snapshots.
static void ConfigureLayered(duckdb::DBConfig &config, std::shared_ptr<LayeredFile> file, const std::string &path,
                             const std::string &wal_path, const std::string &temp_dir) {
	auto vfs = duckdb::make_uniq<duckdb::VirtualFileSystem>();
	vfs->RegisterSubSystem(duckdb::make_uniq<DiffFileSystem>(path, file, wal_path));
	config.file_system = std::move(vfs);
	// Spill files stay local (they would otherwise go through this file system, §1).
	config.options.temporary_directory = temp_dir;
	if (file->ReadOnly()) {
		config.options.access_mode = duckdb::AccessMode::READ_ONLY;
	}
	ConfigureServer(config);
}


std::unique_ptr<duckdb::DuckDB> StorageEngine::NewInstance(std::shared_ptr<LayeredFile> file, const std::string &path,
                                                           const std::string &wal_path, const std::string &temp_dir) {
	duckdb::DBConfig config;
	ConfigureLayered(config, std::move(file), path, wal_path, temp_dir);
	config_.sandbox.Configure(config);
	auto database = std::make_unique<duckdb::DuckDB>(path, &config);
	config_.sandbox.Seal(*database, wal_path.empty() ? std::vector<std::string> {} : std::vector<std::string> {wal_path});
	return database;
}

std::unique_ptr<duckdb::DuckDB> StorageEngine::OpenDatabase(const std::string &name, bool create) {
	auto db = metadata_->FindDatabase(name);
	if (!db && create) {
		try {
			return CreateDatabase(name);
		} catch (AlreadyExistsError &) {
			// Another process created it since we looked: open it like any existing database.
			db = metadata_->FindDatabase(name);
		}
	}
	if (!db) {
		throw std::runtime_error("database '" + name + "' does not exist in " + metadata_->Describe());
	}
	// Read before taking the lease: a previous writer that shipped its commits left the truth in
	// the stores, whatever this machine's local files say.
	auto previous = metadata_->Lease(db->id);
	bool restore = previous && previous->ships_commits;
	auto acquired = std::chrono::steady_clock::now();
	auto generation =
	    metadata_->AcquireLease(db->id, config_.holder, config_.lease_ttl_seconds, config_.ship_commits);
	if (restore && !config_.ship_commits) {
		// This writer will not ship: the next one must trust the local files it leaves.
		Log("storage: database '" + name + "' was written by a writer that shipped its commits; this one does not "
		    "(ship_commits off), so another worker cannot take it over without losing commits");
	}
	return OpenWriter(db->id, generation, acquired, restore);
}

std::unique_ptr<duckdb::DuckDB> StorageEngine::CreateDatabase(const std::string &name, DatabaseKind kind) {
	auto acquired = std::chrono::steady_clock::now();
	LeaseRequest lease {config_.holder, config_.lease_ttl_seconds, config_.ship_commits};
	auto db = metadata_->CreateDatabase(name, &lease, kind);
	return OpenWriter(db.id, kFirstLeaseGeneration, acquired, false);
}

std::unique_ptr<duckdb::DuckDB> StorageEngine::OpenLake(const DatabaseRecord &db, int64_t version) {
	duckdb::DBConfig config;
	config.options.temporary_directory =
	    OwnTempDir(db, version ? "lake-" + std::to_string(version) : std::string("lake"));
	ConfigureServer(config);
	config_.sandbox.Configure(config);
	return OpenDuckLake(LocateDuckLake(config_.metadata_url, config_.store_url, db.id), db.name, version, config,
	                    config_.sandbox);
}

std::unique_ptr<duckdb::DuckDB> StorageEngine::OpenClone(const std::string &source, const std::string &target,
                                                         const std::string &snapshot, DatabaseRecord &clone) {
	auto from = SnapshotToClone(source, snapshot);
	auto acquired = std::chrono::steady_clock::now();
	LeaseRequest lease {config_.holder, config_.lease_ttl_seconds, config_.ship_commits};
	clone = metadata_->CloneDatabase(from, target, &lease);
	return OpenWriter(clone.id, kFirstLeaseGeneration, acquired, false);
}

std::unique_ptr<duckdb::DuckDB> StorageEngine::ReopenWriter(const std::string &name) {
	if (!config_.ship_commits) {
		throw std::runtime_error("database '" + name + "': only a writer that ships its commits can reopen it (its "
		                         "commits since the last checkpoint are in the stores)");
	}
	auto db = RequireDatabase(name);
	auto acquired = std::chrono::steady_clock::now();
	auto generation = metadata_->AcquireLease(db.id, config_.holder, config_.lease_ttl_seconds, true);
	auto dir = DatabaseDir(db) + "/reopened-" + std::to_string(::getpid()) + "-" + std::to_string(++temp_dirs_);
	return OpenWriter(db.id, generation, acquired, true, dir);
}

std::unique_ptr<duckdb::DuckDB> StorageEngine::OpenWriter(int64_t db_id, int64_t generation,
                                                          std::chrono::steady_clock::time_point acquired,
                                                          bool restore, const std::string &own_dir) {
	std::shared_ptr<LayeredFile> file;
	DatabaseRecord db;
	std::string dir, wal_path;
	try {
		// Read now that the lease is ours: the head may have moved before.
		db = *metadata_->GetDatabase(db_id);
		if (db.kind == DatabaseKind::kDuckLake) {
			// The lease only keeps workers apart (one serves the database); DuckLake's own commits
			// stay safe with more writers, so a lost lease fences nothing. It expires when this
			// process ends.
			auto lake = OpenLake(db, 0);
			std::lock_guard<std::mutex> guard(leases_lock_);
			leases_.push_back(HeldLease {db_id, generation, {}, acquired});
			StartRenewerLocked();
			return lake;
		}
		dir = own_dir.empty() ? DatabaseDir(db) : own_dir;
		fs::create_directories(dir + "/tmp");
		wal_path = dir + "/wal";
		CommitShipping shipping {wal_path, restore, config_.ship_commits};
		file = LayeredFile::OpenWriter(StorageContext {*metadata_, *store_, *cache_}, db, generation, dir,
		                               config_.compact_at_layers, &shipping);
	} catch (...) {
		ReleaseLease(db_id, generation);
		throw;
	}
	file->ConfirmLease(acquired);
	{
		std::lock_guard<std::mutex> guard(leases_lock_);
		leases_.push_back(HeldLease {db_id, generation, file, acquired});
		StartRenewerLocked();
	}
	{
		std::lock_guard<std::mutex> guard(writers_lock_);
		writers_[db.name] = file;
	}
	// The file outlives the DuckDB's final checkpoint; the lease goes with it (and a directory of
	// its own, whose commits are all shipped).
	file->SetOnClose([this, db_id, generation, own_dir] {
		ReleaseLease(db_id, generation);
		if (!own_dir.empty()) {
			std::error_code ignored;
			fs::remove_all(own_dir, ignored);
		}
	});
	return NewInstance(file, std::string(kLayeredPathPrefix) + db.name, wal_path, dir + "/tmp");
}

void StorageEngine::RenewPinWhileOpen(const std::shared_ptr<LayeredFile> &file) {
	std::lock_guard<std::mutex> guard(leases_lock_);
	readers_.push_back(file);
	StartRenewerLocked();
}

std::unique_ptr<duckdb::DuckDB> StorageEngine::OpenSnapshot(const std::string &name, const std::string &name_or_id) {
	auto db = RequireDatabase(name);
	if (db.kind == DatabaseKind::kDuckLake && IsSnapshotId(name_or_id)) {
		return OpenLake(db, std::stoll(name_or_id));
	}
	auto snapshot = RequireSnapshot(db, name_or_id);
	auto file = LayeredFile::OpenSnapshot(StorageContext {*metadata_, *store_, *cache_}, db, snapshot,
	                                      config_.holder + ":" + std::to_string(::getpid()), config_.pin_ttl_seconds);
	RenewPinWhileOpen(file);
	return NewInstance(file, std::string(kLayeredPathPrefix) + name + "@" + std::to_string(snapshot.id), "",
	                   OwnTempDir(db, "snapshot-" + std::to_string(snapshot.id)));
}

std::unique_ptr<duckdb::DuckDB> StorageEngine::OpenScratch(const std::string &name) {
	auto db = RequireDatabase(name);
	duckdb::DBConfig config;
	config.options.temporary_directory = OwnTempDir(db, "scratch");
	ConfigureServer(config);
	config_.sandbox.Configure(config);
	auto database = std::make_unique<duckdb::DuckDB>(nullptr, &config);
	config_.sandbox.Seal(*database, {});
	return database;
}

std::string StorageEngine::OwnTempDir(const DatabaseRecord &db, const std::string &what) {
	return DatabaseDir(db) + "/tmp/" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++temp_dirs_);
}

std::unique_ptr<duckdb::DuckDB> StorageEngine::OpenReplica(const std::string &name, CommitPosition &position) {
	auto db = RequireDatabase(name);
	if (db.kind == DatabaseKind::kDuckLake) {
		throw std::runtime_error("database '" + name + "' is DuckLake-backed: read replicas serve native databases "
		                         "only; its writer serves every read of it");
	}
	if (!db.head_snapshot) {
		throw std::runtime_error("database '" + name + "' has no snapshot yet; a replica serves it after its writer's "
		                         "first checkpoint");
	}
	// Each instance restores into its own directory: the one it replaces may still be serving.
	auto dir = config_.local_dir + "/replicas/" + name + "." + std::to_string(db.id) + "/" +
	           std::to_string(::getpid()) + "-" + std::to_string(++replica_instances_);
	std::error_code error;
	fs::remove_all(dir, error);
	fs::create_directories(dir + "/tmp", error);
	if (error) {
		throw std::runtime_error("storage: cannot create '" + dir + "': " + error.message());
	}
	auto wal_path = dir + "/wal";
	std::shared_ptr<LayeredFile> file;
	// A seal between reading the head and reading its segments deletes those segments: the
	// restored state would then be older than the head says. Read the head again and retry.
	for (int attempt = 0;; attempt++) {
		auto head = metadata_->GetSnapshot(db.head_snapshot);
		if (!head) {
			throw std::runtime_error("database '" + name + "': head snapshot " + std::to_string(db.head_snapshot) +
			                         " is missing from the metadata store");
		}
		int64_t segments = 0;
		file = LayeredFile::OpenReplica(StorageContext {*metadata_, *store_, *cache_}, db, *head, dir, wal_path,
		                                config_.holder + ":" + std::to_string(::getpid()), config_.pin_ttl_seconds,
		                                segments);
		auto latest = metadata_->LatestPosition(db.id);
		position = CommitPosition {head->id, segments};
		if (latest.snapshot == head->id || attempt == 3) {
			break;
		}
		file.reset();
		db.head_snapshot = latest.snapshot;
	}
	file->SetOnClose([dir] {
		std::error_code ignored;
		fs::remove_all(dir, ignored);
	});
	RenewPinWhileOpen(file);
	return NewInstance(file, std::string(kLayeredPathPrefix) + name, wal_path, dir + "/tmp");
}

void StorageEngine::RemoveStaleReplicaFiles() {
	std::error_code error;
	fs::remove_all(config_.local_dir + "/replicas", error);
	if (error) {
		Log("storage: cannot remove old replica files under '" + config_.local_dir + "/replicas': " + error.message());
	}
}

CommitPosition StorageEngine::LatestPosition(const std::string &name) {
	return metadata_->LatestPosition(RequireDatabase(name).id);
}

std::optional<std::pair<uint64_t, CommitPosition>> StorageEngine::WriterPosition(const std::string &name) {
	std::shared_ptr<LayeredFile> writer;
	{
		std::lock_guard<std::mutex> guard(leases_lock_);
		for (auto &lease : leases_) {
			auto file = lease.file.lock();
			if (file && file->DatabaseName() == name && !file->Fenced()) {
				writer = std::move(file);
				break;
			}
		}
	}
	// Used and dropped unlocked: the last reference's destructor releases the lease (locking).
	if (!writer) {
		return std::nullopt;
	}
	return std::make_pair(writer->Commits(), writer->Position());
}

void StorageEngine::VerifySnapshot(const SnapshotRecord &snapshot) {
	for (auto &layer : metadata_->SnapshotLayers(snapshot.id)) {
		cache_->Verify(layer);
	}
}

SnapshotRecord StorageEngine::SnapshotToClone(const std::string &source, const std::string &snapshot) {
	auto db = RequireDatabase(source);
	if (db.kind == DatabaseKind::kDuckLake) {
		throw std::runtime_error("database '" + source + "' is DuckLake-backed: OpenDuck clones native databases "
		                         "only (a clone shares their layers); copy a lake's tables with CREATE TABLE ... AS "
		                         "SELECT into a new database instead");
	}
	if (!snapshot.empty()) {
		return RequireSnapshot(db, snapshot);
	}
	if (!db.head_snapshot) {
		throw std::runtime_error("database '" + source + "' has no snapshot yet (nothing was checkpointed)");
	}
	return *metadata_->GetSnapshot(db.head_snapshot);
}

DatabaseRecord StorageEngine::CloneDatabase(const std::string &source, const std::string &target,
                                            const std::string &snapshot) {
	return metadata_->CloneDatabase(SnapshotToClone(source, snapshot), target, nullptr);
}

std::string SnapshotNameProblem(const std::string &name) {
	if (name.empty() || name.size() > kMaxSnapshotNameLength) {
		return "snapshot name '" + name + "' must have 1 to " + std::to_string(kMaxSnapshotNameLength) + " characters";
	}
	for (char c : name) {
		bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		               c == '-' || c == '.';
		if (!allowed) {
			return "invalid snapshot name '" + name + "': use letters, digits, '_', '-' and '.'";
		}
	}
	if (IsSnapshotId(name)) {
		return "invalid snapshot name '" + name + "': a name of digits only would read as a snapshot id";
	}
	return "";
}

SnapshotRecord StorageEngine::NameSnapshot(const DatabaseRecord &db, int64_t snapshot_id, const std::string &name) {
	auto problem = SnapshotNameProblem(name);
	if (!problem.empty()) {
		throw std::invalid_argument(problem);
	}
	if (!snapshot_id) {
		throw std::runtime_error("database '" + db.name + "' has no snapshot yet (run CHECKPOINT first)");
	}
	return metadata_->NameSnapshot(snapshot_id, name);
}

} // namespace openduck
