#include "rpc/cancellation_watcher.hpp"

#include <chrono>

namespace openduck {

CancellationWatcher::CancellationWatcher(int poll_interval_ms) : poll_interval_ms_(poll_interval_ms) {
	thread_ = std::thread([this] { Run(); });
}

CancellationWatcher::~CancellationWatcher() {
	{
		std::lock_guard<std::mutex> guard(mutex_);
		stopping_ = true;
	}
	wake_.notify_all();
	thread_.join();
}

CancellationWatcher::Registration CancellationWatcher::Watch(const grpc::ServerContext &context,
                                                             std::function<void()> on_cancel,
                                                             std::chrono::steady_clock::time_point deadline) {
	std::lock_guard<std::mutex> guard(mutex_);
	entries_.push_front(Entry {&context, std::move(on_cancel), deadline, false});
	return Registration(*this, entries_.begin());
}

CancellationWatcher::Registration::~Registration() {
	// The watcher thread runs callbacks while holding the mutex, so taking it here waits for a
	// callback that is running right now.
	std::lock_guard<std::mutex> guard(watcher_->mutex_);
	watcher_->entries_.erase(entry_);
}

void CancellationWatcher::Run() {
	std::unique_lock<std::mutex> lock(mutex_);
	while (!stopping_) {
		auto now = std::chrono::steady_clock::now();
		for (auto &entry : entries_) {
			if (!entry.fired && (entry.context->IsCancelled() || now >= entry.deadline)) {
				entry.fired = true;
				entry.on_cancel();
			}
		}
		wake_.wait_for(lock, std::chrono::milliseconds(poll_interval_ms_), [this] { return stopping_; });
	}
}

} // namespace openduck
