#include "common/process_memory.hpp"
#include "sanitizer_allocator.hpp"
#include "worker/eviction_queue_purge.hpp"

#include "duckdb.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <thread>

namespace openduck {
namespace {

std::unique_ptr<duckdb::DuckDB> ServerLikeInstance() {
	duckdb::DBConfig config;
	config.options.buffer_manager_track_eviction_timestamps = true; // as the storage engine's
	auto db = std::make_unique<duckdb::DuckDB>(nullptr, &config);
	duckdb::Connection con(*db);
	con.Query("CREATE TABLE a AS SELECT range AS i FROM range(20000)");
	con.Query("CREATE TABLE b AS SELECT range AS i, range % 7 AS g FROM range(20000)");
	return db;
}

// Hash-join and aggregate builds of finished statements leave their block handles in DuckDB
// 1.4.4's eviction queues, below the size at which DuckDB purges them: the heap grows with every
// statement. Purged after each round, it grows in the first round only.
TEST(EvictionQueuePurge, HeapStopsGrowingWithStatementsRun) {
#ifdef OPENDUCK_OWN_ALLOCATOR
	GTEST_SKIP() << "the sanitizer's allocator replaces glibc's heap";
#else
	auto db = ServerLikeInstance();
	duckdb::Connection con(*db);
	auto heap = [] {
		return int64_t(*ReadProcessMemory().malloc_allocated_bytes);
	};
	auto joins = [&con](int count) {
		for (int i = 0; i < count; i++) {
			auto result = con.Query("SELECT g, count(*) FROM a JOIN b USING (i) GROUP BY g ORDER BY g");
			ASSERT_FALSE(result->HasError()) << result->GetError();
			ASSERT_EQ(result->RowCount(), 7u);
		}
	};
	joins(50);
	auto start = heap();
	joins(1000);
	auto unpurged = heap() - start;
	PurgeEvictionQueues(*db);
	auto first = heap() - start;
	for (int round = 0; round < 2; round++) {
		joins(1000);
		PurgeEvictionQueues(*db);
	}
	auto later = heap() - start - first;
	std::cout << "heap after 1000 joins: +" << unpurged << " bytes; purged: +" << first
	          << "; after 2000 more, each 1000 purged: +" << later << std::endl;
	EXPECT_GT(unpurged, 1024 * 1024) << "the joins left nothing behind: DuckDB's queues work differently now";
	EXPECT_LT(later, unpurged / 4);
#endif
}

// Statements run correctly while purges unload blocks under them, and one purge unloads at most
// the first recently used block of each of DuckDB's eight queues: a table read just now stays in
// memory.
TEST(EvictionQueuePurge, RunsBesideStatementsAndKeepsRecentlyUsedBlocks) {
	auto db = ServerLikeInstance();
	duckdb::Connection con(*db);
	con.Query("CREATE TABLE big AS SELECT range AS i, repeat('x', 100) AS s FROM range(1000000)");
	std::atomic<bool> stop {false};
	std::thread purger([&] {
		while (!stop) {
			PurgeEvictionQueues(*db);
		}
	});
	for (int i = 0; i < 20; i++) {
		auto result = con.Query("SELECT sum(i), count(DISTINCT s) FROM big JOIN a USING (i)");
		ASSERT_FALSE(result->HasError()) << result->GetError();
		EXPECT_EQ(result->GetValue(0, 0).GetValue<int64_t>(), 19999LL * 20000 / 2);
	}
	stop = true;
	purger.join();

	ASSERT_EQ(con.Query("SELECT count(*) FROM big WHERE s <> ''")->GetValue(0, 0).GetValue<int64_t>(), 1000000);
	auto &buffers = db->instance->GetBufferManager();
	auto loaded = buffers.GetUsedMemory();
	const duckdb::idx_t kEightBlocks = 8 * DEFAULT_BLOCK_ALLOC_SIZE;
	auto unloaded = PurgeEvictionQueues(*db);
	EXPECT_LE(unloaded, kEightBlocks);
	EXPECT_GE(buffers.GetUsedMemory() + kEightBlocks, loaded)
	    << "loaded " << loaded << ", unloaded " << unloaded;
}

} // namespace
} // namespace openduck
