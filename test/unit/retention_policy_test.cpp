// Retention tiers: parsing, and which snapshots each tier keeps (a pure function of the
// snapshots' creation times and now).
#include "storage/retention_policy.hpp"

#include <gtest/gtest.h>

#include <set>

namespace openduck {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;
// A UTC midnight, so hour and day buckets are easy to read below.
constexpr int64_t kNow = 1700006400;

std::set<int64_t> Kept(const std::string &policy, const std::vector<SnapshotAge> &snapshots) {
	auto kept = RetentionPolicy::Parse(policy).KeptByAge(kNow, snapshots);
	return std::set<int64_t>(kept.begin(), kept.end());
}

TEST(RetentionPolicyTest, ParsesDurationsAndTiers) {
	EXPECT_EQ(RetentionPolicy::Parse("7d").ToString(), "all:7d");
	EXPECT_EQ(RetentionPolicy::Parse("3600").ToString(), "all:1h");
	EXPECT_EQ(RetentionPolicy::Parse("0s").Horizon(), 0);
	auto tiers = RetentionPolicy::Parse("all:24h, hourly:7d,daily:90d");
	EXPECT_EQ(tiers.ToString(), "all:1d,hourly:7d,daily:90d");
	EXPECT_EQ(tiers.Horizon(), 90 * kDay);
	EXPECT_EQ(RetentionPolicy::Parse("weekly:365d").Horizon(), 365 * kDay);
}

TEST(RetentionPolicyTest, RejectsWhatIsNotAPolicy) {
	for (auto bad : {"", "7x", "-1d", "all", "all:", "yearly:1d", "all:1d,all:2d", "all:1d,", "hourly:7d,1d"}) {
		EXPECT_THROW(RetentionPolicy::Parse(bad), std::invalid_argument) << bad;
	}
}

TEST(RetentionPolicyTest, AllKeepsEverySnapshotUpToItsAge) {
	std::vector<SnapshotAge> snapshots {{1, kNow - 2 * kDay}, {2, kNow - kDay}, {3, kNow - kDay + 1}, {4, kNow}};
	EXPECT_EQ(Kept("1d", snapshots), (std::set<int64_t> {2, 3, 4})); // exactly one day old stays
	EXPECT_EQ(Kept("0s", snapshots), (std::set<int64_t> {4}));
	EXPECT_TRUE(RetentionPolicy::KeepAll(-10).KeptByAge(kNow, snapshots).empty());
}

TEST(RetentionPolicyTest, TiersKeepTheNewestOfEachBucketWithinTheirAge) {
	std::vector<SnapshotAge> snapshots;
	int64_t id = 0;
	// Every 20 minutes for the last 3 days (the newest is 20 minutes old)...
	for (int64_t age = 20 * 60; age <= 3 * kDay; age += 20 * 60) {
		snapshots.push_back({++id, kNow - age});
	}
	// ...and one at noon on each of the 10 days before.
	for (int64_t day = 4; day <= 13; day++) {
		snapshots.push_back({++id, kNow - day * kDay + 12 * kHour});
	}
	auto kept = Kept("all:2h,hourly:1d,daily:7d", snapshots);
	std::set<int64_t> expected;
	for (auto &snapshot : snapshots) {
		auto age = kNow - snapshot.created_at;
		bool all = age <= 2 * kHour;
		// The newest of its hour: 40 past (20 past and on the hour have a newer one).
		bool hourly = age <= kDay && snapshot.created_at % kHour == 40 * 60;
		// The newest of its day: 23:40 for the three recent days, noon on the older ones.
		auto of_day = snapshot.created_at % kDay;
		bool daily = age <= 7 * kDay && (of_day == 23 * kHour + 40 * 60 || (age > 3 * kDay && of_day == 12 * kHour));
		if (all || hourly || daily) {
			expected.insert(snapshot.id);
		}
	}
	EXPECT_EQ(kept, expected);
	// 6 (2 h every 20 min) + 24 hourly, one of which is among the 6 already + 7 daily, one of
	// which (yesterday 23:40) is also hourly.
	EXPECT_EQ(kept.size(), 6u + 24u - 2u + 7u - 1u);
}

TEST(RetentionPolicyTest, TheNewestOfABucketIsChosenAmongAllItsSnapshots) {
	// The bucket's newest is 1 s too old for the tier: the bucket keeps none, rather than
	// promoting an older snapshot that a later run would have to find again.
	std::vector<SnapshotAge> snapshots {{1, kNow - kDay - 10}, {2, kNow - kDay - 1}, {3, kNow}};
	EXPECT_EQ(Kept("hourly:1d", snapshots), (std::set<int64_t> {3}));
	// The same creation time: the higher id (the later commit) wins.
	EXPECT_EQ(Kept("daily:2d", {{5, kNow - 60}, {4, kNow - 60}}), (std::set<int64_t> {5}));
}

} // namespace
} // namespace openduck
