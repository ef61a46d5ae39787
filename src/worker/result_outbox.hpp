// Encoded record batches on their way from the DuckDB threads that produce a result
// (IpcResultCollector) to the one thread that sends them (FragmentExecutor).
//
// It holds about `limit_bytes`: a producer that finds it full parks its DuckDB task (the sink
// returns BLOCKED) until the sender has taken batches out, so a slow reader holds back the query
// instead of letting the result pile up in memory. It also owns the stream's codec choice
// (AdaptiveCompression): producers ask for the codec of each batch they encode, the sender
// reports what each batch cost to deliver.
//
// Thread-safe.
#pragma once

#include "arrow/ipc_compression.hpp"

#include "duckdb/parallel/interrupt.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace openduck {

class ResultOutbox {
public:
	struct Batch {
		// Dictionary batches, if any, then one record batch message.
		std::string payload;
		// Uncompressed size estimate (IpcStreamWriter::BufferedBytes) and rows.
		uint64_t raw_bytes = 0;
		uint64_t rows = 0;
		// What its record batch's body is compressed with.
		IpcCodec codec = IpcCodec::kNone;
	};

	// `compression` must outlive the outbox.
	ResultOutbox(uint64_t limit_bytes, AdaptiveCompression &compression);

	// Producers.
	// True when the outbox is full: `state` is called back once the sender made room (or the
	// outbox was closed), and the caller returns BLOCKED.
	bool ParkIfFull(const duckdb::InterruptState &state);
	// The codec for the batch about to be encoded, of `raw_bytes` uncompressed.
	IpcCodec NextCodec(uint64_t raw_bytes);
	// Dropped when the outbox is closed.
	void Push(Batch batch);
	// The result is complete: wakes a waiting sender.
	void Finish();

	// The sender.
	// Takes the oldest batch; false when none is queued.
	bool Pop(Batch &batch);
	// Waits until a batch is queued or the result is complete, at most `timeout`.
	void Wait(std::chrono::microseconds timeout);
	// What delivering `batch` took, producing through sending (AdaptiveCompression::Record).
	void Delivered(const Batch &batch, std::chrono::nanoseconds elapsed);
	// The result will not be sent (an error, a cancel, the caller gone): releases parked producers
	// and drops what is queued or pushed from now on.
	void Close();

private:
	// Calls back the parked producers when there is room; `guard` holds lock_ and is released.
	void ReleaseParked(std::unique_lock<std::mutex> &guard);

	const uint64_t limit_bytes_;
	std::mutex lock_;
	std::condition_variable ready_;
	AdaptiveCompression &compression_;
	std::deque<Batch> batches_;
	uint64_t queued_bytes_ = 0;
	bool finished_ = false;
	bool closed_ = false;
	std::vector<duckdb::InterruptState> parked_;
};

} // namespace openduck
