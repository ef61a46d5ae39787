#include "worker/auto_snapshots.hpp"

#include "rpc/log.hpp"

#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/connection.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/storage/storage_manager.hpp"

namespace openduck {

// The finest interval a database can ask for; a tick costs one in-memory look per database.
static constexpr std::chrono::milliseconds kTick {1000};
static constexpr std::chrono::seconds kPolicyRefresh {10};

AutoSnapshots::AutoSnapshots(DatabaseSet &databases, int64_t interval_seconds)
    : databases_(databases), interval_seconds_(interval_seconds), task_(kTick, [this] { Tick(); }, false) {
}

// Bytes of committed transactions in `instance`'s WAL, i.e. not in any checkpoint yet.
static duckdb::idx_t UncheckpointedBytes(duckdb::DuckDB &instance) {
	for (auto &attached : instance.instance->GetDatabaseManager().GetDatabases()) {
		if (attached->IsInitialDatabase()) {
			return attached->GetStorageManager().GetWALSize();
		}
	}
	return 0;
}

void AutoSnapshots::Tick() {
	auto now = Clock::now();
	RefreshPolicies(now);
	for (auto &entry : databases_.OpenWriters()) {
		// A writer that lost its lease must not checkpoint: DuckDB would invalidate it.
		if (databases_.Storage().WriterPosition(entry.first)) {
			SnapshotIfDue(entry.first, *entry.second, now);
		}
	}
}

void AutoSnapshots::RefreshPolicies(Clock::time_point now) {
	if (now - policies_read_ < kPolicyRefresh) {
		return;
	}
	try {
		policies_ = databases_.Storage().Metadata().DatabasePolicies();
		policies_read_ = now;
		policy_problem_.clear();
	} catch (std::exception &ex) {
		// The metadata store may be down: keep the policies read last, say so once.
		if (policy_problem_ != ex.what()) {
			policy_problem_ = ex.what();
			Log(std::string("automatic snapshots: cannot read the databases' intervals: ") + ex.what());
		}
	}
}

void AutoSnapshots::SnapshotIfDue(const std::string &name, duckdb::DuckDB &instance, Clock::time_point now) {
	auto state = states_.emplace(name, DatabaseState {now, ""}).first;
	auto interval = interval_seconds_;
	auto policy = policies_.find(name);
	if (policy != policies_.end() && policy->second.snapshot_interval_seconds != DatabasePolicy::kDefaultInterval) {
		interval = policy->second.snapshot_interval_seconds;
	}
	if (interval == 0 || UncheckpointedBytes(instance) == 0) {
		state->second.clean_since = now;
		return;
	}
	if (now - state->second.clean_since < std::chrono::seconds(interval)) {
		return;
	}
	duckdb::Connection connection(instance);
	auto result = connection.Query("CHECKPOINT");
	if (!result->HasError()) {
		// From the start: commits during the checkpoint wait at most one more interval.
		state->second.clean_since = now;
		state->second.last_problem.clear();
		return;
	}
	// DuckDB appends the stack trace of a FATAL error to its message: not for an operator's log.
	auto problem = result->GetError();
	problem = problem.substr(0, problem.find("\n\nStack Trace:"));
	if (state->second.last_problem != problem) {
		state->second.last_problem = problem;
		Log("automatic snapshot of database '" + name + "' did not run (retrying every second): " + problem);
	}
}

} // namespace openduck
