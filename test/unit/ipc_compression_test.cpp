// Arrow IPC body compression: buffer round trips, the raw fallback, corrupt input, and what
// "auto" chooses for links of different speeds.
#include "arrow/ipc_compression.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
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
// A stream whose batches are delivered `lag` batches after they are encoded (the sender's outbox
// and the host's queue), each costing what its own codec costs on the simulated link.
class Stream {
public:
	Stream(AdaptiveCompression &compression, uint64_t batch_bytes, size_t lag)
	    : compression_(compression), batch_bytes_(batch_bytes), lag_(lag) {
	}
	// Like a consumer that sets the pace behind buffers: the first batch of a codec after another
	// is delivered once the other's data ahead of it has drained, and two producer threads finish
	// batches in pairs, so deliveries alternate between long and short waits.
	Stream &BehindBuffers() {
		behind_buffers_ = true;
		return *this;
	}
	// Encodes and delivers `batches` batches at `seconds_per_mib` by codec; returns their codecs.
	std::vector<IpcCodec> Run(const double seconds_per_mib[3], int batches) {
		// Compressed size over raw size, by codec.
		const double wire_ratio[3] = {1.0, 0.5, 0.3};
		std::vector<IpcCodec> chosen;
		for (int i = 0; i < batches; i++) {
			in_flight_.push_back(compression_.Next(batch_bytes_));
			chosen.push_back(in_flight_.back());
			if (in_flight_.size() > lag_) {
				auto codec = static_cast<int>(in_flight_.front());
				in_flight_.pop_front();
				auto seconds = seconds_per_mib[codec] * static_cast<double>(batch_bytes_) / (1 << 20);
				if (behind_buffers_) {
					if (last_ >= 0 && last_ != codec) {
						// Its wire bytes made room by draining the other codec's.
						seconds = seconds_per_mib[last_] / wire_ratio[last_] * wire_ratio[codec] *
						          static_cast<double>(batch_bytes_) / (1 << 20);
					}
					seconds *= delivered_++ % 2 ? 0.4 : 1.6;
				}
				last_ = codec;
				compression_.Record(static_cast<IpcCodec>(codec),
				                    std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9)), batch_bytes_);
			}
		}
		return chosen;
	}

private:
	AdaptiveCompression &compression_;
	uint64_t batch_bytes_;
	size_t lag_;
	bool behind_buffers_ = false;
	int last_ = -1;
	uint64_t delivered_ = 0;
	std::deque<IpcCodec> in_flight_;
};

int Count(const std::vector<IpcCodec> &chosen, IpcCodec codec, size_t from) {
	int n = 0;
	for (size_t i = from; i < chosen.size(); i++) {
		n += chosen[i] == codec;
	}
	return n;
}

constexpr uint64_t kMiB = 1 << 20;
// Seconds per MiB of uncompressed data by codec (none, LZ4, ZSTD).
const double kSlowLink[3] = {0.08, 0.04, 0.025};
const double kFastLink[3] = {0.004, 0.005, 0.008};

TEST(IpcCompression, AutoUsesWhatDeliversDataFastest) {
	// A slow link: ZSTD's smaller batches win; a fast one: plain batches do. Small batches
	// delivered at once, and a scan's 16 MiB batches delivered six batches after they were encoded.
	for (auto shape : {std::make_pair(kMiB, size_t(0)), std::make_pair(16 * kMiB, size_t(6))}) {
		int batches = static_cast<int>(6400 * kMiB / shape.first);
		AdaptiveCompression slow("auto");
		auto chosen = Stream(slow, shape.first, shape.second).Run(kSlowLink, batches);
		EXPECT_GT(Count(chosen, IpcCodec::kZstd, batches / 4), batches * 6 / 10) << shape.first;
		AdaptiveCompression fast("auto");
		chosen = Stream(fast, shape.first, shape.second).Run(kFastLink, batches);
		// Trials of LZ4 take their share, fewer as plain batches keep winning.
		EXPECT_GT(Count(chosen, IpcCodec::kNone, 0), batches * 85 / 100) << shape.first;
	}
	// Fixed choices stay fixed; "" is what hosts without compression send.
	AdaptiveCompression fixed("lz4"), plain("");
	EXPECT_EQ(Count(Stream(fixed, kMiB, 0).Run(kSlowLink, 50), IpcCodec::kLz4Frame, 0), 50);
	EXPECT_EQ(Count(Stream(plain, kMiB, 0).Run(kSlowLink, 50), IpcCodec::kNone, 0), 50);
}

TEST(IpcCompression, AutoCountsEachDeliveryForItsOwnCodec) {
	// SF1 lineitem at 1 Gbit/s: 49 batches of 16 MiB, delivered five batches late. LZ4 halves the
	// time, so most of the stream must be compressed, however late the deliveries are timed.
	const double gigabit[3] = {0.0084, 0.0042, 0.0033};
	for (size_t lag : {0, 2, 5, 8}) {
		AdaptiveCompression compression("auto");
		auto chosen = Stream(compression, 16 * kMiB, lag).Run(gigabit, 49);
		EXPECT_GE(Count(chosen, IpcCodec::kNone, 0), 2) << lag;
		EXPECT_LE(Count(chosen, IpcCodec::kNone, 0), 12) << lag;
	}
}

TEST(IpcCompression, AutoKeepsPlainBatchesWhenCompressionBarelyHelps) {
	// A consumer-bound stream (the host's inserts set the pace): compressed batches deliver
	// about as fast, and their CPU is not worth a few percent.
	const double host_bound[3] = {0.010, 0.0092, 0.0090};
	AdaptiveCompression compression("auto");
	auto chosen = Stream(compression, 16 * kMiB, 5).Run(host_bound, 400);
	EXPECT_GT(Count(chosen, IpcCodec::kNone, 0), 400 * 9 / 10);
}

TEST(IpcCompression, AutoIsNotFooledByDrainingBuffersOrPairedBatches) {
	// Loopback, where the host's inserts set the pace: compressed batches cost a little more per
	// uncompressed byte. A trial timed by its first delivery (the plain data ahead of it
	// draining, half as many wire bytes) or by one batch of a pair looks twice as fast.
	const double loopback[3] = {0.010, 0.011, 0.013};
	AdaptiveCompression compression("auto");
	auto chosen = Stream(compression, 16 * kMiB, 5).BehindBuffers().Run(loopback, 400);
	EXPECT_GT(Count(chosen, IpcCodec::kNone, 0), 400 * 85 / 100);
	// And behind the same buffers a slow link is still found.
	AdaptiveCompression slow("auto");
	chosen = Stream(slow, 16 * kMiB, 5).BehindBuffers().Run(kSlowLink, 400);
	EXPECT_GT(Count(chosen, IpcCodec::kZstd, 100), 240);
}

TEST(IpcCompression, AutoFollowsALinkThatSlowsDown) {
	// Plain batches win at first, so trials become rare; once the link slows down, the next
	// trial finds it and the stream moves to ZSTD.
	AdaptiveCompression compression("auto");
	Stream stream(compression, 16 * kMiB, 5);
	auto fast = stream.Run(kFastLink, 300);
	EXPECT_GT(Count(fast, IpcCodec::kNone, 0), 300 * 85 / 100);
	auto slow = stream.Run(kSlowLink, 300);
	EXPECT_GT(Count(slow, IpcCodec::kZstd, 200), 80);
}

} // namespace
} // namespace openduck
