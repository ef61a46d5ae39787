#include "arrow/ipc_compression.hpp"

#include "duckdb/common/exception.hpp"

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
	} else if (!setting.empty()) {
		fixed_ = ParseIpcCodec(setting);
	}
}

IpcCodec AdaptiveCompression::Next() {
	if (!adaptive_) {
		return fixed_;
	}
	if (window_bytes_ < kWindowBytes) {
		return static_cast<IpcCodec>(current_);
	}
	auto &average = cost_[current_];
	auto cost = window_nanos_ / window_bytes_;
	// Recent windows weigh most: the link or the load may change during a long stream.
	average = average < 0 ? cost : 0.5 * average + 0.5 * cost;
	window_nanos_ = window_bytes_ = 0;
	if (windows_left_ > 0) {
		windows_left_--;
		return static_cast<IpcCodec>(current_);
	}
	int cheapest = 0;
	for (int choice = 0; choice < 3; choice++) {
		if (cost_[choice] < 0) {
			// Each choice is measured once before any is preferred.
			current_ = choice;
			trial_ = true;
			return static_cast<IpcCodec>(current_);
		}
		if (cost_[choice] < cost_[cheapest]) {
			cheapest = choice;
		}
	}
	if (trial_) {
		current_ = cheapest;
		trial_ = false;
		windows_left_ = kExploitWindows - 1;
	} else {
		// After using the cheapest: try one of the other two, in turn.
		current_ = (cheapest + 1 + probes_++ % 2) % 3;
		trial_ = true;
	}
	return static_cast<IpcCodec>(current_);
}

void AdaptiveCompression::Record(std::chrono::nanoseconds elapsed, uint64_t raw_bytes) {
	if (!adaptive_) {
		return;
	}
	window_nanos_ += static_cast<double>(elapsed.count());
	window_bytes_ += static_cast<double>(raw_bytes);
}

} // namespace openduck
