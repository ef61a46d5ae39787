#include "worker/auto_snapshots.hpp"

#include "rpc/log.hpp"

#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/connection.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/storage/storage_manager.hpp"

#include <algorithm>
#include <thread>

namespace openduck {

// The finest interval a database can ask for; a tick costs one in-memory look per database.
static constexpr std::chrono::milliseconds kTick {1000};
static constexpr std::chrono::seconds kPolicyRefresh {10};
// How long the CHECKPOINT may be refused before new transactions are held back for it, how long
// they may be held back, how often it is retried meanwhile, and the longest pause between two
// such attempts.
static constexpr std::chrono::seconds kStarvedAfter {10};
static constexpr std::chrono::milliseconds kGateWait {2000};
static constexpr std::chrono::milliseconds kGatedRetry {2};
static constexpr std::chrono::minutes kMaxGateBackoff {5};

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
	auto problem = Checkpoint(name, state->second, instance, now);
	if (problem.empty()) {
		// From the start: commits during the checkpoint wait at most one more interval.
		state->second.clean_since = now;
		state->second.last_problem.clear();
		return;
	}
	if (state->second.last_problem != problem) {
		state->second.last_problem = problem;
		Log("automatic snapshot of database '" + name + "' did not run (retrying every second): " + problem);
	}
}

// DuckDB appends the stack trace of a FATAL error to its message: not for an operator's log.
static std::string ErrorOf(duckdb::QueryResult &result) {
	auto problem = result.GetError();
	return problem.substr(0, problem.find("\n\nStack Trace:"));
}

std::string AutoSnapshots::Checkpoint(const std::string &name, DatabaseState &state, duckdb::DuckDB &instance,
                                      Clock::time_point now) {
	auto ran = [&state]() {
		state.refused_since.reset();
		state.gate_backoff = {};
		return std::string();
	};
	duckdb::Connection connection(instance);
	auto plain = connection.Query("CHECKPOINT");
	if (!plain->HasError()) {
		return ran();
	}
	if (plain->GetErrorType() != duckdb::ExceptionType::TRANSACTION) {
		return ErrorOf(*plain);
	}
	if (!state.refused_since) {
		state.refused_since = now;
	}
	if (now - *state.refused_since < kStarvedAfter || now < state.next_gated) {
		return ErrorOf(*plain);
	}
	{
		// New transactions wait at the gate while the writing ones end; the CHECKPOINT is retried
		// until it gets its moment without writers, for at most kGateWait.
		auto closed = databases_.Gate().Close(name);
		auto until = Clock::now() + kGateWait;
		while (Clock::now() < until) {
			std::this_thread::sleep_for(kGatedRetry);
			auto gated = connection.Query("CHECKPOINT");
			if (!gated->HasError()) {
				return ran();
			}
			if (gated->GetErrorType() != duckdb::ExceptionType::TRANSACTION) {
				return ErrorOf(*gated);
			}
		}
	}
	state.gate_backoff = state.gate_backoff == Clock::duration {}
	                         ? Clock::duration(kStarvedAfter)
	                         : std::min<Clock::duration>(2 * state.gate_backoff, kMaxGateBackoff);
	state.next_gated = now + state.gate_backoff;
	auto refused_for = std::chrono::duration_cast<std::chrono::seconds>(now - *state.refused_since).count();
	auto retry_in = std::chrono::duration_cast<std::chrono::seconds>(state.gate_backoff).count();
	return "CHECKPOINT refused for " + std::to_string(refused_for) +
	       " s while transactions were writing, and still refused after new transactions were held back for " +
	       std::to_string(kGateWait.count()) + " ms (a transaction left open?); holding them back again in " +
	       std::to_string(retry_in) + " s";
}

} // namespace openduck
