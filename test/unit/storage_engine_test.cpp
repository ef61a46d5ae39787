// The storage engine end to end inside one process: DuckDB on a layered file, snapshots at
// checkpoints, time travel, clones, lease fencing, GC retention and checksum verification.
#include "storage/garbage_collector.hpp"
#include "storage/storage_engine.hpp"
#include "temp_storage_test.hpp"

#include "duckdb/main/connection.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace openduck {
namespace {

class StorageEngineTest : public TempStorageTest {
protected:
	StorageEngineTest() : TempStorageTest("od-engine-") {
	}
};

TEST_F(StorageEngineTest, CheckpointsBecomeSnapshotsAndSurviveReopen) {
	{
		auto db = engine->OpenDatabase("sales", true);
		Exec(*db, "CREATE TABLE t AS SELECT range AS id, range * 2 AS v FROM range(100000)");
		Exec(*db, "CHECKPOINT");
		Exec(*db, "INSERT INTO t SELECT range, 0 FROM range(100000, 100010)");
		// Committed to the WAL only; must survive the reopen below.
	}
	auto record = engine->RequireDatabase("sales");
	auto snapshots = engine->Metadata().ListSnapshots(record.id);
	ASSERT_GE(snapshots.size(), 2u); // creation + explicit CHECKPOINT (+ shutdown checkpoint)
	for (auto &snapshot : snapshots) {
		EXPECT_NO_THROW(engine->VerifySnapshot(snapshot));
		EXPECT_EQ(snapshot.layer_count, int64_t(engine->Metadata().SnapshotLayers(snapshot.id).size()));
	}
	auto db = engine->OpenDatabase("sales", false);
	EXPECT_EQ(Count(*db, "SELECT count(*) FROM t"), 100010);
	EXPECT_EQ(Count(*db, "SELECT sum(v) FROM t"), 9999900000);
}

TEST_F(StorageEngineTest, TimeTravelOpensAnOlderSnapshotReadOnly) {
	auto db = engine->OpenDatabase("tt", true);
	Exec(*db, "CREATE TABLE t (x INTEGER)");
	Exec(*db, "INSERT INTO t VALUES (1), (2)");
	Exec(*db, "CHECKPOINT");
	auto record = engine->RequireDatabase("tt");
	auto first = engine->Metadata().NameSnapshot(record.head_snapshot, "before");
	Exec(*db, "INSERT INTO t VALUES (3)");
	Exec(*db, "DELETE FROM t WHERE x = 1");
	Exec(*db, "CHECKPOINT");

	auto old = engine->OpenSnapshot("tt", "before");
	EXPECT_EQ(Count(*old, "SELECT sum(x) FROM t"), 3);
	auto by_id = engine->OpenSnapshot("tt", std::to_string(first.id));
	EXPECT_EQ(Count(*by_id, "SELECT count(*) FROM t"), 2);
	EXPECT_EQ(Count(*db, "SELECT sum(x) FROM t"), 5);
	try {
		Exec(*old, "INSERT INTO t VALUES (9)");
		FAIL() << "a write to a snapshot succeeded";
	} catch (std::runtime_error &ex) {
		EXPECT_NE(std::string(ex.what()).find("read-only"), std::string::npos) << ex.what();
	}
	EXPECT_THROW(engine->OpenSnapshot("tt", "no-such-snapshot"), std::runtime_error);
}

TEST_F(StorageEngineTest, ClonesShareLayersAndDivergeIndependently) {
	{
		auto db = engine->OpenDatabase("src", true);
		Exec(*db, "CREATE TABLE t AS SELECT range AS x FROM range(1000)");
		Exec(*db, "CHECKPOINT");
	}
	auto objects_before = engine->Store().List("layers/").size();
	auto clone = engine->CloneDatabase("src", "dst", "");
	EXPECT_EQ(engine->Store().List("layers/").size(), objects_before); // zero copy
	auto src_layers = engine->Metadata().SnapshotLayers(engine->RequireDatabase("src").head_snapshot);
	auto dst_layers = engine->Metadata().SnapshotLayers(clone.head_snapshot);
	ASSERT_EQ(src_layers.size(), dst_layers.size());
	for (size_t i = 0; i < src_layers.size(); i++) {
		EXPECT_EQ(src_layers[i].object_key, dst_layers[i].object_key);
	}
	{
		auto dst = engine->OpenDatabase("dst", false);
		EXPECT_EQ(Count(*dst, "SELECT count(*) FROM t"), 1000);
		Exec(*dst, "DELETE FROM t WHERE x < 500");
		Exec(*dst, "CHECKPOINT");
		EXPECT_EQ(Count(*dst, "SELECT count(*) FROM t"), 500);
	}
	auto src = engine->OpenDatabase("src", false);
	EXPECT_EQ(Count(*src, "SELECT count(*) FROM t"), 1000);
	Exec(*src, "INSERT INTO t VALUES (-1)");
	Exec(*src, "CHECKPOINT");
	auto dst = engine->OpenDatabase("dst", false);
	EXPECT_EQ(Count(*dst, "SELECT count(*) FROM t"), 500);
	EXPECT_THROW(engine->CloneDatabase("src", "dst", ""), std::runtime_error); // name taken
}

TEST_F(StorageEngineTest, AStaleWriterIsFencedOut) {
	auto &metadata = engine->Metadata();
	auto db = metadata.CreateDatabase("fenced", nullptr);
	auto old_generation = metadata.AcquireLease(db.id, "a", 60);
	EXPECT_THROW(metadata.AcquireLease(db.id, "b", 60), LeaseError); // held, not expired
	auto new_generation = metadata.AcquireLease(db.id, "a", 60);   // same holder restarts
	EXPECT_GT(new_generation, old_generation);
	EXPECT_TRUE(metadata.RenewLease(db.id, new_generation, 60));
	EXPECT_FALSE(metadata.RenewLease(db.id, old_generation, 60)); // fenced out
	LayerRecord layer;
	layer.object_key = "layers/test/x.layer";
	EXPECT_THROW(metadata.CommitSnapshot(db.id, old_generation, 0, layer, 0), LeaseError);
	EXPECT_NO_THROW(metadata.CommitSnapshot(db.id, new_generation, 0, layer, 0));
	LayerRecord second;
	second.object_key = "layers/test/y.layer";
	EXPECT_THROW(metadata.CommitSnapshot(db.id, new_generation, 0, second, 0), LeaseError); // head moved
}

TEST_F(StorageEngineTest, GcKeepsRetainedSnapshotsAndDeletesTheRest) {
	{
		auto db = engine->OpenDatabase("g", true);
		Exec(*db, "CREATE TABLE t (x INTEGER)");
		for (int i = 0; i < 5; i++) {
			Exec(*db, "INSERT INTO t SELECT range FROM range(1000)");
			Exec(*db, "CHECKPOINT");
		}
		auto record = engine->RequireDatabase("g");
		auto snapshots = engine->Metadata().ListSnapshots(record.id);
		engine->Metadata().NameSnapshot(snapshots[1].id, "keep");
	}
	auto record = engine->RequireDatabase("g");
	auto before = engine->Metadata().ListSnapshots(record.id);
	GcOptions options;
	options.retention = RetentionPolicy::KeepAll(-10); // everything is "old"
	options.dry_run = true;
	auto dry = CollectGarbage(engine->Metadata(), engine->Store(), options);
	EXPECT_EQ(engine->Metadata().ListSnapshots(record.id).size(), before.size()); // dry run changes nothing
	EXPECT_FALSE(dry.plan.expired_snapshots.empty());
	options.dry_run = false;
	auto real = CollectGarbage(engine->Metadata(), engine->Store(), options);
	EXPECT_EQ(real.plan.expired_snapshots, dry.plan.expired_snapshots);
	auto after = engine->Metadata().ListSnapshots(record.id);
	ASSERT_EQ(after.size(), 2u); // the named one and the head
	// Layers are only ever appended to a history here, so every layer is still referenced by
	// the head: nothing may be deleted, and both survivors still verify and open.
	EXPECT_TRUE(real.plan.dead_layers.empty());
	for (auto &snapshot : after) {
		EXPECT_NO_THROW(engine->VerifySnapshot(snapshot));
	}
	auto old = engine->OpenSnapshot("g", "keep");
	EXPECT_EQ(Count(*old, "SELECT count(*) FROM t"), 1000); // snapshots[1]: the first CHECKPOINT
	auto db = engine->OpenDatabase("g", false);
	EXPECT_EQ(Count(*db, "SELECT count(*) FROM t"), 5000);
}

TEST_F(StorageEngineTest, AnIdleSnapshotReaderKeepsItsPinPastTheTtl) {
	// Short leases and pins, so the renewer runs every second and an unrenewed pin would lapse.
	engine.reset();
	auto config = StorageConfig::Defaults(dir.string());
	config.lease_ttl_seconds = 3;
	config.pin_ttl_seconds = 3;
	engine = std::make_unique<StorageEngine>(config);
	auto db = engine->OpenDatabase("idle", true);
	Exec(*db, "CREATE TABLE t (x INTEGER)");
	Exec(*db, "INSERT INTO t SELECT range FROM range(1000)");
	Exec(*db, "CHECKPOINT");
	auto old = engine->RequireDatabase("idle").head_snapshot;
	Exec(*db, "DELETE FROM t");
	Exec(*db, "INSERT INTO t VALUES (1)");
	Exec(*db, "CHECKPOINT");

	auto reader = engine->OpenSnapshot("idle", std::to_string(old));
	EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 1000);
	// Idle for twice the pin's TTL: only the engine's renewer can keep the pin alive.
	std::this_thread::sleep_for(std::chrono::seconds(2 * config.pin_ttl_seconds));
	GcOptions options;
	options.retention = RetentionPolicy::KeepAll(-10); // everything unpinned and unnamed is "old"
	auto gc = CollectGarbage(engine->Metadata(), engine->Store(), options);
	EXPECT_FALSE(gc.plan.expired_snapshots.empty()); // the unpinned creation snapshot goes
	for (auto expired : gc.plan.expired_snapshots) {
		EXPECT_NE(expired, old) << "GC expired the snapshot an open reader still pins";
	}
	EXPECT_EQ(Count(*reader, "SELECT count(*) FROM t"), 1000);
	EXPECT_EQ(Count(*reader, "SELECT sum(x) FROM t"), 499500);
}

TEST_F(StorageEngineTest, GcPurgesDroppedDatabasesButNotTheirClones) {
	{
		auto db = engine->OpenDatabase("a", true);
		Exec(*db, "CREATE TABLE t AS SELECT range AS x FROM range(100)");
		Exec(*db, "CHECKPOINT");
	}
	engine->CloneDatabase("a", "b", "");
	{
		auto db = engine->OpenDatabase("a", false);
		Exec(*db, "INSERT INTO t VALUES (1)");
		Exec(*db, "CHECKPOINT");
	}
	auto a_layers = engine->Metadata().SnapshotLayers(engine->RequireDatabase("a").head_snapshot);
	engine->Metadata().DropDatabase("a");
	GcOptions options;
	options.retention = RetentionPolicy::KeepAll(3600);
	auto kept = CollectGarbage(engine->Metadata(), engine->Store(), options);
	EXPECT_TRUE(kept.plan.purged_databases.empty()); // dropped, but within retention
	EXPECT_NO_THROW(engine->Metadata().UndropDatabase("a"));
	engine->Metadata().DropDatabase("a");
	options.retention = RetentionPolicy::KeepAll(-10);
	auto purged = CollectGarbage(engine->Metadata(), engine->Store(), options);
	EXPECT_EQ(purged.plan.purged_databases.size(), 1u);
	// Only layers a wrote after the clone die; the layers b shares survive.
	auto b_layers = engine->Metadata().SnapshotLayers(engine->RequireDatabase("b").head_snapshot);
	ASSERT_FALSE(purged.plan.dead_layers.empty());
	for (auto &dead : purged.plan.dead_layers) {
		for (auto &shared : b_layers) {
			EXPECT_NE(dead.object_key, shared.object_key);
		}
	}
	EXPECT_EQ(purged.plan.dead_layers.back().object_key, a_layers.back().object_key);
	EXPECT_THROW(engine->Metadata().UndropDatabase("a"), std::runtime_error);
	auto b = engine->OpenDatabase("b", false);
	EXPECT_EQ(Count(*b, "SELECT count(*) FROM t"), 100);
	for (auto &snapshot : engine->Metadata().ListSnapshots(engine->RequireDatabase("b").id)) {
		EXPECT_NO_THROW(engine->VerifySnapshot(snapshot));
	}
	// A dropped database whose writer still holds the lease is not purged under it.
	engine->Metadata().DropDatabase("b");
	EXPECT_TRUE(CollectGarbage(engine->Metadata(), engine->Store(), options).plan.purged_databases.empty());
	EXPECT_EQ(Count(*b, "SELECT count(*) FROM t"), 100);
	b.reset(); // releases the lease
	EXPECT_EQ(CollectGarbage(engine->Metadata(), engine->Store(), options).plan.purged_databases.size(), 1u);
}

TEST_F(StorageEngineTest, CompactionBoundsTheLayerListAndKeepsEverySnapshot) {
	auto config = StorageConfig::Defaults((dir / "compact").string());
	config.compact_at_layers = 4;
	StorageEngine compacting(config);
	{
		auto db = compacting.OpenDatabase("k", true);
		Exec(*db, "CREATE TABLE t (x INTEGER)");
		for (int i = 0; i < 12; i++) {
			Exec(*db, "INSERT INTO t SELECT range FROM range(" + std::to_string(i * 1000) + ", " +
			              std::to_string((i + 1) * 1000) + ")");
			if (i == 5) {
				Exec(*db, "DELETE FROM t WHERE x < 500");
			}
			Exec(*db, "CHECKPOINT");
		}
	}
	auto record = compacting.RequireDatabase("k");
	auto snapshots = compacting.Metadata().ListSnapshots(record.id);
	ASSERT_GE(snapshots.size(), 12u);
	for (auto &snapshot : snapshots) {
		EXPECT_LT(snapshot.layer_count, 4) << "snapshot " << snapshot.id;
		EXPECT_NO_THROW(compacting.VerifySnapshot(snapshot));
	}
	// Old snapshots still read their own history through the pre-compaction layers.
	auto third = compacting.OpenSnapshot("k", std::to_string(snapshots[3].id));
	EXPECT_EQ(Count(*third, "SELECT count(*) FROM t"), 3000);
	auto db = compacting.OpenDatabase("k", false);
	EXPECT_EQ(Count(*db, "SELECT count(*) FROM t"), 11500);
	EXPECT_EQ(Count(*db, "SELECT min(x) FROM t"), 500);
	// Once old snapshots expire, the layers compaction replaced are garbage.
	third.reset();
	GcOptions options;
	options.retention = RetentionPolicy::KeepAll(-10);
	auto report = CollectGarbage(compacting.Metadata(), compacting.Store(), options);
	EXPECT_FALSE(report.plan.dead_layers.empty());
	EXPECT_EQ(Count(*db, "SELECT count(*) FROM t"), 11500);
	Exec(*db, "INSERT INTO t VALUES (1)");
	Exec(*db, "CHECKPOINT");
	for (auto &snapshot : compacting.Metadata().ListSnapshots(record.id)) {
		EXPECT_NO_THROW(compacting.VerifySnapshot(snapshot));
	}
}

TEST_F(StorageEngineTest, VerifyDetectsACorruptLayer) {
	{
		auto db = engine->OpenDatabase("c", true);
		Exec(*db, "CREATE TABLE t AS SELECT range AS x FROM range(1000)");
		Exec(*db, "CHECKPOINT");
	}
	auto record = engine->RequireDatabase("c");
	auto layers = engine->Metadata().SnapshotLayers(record.head_snapshot);
	auto path = dir / "store" / layers.back().object_key;
	{
		std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
		f.seekp(100);
		f.put('\x7f');
	}
	auto snapshot = *engine->Metadata().GetSnapshot(record.head_snapshot);
	try {
		engine->VerifySnapshot(snapshot);
		FAIL() << "corruption went unnoticed";
	} catch (std::runtime_error &ex) {
		EXPECT_NE(std::string(ex.what()).find("checksum mismatch"), std::string::npos) << ex.what();
	}
}

} // namespace
} // namespace openduck
