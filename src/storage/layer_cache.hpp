// The bounded in-memory cache of sealed layer data shared by every database file of a process.
// Units are whole stored extents (one DuckDB block, typically 256 KiB), fetched from the object
// store with a range read and checked against their CRC-32C before they are cached, so a
// corrupt object is reported instead of served. Parsed layer indexes are cached too (they are
// immutable), which makes opening snapshots and clones cheap. Extents and indexes share one
// least-recently-used order and one capacity: a long-running server seals a layer per
// checkpoint, and indexes of layers long compacted away must not pile up.
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
	// Bytes held now (extent data and indexes), and the most it holds (its capacity).
	uint64_t UsedBytes() const {
		return used_.load(std::memory_order_relaxed);
	}
	uint64_t CapacityBytes() const {
		return capacity_;
	}

private:
	using Key = std::string;
	// An extent (data) or a layer's index (index).
	struct Entry {
		std::shared_ptr<const std::string> data;
		std::shared_ptr<const LayerIndex> index;
		uint64_t bytes = 0;
		std::list<Key>::iterator lru;
	};

	std::shared_ptr<const std::string> Fetch(const std::string &object_key, const LayerExtent &extent);
	// The entry of `key`, made the most recently used; nullptr when absent. REQUIRES: mutex_ held.
	const Entry *FindLocked(const Key &key);
	// Adds `entry` (unless `key` is there already or it alone exceeds the capacity) and evicts
	// the least recently used entries down to the capacity. REQUIRES: mutex_ held.
	void InsertLocked(const Key &key, Entry entry);

	ObjectStore &store_;
	uint64_t capacity_;
	std::mutex mutex_;
	std::unordered_map<Key, Entry> entries_;
	std::list<Key> lru_; // most recently used first
	// Written under mutex_; read without it (UsedBytes).
	std::atomic<uint64_t> used_ {0};
};

} // namespace openduck
