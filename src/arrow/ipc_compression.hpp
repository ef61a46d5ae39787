// Arrow IPC body compression (the Arrow columnar format's BodyCompression, method BUFFER): each
// buffer of a record batch body is an int64 little-endian uncompressed length followed by the
// buffer compressed as one LZ4 frame or one ZSTD frame, or by the raw bytes when that length is
// -1 (a buffer compression did not shrink). pyarrow and every Arrow reader read such streams.
//
// Also the choice of codec for a stream: `openduck_compression` ('auto', 'lz4', 'zstd', 'none')
// and AdaptiveCompression, which compresses only while the link is the bottleneck.
// Stateless functions are thread-safe; AdaptiveCompression is used by one stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace openduck {

enum class IpcCodec : uint8_t { kNone, kLz4Frame, kZstd };

// The codec named `name` ("none", "lz4", "zstd"); throws std::invalid_argument naming the choices.
IpcCodec ParseIpcCodec(const std::string &name);
const char *IpcCodecName(IpcCodec codec);

// Appends the 8-byte length prefix and `length` bytes at `data`, compressed with `codec` (not
// kNone) when that makes them smaller, to `out`.
void AppendCompressedBuffer(IpcCodec codec, const void *data, int64_t length, std::string &out);

// Decompresses one buffer written by AppendCompressedBuffer (`data`, `length` bytes including
// the prefix) into `out`, which holds `uncompressed` bytes (read from the prefix with
// UncompressedLength). Throws duckdb::IOException on corrupt input or a size mismatch.
int64_t UncompressedLength(const uint8_t *data, int64_t length);
void DecompressBuffer(IpcCodec codec, const uint8_t *data, int64_t length, void *out, int64_t uncompressed);

// Decides, batch by batch, how a stream compresses. A fixed codec ("lz4", "zstd", "none") is
// used as it is. "auto" measures instead of guessing: for each choice (LZ4 or plain) it keeps the
// recent wall time per uncompressed byte of producing, encoding and sending a batch, uses the
// cheaper one, and tries the other every 16th batch so both stay measured. On a link slower than
// the CPUs, compressed batches deliver more data per second and win; on loopback, where both
// ends' CPUs are the limit, plain batches do.
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
	bool adaptive_ = false;
	IpcCodec fixed_ = IpcCodec::kNone;
	// Nanoseconds per raw byte, plain [0] and LZ4 [1]; < 0 until measured.
	double cost_[2] = {-1, -1};
	uint32_t batches_ = 0;
	int last_ = 0;
};

} // namespace openduck
