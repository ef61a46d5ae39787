#include "worker/database_set.hpp"

#include "common/snapshot_reference.hpp"
#include "rpc/log.hpp"
#include "storage/ducklake_database.hpp"
#include "worker/database_name.hpp"

#include "duckdb/main/valid_checker.hpp"

#include <set>
#include <stdexcept>

namespace openduck {

DatabaseSet::DatabaseSet(StorageEngine &storage, const std::vector<std::string> &requested) : storage_(storage) {
	std::lock_guard<std::mutex> open_lock(open_lock_);
	for (auto &name : requested) {
		auto problem = DatabaseNameProblem(name);
		if (!problem.empty()) {
			throw std::runtime_error(problem);
		}
		if (!FindOpen(name) && !WrittenByAnotherLiveWorker(name)) {
			OpenLocked(name, true, open_lock);
		}
	}
	for (auto &db : storage_.Metadata().ListDatabases(false)) {
		if (!IsValidDatabaseName(db.name)) {
			Log("ignoring database '" + db.name + "' in " + Describe() + ": " + DatabaseNameProblem(db.name));
		}
	}
	OpenServableLocked(open_lock);
}

bool DatabaseSet::WrittenByAnotherLiveWorker(const std::string &name) {
	if (!storage_.ShipsCommits()) {
		return false; // opening reports the conflict: two writers on one database is a set-up error
	}
	auto db = storage_.Metadata().FindDatabase(name);
	auto lease = db ? storage_.Metadata().Lease(db->id) : std::nullopt;
	if (!lease || lease->holder == storage_.Holder() || lease->expired) {
		return false;
	}
	Log("database '" + name + "' is written by " + lease->holder + " now (it took the database over); this worker "
	    "stands by and takes it back when that writer is gone");
	return true;
}

std::vector<std::string> DatabaseSet::TakeOver() {
	std::lock_guard<std::mutex> open_lock(open_lock_);
	return OpenServableLocked(open_lock);
}

std::vector<std::string> DatabaseSet::OpenServableLocked(std::lock_guard<std::mutex> &open_lock) {
	std::vector<std::string> opened;
	for (auto &db : storage_.Metadata().ListDatabases(false)) {
		if (!IsValidDatabaseName(db.name)) {
			continue;
		}
		if (auto open = FindOpen(db.name)) {
			bool is_fenced = storage_.Fenced(db.name);
			if ((is_fenced || duckdb::ValidChecker::IsInvalidated(*open->instance)) &&
			    ReopenLostWriterLocked(db, is_fenced, open_lock)) {
				opened.push_back(db.name);
			}
			continue;
		}
		if (!MayServe(db)) {
			continue;
		}
		try {
			OpenLocked(db.name, false, open_lock);
			opened.push_back(db.name);
		} catch (std::exception &ex) {
			// Another standby may have taken it between the check and the open.
			Log(ex.what());
		}
	}
	return opened;
}

bool DatabaseSet::ReopenLostWriterLocked(const DatabaseRecord &db, bool fenced, std::lock_guard<std::mutex> &) {
	// Without shipped commits, this machine's local files hold the truth: a restart reopens it.
	auto lease = storage_.Metadata().Lease(db.id);
	if (!storage_.ShipsCommits() || !lease || !lease->ships_commits) {
		return false;
	}
	// A fenced writer waits for its lease to lapse (another worker may be taking over); an
	// invalidated one still holds it, unless another worker took it after it lapsed.
	if (fenced ? !lease->expired : (lease->holder != storage_.Holder() && !lease->expired)) {
		return false;
	}
	{
		std::lock_guard<std::mutex> guard(lock_);
		reopening_.insert(db.name);
	}
	std::unique_ptr<duckdb::DuckDB> instance;
	try {
		instance = storage_.ReopenWriter(db.name);
	} catch (std::exception &ex) {
		std::lock_guard<std::mutex> guard(lock_);
		reopening_.erase(db.name);
		Log("database '" + db.name + "': cannot take it back after losing its writer here: " + ex.what());
		return false;
	}
	std::lock_guard<std::mutex> guard(lock_);
	reopening_.erase(db.name);
	auto &serving = databases_[db.name];
	// Kept, not closed: requests running on it hold its pointer (see the class comment).
	lost_.push_back(std::move(serving));
	serving = std::move(instance);
	Log("database '" + db.name + "': reopened with every shipped commit after " +
	    (fenced ? "this worker lost its write lease (the metadata store was unreachable for longer than the lease)"
	            : "DuckDB invalidated it (a checkpoint failed because its commit could not be shipped)"));
	return true;
}

bool DatabaseSet::MayServe(const DatabaseRecord &db) {
	// In a cluster every worker shares the metadata store: a database another worker has
	// written is that worker's (it is served here only when asked for with -d)...
	auto lease = storage_.Metadata().Lease(db.id);
	if (!lease || lease->holder == storage_.Holder()) {
		return true;
	}
	// ...until that writer is gone (its lease expired or was released). Taking over then loses
	// nothing only when it shipped every commit, and this worker must ship its own so the next
	// takeover loses nothing either.
	return lease->expired && lease->ships_commits && storage_.ShipsCommits();
}

duckdb::DuckDB *DatabaseSet::FindOpen(const std::string &name) {
	std::lock_guard<std::mutex> guard(lock_);
	auto entry = databases_.find(name);
	return entry == databases_.end() ? nullptr : entry->second.get();
}

bool DatabaseSet::LostWriter(const std::string &name, const duckdb::DuckDB *instance) {
	// Under lock_, so that `instance` is still the one served while the storage engine's latest
	// writer of `name` is read: a reopen registers its new writer there before its instance
	// replaces the lost one here, and until then the lost one must not serve.
	std::lock_guard<std::mutex> guard(lock_);
	auto serving = databases_.find(name);
	if (reopening_.count(name) || serving == databases_.end() || serving->second.get() != instance) {
		return true;
	}
	return storage_.Fenced(name) || storage_.LeaseUnconfirmed(name);
}

std::map<std::string, duckdb::DuckDB *> DatabaseSet::OpenWriters() {
	std::lock_guard<std::mutex> guard(lock_);
	std::map<std::string, duckdb::DuckDB *> out;
	for (auto &entry : databases_) {
		out[entry.first] = entry.second.get();
	}
	return out;
}

duckdb::DuckDB &DatabaseSet::OpenLocked(const std::string &name, bool create, std::lock_guard<std::mutex> &) {
	std::unique_ptr<duckdb::DuckDB> instance;
	try {
		instance = storage_.OpenDatabase(name, create);
	} catch (std::exception &ex) {
		throw std::runtime_error("cannot open database '" + name + "' in " + Describe() + ": " + ex.what());
	}
	return Adopt(name, std::move(instance));
}

duckdb::DuckDB &DatabaseSet::Adopt(const std::string &name, std::unique_ptr<duckdb::DuckDB> instance) {
	std::lock_guard<std::mutex> guard(lock_);
	auto &slot = databases_[name];
	slot = std::move(instance);
	return *slot;
}

duckdb::DuckDB *DatabaseSet::Find(const std::string &name) {
	if (auto open = FindOpen(name)) {
		if (!duckdb::ValidChecker::IsInvalidated(*open->instance)) {
			return open;
		}
	} else if (!IsValidDatabaseName(name)) {
		return nullptr;
	}
	std::lock_guard<std::mutex> open_lock(open_lock_);
	// Another thread may have opened (or reopened) it while we waited.
	if (auto open = FindOpen(name)) {
		if (duckdb::ValidChecker::IsInvalidated(*open->instance)) {
			// Reopened here rather than by the next TakeOver: until then every request on it
			// would fail with DuckDB's "database has been invalidated".
			auto db = storage_.Metadata().FindDatabase(name);
			if (db && ReopenLostWriterLocked(*db, false, open_lock)) {
				return FindOpen(name);
			}
		}
		return open;
	}
	auto db = storage_.Metadata().FindDatabase(name);
	if (!db || !MayServe(*db)) {
		return nullptr;
	}
	auto &opened = OpenLocked(name, false, open_lock);
	Log("serving database '" + name + "' (opened on first use)");
	return &opened;
}

duckdb::DuckDB *DatabaseSet::FindSnapshot(const std::string &name, const std::string &snapshot, int64_t &resolved) {
	// Kept by id: names and times resolve to ids (one metadata query), so every time of one
	// snapshot shares its instance. An id needs no query when its instance is open.
	auto id = snapshot;
	bool open;
	{
		std::lock_guard<std::mutex> guard(snapshots_lock_);
		auto found = snapshots_.find({name, snapshot});
		open = found != snapshots_.end() && found->second;
	}
	if (!open) {
		auto db = storage_.RequireDatabase(name);
		if (db.kind == DatabaseKind::kDuckLake) {
			// DuckLake's snapshots are listed by the lake itself, which the head instance serves.
			auto head = Find(name);
			if (!head) {
				throw NotFoundError("database '" + name + "' is not served by this worker");
			}
			id = std::to_string(DuckLakeVersion(*head, name, snapshot));
		} else if (!IsSnapshotId(snapshot)) {
			id = std::to_string(storage_.RequireSnapshot(db, snapshot).id);
		}
	}
	std::lock_guard<std::mutex> guard(snapshots_lock_);
	auto &instance = snapshots_[{name, id}];
	if (!instance) {
		try {
			instance = storage_.OpenSnapshot(name, id);
		} catch (...) {
			snapshots_.erase({name, id});
			throw;
		}
	}
	resolved = std::stoll(id);
	return instance.get();
}

duckdb::DuckDB &DatabaseSet::Create(const std::string &name, DatabaseKind kind) {
	std::lock_guard<std::mutex> open_lock(open_lock_);
	if (FindOpen(name)) {
		// Dropped (`openduck db drop`) but still open here: the name is not free on this worker.
		throw AlreadyExistsError("database '" + name + "' already exists (it is open on this worker)");
	}
	// Created with its lease in one metadata transaction: no other worker can open it first.
	return Adopt(name, storage_.CreateDatabase(name, kind));
}

DatabaseRecord DatabaseSet::Clone(const std::string &source, const std::string &target,
                                  const std::string &snapshot) {
	std::lock_guard<std::mutex> open_lock(open_lock_);
	if (FindOpen(target)) {
		throw AlreadyExistsError("database '" + target + "' already exists (it is open on this worker)");
	}
	DatabaseRecord clone;
	Adopt(target, storage_.OpenClone(source, target, snapshot, clone));
	return clone;
}

DatabaseRecord DatabaseSet::Drop(const std::string &name) {
	std::lock_guard<std::mutex> open_lock(open_lock_);
	auto db = storage_.Metadata().FindDatabase(name);
	if (!db) {
		throw NotFoundError("database '" + name + "' does not exist");
	}
	auto dropped = storage_.Metadata().DropDatabase(name);
	std::lock_guard<std::mutex> guard(lock_);
	auto open = databases_.find(name);
	if (open != databases_.end()) {
		retired_[db->id] = std::move(open->second);
		databases_.erase(open);
	}
	return dropped;
}

DatabaseRecord DatabaseSet::Undrop(const std::string &name) {
	std::lock_guard<std::mutex> open_lock(open_lock_);
	if (FindOpen(name)) {
		throw AlreadyExistsError("database '" + name + "' already exists (it is open on this worker)");
	}
	auto db = storage_.Metadata().UndropDatabase(name);
	auto retired = retired_.find(db.id);
	if (retired != retired_.end()) {
		Adopt(name, std::move(retired->second));
		retired_.erase(retired);
	} else if (IsValidDatabaseName(name) && MayServe(db)) {
		OpenLocked(name, false, open_lock);
	}
	return db;
}

std::vector<std::string> DatabaseSet::Names() {
	std::set<std::string> names;
	{
		std::lock_guard<std::mutex> guard(lock_);
		for (auto &entry : databases_) {
			names.insert(entry.first);
		}
	}
	for (auto &name : storage_.FencedDatabases()) {
		names.erase(name);
	}
	try {
		for (auto &db : storage_.Metadata().ListDatabases(false)) {
			if (!names.count(db.name) && !FindOpen(db.name) && IsValidDatabaseName(db.name) && MayServe(db)) {
				names.insert(db.name);
			}
		}
	} catch (std::exception &ex) {
		Log("cannot list the databases in " + Describe() + " (listing the open ones only): " + ex.what());
	}
	return std::vector<std::string>(names.begin(), names.end());
}

std::string DatabaseSet::Describe() {
	return "metadata " + storage_.Metadata().Describe() + ", layers in " + storage_.Store().Describe();
}

} // namespace openduck
