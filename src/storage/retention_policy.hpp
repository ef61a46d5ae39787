// Which snapshots garbage collection keeps because of their age: retention tiers.
//
//     all:24h,hourly:7d,daily:90d
//
// keeps every snapshot up to 24 hours old, the newest snapshot of each hour up to 7 days old
// and the newest of each day up to 90 days old; a snapshot survives when any tier keeps it.
// Buckets are aligned to UTC (hours, days; weeks start on the Unix epoch's Thursday). A bare
// duration ("7d") is the single tier all:7d, the form `--retention` always had. Age is not the
// only reason a snapshot stays: heads, named and pinned snapshots are kept regardless
// (MetadataStore::PlanGarbageCollection).
//
// Immutable value; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace openduck {

struct RetentionTier {
	int64_t bucket_seconds = 0; // 0: every snapshot; else the newest of each bucket this long
	int64_t keep_seconds = 0;   // up to this age
};

// A snapshot as retention sees it.
struct SnapshotAge {
	int64_t id = 0;
	int64_t created_at = 0; // Unix seconds
};

// The default of `openduck gc --retention`: what it was before tiers existed.
constexpr const char *kDefaultRetention = "7d";

class RetentionPolicy {
public:
	// `text` as above (spaces ignored); std::invalid_argument saying what is wrong and what the forms are.
	static RetentionPolicy Parse(const std::string &text);
	// Every snapshot up to `seconds` old (negative: none, which tests use to age everything).
	static RetentionPolicy KeepAll(int64_t seconds);

	// The age past which no tier keeps a snapshot: databases dropped longer ago are purged.
	int64_t Horizon() const;
	// The canonical text form ("all:1d,hourly:7d").
	std::string ToString() const;
	// The ids of `snapshots` (one database's) some tier keeps at `now`.
	std::unordered_set<int64_t> KeptByAge(int64_t now, const std::vector<SnapshotAge> &snapshots) const;

private:
	std::vector<RetentionTier> tiers_;
};

} // namespace openduck
