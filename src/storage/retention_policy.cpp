#include "storage/retention_policy.hpp"

#include "common/duration.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace openduck {

static const std::pair<const char *, int64_t> kTierNames[] = {
    {"all", 0}, {"minutely", 60}, {"hourly", 3600}, {"daily", 86400}, {"weekly", 7 * 86400}};

static const char *kForms = "expected a duration (7d: every snapshot for 7 days) or tiers like "
                            "all:24h,hourly:7d,daily:90d (tiers: all, minutely, hourly, daily, weekly)";

RetentionPolicy RetentionPolicy::KeepAll(int64_t seconds) {
	RetentionPolicy policy;
	policy.tiers_.push_back(RetentionTier {0, seconds});
	return policy;
}

RetentionPolicy RetentionPolicy::Parse(const std::string &written) {
	std::string text; // "all:24h, hourly:7d" reads as written without the spaces
	for (char c : written) {
		if (c != ' ' && c != '\t') {
			text += c;
		}
	}
	auto fail = [&](const std::string &why) {
		throw std::invalid_argument("retention '" + text + "': " + why + "; " + kForms);
	};
	if (text.find(':') == std::string::npos) {
		auto seconds = ParseDurationSeconds(text);
		if (!seconds) {
			fail("not a duration");
		}
		return KeepAll(*seconds);
	}
	RetentionPolicy policy;
	size_t start = 0;
	while (start <= text.size()) {
		auto end = std::min(text.find(',', start), text.size());
		auto item = text.substr(start, end - start);
		start = end + 1;
		auto colon = item.find(':');
		if (colon == std::string::npos) {
			fail("'" + item + "' is not TIER:DURATION");
		}
		auto name = item.substr(0, colon);
		auto keep = ParseDurationSeconds(item.substr(colon + 1));
		auto tier = std::find_if(std::begin(kTierNames), std::end(kTierNames),
		                         [&](const std::pair<const char *, int64_t> &known) { return name == known.first; });
		if (tier == std::end(kTierNames)) {
			fail("unknown tier '" + name + "'");
		}
		if (!keep) {
			fail("'" + item.substr(colon + 1) + "' is not a duration");
		}
		for (auto &existing : policy.tiers_) {
			if (existing.bucket_seconds == tier->second) {
				fail("tier '" + name + "' appears twice");
			}
		}
		policy.tiers_.push_back(RetentionTier {tier->second, *keep});
	}
	return policy;
}

int64_t RetentionPolicy::Horizon() const {
	int64_t horizon = tiers_.front().keep_seconds;
	for (auto &tier : tiers_) {
		horizon = std::max(horizon, tier.keep_seconds);
	}
	return horizon;
}

std::string RetentionPolicy::ToString() const {
	std::string out;
	for (auto &tier : tiers_) {
		for (auto &known : kTierNames) {
			if (known.second == tier.bucket_seconds) {
				out += (out.empty() ? "" : ",") + std::string(known.first) + ":" + FormatDuration(tier.keep_seconds);
			}
		}
	}
	return out;
}

// Floor division, so buckets stay aligned for any timestamp.
static int64_t BucketOf(int64_t created_at, int64_t bucket_seconds) {
	auto bucket = created_at / bucket_seconds;
	return created_at % bucket_seconds < 0 ? bucket - 1 : bucket;
}

std::unordered_set<int64_t> RetentionPolicy::KeptByAge(int64_t now, const std::vector<SnapshotAge> &snapshots) const {
	std::unordered_set<int64_t> kept;
	for (auto &tier : tiers_) {
		auto young = [&](const SnapshotAge &snapshot) { return now - snapshot.created_at <= tier.keep_seconds; };
		if (tier.bucket_seconds == 0) {
			for (auto &snapshot : snapshots) {
				if (young(snapshot)) {
					kept.insert(snapshot.id);
				}
			}
			continue;
		}
		// The newest of each bucket over all snapshots, not just the young ones: the choice
		// then never changes as time passes, so a bucket is never left without its snapshot
		// after an earlier run deleted the others.
		std::map<int64_t, SnapshotAge> newest;
		for (auto &snapshot : snapshots) {
			auto &slot = newest.emplace(BucketOf(snapshot.created_at, tier.bucket_seconds), snapshot).first->second;
			if (std::make_pair(snapshot.created_at, snapshot.id) > std::make_pair(slot.created_at, slot.id)) {
				slot = snapshot;
			}
		}
		for (auto &bucket : newest) {
			if (young(bucket.second)) {
				kept.insert(bucket.second.id);
			}
		}
	}
	return kept;
}

} // namespace openduck
