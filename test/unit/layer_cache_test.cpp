// The sealed-layer cache (storage/layer_cache.hpp): extents and layer indexes under one bound.
#include "storage/crc32c.hpp"
#include "storage/layer_cache.hpp"
#include "storage/layer_format.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

namespace openduck {
namespace {

// Objects in memory; counts range reads.
class MemoryStore : public ObjectStore {
public:
	void Put(const std::string &, const std::string &) override {
		throw std::logic_error("not used");
	}
	std::string GetRange(const std::string &key, uint64_t offset, uint64_t length) override {
		reads++;
		return objects.at(key).substr(offset, length);
	}
	void Delete(const std::string &key) override {
		objects.erase(key);
	}
	std::vector<ObjectInfo> List(const std::string &) override {
		return {};
	}
	std::string Describe() const override {
		return "memory";
	}

	std::map<std::string, std::string> objects;
	int reads = 0;
};

// A layer of `extents` extents of `extent_bytes` each, stored under `key`.
LayerRecord AddLayer(MemoryStore &store, const std::string &key, int extents, uint64_t extent_bytes) {
	LayerIndex index;
	std::string object;
	for (int i = 0; i < extents; i++) {
		std::string data(extent_bytes, char('a' + i % 26));
		index.extents.push_back({uint64_t(i) * extent_bytes, extent_bytes, object.size(), Crc32c(data.data(), data.size())});
		object += data;
	}
	index.file_size = uint64_t(extents) * extent_bytes;
	index.index_offset = object.size();
	object += EncodeLayerTail(index);
	store.objects[key] = object;
	LayerRecord record;
	record.object_key = key;
	record.size_bytes = object.size();
	record.data_bytes = index.index_offset;
	record.extent_count = extents;
	return record;
}

TEST(LayerCache, AnIndexIsReadOnceWhileItFits) {
	MemoryStore store;
	auto layer = AddLayer(store, "layers/a", 10, 4096);
	LayerCache cache(store, 1 << 20);
	auto first = cache.Index(layer);
	int reads = store.reads;
	EXPECT_EQ(cache.Index(layer), first);
	EXPECT_EQ(store.reads, reads);
	EXPECT_EQ(first->extents.size(), 10u);
	EXPECT_GT(cache.UsedBytes(), 0u);
}

TEST(LayerCache, IndexesOfManyLayersStayWithinTheCapacity) {
	// A server seals a layer per checkpoint for as long as it runs: their indexes must not pile up.
	MemoryStore store;
	constexpr uint64_t kCapacity = 64 * 1024;
	LayerCache cache(store, kCapacity);
	std::vector<LayerRecord> layers;
	for (int i = 0; i < 500; i++) {
		layers.push_back(AddLayer(store, "layers/" + std::to_string(i), 50, 16));
		cache.Index(layers.back());
		ASSERT_LE(cache.UsedBytes(), kCapacity);
	}
	EXPECT_GT(cache.UsedBytes(), kCapacity / 2);
	// The oldest index was evicted: reading it again goes to the store, and is still right.
	int reads = store.reads;
	auto again = cache.Index(layers.front());
	EXPECT_GT(store.reads, reads);
	EXPECT_EQ(again->extents.size(), 50u);
	// The newest is still cached.
	reads = store.reads;
	cache.Index(layers.back());
	EXPECT_EQ(store.reads, reads);
}

TEST(LayerCache, ExtentsAndIndexesShareOneLeastRecentlyUsedOrder) {
	MemoryStore store;
	auto layer = AddLayer(store, "layers/data", 8, 8192);
	LayerCache cache(store, 4 * 8192 + 4096);
	auto index = cache.Index(layer);
	for (auto &extent : index->extents) {
		auto data = cache.Extent(layer.object_key, extent);
		ASSERT_EQ(data->size(), 8192u);
		ASSERT_LE(cache.UsedBytes(), cache.CapacityBytes());
	}
	// Eight extents went through a cache that holds four: the index, used first, went first.
	int reads = store.reads;
	cache.Index(layer);
	EXPECT_GT(store.reads, reads);
	// The last extent read is still there.
	reads = store.reads;
	cache.Extent(layer.object_key, index->extents.back());
	EXPECT_EQ(store.reads, reads);
}

TEST(LayerCache, ZeroCapacityCachesNothing) {
	MemoryStore store;
	auto layer = AddLayer(store, "layers/z", 2, 4096);
	LayerCache cache(store, 0);
	auto index = cache.Index(layer);
	cache.Extent(layer.object_key, index->extents[0]);
	EXPECT_EQ(cache.UsedBytes(), 0u);
	int reads = store.reads;
	cache.Index(layer);
	EXPECT_GT(store.reads, reads);
}

} // namespace
} // namespace openduck
