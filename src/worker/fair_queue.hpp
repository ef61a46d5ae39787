// A limited number of places (statements running on a worker, connections of one database) and
// whose turn it is to take the next one.
//
// Past `max_running` places, callers wait here. The queue is fair between tokens: a freed place
// goes to the next token in turn (round robin over the tokens that have callers waiting), each
// token's callers in arrival order, so one script sending statements back to back cannot starve
// the rest of a team. A caller that gets no place within `max_wait` is refused with an error
// naming the options (the caller builds it: only it knows which limit this queue is).
//
// Thread-safe. A Place gives its slot to the next waiter in its destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace openduck {

class FairQueue {
public:
	class Place {
	public:
		explicit Place(FairQueue *queue) : queue_(queue) {
		}
		~Place();
		Place(const Place &) = delete;
		Place &operator=(const Place &) = delete;

	private:
		FairQueue *queue_;
	};

	// Called with the places taken and the callers waiting each time either changes, under the
	// queue's lock (so calls come in order): it must not call back into the queue.
	using Publish = std::function<void(int running, int waiting)>;

	// `max_running` 0: no limit (Enter never waits, places are still counted). `publish` may be
	// empty.
	FairQueue(int max_running, std::chrono::milliseconds max_wait, Publish publish = nullptr);

	// A place for one caller of `token`, waiting for one when all are taken. nullptr when none
	// came within max_wait, or when `gone()` (polled while waiting) says the caller left.
	std::unique_ptr<Place> Enter(const std::string &token, const std::function<bool()> &gone);

	int max_running() const {
		return max_running_;
	}
	std::chrono::milliseconds max_wait() const {
		return max_wait_;
	}
	// Places taken and callers waiting now.
	int Running();
	int Waiting();

private:
	struct Waiter {
		std::condition_variable wake;
		bool granted = false;
	};

	void Leave();
	// Calls publish_ with running_ and waiting_count_. REQUIRES: mutex_ held.
	void PublishLocked();
	// Hands free places to waiters, round robin over tokens. REQUIRES: mutex_ held.
	void GrantLocked();

	const int max_running_;
	const std::chrono::milliseconds max_wait_;
	const Publish publish_;
	std::mutex mutex_;
	int running_ = 0;
	int waiting_count_ = 0;
	std::map<std::string, std::deque<Waiter *>> waiting_;
	// The token served last: the next place goes to the first waiting token after it.
	std::string last_served_;
};

} // namespace openduck
