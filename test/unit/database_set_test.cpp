// A worker's DatabaseSet over a real storage engine: databases opened at start-up and on first
// use (created later, even by another process on the same metadata store), one instance per
// database under concurrent lookups, create/clone through the set, and the lease rule that
// keeps another worker's databases out.
#include "storage/storage_engine.hpp"
#include "temp_storage_test.hpp"
#include "worker/database_admin.hpp"
#include "worker/database_set.hpp"

#include "duckdb/main/connection.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace openduck {
namespace {

namespace pb = openduck::v1;

class DatabaseSetTest : public TempStorageTest {
protected:
	DatabaseSetTest() : TempStorageTest("od-dbset-") {
	}
	pb::ManageDatabaseResponse Manage(DatabaseSet &set, pb::DatabaseAction action, const std::string &database,
	                                  const std::string &target, grpc::StatusCode expected = grpc::StatusCode::OK) {
		pb::ManageDatabaseRequest request;
		request.set_action(action);
		request.set_database(database);
		request.set_target(target);
		pb::ManageDatabaseResponse response;
		auto status = ManageDatabase(set, request, response);
		EXPECT_EQ(status.error_code(), expected) << status.error_message();
		return response;
	}
};

TEST_F(DatabaseSetTest, ServesRequestedExistingAndLaterDatabases) {
	engine->Metadata().CreateDatabase("existing", nullptr);
	DatabaseSet set(*engine, {"asked"});
	EXPECT_EQ(set.Names(), (std::vector<std::string> {"asked", "existing"}));
	EXPECT_EQ(set.Find("nope"), nullptr);
	EXPECT_EQ(set.Find("../etc"), nullptr);

	// Created by someone else (`openduck db create`) on the same metadata store after start-up.
	StorageEngine other_process(StorageConfig::Defaults(dir.string()));
	other_process.Metadata().CreateDatabase("later", nullptr);
	EXPECT_EQ(set.Names(), (std::vector<std::string> {"asked", "existing", "later"}));
	auto *later = set.Find("later");
	ASSERT_NE(later, nullptr);
	EXPECT_EQ(set.Find("later"), later);
	Exec(*later, "CREATE TABLE t AS SELECT 42 AS x");
	EXPECT_EQ(Count(*later, "SELECT x FROM t"), 42);
}

TEST_F(DatabaseSetTest, ConcurrentFirstLookupsOpenOneInstance) {
	DatabaseSet set(*engine, {"a"});
	engine->Metadata().CreateDatabase("b", nullptr);
	std::vector<std::thread> threads;
	std::vector<duckdb::DuckDB *> found(8);
	for (size_t i = 0; i < found.size(); i++) {
		threads.emplace_back([&, i] { found[i] = set.Find("b"); });
	}
	for (auto &thread : threads) {
		thread.join();
	}
	ASSERT_NE(found[0], nullptr);
	for (auto *instance : found) {
		EXPECT_EQ(instance, found[0]);
	}
}

TEST_F(DatabaseSetTest, LeavesDatabasesOfAnotherWorkerAlone) {
	auto db = engine->Metadata().CreateDatabase("theirs", nullptr);
	engine->Metadata().AcquireLease(db.id, "elsewhere:/data/local", 60);
	DatabaseSet set(*engine, {"mine"});
	EXPECT_EQ(set.Names(), std::vector<std::string> {"mine"});
	EXPECT_EQ(set.Find("theirs"), nullptr);
}

TEST_F(DatabaseSetTest, ANewDatabaseIsLeasedToItsCreatorFromTheStart) {
	// Another worker on the same metadata store, which serves any database nobody holds.
	auto other_config = StorageConfig::Defaults(dir.string());
	other_config.holder = "other-worker";
	StorageEngine other(other_config);
	DatabaseSet set(*engine, {"src"});
	Exec(*set.Find("src"), "CREATE TABLE t AS SELECT 1 AS x");
	Exec(*set.Find("src"), "CHECKPOINT");
	Manage(set, pb::DATABASE_ACTION_CREATE, "src", "fresh");
	Manage(set, pb::DATABASE_ACTION_CLONE, "src", "branch");
	for (auto name : {"fresh", "branch"}) {
		// The row and the lease came in one metadata transaction: there was no moment at which the
		// new database existed without its creator holding it.
		auto db = *engine->Metadata().FindDatabase(name);
		EXPECT_EQ(engine->Metadata().Lease(db.id)->holder, engine->Holder()) << name;
		EXPECT_THROW(other.OpenDatabase(name, false), LeaseError) << name;
		EXPECT_THROW(other.Metadata().AcquireLease(db.id, other.Holder(), 60), LeaseError) << name;
	}
	// A worker racing to serve every database nobody holds (what DatabaseSet does on first use)
	// never gets one that is being created: with the lease taken in a second transaction, it
	// took some of these in the gap and their creation failed.
	std::atomic<bool> creating {true};
	std::atomic<int> stolen {0};
	std::thread racer([&] {
		while (creating) {
			for (auto &db : other.Metadata().ListDatabases(false)) {
				if (!other.Metadata().Lease(db.id) && db.name.rfind("race", 0) == 0) {
					try {
						other.Metadata().AcquireLease(db.id, other.Holder(), 60);
						stolen++;
					} catch (LeaseError &) {
					}
				}
			}
		}
	});
	for (int i = 0; i < 100; i++) {
		Manage(set, pb::DATABASE_ACTION_CREATE, "src", "race" + std::to_string(i));
	}
	creating = false;
	racer.join();
	EXPECT_EQ(stolen, 0);
	// Metadata-only creation (`openduck db create` next to a server) takes no lease.
	auto spare = engine->Metadata().CreateDatabase("spare", nullptr);
	EXPECT_FALSE(engine->Metadata().Lease(spare.id).has_value());
}

TEST_F(DatabaseSetTest, ManageDatabaseCreatesClonesAndNamesSnapshots) {
	DatabaseSet set(*engine, {"src"});
	Exec(*set.Find("src"), "CREATE TABLE t AS SELECT range AS id FROM range(1000)");

	// The clone includes what was committed but not yet checkpointed.
	auto clone = Manage(set, pb::DATABASE_ACTION_CLONE, "src", "branch");
	EXPECT_EQ(clone.database(), "branch");
	EXPECT_EQ(clone.source_database(), "src");
	EXPECT_NE(clone.message().find("nothing copied"), std::string::npos) << clone.message();
	auto *branch = set.Find("branch");
	ASSERT_NE(branch, nullptr);
	EXPECT_EQ(Count(*branch, "SELECT count(*) FROM t"), 1000);
	Exec(*branch, "DELETE FROM t WHERE id < 500");
	EXPECT_EQ(Count(*set.Find("src"), "SELECT count(*) FROM t"), 1000);

	auto created = Manage(set, pb::DATABASE_ACTION_CREATE, "src", "fresh");
	EXPECT_EQ(created.database(), "fresh");
	EXPECT_EQ(Count(*set.Find("fresh"), "SELECT count(*) FROM duckdb_tables()"), 0);

	auto named = Manage(set, pb::DATABASE_ACTION_SNAPSHOT, "src", "v1");
	EXPECT_EQ(named.snapshot_name(), "v1");
	int64_t resolved = 0;
	EXPECT_EQ(Count(*set.FindSnapshot("src", "v1", resolved), "SELECT count(*) FROM t"), 1000);
	EXPECT_EQ(resolved, named.snapshot_id());
	// By id and by a time after it, the same instance.
	auto *by_name = set.FindSnapshot("src", "v1", resolved);
	EXPECT_EQ(set.FindSnapshot("src", std::to_string(named.snapshot_id()), resolved), by_name);
	EXPECT_EQ(set.FindSnapshot("src", "@99999999999000000", resolved), set.FindSnapshot("src", std::to_string(resolved), resolved));
	EXPECT_THROW(set.FindSnapshot("src", "@1000000", resolved), NotFoundError);

	Manage(set, pb::DATABASE_ACTION_CLONE, "src", "branch", grpc::StatusCode::ALREADY_EXISTS);
	Manage(set, pb::DATABASE_ACTION_CREATE, "src", "fresh", grpc::StatusCode::ALREADY_EXISTS);
	Manage(set, pb::DATABASE_ACTION_SNAPSHOT, "src", "v1", grpc::StatusCode::ALREADY_EXISTS);
	Manage(set, pb::DATABASE_ACTION_SNAPSHOT, "src", "123", grpc::StatusCode::INVALID_ARGUMENT);
	Manage(set, pb::DATABASE_ACTION_CREATE, "src", "a/b", grpc::StatusCode::INVALID_ARGUMENT);
	Manage(set, pb::DATABASE_ACTION_CLONE, "nope", "x", grpc::StatusCode::NOT_FOUND);

	pb::ManageDatabaseRequest request;
	request.set_action(pb::DATABASE_ACTION_CLONE);
	request.set_database("src");
	request.set_target("old");
	request.set_source_snapshot("never-made");
	pb::ManageDatabaseResponse response;
	EXPECT_EQ(ManageDatabase(set, request, response).error_code(), grpc::StatusCode::NOT_FOUND);
	request.set_action(pb::DATABASE_ACTION_SNAPSHOT);
	request.set_snapshot_id("v1");
	EXPECT_EQ(ManageDatabase(set, request, response).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

} // namespace
} // namespace openduck
