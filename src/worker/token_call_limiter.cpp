#include "worker/token_call_limiter.hpp"

namespace openduck {

TokenCallLimiter::Slot::~Slot() {
	std::lock_guard<std::mutex> guard(limiter_->mutex_);
	auto entry = limiter_->running_.find(label_);
	if (--entry->second == 0) {
		limiter_->running_.erase(entry);
	}
}

std::unique_ptr<TokenCallLimiter::Slot> TokenCallLimiter::TryAcquire(const std::string &label) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto &running = running_[label];
	if (limit_ > 0 && running >= limit_) {
		return nullptr;
	}
	++running;
	return std::make_unique<Slot>(this, label);
}

} // namespace openduck
