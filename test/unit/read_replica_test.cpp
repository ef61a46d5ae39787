// Read replicas at the storage level: an engine with its own local directory (another machine)
// opens a database read-only at its head snapshot plus the commits its writer shipped, sees
// every acknowledged commit (including blocks written before a commit and checkpoints), and a
// ReplicaSet follows the writer while instances already handed out keep their state.
#include "storage/storage_engine.hpp"
#include "worker/replica_set.hpp"
#include "temp_storage_test.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace openduck {
namespace {

class ReadReplicaTest : public TempStorageTest {
protected:
	ReadReplicaTest() : TempStorageTest("od-replica-") {
	}
	std::unique_ptr<StorageEngine> Engine(const std::string &local, bool ship) {
		auto config = StorageConfig::Defaults(dir.string());
		config.local_dir = (dir / local).string();
		config.holder = "";
		config.ship_commits = ship;
		return std::make_unique<StorageEngine>(config);
	}
};

TEST_F(ReadReplicaTest, AReplicaSeesEveryShippedCommitAndTheWriterPosition) {
	auto writer_engine = Engine("writer", true);
	auto writer = writer_engine->OpenDatabase("sales", true);
	Exec(*writer, "CREATE TABLE t AS SELECT range AS id FROM range(300000)"); // blocks before the commit
	Exec(*writer, "INSERT INTO t VALUES (-1)");
	auto written = writer_engine->WriterPosition("sales");
	ASSERT_TRUE(written.has_value());
	EXPECT_GE(written->first, 2u);
	EXPECT_GE(written->second.segments, 2);

	auto replica_engine = Engine("replica", false);
	CommitPosition position;
	auto replica = replica_engine->OpenReplica("sales", position);
	EXPECT_EQ(position, written->second);
	EXPECT_EQ(replica_engine->LatestPosition("sales"), written->second);
	EXPECT_EQ(Count(*replica, "SELECT count(*) FROM t"), 300001);
	EXPECT_EQ(Count(*replica, "SELECT sum(id) FROM t"), 299999LL * 300000 / 2 - 1);
	EXPECT_THROW(Exec(*replica, "INSERT INTO t VALUES (1)"), std::runtime_error);
	// The replica is not a writer: it holds no lease and takes no position of its own.
	EXPECT_FALSE(replica_engine->WriterPosition("sales").has_value());

	// A checkpoint moves the head: a later replica starts at the new snapshot with no segments.
	Exec(*writer, "INSERT INTO t VALUES (-2)");
	Exec(*writer, "CHECKPOINT");
	auto sealed = writer_engine->WriterPosition("sales")->second;
	EXPECT_LT(position, sealed);
	CommitPosition after;
	auto later = replica_engine->OpenReplica("sales", after);
	EXPECT_EQ(after, sealed);
	EXPECT_EQ(Count(*later, "SELECT count(*) FROM t"), 300002);
	// The first instance still reads its own state.
	EXPECT_EQ(Count(*replica, "SELECT count(*) FROM t"), 300001);
}

TEST_F(ReadReplicaTest, AWriterThatKeepsCommitsLocalIsReachedAtItsNextCheckpoint) {
	auto writer_engine = Engine("writer", false);
	auto writer = writer_engine->OpenDatabase("local_only", true);
	Exec(*writer, "CREATE TABLE t (x INTEGER)");
	Exec(*writer, "CHECKPOINT");
	Exec(*writer, "INSERT INTO t VALUES (1)");
	auto written = writer_engine->WriterPosition("local_only")->second;
	EXPECT_EQ(written.segments, kUnshippedSegments);

	auto replica_engine = Engine("replica", false);
	ReplicaSet replicas(*replica_engine, std::chrono::milliseconds(50));
	auto instance = replicas.Find("local_only");
	ASSERT_TRUE(instance.has_value());
	EXPECT_EQ(Count(*instance->database, "SELECT count(*) FROM t"), 0);
	try {
		replicas.Find("local_only", written);
		FAIL() << "a position the stores do not hold was served";
	} catch (std::runtime_error &ex) {
		EXPECT_NE(std::string(ex.what()).find("--local-commits"), std::string::npos) << ex.what();
	}
	Exec(*writer, "CHECKPOINT");
	auto caught_up = replicas.Find("local_only", written);
	ASSERT_TRUE(caught_up.has_value());
	EXPECT_EQ(Count(*caught_up->database, "SELECT count(*) FROM t"), 1);
	EXPECT_FALSE(replicas.Find("missing").has_value());
}

TEST_F(ReadReplicaTest, AReplicaSetFollowsTheWriterAndKeepsHandedOutInstances) {
	auto writer_engine = Engine("writer", true);
	auto writer = writer_engine->OpenDatabase("follow", true);
	Exec(*writer, "CREATE TABLE t (x INTEGER)");
	auto replica_engine = Engine("replica", false);
	ReplicaSet replicas(*replica_engine, std::chrono::milliseconds(20));
	auto first = replicas.Find("follow");
	ASSERT_TRUE(first.has_value());
	for (int i = 1; i <= 5; i++) {
		Exec(*writer, "INSERT INTO t VALUES (" + std::to_string(i) + ")");
	}
	auto target = writer_engine->WriterPosition("follow")->second;
	// The follower thread reaches it without any request asking.
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
	while (replicas.Positions()["follow"] < target) {
		ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the replica did not follow the writer";
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	auto now = replicas.Find("follow");
	EXPECT_EQ(Count(*now->database, "SELECT count(*) FROM t"), 5);
	EXPECT_EQ(Count(*first->database, "SELECT count(*) FROM t"), 0); // still its own state
	EXPECT_LT(first->position, now->position);
	EXPECT_EQ(replicas.Names(), std::vector<std::string> {"follow"});
}

} // namespace
} // namespace openduck
