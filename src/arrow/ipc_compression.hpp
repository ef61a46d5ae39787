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
// used as it is. "auto" measures instead of guessing: which codec delivers uncompressed bytes
// fastest, producing, encoding and sending included. On a slow link LZ4's and ZSTD's smaller
// batches win; on loopback, where both ends' CPUs are the limit, plain batches do.
//
// What it corrects for:
// - Batches are encoded well before they are delivered (the sender's outbox, the host's queue),
//   so each delivery is counted for the codec its batch was encoded with, and a trial is judged
//   once its batches were delivered.
// - Buffers between the two ends still hold the codec before when a new one starts, so the first
//   delivery of each run of one codec is not counted.
// - Parallel producers finish batches in bursts, so a measurement is a window of 48 MiB (three
//   of a scan's batches), not one batch.
// It starts with plain batches, then tries LZ4. Trials step one codec along none < LZ4 < ZSTD
// (a link that LZ4 does not relieve is not the bottleneck, and on a slow link plain batches are
// the costliest trial). A codec must measure faster than the current choice after its CPU is
// weighed (kCpuWeight: both ends pay it, a slow consumer needs it, and to the sender a slow
// consumer looks like a slow link), so ties go to the cheaper one. Between trials the chosen
// codec keeps being measured; a trial that changed nothing doubles the wait before the next,
// from 8 to 32 windows.
class AdaptiveCompression {
public:
	// "auto", or a codec name (ParseIpcCodec); "" is "none" (a peer that predates compression).
	// Throws std::invalid_argument for anything else.
	explicit AdaptiveCompression(const std::string &setting);

	// The codec for the next batch, of `raw_bytes` uncompressed.
	IpcCodec Next(uint64_t raw_bytes);
	// A batch encoded with `codec` (what Next returned for it) was delivered, `elapsed` after the
	// delivery before it (or the stream's start): producing, encoding and sending it.
	void Record(IpcCodec codec, std::chrono::nanoseconds elapsed, uint64_t raw_bytes);

private:
	static constexpr uint64_t kWindowBytes = 48ull * 1024 * 1024;
	// A delivery that is not counted: about one of a scan's batches.
	static constexpr uint64_t kUncountedBytes = 16ull * 1024 * 1024;
	static constexpr uint32_t kMinWait = 8;
	static constexpr uint32_t kMaxWait = 32;
	static constexpr double kCpuWeight[3] = {1.0, 1.25, 1.4};
	static constexpr int kLz4 = static_cast<int>(IpcCodec::kLz4Frame);
	static constexpr int kZstd = static_cast<int>(IpcCodec::kZstd);

	// Folds the window of `codec`, if any, into its moving average.
	void Fold(int codec);
	// Judges the trial of trial_, which has just been measured or delivered.
	void JudgeTrial();
	// The codec to try next.
	int NextTrial() const;
	double Weighted(int codec) const {
		return cost_[codec] * kCpuWeight[codec];
	}

	bool adaptive_ = false;
	IpcCodec fixed_ = IpcCodec::kNone;
	// Nanoseconds per raw byte, by IpcCodec, a moving average of windows; < 0 until measured.
	double cost_[3] = {-1, -1, -1};
	// The window being measured, by IpcCodec.
	double window_nanos_[3] = {0, 0, 0};
	uint64_t window_bytes_[3] = {0, 0, 0};
	// The codec of the last delivery (-1: none yet).
	int last_delivered_ = -1;
	// Raw bytes handed out by Next and not yet delivered, by IpcCodec.
	uint64_t undelivered_[3] = {0, 0, 0};
	// The codec in use between trials; the one on trial (-1: none) and its bytes still to hand
	// out (a trial goes on being measured after that).
	int chosen_ = 0;
	int trial_ = -1;
	uint64_t trial_left_ = 0;
	// Bytes of chosen_ to hand out before the next trial; windows to wait after a trial.
	uint64_t wait_left_ = 0;
	uint32_t wait_windows_ = kMinWait;
	uint32_t trials_ = 0;
};

} // namespace openduck
