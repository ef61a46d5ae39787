// Automatic snapshots (`--snapshot-interval`): each database this worker writes gets a snapshot
// at most about one interval after its first commit that no snapshot holds, so time travel has
// that granularity while the database is written, and an idle database gets none.
//
// A snapshot is DuckDB's own CHECKPOINT on the database's instance, so it is exactly a
// checkpoint of committed data: not FORCE, so it never aborts or waits for a transaction.
// When a transaction is writing, DuckDB refuses it at once; the task logs that once and tries
// again at the next tick (every second). Writers wait for it only as for any checkpoint. It
// runs only when DuckDB's WAL holds commits: a checkpoint empties the WAL, so commits since the
// last snapshot (of any kind) are exactly what the WAL holds.
//
// A database's own interval (DatabasePolicy, `openduck db set`) wins over the worker's; the
// policies are read from the metadata store every 10 s.
//
// Runs on its own thread between construction and destruction; all state is that thread's.
#pragma once

#include "storage/metadata_store.hpp"
#include "worker/database_set.hpp"
#include "worker/periodic_task.hpp"

#include <chrono>
#include <map>
#include <string>

namespace openduck {

class AutoSnapshots {
public:
	// `databases` must outlive this. REQUIRES: interval_seconds > 0 (0 means no task at all).
	AutoSnapshots(DatabaseSet &databases, int64_t interval_seconds);

private:
	using Clock = std::chrono::steady_clock;
	struct DatabaseState {
		Clock::time_point clean_since; // when its WAL was last seen empty or a snapshot began
		std::string last_problem;      // logged once until the next success
	};
	// One look at every database (on the task's thread).
	void Tick();
	// Reads the databases' own policies when the last read is older than the refresh period.
	void RefreshPolicies(Clock::time_point now);
	// Checkpoints `instance` when its commits have waited an interval.
	void SnapshotIfDue(const std::string &name, duckdb::DuckDB &instance, Clock::time_point now);

	DatabaseSet &databases_;
	const int64_t interval_seconds_;
	std::map<std::string, DatabasePolicy> policies_;
	Clock::time_point policies_read_ {};
	std::string policy_problem_;
	std::map<std::string, DatabaseState> states_;
	PeriodicTask task_; // last: stopped (joined) before the members above go
};

} // namespace openduck
