// Fault injection into the storage engine's commit path (common/failpoint.hpp): a CHECKPOINT
// whose layer upload or snapshot commit fails must fail, name the cause, move no head and lose
// no acknowledged row; a commit applied whose reply was lost is resolved by reading it back.
#include "common/failpoint.hpp"
#include "storage/garbage_collector.hpp"
#include "temp_storage_test.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace openduck {
namespace {

class StorageFailpointTest : public TempStorageTest {
protected:
	StorageFailpointTest() : TempStorageTest("od-failpoint-") {
	}
	void TearDown() override {
		ConfigureFailpoints("");
		TempStorageTest::TearDown();
	}
	int64_t Head(const std::string &name) {
		return engine->RequireDatabase(name).head_snapshot;
	}
	// A CHECKPOINT that must fail with `cause`, moving no head.
	void ExpectFailedCheckpoint(duckdb::DuckDB &db, const std::string &name, const std::string &cause) {
		auto head = Head(name);
		try {
			Exec(db, "CHECKPOINT");
			FAIL() << "CHECKPOINT succeeded although " << cause << " failed";
		} catch (std::runtime_error &ex) {
			EXPECT_NE(std::string(ex.what()).find(cause), std::string::npos) << ex.what();
			EXPECT_NE(std::string(ex.what()).find("failpoint"), std::string::npos) << ex.what();
		}
		EXPECT_EQ(Head(name), head);
	}
	// Inserts rows 0..n-1 one commit each, as a client ledger of acknowledged commits.
	static void InsertLedger(duckdb::DuckDB &db, int64_t from, int64_t to) {
		for (int64_t i = from; i < to; i++) {
			Exec(db, "INSERT INTO ledger VALUES (" + std::to_string(i) + ")");
		}
	}
	static void ExpectLedger(duckdb::DuckDB &db, int64_t n) {
		EXPECT_EQ(Count(db, "SELECT count(*) FROM ledger"), n);
		EXPECT_EQ(Count(db, "SELECT count(DISTINCT x) FROM ledger WHERE x BETWEEN 0 AND " + std::to_string(n - 1)), n);
	}

	// DuckDB invalidates an instance whose checkpoint failed: the writer must be reopened, and
	// the reopened one has every acknowledged commit (the WAL was kept).
	void FailedCheckpointLosesNothing(const std::string &failpoint, const std::string &cause) {
		{
			auto db = engine->OpenDatabase("f", true);
			Exec(*db, "CREATE TABLE ledger (x BIGINT)");
			InsertLedger(*db, 0, 50);
			Exec(*db, "CHECKPOINT");
			InsertLedger(*db, 50, 100);
			ConfigureFailpoints(failpoint + "=error*1");
			ExpectFailedCheckpoint(*db, "f", cause);
		}
		{
			auto db = engine->OpenDatabase("f", false);
			ExpectLedger(*db, 100);
			InsertLedger(*db, 100, 120);
			Exec(*db, "CHECKPOINT"); // the failpoint fired once: this one goes through
			InsertLedger(*db, 120, 130);
		}
		auto db = engine->OpenDatabase("f", false);
		ExpectLedger(*db, 130);
		for (auto &snapshot : engine->Metadata().ListSnapshots(engine->RequireDatabase("f").id)) {
			EXPECT_NO_THROW(engine->VerifySnapshot(snapshot));
		}
	}
};

TEST_F(StorageFailpointTest, UploadFailureFailsTheCheckpoint) {
	FailedCheckpointLosesNothing("upload.put", "layer upload failed");
}

TEST_F(StorageFailpointTest, CommitFailureFailsTheCheckpoint) {
	FailedCheckpointLosesNothing("metadata.commit.before", "snapshot commit failed");
}

TEST_F(StorageFailpointTest, NothingCommitsAfterAFailedSeal) {
	// DuckDB invalidates a database whose checkpoint failed only after that checkpoint released
	// its lock, so a commit that waited for the lock can still reach the WAL, after the marker
	// of a checkpoint whose header the active layer holds: a reopen that took that header would
	// skip the WAL and lose the commit (found by test/reliability/fault_loop.py). Such a commit
	// must be refused instead.
	auto db = engine->OpenDatabase("s", true);
	Exec(*db, "CREATE TABLE ledger (x BIGINT)");
	InsertLedger(*db, 0, 10);
	ConfigureFailpoints("metadata.commit.before=error*1");
	ExpectFailedCheckpoint(*db, "s", "snapshot commit failed");
	auto &fs = duckdb::FileSystem::GetFileSystem(*db->instance);
	auto wal = fs.OpenFile("odlayers://s.wal", duckdb::FileFlags::FILE_FLAGS_WRITE | duckdb::FileFlags::FILE_FLAGS_APPEND);
	char entry[8] = {};
	try {
		fs.Write(*wal, entry, sizeof(entry));
		fs.FileSync(*wal);
		FAIL() << "a WAL append and sync were accepted after a failed seal";
	} catch (std::exception &ex) {
		EXPECT_NE(std::string(ex.what()).find("a checkpoint failed to seal its snapshot"), std::string::npos)
		    << ex.what();
	}
	wal.reset();
	db.reset();
	db = engine->OpenDatabase("s", false);
	ExpectLedger(*db, 10);
	InsertLedger(*db, 10, 20);
	Exec(*db, "CHECKPOINT");
	ExpectLedger(*db, 20);
}

TEST_F(StorageFailpointTest, AppliedCommitWithALostReplyIsReadBack) {
	auto db = engine->OpenDatabase("a", true);
	Exec(*db, "CREATE TABLE ledger (x BIGINT)");
	InsertLedger(*db, 0, 10);
	Exec(*db, "CHECKPOINT");
	auto head = Head("a");
	ConfigureFailpoints("metadata.commit.after=error*1");
	InsertLedger(*db, 10, 20);
	Exec(*db, "CHECKPOINT");
	EXPECT_NE(Head("a"), head);
	// The new head holds all 20 rows: a read-only open of it sees no WAL.
	auto snapshot = engine->OpenSnapshot("a", std::to_string(Head("a")));
	ExpectLedger(*snapshot, 20);
}

TEST_F(StorageFailpointTest, GcRacingAFailedSealKeepsItsUploadWithinTheGrace) {
	auto db = engine->OpenDatabase("g", true);
	Exec(*db, "CREATE TABLE ledger (x BIGINT)");
	InsertLedger(*db, 0, 10);
	ConfigureFailpoints("metadata.commit.before=error*1");
	ExpectFailedCheckpoint(*db, "g", "snapshot commit failed");
	GcOptions options;
	options.retention = RetentionPolicy::KeepAll(-10);
	options.orphan_grace_seconds = 0;
	EXPECT_THROW(CollectGarbage(engine->Metadata(), engine->Store(), options), std::invalid_argument);
	options.orphan_grace_seconds = kMinOrphanGraceSeconds;
	auto objects = engine->Store().List("layers/");
	auto report = CollectGarbage(engine->Metadata(), engine->Store(), options);
	EXPECT_TRUE(report.orphans.empty());
	EXPECT_EQ(engine->Store().List("layers/").size(), objects.size());
	db.reset();
	db = engine->OpenDatabase("g", false);
	Exec(*db, "CHECKPOINT");
	ExpectLedger(*db, 10);
	for (auto &snapshot : engine->Metadata().ListSnapshots(engine->RequireDatabase("g").id)) {
		EXPECT_NO_THROW(engine->VerifySnapshot(snapshot));
	}
}

// Inserts into `db` until a commit fails (the renewer fences within a few lease periods) and
// returns that error; fails the test if every commit for 30 s was accepted.
static std::string FirstRefusedCommit(duckdb::DuckDB &db) {
	for (int i = 0; i < 300; i++) {
		duckdb::Connection con(db);
		auto result = con.Query("INSERT INTO ledger VALUES (" + std::to_string(1000 + i) + ")");
		if (result->HasError()) {
			return result->GetError();
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	ADD_FAILURE() << "commits were still acknowledged 30 s after the write lease was lost";
	return "";
}

TEST_F(StorageFailpointTest, ALostLeaseFencesCommitsAtOnce) {
	auto config = StorageConfig::Defaults(dir.string());
	config.lease_ttl_seconds = 3;
	config.holder = "one-holder";
	StorageEngine first(config);
	auto old_writer = first.OpenDatabase("l", true);
	Exec(*old_writer, "CREATE TABLE ledger (x BIGINT)");
	InsertLedger(*old_writer, 0, 10);
	Exec(*old_writer, "CHECKPOINT");
	// The same holder takes the lease over (a restarted process would): generation + 1.
	auto second_config = config;
	second_config.local_dir = (dir / "local-second").string();
	StorageEngine second(second_config);
	auto new_writer = second.OpenDatabase("l", false);
	auto error = FirstRefusedCommit(*old_writer);
	EXPECT_NE(error.find("lost its write lease"), std::string::npos) << error;
	EXPECT_THROW(Exec(*old_writer, "INSERT INTO ledger VALUES (-1)"), std::runtime_error);
	ExpectLedger(*new_writer, 10);
}

TEST_F(StorageFailpointTest, AnUnrenewableLeaseFencesCommitsBeforeItExpires) {
	auto config = StorageConfig::Defaults(dir.string());
	config.lease_ttl_seconds = 3;
	StorageEngine writer_engine(config);
	auto db = writer_engine.OpenDatabase("r", true);
	Exec(*db, "CREATE TABLE ledger (x BIGINT)");
	ConfigureFailpoints("lease.renew=error");
	auto error = FirstRefusedCommit(*db);
	EXPECT_NE(error.find("lost its write lease"), std::string::npos) << error;
}

TEST_F(StorageFailpointTest, MalformedSpecIsRefused) {
	EXPECT_THROW(ConfigureFailpoints("upload.put=explode"), std::invalid_argument);
	EXPECT_THROW(ConfigureFailpoints("upload.put=error*0"), std::invalid_argument);
	EXPECT_NO_THROW(Failpoint("upload.put"));
}

} // namespace
} // namespace openduck
