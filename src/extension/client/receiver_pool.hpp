// Threads that run the receiving loops of remote calls (RemoteQuery), kept and reused.
//
// Every remote statement streams its responses on a thread of its own, so that the transfer
// overlaps with decoding and a reader blocked on a full queue never holds a DuckDB thread.
// Starting a new std::thread per statement added about 0.05 ms to a small statement's 0.96 ms
// (measured latency; its host CPU did not change), so threads are taken from here instead: a
// job gets an idle thread when there is one and a new thread otherwise (never waits for a busy
// one: a receiver may block until its consumer reads, and that consumer may wait on another
// receiver). A thread idle for kReceiverIdleLife ends.
//
// Thread-safe. One pool per process, never destroyed (a receiver may still be running at exit);
// a child forked from a process that used it starts with an empty pool of its own, as threads do
// not survive fork.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace openduck {

constexpr std::chrono::seconds kReceiverIdleLife {30};

// One function run on a pool thread. The handle may be dropped while the function runs: the
// pool keeps the job until it returned.
class ReceiverJob {
public:
	explicit ReceiverJob(std::function<void()> function) : function_(std::move(function)) {
	}
	// Blocks until the function returned. Must not be called from the job's own thread.
	void Join();
	// Whether the calling thread is the one running this job's function.
	bool OnThisThread() const;
	// For the pool thread that took the job: runs the function (once), then marks it done.
	void Run();
	void MarkDone();

private:
	std::function<void()> function_;
	std::mutex lock_;
	std::condition_variable ended_;
	bool done_ = false;
};

class ReceiverPool {
public:
	// Runs `function` on a pool thread, now.
	static std::shared_ptr<ReceiverJob> Start(std::function<void()> function);
	// Threads the pool has (busy or idle), for tests.
	static size_t Threads();
};

} // namespace openduck
