// The gateway's view of its workers: who serves which database, at which address, and when each
// was last heard from. A worker that misses kMissedHeartbeats heartbeat intervals is forgotten;
// when it heartbeats again it is told so and registers anew.
//
// Time is passed in (steady clock), so expiry is testable without sleeping.
// Thread-safe.
#pragma once

#include "common/commit_position.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace openduck {

struct RegisteredWorker {
	std::string id;
	std::string address;
	std::vector<std::string> databases;
	std::chrono::steady_clock::time_point last_heartbeat;
	// A read replica (openduck worker --replica): serves `databases` read-only, each at its
	// position as of the last heartbeat (absent: not opened there yet).
	bool replica = false;
	std::map<std::string, CommitPosition> positions;
	// A call to this replica found it unreachable: no reads go there until its next heartbeat.
	bool unreachable = false;
};

// A database whose worker was forgotten while no live worker serves it (a failover underway).
struct OrphanedDatabase {
	std::string worker_id;
	std::string address;
	std::chrono::steady_clock::time_point lost_at;
};

class WorkerRegistry {
public:
	using TimePoint = std::chrono::steady_clock::time_point;
	static constexpr int kMissedHeartbeats = 3;

	explicit WorkerRegistry(std::chrono::milliseconds heartbeat_interval);

	std::chrono::milliseconds heartbeat_interval() const {
		return heartbeat_interval_;
	}

	// Adds or replaces the worker `id` (`replica`: a read replica at `positions`). Returns true
	// when it replaced a live registration.
	bool Register(const std::string &id, const std::string &address, const std::vector<std::string> &databases,
	              TimePoint now, bool replica = false, std::map<std::string, CommitPosition> positions = {});
	// Refreshes a live worker (its database list, a replica's positions). False when the worker
	// is unknown or expired: it must register again.
	bool Heartbeat(const std::string &id, const std::vector<std::string> &databases, TimePoint now,
	               std::map<std::string, CommitPosition> positions = {});

	// Adds `database` to what live worker `id` serves (a database it just created), until its
	// next heartbeat replaces the list. No-op for an unknown or expired worker.
	void AddDatabase(const std::string &id, const std::string &database, TimePoint now);

	// The live writer (not a replica) serving `database` that was heard from most recently.
	std::optional<RegisteredWorker> Route(const std::string &database, TimePoint now);
	// Stops routing reads to replica `id` until it heartbeats again (a call found it unreachable).
	void MarkUnreachable(const std::string &id);
	// A live, reachable replica serving `database` at `at_least` or later, taking turns among
	// them; nullopt when none is there (yet).
	std::optional<RegisteredWorker> RouteToReplica(const std::string &database, const CommitPosition &at_least,
	                                               TimePoint now);
	// Where one large read of `database` may be split: the position the most live, reachable
	// replicas at `at_least` or later share (the newest on a tie), and how many share it
	// (0: none).
	std::pair<CommitPosition, uint32_t> SplitTargets(const std::string &database, const CommitPosition &at_least,
	                                                 TimePoint now);
	// Part `index` of a split read: the index-th (modulo their number, by worker id) of the live,
	// reachable replicas of `database` that report exactly `position`; nullopt when none does.
	std::optional<RegisteredWorker> RouteToReplicaAt(const std::string &database, const CommitPosition &position,
	                                                 uint32_t index, TimePoint now);
	// Who served `database` before being forgotten, while no live worker serves it.
	std::optional<OrphanedDatabase> Orphaned(const std::string &database, TimePoint now);
	// Live workers, by id.
	std::vector<RegisteredWorker> LiveWorkers(TimePoint now);
	// Sorted, de-duplicated databases of all live workers.
	std::vector<std::string> Databases(TimePoint now);

private:
	// Drops workers not heard from within the expiry window, logging each one.
	void ExpireLocked(TimePoint now);

	const std::chrono::milliseconds heartbeat_interval_;
	std::mutex mutex_;
	std::map<std::string, RegisteredWorker> workers_;
	uint64_t next_replica_ = 0; // RouteToReplica's turn
	// By database; dropped when a live worker announces the database again.
	std::map<std::string, OrphanedDatabase> orphaned_;
};

} // namespace openduck
