// CommitPosition on the wire (openduck.proto's CommitPosition) and back.
#pragma once

#include "common/commit_position.hpp"
#include "openduck/v1/openduck.pb.h"

namespace openduck {

inline v1::CommitPosition PositionToWire(const CommitPosition &position) {
	v1::CommitPosition wire;
	wire.set_snapshot(position.snapshot);
	wire.set_segments(position.segments);
	return wire;
}

inline CommitPosition PositionFromWire(const v1::CommitPosition &wire) {
	return CommitPosition {wire.snapshot(), wire.segments()};
}

} // namespace openduck
