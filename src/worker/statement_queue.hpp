// How many statements a worker runs at once, and whose statement runs next.
//
// DuckDB runs every statement on all of a database's threads, so statements beyond a few only
// share the same cores and memory: each gets slower and the hash tables of all of them are
// resident at once. Past `max_running`, statements wait here. The queue is fair between tokens:
// a freed place goes to the next token in turn (round robin over the tokens that have
// statements waiting), each token's statements in arrival order, so one script sending
// statements back to back cannot starve the rest of a team. A statement that cannot start
// within `max_wait` is refused with an error naming the options (the caller builds it).
//
// Thread-safe. A Place gives its slot to the next waiter in its destructor.
#pragma once

#include "rpc/server_status.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace openduck {

class StatementQueue {
public:
	class Place {
	public:
		explicit Place(StatementQueue *queue) : queue_(queue) {
		}
		~Place();
		Place(const Place &) = delete;
		Place &operator=(const Place &) = delete;

	private:
		StatementQueue *queue_;
	};

	// `max_running` 0: no limit (Enter never waits). `metrics` (may be null, must outlive the
	// queue) gets the running and waiting counts.
	StatementQueue(int max_running, std::chrono::milliseconds max_wait, ServerMetrics *metrics = nullptr);

	// A place to run one statement of `token`, waiting for one when all are taken. nullptr when
	// none came within max_wait, or when `gone()` (polled while waiting) says the caller left.
	std::unique_ptr<Place> Enter(const std::string &token, const std::function<bool()> &gone);

	int max_running() const {
		return max_running_;
	}
	std::chrono::milliseconds max_wait() const {
		return max_wait_;
	}
	// Statements running and waiting now.
	int Running();
	int Waiting();

private:
	struct Waiter {
		std::condition_variable wake;
		bool granted = false;
	};

	void Leave();
	// Publishes running_ and waiting_count_. REQUIRES: mutex_ held.
	void PublishLocked();
	// Hands free places to waiters, round robin over tokens. REQUIRES: mutex_ held.
	void GrantLocked();

	const int max_running_;
	const std::chrono::milliseconds max_wait_;
	ServerMetrics *const metrics_;
	std::mutex mutex_;
	int running_ = 0;
	int waiting_count_ = 0;
	std::map<std::string, std::deque<Waiter *>> waiting_;
	// The token served last: the next place goes to the first waiting token after it.
	std::string last_served_;
};

} // namespace openduck
