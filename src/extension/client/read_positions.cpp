#include "extension/client/read_positions.hpp"

#include "rpc/commit_position_wire.hpp"

#include <map>
#include <mutex>
#include <utility>

namespace openduck {

namespace {

struct Positions {
	std::mutex lock;
	// By (endpoint, database): the same name on two servers is two databases.
	std::map<std::pair<std::string, std::string>, CommitPosition> newest;
};

Positions &Shared() {
	static Positions positions;
	return positions;
}

} // namespace

void ObservePosition(const AttachConfig &config, const v1::CommitPosition &position) {
	auto &shared = Shared();
	auto seen = PositionFromWire(position);
	std::lock_guard<std::mutex> guard(shared.lock);
	auto &newest = shared.newest[{config.endpoint.ToString(), config.database}];
	if (newest < seen) {
		newest = seen;
	}
}

v1::CommitPosition NewestPosition(const AttachConfig &config) {
	auto &shared = Shared();
	std::lock_guard<std::mutex> guard(shared.lock);
	auto found = shared.newest.find({config.endpoint.ToString(), config.database});
	return PositionToWire(found == shared.newest.end() ? CommitPosition {} : found->second);
}

} // namespace openduck
