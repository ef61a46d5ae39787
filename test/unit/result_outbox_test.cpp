// The outbox between the DuckDB threads that encode a streamed result and the thread that sends
// it: producers park when it is full and are called back once the sender made room or gave up;
// batches leave in the order they came; nothing is kept once it is closed.
#include "worker/result_outbox.hpp"

#include <gtest/gtest.h>


namespace openduck {
namespace {

// A parked producer's callback, observable without blocking.
struct Signal : duckdb::InterruptDoneSignalState {
	bool Done() {
		std::lock_guard<std::mutex> guard(lock);
		return done;
	}
};

struct Parked {
	duckdb::shared_ptr<Signal> signal = duckdb::make_shared_ptr<Signal>();
	duckdb::InterruptState state =
	    duckdb::InterruptState(duckdb::weak_ptr<duckdb::InterruptDoneSignalState>(duckdb::shared_ptr<duckdb::InterruptDoneSignalState>(signal)));
};

ResultOutbox::Batch MakeBatch(size_t bytes, uint64_t rows) {
	ResultOutbox::Batch batch;
	batch.payload.assign(bytes, 'x');
	batch.raw_bytes = bytes;
	batch.rows = rows;
	return batch;
}

TEST(ResultOutboxTest, ParksProducersWhenFullUntilTheSenderMakesRoom) {
	AdaptiveCompression compression("none");
	ResultOutbox outbox(100, compression);
	Parked first;
	EXPECT_FALSE(outbox.ParkIfFull(first.state));
	outbox.Push(MakeBatch(60, 1));
	EXPECT_FALSE(outbox.ParkIfFull(first.state));
	outbox.Push(MakeBatch(60, 2));
	Parked second;
	EXPECT_TRUE(outbox.ParkIfFull(first.state));
	EXPECT_TRUE(outbox.ParkIfFull(second.state));
	EXPECT_FALSE(first.signal->Done());

	ResultOutbox::Batch batch;
	ASSERT_TRUE(outbox.Pop(batch));
	EXPECT_EQ(batch.rows, 1u); // first in, first out
	EXPECT_TRUE(first.signal->Done());
	EXPECT_TRUE(second.signal->Done());
	ASSERT_TRUE(outbox.Pop(batch));
	EXPECT_EQ(batch.rows, 2u);
	EXPECT_FALSE(outbox.Pop(batch));
}

TEST(ResultOutboxTest, StaysParkedWhileStillFull) {
	AdaptiveCompression compression("none");
	ResultOutbox outbox(100, compression);
	for (int i = 0; i < 3; i++) {
		outbox.Push(MakeBatch(60, i));
	}
	Parked producer;
	EXPECT_TRUE(outbox.ParkIfFull(producer.state));
	ResultOutbox::Batch batch;
	ASSERT_TRUE(outbox.Pop(batch)); // 120 bytes left: still full
	EXPECT_FALSE(producer.signal->Done());
	ASSERT_TRUE(outbox.Pop(batch));
	EXPECT_TRUE(producer.signal->Done());
}

TEST(ResultOutboxTest, CloseReleasesProducersAndDropsBatches) {
	AdaptiveCompression compression("none");
	ResultOutbox outbox(10, compression);
	outbox.Push(MakeBatch(20, 1));
	Parked producer;
	EXPECT_TRUE(outbox.ParkIfFull(producer.state));
	outbox.Close();
	EXPECT_TRUE(producer.signal->Done());
	ResultOutbox::Batch batch;
	EXPECT_FALSE(outbox.Pop(batch));
	outbox.Push(MakeBatch(20, 2));
	EXPECT_FALSE(outbox.Pop(batch));
	EXPECT_FALSE(outbox.ParkIfFull(producer.state)); // a closed outbox never holds anyone back
}

TEST(ResultOutboxTest, WaitEndsWhenTheResultIsComplete) {
	AdaptiveCompression compression("none");
	ResultOutbox outbox(10, compression);
	outbox.Finish();
	auto started = std::chrono::steady_clock::now();
	outbox.Wait(std::chrono::seconds(30));
	EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
}

TEST(ResultOutboxTest, HandsOutTheStreamsCodec) {
	AdaptiveCompression compression("zstd");
	ResultOutbox outbox(10, compression);
	EXPECT_EQ(outbox.NextCodec(1024), IpcCodec::kZstd);
}

} // namespace
} // namespace openduck
