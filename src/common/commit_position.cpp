#include "common/commit_position.hpp"

namespace openduck {

std::string CommitPosition::ToString() const {
	if (segments == kUnshippedSegments) {
		return "snapshot " + std::to_string(snapshot) + " + commits not shipped";
	}
	return "snapshot " + std::to_string(snapshot) + " + " + std::to_string(segments) + " commit segment(s)";
}

} // namespace openduck
