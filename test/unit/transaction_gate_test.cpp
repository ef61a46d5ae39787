// A database's closed gate holds back its callers only, until it is reopened or they go away.
#include "worker/transaction_gate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace openduck {
namespace {

using namespace std::chrono_literals;

const auto kStaying = [] { return false; };

TEST(TransactionGateTest, HoldsBackOnlyTheClosedDatabaseUntilReopened) {
	TransactionGate gate;
	EXPECT_TRUE(gate.WaitOpen("busy", kStaying)); // open: at once
	auto closed = gate.Close("busy");
	EXPECT_TRUE(gate.WaitOpen("calm", kStaying));
	std::atomic<bool> passed {false};
	std::thread waiter([&] { passed = gate.WaitOpen("busy", kStaying); });
	std::this_thread::sleep_for(150ms);
	EXPECT_FALSE(passed);
	closed.reset();
	waiter.join();
	EXPECT_TRUE(passed);
}

TEST(TransactionGateTest, ACallerThatGoesAwayStopsWaiting) {
	TransactionGate gate;
	auto closed = gate.Close("busy");
	std::atomic<bool> gone {false};
	std::atomic<bool> finished {false};
	bool result = true;
	std::thread waiter([&] {
		result = gate.WaitOpen("busy", [&] { return gone.load(); });
		finished = true;
	});
	std::this_thread::sleep_for(100ms);
	EXPECT_FALSE(finished);
	gone = true;
	waiter.join();
	EXPECT_FALSE(result);
}

} // namespace
} // namespace openduck
