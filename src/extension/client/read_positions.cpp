#include "extension/client/read_positions.hpp"

#include <map>
#include <mutex>
#include <utility>

namespace openduck {

namespace {

struct Positions {
	std::mutex lock;
	// By (endpoint, database): the same name on two servers is two databases.
	std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> newest;
};

Positions &Shared() {
	static Positions positions;
	return positions;
}

} // namespace

void ObservePosition(const AttachConfig &config, const v1::CommitPosition &position) {
	auto &shared = Shared();
	std::pair<int64_t, int64_t> seen {position.snapshot(), position.segments()};
	std::lock_guard<std::mutex> guard(shared.lock);
	auto &newest = shared.newest[{config.endpoint.ToString(), config.database}];
	if (newest < seen) {
		newest = seen;
	}
}

v1::CommitPosition NewestPosition(const AttachConfig &config) {
	auto &shared = Shared();
	v1::CommitPosition position;
	std::lock_guard<std::mutex> guard(shared.lock);
	auto found = shared.newest.find({config.endpoint.ToString(), config.database});
	if (found != shared.newest.end()) {
		position.set_snapshot(found->second.first);
		position.set_segments(found->second.second);
	}
	return position;
}

} // namespace openduck
