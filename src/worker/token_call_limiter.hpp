// How many calls each token may have running on one worker at once: statements, ingest pieces
// and open transactions (an open transaction holds one of the server's call threads for as long
// as it stays open). Without it one token -- a leaked one, a runaway script -- could take every
// thread of a worker shared by a team.
//
// Thread-safe. A Slot gives its place back in its destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace openduck {

class TokenCallLimiter {
public:
	class Slot {
	public:
		Slot(TokenCallLimiter *limiter, std::string label) : limiter_(limiter), label_(std::move(label)) {
		}
		~Slot();
		Slot(const Slot &) = delete;
		Slot &operator=(const Slot &) = delete;

	private:
		TokenCallLimiter *limiter_;
		std::string label_;
	};

	// `limit` calls per token label; 0 means no limit.
	explicit TokenCallLimiter(int limit) : limit_(limit) {
	}

	// A place for one more call of `label`, or nullptr when it still has `limit` running after
	// `grace`. The grace exists because a call gives its place back only when its handler returns,
	// just after the client has read the call's last message: a client's next call can arrive
	// before that, and must not be refused for a place that is being given back.
	std::unique_ptr<Slot> TryAcquire(const std::string &label, std::chrono::milliseconds grace);

	int Limit() const {
		return limit_;
	}

private:
	const int limit_;
	std::mutex mutex_;
	std::condition_variable released_;
	std::map<std::string, int> running_;
};

} // namespace openduck
