// The databases a read replica serves (`openduck worker --replica`): for each, one read-only
// DuckDB instance at the latest shared position of that database (its head snapshot plus the
// commits its writer shipped, StorageEngine::OpenReplica). The replica follows its databases:
// every refresh interval, and at once when a request needs a newer position (read-your-writes),
// an instance that fell behind is replaced by a new one at the latest position. A replaced
// instance stays alive while requests and sessions that took it still run on it (shared
// ownership), so a statement or transaction always reads one consistent state.
//
// Every live database of the store that has a snapshot is served: the follower opens those it
// has not opened yet, and a request opens one on first use. Staleness is bounded by the refresh
// interval plus the time to open an instance (logged when slow).
//
// Replicas follow on the clock (at multiples of the interval), so replicas of one database
// mostly read the same latest position and hold the same state: the parts of a split read
// (split_pushdown.hpp) need replicas at one position.
//
// Thread-safe. Opening a new instance of a database is serialised per database; lookups take a
// short lock.
#pragma once

#include "storage/storage_engine.hpp"
#include "worker/periodic_task.hpp"

#include "duckdb/main/database.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace openduck {

class ReplicaSet {
public:
	struct Instance {
		std::shared_ptr<duckdb::DuckDB> database;
		CommitPosition position;
	};

	// Follows the databases of `storage` (which must outlive the set) every `refresh`; calls
	// `advanced` (when set) from the follower thread after it moved any database forward, so
	// the gateway learns the new positions before the next heartbeat.
	ReplicaSet(StorageEngine &storage, std::chrono::milliseconds refresh, std::function<void()> advanced = nullptr);
	ReplicaSet(const ReplicaSet &) = delete;
	ReplicaSet &operator=(const ReplicaSet &) = delete;

	StorageEngine &Storage() {
		return storage_;
	}

	// The instance of `name` at `at_least` or later: opened on first use, replaced now when it is
	// behind `at_least`. nullopt when the store has no such live database. Throws
	// std::runtime_error naming the database when it cannot be opened, or when the shared state
	// does not reach `at_least` (its writer keeps commits local: --local-commits).
	std::optional<Instance> Find(const std::string &name, const CommitPosition &at_least = {});
	// The instance of `name` at exactly `position`: the current one, or the one it replaced
	// within the last kPreviousKept (so the parts of a split read planned just before the
	// replica moved on still meet); nullopt otherwise. Never opens anything. Throws
	// std::runtime_error at failpoint replica.find_exact.
	std::optional<Instance> FindExact(const std::string &name, const CommitPosition &position);
	// Sorted names of the live databases of the store that have a snapshot (servable here).
	std::vector<std::string> Names();
	// The position of every database with an open instance.
	std::map<std::string, CommitPosition> Positions();
	// Opens every servable database not open yet and replaces every instance that is behind the
	// shared state (what the follower thread runs every interval).
	void RefreshAll();

private:
	struct Entry {
		std::mutex open_lock; // serialises opening instances of this database
		std::shared_ptr<duckdb::DuckDB> database;
		CommitPosition position;
		std::string last_error; // the follower's last failure (guarded by open_lock)
		// The instance `database` replaced, kept for FindExact until kPreviousKept has passed.
		std::shared_ptr<duckdb::DuckDB> previous;
		CommitPosition previous_position;
		std::chrono::steady_clock::time_point replaced_at;
	};
	static constexpr std::chrono::seconds kPreviousKept {5};
	std::shared_ptr<Entry> EntryFor(const std::string &name);
	// Opens a new instance of `name` when the shared position is past the entry's (or it has
	// none); true when it did. REQUIRES: entry.open_lock held.
	bool RefreshLocked(const std::string &name, Entry &entry);
	// Closes the replaced instances kept longer than kPreviousKept.
	void DropOldPrevious();

	StorageEngine &storage_;
	const std::function<void()> advanced_;
	std::mutex lock_; // guards entries_ and each entry's database/position
	std::map<std::string, std::shared_ptr<Entry>> entries_;
	PeriodicTask follower_; // runs RefreshAll; last: stopped before the entries it refreshes go
};

} // namespace openduck
