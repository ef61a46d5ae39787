// Failover on a standby worker: every interval, opens the databases whose writer is gone and
// shipped its commits (DatabaseSet::TakeOver), taking their write leases, then reports them
// (the worker heartbeats at once, so the gateway routes them here without waiting for the
// next interval). A database is writable again here about one lease TTL after its writer died.
//
// Runs on its own thread between construction and destruction.
#pragma once

#include "worker/database_set.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace openduck {

class TakeoverWatcher {
public:
	using OnTaken = std::function<void(const std::vector<std::string> &names)>;
	// `databases` must outlive the watcher.
	TakeoverWatcher(DatabaseSet &databases, std::chrono::milliseconds interval, OnTaken on_taken);
	~TakeoverWatcher();
	TakeoverWatcher(const TakeoverWatcher &) = delete;
	TakeoverWatcher &operator=(const TakeoverWatcher &) = delete;

private:
	void Run();

	DatabaseSet &databases_;
	const std::chrono::milliseconds interval_;
	const OnTaken on_taken_;
	std::mutex mutex_;
	std::condition_variable wake_;
	bool stopping_ = false;
	std::thread thread_;
};

} // namespace openduck
