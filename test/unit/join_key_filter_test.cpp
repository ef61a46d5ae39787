#include "common/join_key_filter.hpp"
#include "duckdb.hpp"
#include "duckdb/common/types/blob.hpp"
#include "storage/join_keys_function.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace openduck {
namespace {

std::vector<uint64_t> RandomHashes(size_t count, uint64_t seed) {
	std::mt19937_64 random(seed);
	std::vector<uint64_t> hashes(count);
	for (auto &hash : hashes) {
		hash = random();
	}
	return hashes;
}

TEST(JoinKeyFilterTest, KeepsEveryKeyAndFewOthers) {
	for (size_t keys : {0, 1, 3, 50, 5000, 200000}) {
		auto hashes = RandomHashes(keys, keys + 1);
		auto filter = JoinKeyFilter::Decode(JoinKeyFilter::Encode(hashes, keys, 100000, 4 << 20));
		for (auto hash : hashes) {
			ASSERT_TRUE(filter.MayContain(hash)) << keys << " keys";
		}
		auto others = RandomHashes(100000, 999);
		size_t passed = 0;
		for (auto hash : others) {
			passed += filter.MayContain(hash);
		}
		// Sized for 100,000 probes: about a twentieth of the keys' count passes (the semi-join's
		// budget is a fifth: 1.2x the rows that match).
		EXPECT_LE(passed, std::max<size_t>(5, keys / 5)) << keys << " keys";
	}
}

TEST(JoinKeyFilterTest, IsSizedByTheDistinctKeys) {
	std::vector<uint64_t> hashes {1, 1, 2, 7, 7, 7, 9};
	// Four distinct keys probed by as few rows share one word: header + 8 bytes.
	EXPECT_EQ(JoinKeyFilter::Encode(hashes, 4, 4, 1 << 20).size(), 5u + 8u);
	// Probed by a million rows they get four words each; bounded by max_bytes.
	EXPECT_EQ(JoinKeyFilter::Encode(hashes, 4, 1000000, 1 << 20).size(), 5u + 16u * 8u);
	EXPECT_EQ(JoinKeyFilter::Encode(hashes, 4, 1000000, 64).size(), 5u + 64u);
	// Duplicates set the same bits: the filter of the distinct keys is the same.
	EXPECT_EQ(JoinKeyFilter::Encode(hashes, 4, 1000000, 1 << 20),
	          JoinKeyFilter::Encode(std::vector<uint64_t> {9, 7, 2, 1}, 4, 1000000, 1 << 20));
}

TEST(JoinKeyFilterTest, RefusesWhatIsNoFilter) {
	auto message = [](const std::string &bytes) {
		try {
			JoinKeyFilter::Decode(bytes);
		} catch (std::invalid_argument &ex) {
			return std::string(ex.what());
		}
		return std::string("accepted");
	};
	EXPECT_NE(message("").find("not a join key filter"), std::string::npos);
	EXPECT_NE(message("XXXX\x01" + std::string(8, '\0')).find("not a join key filter"), std::string::npos);
	EXPECT_NE(message(std::string("ODJK\x02", 5) + std::string(8, '\0')).find("version 2"), std::string::npos);
	EXPECT_NE(message(std::string("ODJK\x01", 5) + std::string(24, '\0')).find("power of two"), std::string::npos);
	EXPECT_NE(message(std::string("ODJK\x01", 5) + std::string(7, '\0')).find("power of two"), std::string::npos);
	EXPECT_NE(message(std::string("ODJK\x01", 5)).find("power of two"), std::string::npos);
}

// The worker's function hashes a column as DuckDB hashes that type: keys hashed the same way
// (as the host does) all pass, NULL never does, and bad filters name what is wrong.
TEST(JoinKeyFilterTest, WorkerFunctionKeepsTheKeysOfEachType) {
	duckdb::DuckDB db(nullptr);
	RegisterJoinKeysFunction(*db.instance);
	RegisterJoinKeysFunction(*db.instance); // again: a no-op
	duckdb::Connection con(db);
	for (std::string type : {"INTEGER", "BIGINT", "VARCHAR", "DECIMAL(15,2)", "DOUBLE", "HUGEINT"}) {
		auto keys = con.Query("SELECT hash(CAST(range * 7 AS " + type + ")) FROM range(2000)");
		ASSERT_FALSE(keys->HasError()) << keys->GetError();
		std::vector<uint64_t> hashes;
		for (duckdb::idx_t row = 0; row < keys->RowCount(); row++) {
			hashes.push_back(keys->GetValue(0, row).GetValue<uint64_t>());
		}
		auto encoded = JoinKeyFilter::Encode(hashes, hashes.size(), 2000, 1 << 20);
		auto base64 = duckdb::Blob::ToBase64(duckdb::string_t(encoded.data(), uint32_t(encoded.size())));
		auto result = con.Query("SELECT count(*) FILTER (WHERE openduck_join_keys(CAST(range * 7 AS " + type + "), '" +
		                        base64 + "')), count(*) FILTER (WHERE openduck_join_keys(CAST(NULL AS " + type +
		                        "), '" + base64 + "')), count(*) FILTER (WHERE openduck_join_keys(CAST(range * 7 + 1 AS " + type + "), '" +
		                        base64 + "')) FROM range(2000)");
		ASSERT_FALSE(result->HasError()) << type << ": " << result->GetError();
		EXPECT_EQ(result->GetValue(0, 0).GetValue<int64_t>(), 2000) << type;
		EXPECT_EQ(result->GetValue(1, 0).GetValue<int64_t>(), 0) << type;
		EXPECT_LT(result->GetValue(2, 0).GetValue<int64_t>(), 40) << type << ": other values pass";
	}
	auto bad = con.Query("SELECT openduck_join_keys(1, 'not base64!')");
	ASSERT_TRUE(bad->HasError());
	EXPECT_NE(bad->GetError().find("not base64"), std::string::npos) << bad->GetError();
	bad = con.Query("SELECT openduck_join_keys(1, 'AAAAAAAAAAAA')");
	ASSERT_TRUE(bad->HasError());
	EXPECT_NE(bad->GetError().find("not a join key filter"), std::string::npos) << bad->GetError();
	bad = con.Query("SELECT openduck_join_keys(range, range::VARCHAR) FROM range(2)");
	ASSERT_TRUE(bad->HasError());
	EXPECT_NE(bad->GetError().find("must be a constant"), std::string::npos) << bad->GetError();
}

// Hosts send filters beside the text and name them by index: the connection's current request's.
TEST(JoinKeyFilterTest, WorkerFunctionReadsTheRequestsFiltersByIndex) {
	duckdb::DuckDB db(nullptr);
	RegisterJoinKeysFunction(*db.instance);
	duckdb::Connection con(db);
	auto keys = con.Query("SELECT hash(range * 3) FROM range(1000)");
	ASSERT_FALSE(keys->HasError()) << keys->GetError();
	std::vector<uint64_t> hashes;
	for (duckdb::idx_t row = 0; row < keys->RowCount(); row++) {
		hashes.push_back(keys->GetValue(0, row).GetValue<uint64_t>());
	}
	auto multiples_of_three = JoinKeyFilter::Encode(hashes, hashes.size(), 3000, 1 << 20);
	auto nothing = JoinKeyFilter::Encode({}, 0, 3000, 1 << 20);
	SetRequestJoinKeyFilters(*con.context, {nothing, multiples_of_three});
	auto result = con.Query("SELECT count(*) FILTER (WHERE openduck_join_keys(range, 1)), "
	                        "count(*) FILTER (WHERE openduck_join_keys(range, 0)) FROM range(3000)");
	ASSERT_FALSE(result->HasError()) << result->GetError();
	EXPECT_GE(result->GetValue(0, 0).GetValue<int64_t>(), 1000);
	EXPECT_LT(result->GetValue(0, 0).GetValue<int64_t>(), 1100);
	EXPECT_EQ(result->GetValue(1, 0).GetValue<int64_t>(), 0);
	auto bad = con.Query("SELECT openduck_join_keys(1, 2)");
	ASSERT_TRUE(bad->HasError());
	EXPECT_NE(bad->GetError().find("carries 2 join key filters"), std::string::npos) << bad->GetError();
	// The next request's filters replace them.
	SetRequestJoinKeyFilters(*con.context, {});
	bad = con.Query("SELECT openduck_join_keys(1, 0)");
	ASSERT_TRUE(bad->HasError());
	EXPECT_NE(bad->GetError().find("carries 0 join key filters"), std::string::npos) << bad->GetError();
}

} // namespace
} // namespace openduck
