// The bounded in-memory cache of sealed layer data shared by every database file of a process.
// Units are whole stored extents (one DuckDB block, typically 256 KiB), fetched from the object
// store with a range read and checked against their CRC-32C before they are cached, so a
// corrupt object is reported instead of served. Parsed layer indexes are cached too (they are
// small and immutable), which makes opening snapshots and clones cheap.
//
// Thread-safe (one mutex; fetches run outside it, so two threads may fetch the same extent
// once each — harmless for immutable data).
#pragma once

#include "storage/layer_format.hpp"
#include "storage/metadata_store.hpp"
#include "storage/object_store.hpp"

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace openduck {

class LayerCache {
public:
	LayerCache(ObjectStore &store, uint64_t capacity_bytes);

	// The index of `layer` (footer + index, read with two range reads on a miss; verified).
	std::shared_ptr<const LayerIndex> Index(const LayerRecord &layer);
	// The bytes of the stored extent of `object_key` that starts at `extent.data_offset`.
	std::shared_ptr<const std::string> Extent(const std::string &object_key, const LayerExtent &extent);
	// Reads and verifies every extent of `layer` without caching them (a full integrity check).
	void Verify(const LayerRecord &layer);
	// Bytes of extent data held now, and the most it holds (its capacity).
	uint64_t UsedBytes() const {
		return used_.load(std::memory_order_relaxed);
	}
	uint64_t CapacityBytes() const {
		return capacity_;
	}

private:
	std::shared_ptr<const std::string> Fetch(const std::string &object_key, const LayerExtent &extent);

	ObjectStore &store_;
	uint64_t capacity_;
	std::mutex mutex_;
	using Key = std::string;
	struct Entry {
		std::shared_ptr<const std::string> data;
		std::list<Key>::iterator lru;
	};
	std::unordered_map<Key, Entry> extents_;
	std::list<Key> lru_; // most recently used first
	// Written under mutex_; read without it (UsedBytes).
	std::atomic<uint64_t> used_ {0};
	std::unordered_map<std::string, std::shared_ptr<const LayerIndex>> indexes_;
};

} // namespace openduck
