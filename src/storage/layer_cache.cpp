#include "storage/layer_cache.hpp"

#include "storage/crc32c.hpp"

#include <stdexcept>

namespace openduck {

LayerCache::LayerCache(ObjectStore &store, uint64_t capacity_bytes) : store_(store), capacity_(capacity_bytes) {
}

// Extents are keyed "<object>@<offset in digits>", so this names no extent.
static std::string IndexKey(const std::string &object_key) {
	return object_key + "@index";
}

const LayerCache::Entry *LayerCache::FindLocked(const Key &key) {
	auto found = entries_.find(key);
	if (found == entries_.end()) {
		return nullptr;
	}
	lru_.splice(lru_.begin(), lru_, found->second.lru);
	return &found->second;
}

void LayerCache::InsertLocked(const Key &key, Entry entry) {
	if (entries_.count(key) || entry.bytes > capacity_) {
		return;
	}
	lru_.push_front(key);
	entry.lru = lru_.begin();
	auto used = used_.load(std::memory_order_relaxed) + entry.bytes;
	entries_.emplace(key, std::move(entry));
	while (used > capacity_ && !lru_.empty()) {
		auto victim = entries_.find(lru_.back());
		used -= victim->second.bytes;
		entries_.erase(victim);
		lru_.pop_back();
	}
	used_.store(used, std::memory_order_relaxed);
}

std::shared_ptr<const LayerIndex> LayerCache::Index(const LayerRecord &layer) {
	auto key = IndexKey(layer.object_key);
	{
		std::lock_guard<std::mutex> guard(mutex_);
		if (auto *found = FindLocked(key)) {
			return found->index;
		}
	}
	if (layer.size_bytes < kLayerFooterSize) {
		throw std::runtime_error("layer " + layer.object_key + ": recorded size " + std::to_string(layer.size_bytes) +
		                         " is too small for a layer object");
	}
	auto index = std::make_shared<LayerIndex>();
	uint32_t index_crc = 0;
	auto footer = store_.GetRange(layer.object_key, layer.size_bytes - kLayerFooterSize, kLayerFooterSize);
	uint64_t entries = DecodeLayerFooter(footer, *index, index_crc, layer.object_key);
	if (index->index_offset + entries * 32 + kLayerFooterSize != layer.size_bytes) {
		throw std::runtime_error("layer " + layer.object_key + ": footer does not match the recorded object size");
	}
	auto bytes = entries ? store_.GetRange(layer.object_key, index->index_offset, entries * 32) : std::string();
	DecodeLayerIndex(bytes, entries, index_crc, *index, layer.object_key);
	Entry entry;
	entry.bytes = sizeof(LayerIndex) + index->extents.capacity() * sizeof(LayerExtent);
	entry.index = index;
	std::lock_guard<std::mutex> guard(mutex_);
	InsertLocked(key, std::move(entry));
	return index;
}

std::shared_ptr<const std::string> LayerCache::Fetch(const std::string &object_key, const LayerExtent &extent) {
	auto data = std::make_shared<std::string>(store_.GetRange(object_key, extent.data_offset, extent.length));
	if (Crc32c(data->data(), data->size()) != extent.crc) {
		throw std::runtime_error("layer " + object_key + ": checksum mismatch in the extent for file offset " +
		                         std::to_string(extent.logical_offset) + " (" + std::to_string(extent.length) +
		                         " bytes at object offset " + std::to_string(extent.data_offset) + ")");
	}
	return data;
}

std::shared_ptr<const std::string> LayerCache::Extent(const std::string &object_key, const LayerExtent &extent) {
	Key key = object_key + "@" + std::to_string(extent.data_offset);
	{
		std::lock_guard<std::mutex> guard(mutex_);
		if (auto *found = FindLocked(key)) {
			return found->data;
		}
	}
	auto data = Fetch(object_key, extent);
	Entry entry;
	entry.bytes = data->size();
	entry.data = data;
	std::lock_guard<std::mutex> guard(mutex_);
	InsertLocked(key, std::move(entry));
	return data;
}

void LayerCache::Verify(const LayerRecord &layer) {
	auto index = Index(layer);
	for (auto &extent : index->extents) {
		Fetch(layer.object_key, extent);
	}
}

} // namespace openduck
