// A commit position: how far a database's shared committed state reaches. Storage computes it,
// workers and the gateway route by it, hosts remember the newest one they saw (read-your-writes
// on read replicas). Plain value: thread-safe to copy.
#pragma once

#include <cstdint>
#include <string>

namespace openduck {

// How far a database's shared committed state reaches: its head snapshot plus the commit segments
// shipped after it. Positions of one database are ordered: a later head contains every segment
// of an earlier one, and segments only grow until the next seal. A writer that does not ship its
// commits is at kUnshippedSegments: only a later snapshot reaches its commits.
struct CommitPosition {
	int64_t snapshot = 0;
	int64_t segments = 0;

	bool operator<(const CommitPosition &other) const {
		return snapshot != other.snapshot ? snapshot < other.snapshot : segments < other.segments;
	}
	bool operator==(const CommitPosition &other) const {
		return snapshot == other.snapshot && segments == other.segments;
	}
	bool operator!=(const CommitPosition &other) const {
		return !(*this == other);
	}
	// "snapshot 12 + 3 commit segment(s)", for messages.
	std::string ToString() const;
};
constexpr int64_t kUnshippedSegments = INT64_MAX;

} // namespace openduck
