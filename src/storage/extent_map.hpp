// An interval map from byte ranges of the logical database file to where their bytes live
// (a source — one sealed layer or the active layer — and an offset inside it). Newer inserts
// carve out whatever they overlap, so applying layers oldest-first yields "the newest layer
// that has each byte wins".
//
// Not thread-safe: the owner (LayeredFile) guards it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>

namespace openduck {

struct ExtentLocation {
	// Index of the sealed layer in the owner's layer list, or kActiveSource.
	int64_t source;
	// Byte offset of the extent's first byte inside that source.
	uint64_t offset;
};

class ExtentMap {
public:
	static constexpr int64_t kActiveSource = -1;

	struct Extent {
		uint64_t length;
		ExtentLocation location;
	};

	// Maps [start, start+length) to `location`, replacing any overlapped mapping.
	void Insert(uint64_t start, uint64_t length, ExtentLocation location);
	// Forgets every byte at or past `size`.
	void Truncate(uint64_t size);
	void Clear() {
		extents_.clear();
	}
	bool Empty() const {
		return extents_.empty();
	}

	// Calls `piece(offset, length, location)` for consecutive pieces covering [start,
	// start+length), in order; `location` is nullptr for a hole (bytes nobody wrote).
	void Resolve(uint64_t start, uint64_t length,
	             const std::function<void(uint64_t, uint64_t, const ExtentLocation *)> &piece) const;

	// The mapped extents by start offset.
	const std::map<uint64_t, Extent> &Extents() const {
		return extents_;
	}

private:
	// Removes mappings of [start, end), splitting extents that straddle either edge.
	void Erase(uint64_t start, uint64_t end);

	std::map<uint64_t, Extent> extents_;
};

} // namespace openduck
