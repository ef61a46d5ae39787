// Unit tests of the storage engine's building blocks: CRC-32C, the extent map, the layer
// object format, the active layer's crash recovery and the local object store.
#include "storage/active_layer.hpp"
#include "storage/crc32c.hpp"
#include "storage/extent_map.hpp"
#include "storage/layer_format.hpp"
#include "storage/local_object_store.hpp"
#include "storage/posix_file.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>
#include <string>
#include <vector>

namespace openduck {
namespace {

TEST(StorageCrc32c, MatchesTheStandardCheckValue) {
	// The CRC-32C check value from RFC 3720 / the Castagnoli catalogue.
	EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
	EXPECT_EQ(Crc32c("", 0), 0u);
	std::string zeros(32, '\0');
	EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), 0x8A9136AAu); // RFC 3720 B.4
	// Incremental == one shot.
	EXPECT_EQ(Crc32c("6789", 4, Crc32c("12345", 5)), 0xE3069283u);
}

TEST(StorageCrc32c, HardwareAndTablesAgree) {
	std::string data;
	for (int i = 0; i < 1000; i++) {
		data += static_cast<char>((i * 2654435761u) >> 13);
	}
	// Every length 0..99 at every alignment 0..7, so the 8-byte loop and the byte tail both count.
	for (size_t offset = 0; offset < 8; offset++) {
		for (size_t length = 0; length < 100; length++) {
			EXPECT_EQ(Crc32c(data.data() + offset, length, 7), SoftwareCrc32c(data.data() + offset, length, 7));
		}
	}
	EXPECT_EQ(Crc32c(data.data(), data.size()), SoftwareCrc32c(data.data(), data.size()));
}

struct Piece {
	uint64_t offset, length;
	int64_t source; // -2 for a hole
	uint64_t location;
	bool operator==(const Piece &o) const {
		return offset == o.offset && length == o.length && source == o.source && location == o.location;
	}
};

std::vector<Piece> Pieces(const ExtentMap &map, uint64_t start, uint64_t length) {
	std::vector<Piece> out;
	map.Resolve(start, length, [&](uint64_t o, uint64_t n, const ExtentLocation *l) {
		out.push_back(l ? Piece {o, n, l->source, l->offset} : Piece {o, n, -2, 0});
	});
	return out;
}

TEST(StorageExtentMap, NewerInsertsCarveOlderOnes) {
	ExtentMap map;
	map.Insert(0, 100, {0, 1000});
	map.Insert(40, 20, {1, 5000}); // splits the first extent in two
	auto pieces = Pieces(map, 0, 120);
	std::vector<Piece> expected = {{0, 40, 0, 1000}, {40, 20, 1, 5000}, {60, 40, 0, 1060}, {100, 20, -2, 0}};
	EXPECT_EQ(pieces, expected);
	map.Insert(30, 40, {2, 9000}); // covers the middle one and both edges
	pieces = Pieces(map, 25, 50);
	expected = {{25, 5, 0, 1025}, {30, 40, 2, 9000}, {70, 5, 0, 1070}};
	EXPECT_EQ(pieces, expected);
	map.Truncate(50);
	pieces = Pieces(map, 0, 60);
	expected = {{0, 30, 0, 1000}, {30, 20, 2, 9000}, {50, 10, -2, 0}};
	EXPECT_EQ(pieces, expected);
}

TEST(StorageExtentMap, ExactOverwriteReplaces) {
	ExtentMap map;
	for (int i = 0; i < 10; i++) {
		map.Insert(4096, 4096, {0, uint64_t(i)});
	}
	EXPECT_EQ(map.Extents().size(), 1u);
	EXPECT_EQ(map.Extents().begin()->second.location.offset, 9u);
}

TEST(StorageLayerFormat, RoundTripsAndDetectsCorruption) {
	LayerIndex index;
	index.file_size = 12288 + 262144;
	index.truncated_to = 8192;
	index.extents = {{0, 4096, 0, 11}, {12288, 262144, 4096, 22}};
	index.index_offset = 4096 + 262144;
	auto tail = EncodeLayerTail(index);
	ASSERT_EQ(tail.size(), 2 * 32 + kLayerFooterSize);
	LayerIndex decoded;
	uint32_t index_crc = 0;
	auto entries = DecodeLayerFooter(tail.substr(64), decoded, index_crc, "t");
	ASSERT_EQ(entries, 2u);
	DecodeLayerIndex(tail.substr(0, 64), entries, index_crc, decoded, "t");
	EXPECT_EQ(decoded.file_size, index.file_size);
	EXPECT_EQ(decoded.truncated_to, 8192u);
	EXPECT_EQ(decoded.extents[1].logical_offset, 12288u);
	EXPECT_EQ(decoded.extents[1].crc, 22u);

	auto bad_index = tail.substr(0, 64);
	bad_index[9] ^= 1;
	EXPECT_THROW(DecodeLayerIndex(bad_index, entries, index_crc, decoded, "t"), std::runtime_error);
	auto bad_footer = tail.substr(64);
	bad_footer[20] ^= 1;
	EXPECT_THROW(DecodeLayerFooter(bad_footer, decoded, index_crc, "t"), std::runtime_error);
	EXPECT_THROW(DecodeLayerFooter(std::string(kLayerFooterSize, 'x'), decoded, index_crc, "t"), std::runtime_error);
}

class StorageActiveLayer : public ::testing::Test {
protected:
	void SetUp() override {
		dir = std::filesystem::temp_directory_path() / ("od-active-" + std::to_string(::getpid()) + "-" +
		                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
		std::filesystem::remove_all(dir);
		std::filesystem::create_directories(dir);
		path = (dir / "active.log").string();
	}
	void TearDown() override {
		std::filesystem::remove_all(dir);
	}
	std::string ReadBack(ActiveLayer &layer, uint64_t offset, uint64_t length) {
		std::string out(length, '?');
		layer.Map().Resolve(offset, length, [&](uint64_t o, uint64_t n, const ExtentLocation *l) {
			ASSERT_NE(l, nullptr);
			layer.Read(l->offset, &out[o - offset], n);
		});
		return out;
	}
	std::filesystem::path dir;
	std::string path;
};

TEST_F(StorageActiveLayer, ReplaysValidRecordsAndDropsATornTail) {
	uint64_t size = 0;
	{
		ActiveLayer layer(path, 7, size);
		layer.Write(0, "aaaa", 4);
		layer.Write(100, "bbbb", 4);
		layer.Write(2, "XY", 2);
		layer.Sync();
	}
	// A crash in the middle of the next record: half a header.
	{
		FILE *f = fopen(path.c_str(), "ab");
		fwrite("\x43\x52\x44\x4f garbage", 1, 12, f);
		fclose(f);
	}
	uint64_t recovered = 0;
	ActiveLayer layer(path, 7, recovered);
	EXPECT_EQ(recovered, 104u);
	EXPECT_EQ(ReadBack(layer, 0, 4), "aaXY");
	EXPECT_EQ(ReadBack(layer, 100, 4), "bbbb");
	layer.Write(4, "cc", 2); // appends after the last valid record
	uint64_t again = 0;
	ActiveLayer reopened(path, 7, again);
	EXPECT_EQ(ReadBack(reopened, 0, 6), "aaXYcc");
}

TEST_F(StorageActiveLayer, AStaleLogIsDiscarded) {
	uint64_t size = 0;
	{
		ActiveLayer layer(path, 7, size);
		layer.Write(0, "aaaa", 4);
		layer.Sync();
	}
	uint64_t fresh = 50;
	ActiveLayer layer(path, 8, fresh); // the head moved to 8: the log was sealed already
	EXPECT_TRUE(layer.Empty());
	EXPECT_EQ(fresh, 50u);
}

TEST_F(StorageActiveLayer, TruncationIsReplayed) {
	uint64_t size = 0;
	{
		ActiveLayer layer(path, 1, size);
		layer.Write(0, "abcdefgh", 8);
		layer.Truncate(3);
		layer.Write(5, "Z", 1);
		layer.Sync();
	}
	uint64_t recovered = 0;
	ActiveLayer layer(path, 1, recovered);
	EXPECT_EQ(recovered, 6u);
	EXPECT_EQ(layer.TruncatedTo(), 3u);
	EXPECT_EQ(ReadBack(layer, 0, 3), "abc");
}

} // namespace
} // namespace openduck

namespace openduck {

TEST(StorageLocalObjectStore, PutTakesTheFileAndLeavesTheSourceFree) {
	auto dir = std::filesystem::temp_directory_path() / ("openduck-local-store-" + std::to_string(::getpid()));
	std::filesystem::remove_all(dir);
	std::filesystem::create_directories(dir / "local");
	auto source = (dir / "local" / "seal.tmp").string();
	std::string content(1 << 20, 'x');
	content[12345] = 'y';
	{
		auto out = PosixFile::Open(source, O_RDWR | O_CREAT | O_TRUNC);
		out.WriteExactly(content.data(), content.size(), 0);
		out.Sync();
	}
	LocalObjectStore store((dir / "store").string());
	store.Put("layers/1/a.layer", source);
	// The caller unlinks its file and writes a new one under the same name (the next seal):
	// the stored object keeps its bytes.
	ASSERT_EQ(::unlink(source.c_str()), 0);
	{
		auto out = PosixFile::Open(source, O_RDWR | O_CREAT | O_TRUNC);
		out.WriteExactly("other", 5, 0);
	}
	EXPECT_EQ(store.GetRange("layers/1/a.layer", 0, content.size()), content);
	auto listed = store.List("layers/1/");
	ASSERT_EQ(listed.size(), 1u);
	std::filesystem::remove_all(dir);
}

} // namespace openduck
