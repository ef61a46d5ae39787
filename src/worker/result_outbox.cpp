#include "worker/result_outbox.hpp"

namespace openduck {

ResultOutbox::ResultOutbox(uint64_t limit_bytes, AdaptiveCompression &compression)
    : limit_bytes_(limit_bytes), compression_(compression) {
}

bool ResultOutbox::ParkIfFull(const duckdb::InterruptState &state) {
	std::lock_guard<std::mutex> guard(lock_);
	if (closed_ || queued_bytes_ < limit_bytes_) {
		return false;
	}
	parked_.push_back(state);
	return true;
}

IpcCodec ResultOutbox::NextCodec(uint64_t raw_bytes) {
	std::lock_guard<std::mutex> guard(lock_);
	return compression_.Next(raw_bytes);
}

void ResultOutbox::Push(Batch batch) {
	{
		std::lock_guard<std::mutex> guard(lock_);
		if (closed_) {
			return;
		}
		queued_bytes_ += batch.payload.size();
		batches_.push_back(std::move(batch));
	}
	ready_.notify_one();
}

void ResultOutbox::Finish() {
	{
		std::lock_guard<std::mutex> guard(lock_);
		finished_ = true;
	}
	ready_.notify_one();
}

bool ResultOutbox::Pop(Batch &batch) {
	std::unique_lock<std::mutex> guard(lock_);
	if (batches_.empty()) {
		return false;
	}
	batch = std::move(batches_.front());
	batches_.pop_front();
	queued_bytes_ -= batch.payload.size();
	ReleaseParked(guard);
	return true;
}

void ResultOutbox::Wait(std::chrono::microseconds timeout) {
	std::unique_lock<std::mutex> guard(lock_);
	ready_.wait_for(guard, timeout, [&] { return !batches_.empty() || finished_; });
}

void ResultOutbox::Delivered(const Batch &batch, std::chrono::nanoseconds elapsed) {
	std::lock_guard<std::mutex> guard(lock_);
	compression_.Record(batch.codec, elapsed, batch.raw_bytes);
}

void ResultOutbox::Close() {
	std::unique_lock<std::mutex> guard(lock_);
	closed_ = true;
	batches_.clear();
	queued_bytes_ = 0;
	ReleaseParked(guard);
}

void ResultOutbox::ReleaseParked(std::unique_lock<std::mutex> &guard) {
	if (parked_.empty() || (!closed_ && queued_bytes_ >= limit_bytes_)) {
		return;
	}
	auto parked = std::move(parked_);
	parked_.clear();
	guard.unlock();
	// Each call reschedules a DuckDB task, which runs Sink again with the chunk it held.
	for (auto &state : parked) {
		state.Callback();
	}
}

} // namespace openduck
