#include "worker/fair_queue.hpp"

#include <algorithm>

namespace openduck {

// How often a waiting caller checks whether its caller went away.
static constexpr std::chrono::milliseconds kPollInterval(100);

FairQueue::Place::~Place() {
	queue_->Leave();
}

FairQueue::FairQueue(int max_running, std::chrono::milliseconds max_wait, Publish publish)
    : max_running_(max_running), max_wait_(max_wait), publish_(std::move(publish)) {
}

void FairQueue::PublishLocked() {
	if (publish_) {
		publish_(running_, waiting_count_);
	}
}

std::unique_ptr<FairQueue::Place> FairQueue::Enter(const std::string &token,
                                                             const std::function<bool()> &gone) {
	std::unique_lock<std::mutex> lock(mutex_);
	if (max_running_ == 0 || (running_ < max_running_ && waiting_count_ == 0)) {
		running_++;
		PublishLocked();
		return std::make_unique<Place>(this);
	}
	Waiter waiter;
	waiting_[token].push_back(&waiter);
	waiting_count_++;
	PublishLocked();
	auto deadline = std::chrono::steady_clock::now() + max_wait_;
	while (!waiter.granted) {
		auto now = std::chrono::steady_clock::now();
		if (now >= deadline || gone()) {
			break;
		}
		waiter.wake.wait_for(lock, std::min<std::chrono::steady_clock::duration>(kPollInterval, deadline - now));
	}
	if (waiter.granted) {
		return std::make_unique<Place>(this);
	}
	auto &queue = waiting_[token];
	queue.erase(std::find(queue.begin(), queue.end(), &waiter));
	if (queue.empty()) {
		waiting_.erase(token);
	}
	waiting_count_--;
	PublishLocked();
	return nullptr;
}

void FairQueue::Leave() {
	std::lock_guard<std::mutex> guard(mutex_);
	running_--;
	GrantLocked();
	PublishLocked();
}

void FairQueue::GrantLocked() {
	while (running_ < max_running_ && !waiting_.empty()) {
		auto next = waiting_.upper_bound(last_served_);
		if (next == waiting_.end()) {
			next = waiting_.begin();
		}
		auto *waiter = next->second.front();
		next->second.pop_front();
		last_served_ = next->first;
		if (next->second.empty()) {
			waiting_.erase(next);
		}
		waiting_count_--;
		running_++;
		waiter->granted = true;
		waiter->wake.notify_one();
	}
}

int FairQueue::Running() {
	std::lock_guard<std::mutex> guard(mutex_);
	return running_;
}

int FairQueue::Waiting() {
	std::lock_guard<std::mutex> guard(mutex_);
	return waiting_count_;
}

} // namespace openduck
