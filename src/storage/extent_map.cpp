#include "storage/extent_map.hpp"

#include <algorithm>

namespace openduck {

void ExtentMap::Erase(uint64_t start, uint64_t end) {
	if (start >= end) {
		return;
	}
	auto it = extents_.lower_bound(start);
	if (it != extents_.begin()) {
		auto prev = std::prev(it);
		uint64_t prev_end = prev->first + prev->second.length;
		if (prev_end > start) {
			// `prev` straddles `start`: keep its head, and its tail when it also passes `end`.
			if (prev_end > end) {
				Extent tail = prev->second;
				tail.location.offset += end - prev->first;
				tail.length = prev_end - end;
				extents_[end] = tail;
			}
			prev->second.length = start - prev->first;
		}
	}
	it = extents_.lower_bound(start);
	while (it != extents_.end() && it->first < end) {
		uint64_t extent_end = it->first + it->second.length;
		if (extent_end > end) {
			Extent tail = it->second;
			tail.location.offset += end - it->first;
			tail.length = extent_end - end;
			extents_.erase(it);
			extents_[end] = tail;
			break;
		}
		it = extents_.erase(it);
	}
}

void ExtentMap::Insert(uint64_t start, uint64_t length, ExtentLocation location) {
	if (length == 0) {
		return;
	}
	Erase(start, start + length);
	extents_[start] = Extent {length, location};
}

void ExtentMap::Truncate(uint64_t size) {
	Erase(size, UINT64_MAX);
}

void ExtentMap::Resolve(uint64_t start, uint64_t length,
                        const std::function<void(uint64_t, uint64_t, const ExtentLocation *)> &piece) const {
	uint64_t end = start + length;
	uint64_t cursor = start;
	auto it = extents_.upper_bound(start);
	if (it != extents_.begin()) {
		--it;
	}
	for (; it != extents_.end() && cursor < end; ++it) {
		uint64_t extent_start = it->first;
		uint64_t extent_end = extent_start + it->second.length;
		if (extent_end <= cursor) {
			continue;
		}
		if (extent_start >= end) {
			break;
		}
		if (extent_start > cursor) {
			piece(cursor, extent_start - cursor, nullptr);
			cursor = extent_start;
		}
		uint64_t piece_end = std::min(extent_end, end);
		ExtentLocation location = it->second.location;
		location.offset += cursor - extent_start;
		piece(cursor, piece_end - cursor, &location);
		cursor = piece_end;
	}
	if (cursor < end) {
		piece(cursor, end - cursor, nullptr);
	}
}

} // namespace openduck
