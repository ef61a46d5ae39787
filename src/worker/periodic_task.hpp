// Runs a function on a thread of its own every interval until destroyed (the destructor wakes
// the thread and joins it; a run in progress finishes first).
//
// Thread-safe: construct and destroy from one thread; `work` runs only on the task's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace openduck {

class PeriodicTask {
public:
	// `run_at_once`: the first run starts now instead of after one interval. `on_the_clock`:
	// runs start at multiples of the interval on the system clock, so tasks of several
	// processes with the same interval run at the same moments; otherwise one interval after
	// the previous run ended.
	PeriodicTask(std::chrono::milliseconds interval, std::function<void()> work, bool run_at_once,
	             bool on_the_clock = false);
	~PeriodicTask();
	PeriodicTask(const PeriodicTask &) = delete;
	PeriodicTask &operator=(const PeriodicTask &) = delete;

private:
	void Run(bool run_at_once);
	// Waits until the next run is due; true when stopping. REQUIRES: `lock` holds mutex_.
	bool WaitForNextRun(std::unique_lock<std::mutex> &lock);

	const std::chrono::milliseconds interval_;
	const bool on_the_clock_;
	const std::function<void()> work_;
	std::mutex mutex_;
	std::condition_variable wake_;
	bool stopping_ = false;
	std::thread thread_; // last: started once everything above exists
};

} // namespace openduck
