// The fair queue of statement places and database connections: places up to the limit, a fair
// turn for every token however many callers another token queues, refusal after the wait limit
// or when the caller left.
#include "worker/fair_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace openduck {
namespace {

using namespace std::chrono_literals;

const auto kStaying = [] { return false; };

TEST(FairQueueTest, RunsUpToTheLimitAtOnce) {
	FairQueue queue(2, 50ms);
	auto a = queue.Enter("t", kStaying);
	auto b = queue.Enter("t", kStaying);
	ASSERT_NE(a, nullptr);
	ASSERT_NE(b, nullptr);
	EXPECT_EQ(queue.Running(), 2);
	EXPECT_EQ(queue.Enter("u", kStaying), nullptr); // waited 50 ms for nothing
	EXPECT_EQ(queue.Waiting(), 0);
	a.reset();
	EXPECT_NE(queue.Enter("u", kStaying), nullptr);
}

TEST(FairQueueTest, NoLimitNeverWaits) {
	FairQueue queue(0, 0ms);
	std::vector<std::unique_ptr<FairQueue::Place>> places;
	for (int i = 0; i < 100; i++) {
		places.push_back(queue.Enter("t", kStaying));
		ASSERT_NE(places.back(), nullptr);
	}
}

TEST(FairQueueTest, ACallerThatLeftStopsWaiting) {
	FairQueue queue(1, 60s);
	auto held = queue.Enter("t", kStaying);
	std::atomic<bool> gone {false};
	std::thread leaver([&] {
		std::this_thread::sleep_for(50ms);
		gone = true;
	});
	auto started = std::chrono::steady_clock::now();
	EXPECT_EQ(queue.Enter("u", [&] { return gone.load(); }), nullptr);
	EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
	leaver.join();
	EXPECT_EQ(queue.Waiting(), 0);
}

TEST(FairQueueTest, EveryTokenGetsItsTurn) {
	// One place. Token "busy" queues 10 statements, then "quiet" queues 1: "quiet" must run
	// second, not eleventh.
	FairQueue queue(1, 60s);
	auto held = queue.Enter("busy", kStaying);
	std::mutex order_lock;
	std::vector<std::string> order;
	auto run = [&](const std::string &token) {
		auto place = queue.Enter(token, kStaying);
		ASSERT_NE(place, nullptr);
		std::lock_guard<std::mutex> guard(order_lock);
		order.push_back(token);
	};
	std::vector<std::thread> threads;
	for (int i = 0; i < 10; i++) {
		threads.emplace_back(run, "busy");
	}
	while (queue.Waiting() < 10) {
		std::this_thread::sleep_for(1ms);
	}
	threads.emplace_back(run, "quiet");
	while (queue.Waiting() < 11) {
		std::this_thread::sleep_for(1ms);
	}
	held.reset();
	for (auto &thread : threads) {
		thread.join();
	}
	ASSERT_EQ(order.size(), 11u);
	auto quiet = std::find(order.begin(), order.end(), "quiet") - order.begin();
	EXPECT_LE(quiet, 1) << "the quiet token ran after " << quiet << " statements of the busy one";
}

} // namespace
} // namespace openduck
