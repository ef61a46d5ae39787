#include "arrow/ipc_compression.hpp"

#include "duckdb/common/exception.hpp"

#include <algorithm>
#include <cstring>
#include <lz4frame.h>
#include <stdexcept>
#include <zstd.h>

namespace openduck {

IpcCodec ParseIpcCodec(const std::string &name) {
	if (name == "none") {
		return IpcCodec::kNone;
	}
	if (name == "lz4") {
		return IpcCodec::kLz4Frame;
	}
	if (name == "zstd") {
		return IpcCodec::kZstd;
	}
	throw std::invalid_argument("unknown compression '" + name + "': use 'auto', 'lz4', 'zstd' or 'none'");
}

static void AppendInt64(std::string &out, int64_t value) {
	char bytes[8];
	for (int i = 0; i < 8; i++) {
		bytes[i] = static_cast<char>((static_cast<uint64_t>(value) >> (8 * i)) & 0xff);
	}
	out.append(bytes, 8);
}

// ZSTD level 1: most of ZSTD's ratio gain over LZ4 at a fraction of its higher levels' cost.
static constexpr int kZstdLevel = 1;

void AppendCompressedBuffer(IpcCodec codec, const void *data, int64_t length, std::string &out) {
	auto start = out.size();
	AppendInt64(out, length);
	size_t bound = codec == IpcCodec::kZstd ? ZSTD_compressBound(length) : LZ4F_compressFrameBound(length, nullptr);
	out.resize(start + 8 + bound);
	size_t written;
	if (codec == IpcCodec::kZstd) {
		written = ZSTD_compress(&out[start + 8], bound, data, length, kZstdLevel);
		if (ZSTD_isError(written)) {
			written = SIZE_MAX;
		}
	} else {
		written = LZ4F_compressFrame(&out[start + 8], bound, data, length, nullptr);
		if (LZ4F_isError(written)) {
			written = SIZE_MAX;
		}
	}
	if (written >= static_cast<size_t>(length)) {
		// Incompressible (or the codec failed): the raw bytes, marked by length -1.
		out.resize(start);
		AppendInt64(out, -1);
		out.append(static_cast<const char *>(data), length);
		return;
	}
	out.resize(start + 8 + written);
}

// The buffer's int64 prefix: its uncompressed length, or -1 when the bytes after it are raw.
static int64_t LengthPrefix(const uint8_t *data, int64_t length) {
	if (length < 8) {
		throw duckdb::IOException("compressed Arrow IPC buffer of %lld bytes lacks its 8-byte length prefix",
		                          (long long)length);
	}
	uint64_t value = 0;
	for (int i = 0; i < 8; i++) {
		value |= static_cast<uint64_t>(data[i]) << (8 * i);
	}
	auto result = static_cast<int64_t>(value);
	if (result < -1) {
		throw duckdb::IOException("compressed Arrow IPC buffer claims a negative length %lld", (long long)result);
	}
	return result;
}

int64_t UncompressedLength(const uint8_t *data, int64_t length) {
	auto prefix = LengthPrefix(data, length);
	return prefix == -1 ? length - 8 : prefix;
}

void DecompressBuffer(IpcCodec codec, const uint8_t *data, int64_t length, void *out, int64_t uncompressed) {
	auto prefix = LengthPrefix(data, length);
	bool raw = prefix == -1;
	if ((raw ? length - 8 : prefix) != uncompressed) {
		throw duckdb::IOException("compressed Arrow IPC buffer: expected %lld bytes, prefix says %lld",
		                          (long long)uncompressed, (long long)(raw ? length - 8 : prefix));
	}
	if (raw) {
		std::memcpy(out, data + 8, static_cast<size_t>(uncompressed));
		return;
	}
	size_t produced = 0;
	if (codec == IpcCodec::kZstd) {
		produced = ZSTD_decompress(out, uncompressed, data + 8, length - 8);
		if (ZSTD_isError(produced)) {
			throw duckdb::IOException("corrupt ZSTD buffer in an Arrow IPC body: %s", ZSTD_getErrorName(produced));
		}
	} else {
		LZ4F_dctx *context = nullptr;
		if (LZ4F_isError(LZ4F_createDecompressionContext(&context, LZ4F_VERSION))) {
			throw duckdb::IOException("cannot create an LZ4 decompression context");
		}
		size_t out_size = static_cast<size_t>(uncompressed);
		size_t in_size = static_cast<size_t>(length - 8);
		auto status = LZ4F_decompress(context, out, &out_size, data + 8, &in_size, nullptr);
		LZ4F_freeDecompressionContext(context);
		if (LZ4F_isError(status)) {
			throw duckdb::IOException("corrupt LZ4 frame in an Arrow IPC body: %s", LZ4F_getErrorName(status));
		}
		produced = out_size;
	}
	if (produced != static_cast<size_t>(uncompressed)) {
		throw duckdb::IOException("compressed Arrow IPC buffer decompressed to %llu bytes instead of %lld",
		                          (unsigned long long)produced, (long long)uncompressed);
	}
}

AdaptiveCompression::AdaptiveCompression(const std::string &setting) {
	if (setting == "auto") {
		adaptive_ = true;
		// Plain batches first: a window, and the first delivery, which is not counted.
		wait_left_ = kWindowBytes + kUncountedBytes;
	} else if (!setting.empty()) {
		fixed_ = ParseIpcCodec(setting);
	}
}

IpcCodec AdaptiveCompression::Next(uint64_t raw_bytes) {
	if (!adaptive_) {
		return fixed_;
	}
	if (trial_ < 0 && wait_left_ == 0) {
		trial_ = NextTrial();
		trial_left_ = kUncountedBytes + kWindowBytes;
		// What it measured before, a part of a window included, is older than a wait.
		cost_[trial_] = -1;
		window_nanos_[trial_] = 0;
		window_bytes_[trial_] = 0;
	}
	int codec = chosen_;
	if (trial_ >= 0 && trial_left_ > 0) {
		codec = trial_;
		trial_left_ -= std::min(trial_left_, raw_bytes);
	} else if (trial_ >= 0) {
		// Handed out; until it is measured, the stream goes on with the best codec known. The
		// first trial (LZ4) goes on instead: nothing is known to beat it yet, and on a slow
		// link, where the outbox stays full and deliveries lag most, plain batches cost most.
		codec = trials_ == 0 ? trial_ : chosen_;
	} else {
		wait_left_ -= std::min(wait_left_, raw_bytes);
	}
	undelivered_[codec] += raw_bytes;
	return static_cast<IpcCodec>(codec);
}

void AdaptiveCompression::Record(IpcCodec codec, std::chrono::nanoseconds elapsed, uint64_t raw_bytes) {
	if (!adaptive_) {
		return;
	}
	auto c = static_cast<int>(codec);
	undelivered_[c] -= std::min(undelivered_[c], raw_bytes);
	// The first delivery of a run of one codec is not counted: the buffers between here and the
	// host's reader still held the codec before, so it mostly times their draining (or, for the
	// stream's first, the query's start).
	if (c == last_delivered_) {
		window_nanos_[c] += static_cast<double>(elapsed.count());
		window_bytes_[c] += raw_bytes;
	}
	last_delivered_ = c;
	bool trial_over = c == trial_ && trial_left_ == 0 && undelivered_[c] == 0;
	if (window_bytes_[c] < kWindowBytes && !trial_over) {
		return;
	}
	Fold(c);
	if (c == trial_) {
		// Measured, or delivered without a whole window (batches wider than the uncounted
		// delivery allows for): judged on what it measured, if anything.
		JudgeTrial();
	}
}

void AdaptiveCompression::Fold(int codec) {
	if (window_bytes_[codec] == 0) {
		return;
	}
	auto cost = window_nanos_[codec] / static_cast<double>(window_bytes_[codec]);
	// Recent windows weigh most: the link or the load may change during a long stream.
	cost_[codec] = cost_[codec] < 0 ? cost : 0.5 * cost_[codec] + 0.5 * cost;
	window_nanos_[codec] = 0;
	window_bytes_[codec] = 0;
}

void AdaptiveCompression::JudgeTrial() {
	if (cost_[chosen_] < 0) {
		// Batches wider than a window's share: what the current codec measured so far.
		Fold(chosen_);
	}
	auto before = chosen_;
	if (cost_[trial_] >= 0 && (cost_[chosen_] < 0 || Weighted(trial_) < Weighted(chosen_))) {
		chosen_ = trial_;
	}
	trial_ = -1;
	trials_++;
	wait_windows_ = chosen_ == before ? std::min(2 * wait_windows_, kMaxWait) : kMinWait;
	// ZSTD is tried at once when LZ4 has just won.
	bool try_zstd = chosen_ == kLz4 && cost_[kZstd] < 0;
	wait_left_ = try_zstd ? 0 : wait_windows_ * kWindowBytes;
}

int AdaptiveCompression::NextTrial() const {
	// One step along none < LZ4 < ZSTD: from LZ4 both ways in turn, ZSTD first.
	if (chosen_ != kLz4) {
		return kLz4;
	}
	return cost_[kZstd] < 0 || trials_ % 2 ? kZstd : 0;
}

} // namespace openduck
