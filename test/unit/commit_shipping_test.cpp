// Commit shipping and takeover: a writer that dies (SIGKILL, in a forked child) leaves every
// acknowledged commit in the stores, and another engine with its own local directory (another
// machine) opens the database with all of them; a writer that lost its lease ships nothing.
#include "common/failpoint.hpp"
#include "storage/storage_engine.hpp"
#include "worker/database_set.hpp"
#include "temp_storage_test.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace openduck {
namespace {

class CommitShippingTest : public TempStorageTest {
protected:
	CommitShippingTest() : TempStorageTest("od-ship-") {
	}
	// An engine on the fixture's stores with its own local directory `local` (its own holder).
	std::unique_ptr<StorageEngine> Engine(const std::string &local, bool ship, int64_t lease_ttl = 2) {
		auto config = StorageConfig::Defaults(dir.string());
		config.local_dir = (dir / local).string();
		config.holder = "";
		config.ship_commits = ship;
		config.lease_ttl_seconds = lease_ttl;
		return std::make_unique<StorageEngine>(config);
	}
	// What a forked writer reports through: Acknowledged after each commit, Die (by SIGKILL,
	// with no shutdown: no final checkpoint, no lease release) at the end, while its engine and
	// database are still open.
	struct Ledger {
		int fd;
		void Acknowledged(int64_t total) const {
			if (::write(fd, &total, sizeof(total)) != sizeof(total)) {
				::_exit(3);
			}
		}
		[[noreturn]] void Die() const {
			::kill(::getpid(), SIGKILL);
			::_exit(4);
		}
	};
	// Runs `writer` in a forked child and returns the last total it reported; a writer that
	// failed, or returned instead of dying, fails the test.
	static int64_t WriteThenDie(const std::function<void(const Ledger &)> &writer) {
		int ledger[2];
		EXPECT_EQ(::pipe(ledger), 0);
		pid_t child = ::fork();
		EXPECT_GE(child, 0);
		if (child == 0) {
			::close(ledger[0]);
			writer(Ledger {ledger[1]});
			::_exit(5); // returned: its objects closed cleanly, which is not the crash under test
		}
		::close(ledger[1]);
		int64_t acknowledged = 0, value = 0;
		while (::read(ledger[0], &value, sizeof(value)) == sizeof(value)) {
			acknowledged = value;
		}
		::close(ledger[0]);
		int status = 0;
		EXPECT_EQ(::waitpid(child, &status, 0), child);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer failed: status " << status;
		return acknowledged;
	}
	// Opens `name` on `engine`, waiting (bounded) for a dead writer's lease to expire.
	static std::unique_ptr<duckdb::DuckDB> OpenWhenFree(StorageEngine &engine, const std::string &name) {
		auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
		while (true) {
			try {
				return engine.OpenDatabase(name, false);
			} catch (LeaseError &) {
				if (std::chrono::steady_clock::now() > deadline) {
					throw;
				}
				std::this_thread::sleep_for(std::chrono::milliseconds(200));
			}
		}
	}
};

TEST_F(CommitShippingTest, ATakeoverRestoresEveryAcknowledgedCommit) {
	auto acknowledged = WriteThenDie([this](const Ledger &ledger) {
		auto writer = Engine("writer", true);
		auto db = writer->OpenDatabase("shipped", true);
		int64_t total = 0;
		Exec(*db, "CREATE TABLE t (id BIGINT, v BIGINT)");
		for (int i = 0; i < 20; i++) {
			Exec(*db, "INSERT INTO t VALUES (" + std::to_string(i) + ", 1)");
			ledger.Acknowledged(++total);
		}
		Exec(*db, "CHECKPOINT"); // the shipped segments start over after the new head
		// More than a row group in one transaction: DuckDB writes blocks before the commit.
		Exec(*db, "INSERT INTO t SELECT range + 1000, 1 FROM range(300000)");
		total += 300000;
		ledger.Acknowledged(total);
		Exec(*db, "UPDATE t SET v = 2 WHERE id < 10");
		ledger.Acknowledged(total);
		for (int i = 0; i < 20; i++) {
			Exec(*db, "INSERT INTO t VALUES (" + std::to_string(-1 - i) + ", 1)");
			ledger.Acknowledged(++total);
		}
		ledger.Die();
	});
	ASSERT_EQ(acknowledged, 300040);

	auto standby = Engine("standby", true);
	auto record = standby->RequireDatabase("shipped");
	auto lease = standby->Metadata().Lease(record.id);
	ASSERT_TRUE(lease && lease->ships_commits);
	// Small commits travel in their metadata rows, the bulk insert's blocks as an object.
	size_t inline_segments = 0, object_segments = 0;
	for (auto &segment : standby->Metadata().CommitSegments(record.id, record.head_snapshot)) {
		(segment.inline_data.empty() ? object_segments : inline_segments)++;
	}
	EXPECT_GT(inline_segments, 0u);
	EXPECT_GT(object_segments, 0u);
	auto db = OpenWhenFree(*standby, "shipped");
	EXPECT_EQ(Count(*db, "SELECT count(*) FROM t"), acknowledged);
	EXPECT_EQ(Count(*db, "SELECT sum(v) FROM t"), acknowledged + 10);
	// The new writer goes on, and a third one (after this one is gone) sees its commits too.
	Exec(*db, "INSERT INTO t VALUES (7, 7)");
	db.reset();
	standby.reset();
	auto third = Engine("third", true);
	auto again = OpenWhenFree(*third, "shipped");
	EXPECT_EQ(Count(*again, "SELECT count(*) FROM t"), acknowledged + 1);
}

TEST_F(CommitShippingTest, AWriterThatStartsShippingShipsItsWholeLocalState) {
	// Written first without shipping (commits live in local files), then by a shipping writer on
	// another machine that dies: its segments must carry the whole active layer, header
	// included, not only what it wrote itself.
	Engine("local", false, 60)->OpenDatabase("upgraded", true).reset();
	auto acknowledged = WriteThenDie([this](const Ledger &ledger) {
		auto writer = Engine("writer", true);
		auto db = writer->OpenDatabase("upgraded", false);
		Exec(*db, "CREATE TABLE t AS SELECT range AS id FROM range(300000)"); // blocks before the commit
		Exec(*db, "INSERT INTO t VALUES (-1)");
		ledger.Acknowledged(300001);
		ledger.Die();
	});
	ASSERT_EQ(acknowledged, 300001);
	auto standby = Engine("standby", true);
	auto db = OpenWhenFree(*standby, "upgraded");
	EXPECT_EQ(Count(*db, "SELECT count(*) FROM t"), acknowledged);
	// the values too, not only the row count the WAL records: they live in the shipped blocks
	EXPECT_EQ(Count(*db, "SELECT sum(id) FROM t"), 299999LL * 300000 / 2 - 1);
}

TEST_F(CommitShippingTest, AWriterThatLostItsLeaseCannotCommit) {
	auto first = Engine("first", true, 60);
	auto db = first->OpenDatabase("contested", true);
	Exec(*db, "CREATE TABLE t (x INTEGER)");
	Exec(*db, "INSERT INTO t VALUES (1)");
	auto record = first->RequireDatabase("contested");
	auto lease = first->Metadata().Lease(record.id);
	ASSERT_TRUE(lease);
	// As if the first writer's lease expired while it stalled: a second writer takes over.
	first->Metadata().ReleaseLease(record.id, lease->generation);
	auto second = Engine("second", true, 60);
	auto taken = second->OpenDatabase("contested", false);
	EXPECT_EQ(Count(*taken, "SELECT count(*) FROM t"), 1);
	try {
		Exec(*db, "INSERT INTO t VALUES (2)");
		FAIL() << "a writer without the lease acknowledged a commit";
	} catch (std::runtime_error &ex) {
		EXPECT_NE(std::string(ex.what()).find("lease"), std::string::npos) << ex.what();
	}
	Exec(*taken, "INSERT INTO t VALUES (3)");
	EXPECT_EQ(Count(*taken, "SELECT sum(x) FROM t"), 4);
}

TEST_F(CommitShippingTest, OnlyADatabaseWhoseWriterShippedAndIsGoneIsTakenOver) {
	auto shipping = Engine("shipping", true, 60);
	auto local = Engine("local", false, 60);
	// A live shipping writer's database, a gone shipping writer's, a gone local writer's.
	auto live = shipping->OpenDatabase("live", true);
	shipping->OpenDatabase("gone", true).reset(); // closed: final checkpoint, lease released
	local->OpenDatabase("unshipped", true).reset();
	auto standby = Engine("standby", true, 60);
	DatabaseSet set(*standby, {});
	EXPECT_EQ(set.Names(), std::vector<std::string> {"gone"});
	EXPECT_EQ(set.Find("live"), nullptr);
	EXPECT_EQ(set.Find("unshipped"), nullptr);
	ASSERT_NE(set.Find("gone"), nullptr);
	// A worker that does not ship its own commits takes nothing over.
	auto local_standby = Engine("local-standby", false, 60);
	DatabaseSet none(*local_standby, {});
	EXPECT_TRUE(none.Names().empty());
}

TEST_F(CommitShippingTest, ALostWriterServesNothingWhileItIsReopened) {
	// A writer fenced because its lease could not be renewed is reopened once the lease lapsed;
	// the reopen registers its new writer with the engine before the new instance replaces the
	// lost one, and in between the lost one answered reads from its older state (the fault
	// loop's stale reads after PostgreSQL restarts).
	auto worker = Engine("worker", true, 2);
	DatabaseSet set(*worker, {"r"});
	auto lost = set.Find("r");
	ASSERT_NE(lost, nullptr);
	Exec(*lost, "CREATE TABLE t (x INTEGER)");
	Exec(*lost, "INSERT INTO t VALUES (1)");
	EXPECT_FALSE(set.LostWriter("r", lost));
	ConfigureFailpoints("lease.renew=error");
	auto id = worker->RequireDatabase("r").id;
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
	while (!set.LostWriter("r", lost) || !worker->Metadata().Lease(id)->expired) {
		ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the writer was not fenced, or its lease never lapsed";
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	ConfigureFailpoints("");
	std::atomic<bool> reopened {false};
	std::thread reopen([&] {
		EXPECT_EQ(set.TakeOver(), std::vector<std::string> {"r"});
		reopened = true;
	});
	uint64_t checks = 0, served = 0;
	while (!reopened) {
		served += set.LostWriter("r", lost) ? 0 : 1;
		checks++;
	}
	reopen.join();
	EXPECT_EQ(served, 0u) << "the lost writer was allowed to serve " << served << " times of " << checks
	                      << " during the reopen";
	auto current = set.Find("r");
	EXPECT_NE(current, lost);
	EXPECT_TRUE(set.LostWriter("r", lost));
	EXPECT_FALSE(set.LostWriter("r", current));
	EXPECT_EQ(Count(*current, "SELECT count(*) FROM t"), 1);
}

} // namespace
} // namespace openduck
