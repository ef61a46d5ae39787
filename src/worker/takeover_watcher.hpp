// Failover on a standby worker: every interval, opens the databases whose writer is gone and
// shipped its commits (DatabaseSet::TakeOver), taking their write leases, then reports them
// (the worker heartbeats at once, so the gateway routes them here without waiting for the
// next interval). A database is writable again here about one lease TTL after its writer died.
//
// Runs on its own thread between construction and destruction.
#pragma once

#include "worker/database_set.hpp"
#include "worker/periodic_task.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace openduck {

class TakeoverWatcher {
public:
	using OnTaken = std::function<void(const std::vector<std::string> &names)>;
	// `databases` must outlive the watcher.
	TakeoverWatcher(DatabaseSet &databases, std::chrono::milliseconds interval, OnTaken on_taken);

private:
	// One look (on the task's thread).
	void LookOnce();

	DatabaseSet &databases_;
	const OnTaken on_taken_;
	std::string last_failure_; // used by the task's thread only
	PeriodicTask task_;        // last: stopped (joined) before the members above go
};

} // namespace openduck
