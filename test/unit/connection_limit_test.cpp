// Each database's connections: counted and limited per database, never across databases, and
// published to the metrics.
#include "worker/connection_limit.hpp"

#include <gtest/gtest.h>

namespace openduck {
namespace {

using namespace std::chrono_literals;

const auto kStaying = [] { return false; };

TEST(ConnectionLimitTest, EachDatabaseHasItsOwnLimit) {
	ServerMetrics metrics;
	ConnectionLimit limit(1, 50ms, &metrics);
	auto busy = limit.Acquire("busy", "t", kStaying);
	ASSERT_NE(busy, nullptr);
	EXPECT_EQ(limit.Acquire("busy", "u", kStaying), nullptr); // waited 50 ms for nothing
	auto calm = limit.Acquire("calm", "t", kStaying);
	EXPECT_NE(calm, nullptr);
	auto usage = metrics.Connections();
	EXPECT_EQ(usage["busy"].in_use, 1);
	EXPECT_EQ(usage["busy"].waiting, 0);
	EXPECT_EQ(usage["calm"].in_use, 1);
	busy.reset();
	EXPECT_NE(limit.Acquire("busy", "u", kStaying), nullptr);
	EXPECT_EQ(metrics.Connections()["busy"].in_use, 0);
}

TEST(ConnectionLimitTest, NoLimitStillCounts) {
	ServerMetrics metrics;
	ConnectionLimit limit(0, 0ms, &metrics);
	auto a = limit.Acquire("db", "t", kStaying);
	auto b = limit.Acquire("db", "t", kStaying);
	ASSERT_NE(a, nullptr);
	ASSERT_NE(b, nullptr);
	EXPECT_EQ(metrics.Connections()["db"].in_use, 2);
	EXPECT_NE(metrics.PrometheusText().find("openduck_database_connections_in_use{database=\"db\"} 2\n"),
	          std::string::npos);
}

} // namespace
} // namespace openduck
