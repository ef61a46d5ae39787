#include "worker/periodic_task.hpp"

namespace openduck {

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval, std::function<void()> work, bool run_at_once)
    : interval_(interval), work_(std::move(work)) {
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

void PeriodicTask::Run(bool run_at_once) {
	std::unique_lock<std::mutex> lock(mutex_);
	if (!run_at_once && wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
		return;
	}
	while (!stopping_) {
		lock.unlock();
		work_();
		lock.lock();
		wake_.wait_for(lock, interval_, [this] { return stopping_; });
	}
}

} // namespace openduck
