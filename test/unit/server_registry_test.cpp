// Gateway-side worker registry: registration, heartbeats, expiry and routing, with time passed
// in explicitly.
#include "gateway/worker_registry.hpp"

#include <gtest/gtest.h>

#include <set>

namespace openduck {

using std::chrono::milliseconds;

class ServerRegistryTest : public testing::Test {
protected:
	WorkerRegistry registry {milliseconds(100)};
	WorkerRegistry::TimePoint start = std::chrono::steady_clock::now();
};

TEST_F(ServerRegistryTest, RoutesByDatabase) {
	EXPECT_FALSE(registry.Register("w1", "h1:1", {"sales"}, start));
	registry.Register("w2", "h2:2", {"ops", "hr"}, start);
	auto route = registry.Route("ops", start);
	ASSERT_TRUE(route.has_value());
	EXPECT_EQ(route->id, "w2");
	EXPECT_EQ(route->address, "h2:2");
	EXPECT_FALSE(registry.Route("nope", start).has_value());
	EXPECT_EQ(registry.Databases(start), (std::vector<std::string> {"hr", "ops", "sales"}));
}

TEST_F(ServerRegistryTest, AddedDatabasesRouteUntilTheNextHeartbeatReplacesTheList) {
	registry.Register("w1", "h1:1", {"sales"}, start);
	registry.AddDatabase("w1", "branch", start);
	registry.AddDatabase("w1", "branch", start);
	registry.AddDatabase("ghost", "x", start);
	ASSERT_TRUE(registry.Route("branch", start).has_value());
	EXPECT_EQ(registry.Databases(start), (std::vector<std::string> {"branch", "sales"}));
	// The worker's own list wins from its next heartbeat on (it lists what it serves now).
	registry.Heartbeat("w1", {"sales", "other"}, start + milliseconds(50));
	EXPECT_FALSE(registry.Route("branch", start + milliseconds(50)).has_value());
	EXPECT_TRUE(registry.Route("other", start + milliseconds(50)).has_value());
}

TEST_F(ServerRegistryTest, ForgetsWorkersAfterThreeMissedHeartbeats) {
	registry.Register("w1", "h1:1", {"sales"}, start);
	EXPECT_TRUE(registry.Heartbeat("w1", {"sales"}, start + milliseconds(250)));
	// 300 ms (3 intervals) after the last heartbeat the worker is still known...
	EXPECT_TRUE(registry.Route("sales", start + milliseconds(550)).has_value());
	// ...and just past it is gone, and its next heartbeat is answered "unknown".
	EXPECT_FALSE(registry.Route("sales", start + milliseconds(551)).has_value());
	EXPECT_TRUE(registry.LiveWorkers(start + milliseconds(551)).empty());
	EXPECT_FALSE(registry.Heartbeat("w1", {"sales"}, start + milliseconds(600)));
	// Registering again brings it back.
	EXPECT_FALSE(registry.Register("w1", "h1:1", {"sales"}, start + milliseconds(600)));
	EXPECT_TRUE(registry.Route("sales", start + milliseconds(600)).has_value());
}

TEST_F(ServerRegistryTest, HeartbeatUpdatesDatabases) {
	registry.Register("w1", "h1:1", {"a"}, start);
	EXPECT_TRUE(registry.Heartbeat("w1", {"a", "b"}, start + milliseconds(10)));
	EXPECT_TRUE(registry.Route("b", start + milliseconds(10)).has_value());
	EXPECT_FALSE(registry.Heartbeat("w9", {"a"}, start + milliseconds(10)));
}

TEST_F(ServerRegistryTest, PrefersMostRecentlyHeardWorker) {
	registry.Register("w1", "h1:1", {"sales"}, start);
	registry.Register("w2", "h2:2", {"sales"}, start + milliseconds(10));
	EXPECT_EQ(registry.Route("sales", start + milliseconds(20))->id, "w2");
	registry.Heartbeat("w1", {"sales"}, start + milliseconds(30));
	EXPECT_EQ(registry.Route("sales", start + milliseconds(40))->id, "w1");
}

TEST_F(ServerRegistryTest, ReRegistrationReplacesAddress) {
	registry.Register("w1", "h1:1", {"sales"}, start);
	EXPECT_TRUE(registry.Register("w1", "h1:7", {"sales"}, start + milliseconds(5)));
	EXPECT_EQ(registry.Route("sales", start + milliseconds(5))->address, "h1:7");
	EXPECT_EQ(registry.LiveWorkers(start + milliseconds(5)).size(), 1u);
}

TEST_F(ServerRegistryTest, ReadsGoToReplicasThatHoldTheHostsPositionInTurn) {
	registry.Register("w1", "h1:1", {"sales"}, start);
	registry.Register("r1", "h2:2", {"sales"}, start, true, {{"sales", CommitPosition {5, 3}}});
	registry.Register("r2", "h3:3", {"sales"}, start, true, {{"sales", CommitPosition {5, 1}}});
	// Writes and sessions never go to a replica.
	EXPECT_EQ(registry.Route("sales", start)->id, "w1");
	// Only r1 holds position 5+2; both hold 5+1, and take turns.
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(registry.RouteToReplica("sales", CommitPosition {5, 2}, start)->id, "r1");
	}
	std::set<std::string> both;
	for (int i = 0; i < 4; i++) {
		both.insert(registry.RouteToReplica("sales", CommitPosition {5, 1}, start)->id);
	}
	EXPECT_EQ(both, (std::set<std::string> {"r1", "r2"}));
	// A later snapshot contains every segment of an earlier one.
	EXPECT_FALSE(registry.RouteToReplica("sales", CommitPosition {6, 0}, start).has_value());
	registry.Heartbeat("r2", {"sales"}, start + milliseconds(10), {{"sales", CommitPosition {6, 0}}});
	EXPECT_EQ(registry.RouteToReplica("sales", CommitPosition {5, 9}, start + milliseconds(10))->id, "r2");
	// A replica that has not opened a database yet reports no position for it.
	registry.Heartbeat("r1", {"sales"}, start + milliseconds(10), {});
	EXPECT_EQ(registry.RouteToReplica("sales", CommitPosition {}, start + milliseconds(10))->id, "r2");
	EXPECT_FALSE(registry.RouteToReplica("other", CommitPosition {}, start + milliseconds(10)).has_value());
	// A replica a call found unreachable gets no reads until it heartbeats again.
	registry.MarkUnreachable("r2");
	EXPECT_FALSE(registry.RouteToReplica("sales", CommitPosition {}, start + milliseconds(10)).has_value());
	registry.Heartbeat("r2", {"sales"}, start + milliseconds(20), {{"sales", CommitPosition {6, 0}}});
	EXPECT_EQ(registry.RouteToReplica("sales", CommitPosition {}, start + milliseconds(20))->id, "r2");
}

} // namespace openduck
