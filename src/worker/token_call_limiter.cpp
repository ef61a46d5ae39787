#include "worker/token_call_limiter.hpp"

namespace openduck {

TokenCallLimiter::Slot::~Slot() {
	{
		std::lock_guard<std::mutex> guard(limiter_->mutex_);
		auto entry = limiter_->running_.find(label_);
		if (--entry->second == 0) {
			limiter_->running_.erase(entry);
		}
	}
	limiter_->released_.notify_all();
}

std::unique_ptr<TokenCallLimiter::Slot> TokenCallLimiter::TryAcquire(const std::string &label,
                                                                     std::chrono::milliseconds grace) {
	std::unique_lock<std::mutex> guard(mutex_);
	auto full = [&] {
		auto entry = running_.find(label);
		return limit_ > 0 && entry != running_.end() && entry->second >= limit_;
	};
	if (full() && !released_.wait_for(guard, grace, [&] { return !full(); })) {
		return nullptr;
	}
	++running_[label];
	return std::make_unique<Slot>(this, label);
}

} // namespace openduck
