// Arrow IPC body compression (the Arrow columnar format's BodyCompression, method BUFFER): each
// buffer of a record batch body is an int64 little-endian uncompressed length followed by the
// buffer compressed as one LZ4 frame or one ZSTD frame, or by the raw bytes when that length is
// -1 (a buffer compression did not shrink). pyarrow and every Arrow reader read such streams.
//
// Also the choice of codec for a stream: `openduck_compression` ('auto', 'lz4', 'zstd', 'none')
// and AdaptiveCompression, which for 'auto' measures which codec delivers data fastest.
// Stateless functions are thread-safe; AdaptiveCompression is used by one stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace openduck {

enum class IpcCodec : uint8_t { kNone, kLz4Frame, kZstd };

// The codec named `name` ("none", "lz4", "zstd"); throws std::invalid_argument naming the choices.
IpcCodec ParseIpcCodec(const std::string &name);

// Appends the 8-byte length prefix and `length` bytes at `data`, compressed with `codec` (not
// kNone) when that makes them smaller, to `out`.
void AppendCompressedBuffer(IpcCodec codec, const void *data, int64_t length, std::string &out);

// Decompresses one buffer written by AppendCompressedBuffer (`data`, `length` bytes including
// the prefix) into `out`, which holds `uncompressed` bytes (read from the prefix with
// UncompressedLength). Throws duckdb::IOException on corrupt input or a size mismatch.
int64_t UncompressedLength(const uint8_t *data, int64_t length);
void DecompressBuffer(IpcCodec codec, const uint8_t *data, int64_t length, void *out, int64_t uncompressed);

// Decides, batch by batch, how a stream compresses. A fixed codec ("lz4", "zstd", "none") is
// used as it is. "auto" measures instead of guessing: it holds each choice (plain, LZ4, ZSTD) for
// a window of at least 16 MiB of uncompressed data and keeps the window's wall time per byte
// (producing, encoding and sending; a shorter window would mostly time the data queued before
// it in buffers), then uses the cheapest for four windows (still measuring it, so a choice that
// only looked cheap while buffers were empty is corrected) and tries one of the others in turn,
// so all stay measured. On a slow link ZSTD's smaller batches win, on a faster one LZ4's cheaper
// ones; on loopback, where both ends' CPUs are the limit, plain batches do.
class AdaptiveCompression {
public:
	// "auto", or a codec name (ParseIpcCodec); "" is "none" (a peer that predates compression).
	// Throws std::invalid_argument for anything else.
	explicit AdaptiveCompression(const std::string &setting);

	// The codec for the next batch.
	IpcCodec Next();
	// What the batch returned by the last Next cost: producing and encoding it (compression
	// included) plus sending it, for `raw_bytes` of uncompressed data.
	void Record(std::chrono::nanoseconds elapsed, uint64_t raw_bytes);

private:
	static constexpr double kWindowBytes = 16.0 * 1024 * 1024;
	static constexpr uint32_t kExploitWindows = 4;

	bool adaptive_ = false;
	IpcCodec fixed_ = IpcCodec::kNone;
	// Nanoseconds per raw byte, by IpcCodec; < 0 until measured.
	double cost_[3] = {-1, -1, -1};
	int current_ = 0;
	// Windows left with current_ after this one; whether current_ is on trial (else exploited).
	uint32_t windows_left_ = 0;
	bool trial_ = true;
	uint32_t probes_ = 0;
	double window_nanos_ = 0;
	double window_bytes_ = 0;
};

} // namespace openduck
