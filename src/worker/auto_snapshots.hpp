// Automatic snapshots (`--snapshot-interval`): each database this worker writes gets a snapshot
// at most about one interval after its first commit that no snapshot holds, so time travel has
// that granularity while the database is written, and an idle database gets none.
//
// A snapshot is DuckDB's own CHECKPOINT on the database's instance, so it is exactly a
// checkpoint of committed data. When a transaction is writing, DuckDB refuses it at once; the
// task logs that once and tries again at the next tick (every second). Under a steady stream of
// writers some transaction is always writing, and the CHECKPOINT never ran (a 30-minute soak
// with 64 clients: not once; the WAL and what DuckDB keeps for uncheckpointed commits grew all
// along). So once it has been refused for kStarvedAfter, the task closes the database's
// TransactionGate (new transactions wait there; open ones go on), retries the CHECKPOINT every
// few milliseconds until the writing transactions have ended, and reopens the gate when it ran
// or after kGateWait (nothing is aborted). New transactions wait that long at most, plus the
// checkpoint's own time. After an attempt that found a transaction still writing, the next one
// waits twice as long (up to kMaxGateBackoff), so a transaction left open for a long time costs
// others a short wait now and then, not every second. It runs only when DuckDB's WAL holds
// commits: a checkpoint empties the WAL, so commits since the last snapshot (of any kind) are
// exactly what the WAL holds.
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
#include <optional>
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
		// Since when the plain CHECKPOINT has been refused (none: it has not been).
		std::optional<Clock::time_point> refused_since;
		Clock::time_point next_gated {}; // new transactions are not held back before this
		Clock::duration gate_backoff {};
	};
	// One look at every database (on the task's thread).
	void Tick();
	// Reads the databases' own policies when the last read is older than the refresh period.
	void RefreshPolicies(Clock::time_point now);
	// Checkpoints `instance` when its commits have waited an interval.
	void SnapshotIfDue(const std::string &name, duckdb::DuckDB &instance, Clock::time_point now);
	// The error of a checkpoint of database `name`'s `instance` ("" when it ran), holding new
	// transactions back for it once it has been refused for too long.
	std::string Checkpoint(const std::string &name, DatabaseState &state, duckdb::DuckDB &instance,
	                       Clock::time_point now);

	DatabaseSet &databases_;
	const int64_t interval_seconds_;
	std::map<std::string, DatabasePolicy> policies_;
	Clock::time_point policies_read_ {};
	std::string policy_problem_;
	std::map<std::string, DatabaseState> states_;
	PeriodicTask task_; // last: stopped (joined) before the members above go
};

} // namespace openduck
