#include "worker/periodic_task.hpp"

namespace openduck {

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval, std::function<void()> work, bool run_at_once,
                           bool on_the_clock)
    : interval_(interval), on_the_clock_(on_the_clock), work_(std::move(work)) {
	thread_ = std::thread([this, run_at_once] { Run(run_at_once); });
}

PeriodicTask::~PeriodicTask() {
	{
		std::lock_guard<std::mutex> guard(mutex_);
		stopping_ = true;
	}
	wake_.notify_all();
	thread_.join();
}

bool PeriodicTask::WaitForNextRun(std::unique_lock<std::mutex> &lock) {
	auto stopping = [this] { return stopping_; };
	if (!on_the_clock_) {
		return wake_.wait_for(lock, interval_, stopping);
	}
	auto now = std::chrono::system_clock::now();
	auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
	auto next = std::chrono::system_clock::time_point((elapsed / interval_ + 1) * interval_);
	return wake_.wait_until(lock, next, stopping);
}

void PeriodicTask::Run(bool run_at_once) {
	std::unique_lock<std::mutex> lock(mutex_);
	if (!run_at_once && WaitForNextRun(lock)) {
		return;
	}
	while (!stopping_) {
		lock.unlock();
		work_();
		lock.lock();
		WaitForNextRun(lock);
	}
}

} // namespace openduck
