// How many connections of each database a worker has in use at once: auto-commit statements
// running and open transactions (sessions, which hold their connection between statements).
//
// Every database has a queue of its own (a FairQueue of `max_per_database` places), so callers
// waiting for a busy database never delay another database's, and within one database a freed
// connection goes to the tokens in turn. Catalog reads are not counted: they are short, and a
// host needs them to attach at all.
//
// Connections are not kept for reuse: a fresh duckdb::Connection costs about 10 us per statement
// (docs/design.md, "Connections"), and a reused one would carry its previous user's session state.
//
// Thread-safe. A Lease gives its connection's place to the database's next waiter when destroyed.
#pragma once

#include "rpc/server_metrics.hpp"
#include "worker/fair_queue.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace openduck {

class ConnectionLimit {
public:
	using Lease = FairQueue::Place;

	// `max_per_database` 0: no limit (connections are still counted). `metrics` (may be null, must
	// outlive this) gets each database's connections in use and waiting.
	ConnectionLimit(int max_per_database, std::chrono::milliseconds max_wait, ServerMetrics *metrics = nullptr);

	// A connection of `database` for a caller of `token`, waiting while the database has all of
	// its connections in use. nullptr when none came within max_wait or `gone()` says the caller
	// left (FairQueue::Enter).
	std::unique_ptr<Lease> Acquire(const std::string &database, const std::string &token,
	                               const std::function<bool()> &gone);

	int max_per_database() const {
		return max_per_database_;
	}
	std::chrono::milliseconds max_wait() const {
		return max_wait_;
	}

private:
	FairQueue &QueueOf(const std::string &database);

	const int max_per_database_;
	const std::chrono::milliseconds max_wait_;
	ServerMetrics *const metrics_;
	std::mutex mutex_;
	// One per database that was asked for (only served databases reach Acquire); never removed,
	// so a Lease's queue outlives it.
	std::map<std::string, std::unique_ptr<FairQueue>> queues_;
};

} // namespace openduck
