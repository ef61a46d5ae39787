// Arrow IPC body compression: buffer round trips, the raw fallback, corrupt input, and what
// "auto" chooses for links of different speeds.
#include "arrow/ipc_compression.hpp"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace openduck {
namespace {

std::string Compressible() {
	std::string data;
	for (int i = 0; i < 100000; i++) {
		data += "row " + std::to_string(i % 97) + ";";
	}
	return data;
}

std::string Random(size_t size) {
	std::mt19937_64 rng(7);
	std::string data(size, '\0');
	for (auto &c : data) {
		c = static_cast<char>(rng());
	}
	return data;
}

std::string RoundTrip(IpcCodec codec, const std::string &data, size_t *wire = nullptr) {
	std::string packed;
	AppendCompressedBuffer(codec, data.data(), static_cast<int64_t>(data.size()), packed);
	if (wire) {
		*wire = packed.size();
	}
	auto bytes = reinterpret_cast<const uint8_t *>(packed.data());
	auto length = UncompressedLength(bytes, static_cast<int64_t>(packed.size()));
	std::string out(static_cast<size_t>(length), '\0');
	DecompressBuffer(codec, bytes, static_cast<int64_t>(packed.size()), &out[0], length);
	return out;
}

TEST(IpcCompression, BuffersRoundTripAndShrink) {
	auto data = Compressible();
	for (auto codec : {IpcCodec::kLz4Frame, IpcCodec::kZstd}) {
		size_t wire = 0;
		EXPECT_EQ(RoundTrip(codec, data, &wire), data) << static_cast<int>(codec);
		EXPECT_LT(wire * 4, data.size()) << static_cast<int>(codec);
	}
}

TEST(IpcCompression, IncompressibleBuffersTravelRawWithLengthMinusOne) {
	auto data = Random(4096);
	std::string packed;
	AppendCompressedBuffer(IpcCodec::kZstd, data.data(), static_cast<int64_t>(data.size()), packed);
	ASSERT_EQ(packed.size(), data.size() + 8);
	EXPECT_EQ(packed.substr(0, 8), std::string(8, '\xff'));
	EXPECT_EQ(RoundTrip(IpcCodec::kLz4Frame, data), data);
}

TEST(IpcCompression, CorruptOrLyingBuffersAreRefused) {
	auto data = Compressible();
	std::string packed;
	AppendCompressedBuffer(IpcCodec::kLz4Frame, data.data(), static_cast<int64_t>(data.size()), packed);
	auto bytes = reinterpret_cast<const uint8_t *>(packed.data());
	std::string out(data.size() + 10, '\0');
	// a prefix that disagrees with the expected size
	EXPECT_THROW(DecompressBuffer(IpcCodec::kLz4Frame, bytes, packed.size(), &out[0], data.size() + 10),
	             std::exception);
	auto broken = packed;
	broken[20] ^= 0x5a;
	broken[40] ^= 0x5a;
	EXPECT_THROW(DecompressBuffer(IpcCodec::kLz4Frame, reinterpret_cast<const uint8_t *>(broken.data()),
	                              broken.size(), &out[0], data.size()),
	             std::exception);
	EXPECT_THROW(UncompressedLength(bytes, 7), std::exception);
	EXPECT_THROW(ParseIpcCodec("gzip"), std::invalid_argument);
}

// Simulates a stream of 1 MiB batches: each choice costs `seconds_per_mib` of it.
std::vector<IpcCodec> Choices(AdaptiveCompression &compression, const double seconds_per_mib[3], int batches) {
	std::vector<IpcCodec> chosen;
	for (int i = 0; i < batches; i++) {
		auto codec = compression.Next();
		chosen.push_back(codec);
		auto nanos = static_cast<int64_t>(seconds_per_mib[static_cast<int>(codec)] * 1e9);
		compression.Record(std::chrono::nanoseconds(nanos), 1 << 20);
	}
	return chosen;
}

int Count(const std::vector<IpcCodec> &chosen, IpcCodec codec, size_t from) {
	int n = 0;
	for (size_t i = from; i < chosen.size(); i++) {
		n += chosen[i] == codec;
	}
	return n;
}

TEST(IpcCompression, AutoUsesWhatDeliversDataFastest) {
	// A slow link: ZSTD's smaller batches win; a fast one: plain batches do.
	const double slow_link[3] = {0.08, 0.04, 0.025};
	const double fast_link[3] = {0.004, 0.005, 0.008};
	AdaptiveCompression slow("auto");
	auto chosen = Choices(slow, slow_link, 400);
	EXPECT_GT(Count(chosen, IpcCodec::kZstd, 100), 200);
	AdaptiveCompression fast("auto");
	chosen = Choices(fast, fast_link, 400);
	EXPECT_GT(Count(chosen, IpcCodec::kNone, 100), 200);
	// Fixed choices stay fixed; "" is what hosts without compression send.
	AdaptiveCompression fixed("lz4"), plain("");
	EXPECT_EQ(Count(Choices(fixed, slow_link, 50), IpcCodec::kLz4Frame, 0), 50);
	EXPECT_EQ(Count(Choices(plain, slow_link, 50), IpcCodec::kNone, 0), 50);
}

} // namespace
} // namespace openduck
