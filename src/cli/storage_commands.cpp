#include "cli/storage_commands.hpp"

#include "cli/admin_arguments.hpp"
#include "cli/command_line.hpp"
#include "cli/config_file.hpp"
#include "cli/storage_options.hpp"
#include "common/duration.hpp"
#include "storage/admin_report.hpp"
#include "storage/garbage_collector.hpp"
#include "storage/storage_engine.hpp"
#include "worker/database_name.hpp"

#include "duckdb/main/connection.hpp"

#include <cstdio>
#include <map>

namespace openduck {

const char *kDbHelp = R"(Usage: openduck db <action> [options]

Manage the databases of the differential storage engine.

Actions:
  create NAME [--ducklake]        create an empty database; --ducklake: a DuckLake lakehouse
                                  (catalog beside the metadata store, Parquet files in the
                                  object store; workers need --extension-dir, see `serve --help`)
  list [--all]                    live databases (--all: dropped ones too)
  drop NAME                       drop (soft: `undrop` brings it back until GC purges it)
  undrop NAME                     bring back the most recently dropped NAME
  clone SRC DST [--snapshot S]    new database DST sharing SRC's layers at snapshot S
                                  (default: SRC's last checkpoint); no data is copied
  set NAME [--snapshot-interval D] [--retention R]
                                  this database's own automatic snapshot interval (0: none)
                                  and GC retention (see `openduck gc --help`), over the
                                  workers' --snapshot-interval and gc's --retention; `default`
                                  removes the override. Without options: shows them. Workers
                                  pick a change up within 10 s; a clone starts without them

These change metadata only and take no write lease, so they may run while a server uses the
same data dir; it serves created and cloned databases at once. From SQL, through an attached
database: openduck_create_database('cloud', 'NAME' [, type := 'ducklake']) or CREATE DATABASE
NAME [(TYPE DUCKLAKE)], openduck_clone_database('cloud', 'DST' [, snapshot := 'S']).

Options:
      --data-dir DIR    the server's data dir (default: $OPENDUCK_DATA_DIR or ./openduck-data)
)";

const char *kSnapshotHelp = R"(Usage: openduck snapshot <action> -d DATABASE [options]

Every checkpoint of a database makes a snapshot. Open one read-only with
ATTACH 'openduck:DATABASE?snapshot=NAME_OR_ID' AS old. From SQL, CHECKPOINT and name the
head in one step: SELECT * FROM openduck_create_snapshot('cloud', 'NAME').

Actions:
  create -d DB NAME [--snapshot S]  name the last checkpoint (or snapshot S); named snapshots
                                    are kept by GC. Run CHECKPOINT first to include recent commits.
                                    NAME: letters, digits, '_', '-', '.'; not digits only.
  list -d DB                        snapshots with time, parent, layer count and sizes
  verify -d DB [S]                  check every layer checksum and open the snapshot (all when S
                                    is omitted)

Options:
  -d, --database DB     the database
      --data-dir DIR    the server's data dir (default: $OPENDUCK_DATA_DIR or ./openduck-data)
)";

const char *kGcHelp = R"(Usage: openduck gc [--dry-run] [--retention R] [--orphan-grace DURATION] [--config FILE]

Deletes the snapshots the retention does not keep (database heads, named snapshots and
snapshots open by readers are always kept), purges databases dropped longer ago than the
retention's longest tier, and deletes layer objects no remaining snapshot uses.
DURATION: 30s, 15m, 12h, 7d or seconds.

Retention R: a DURATION (keep every snapshot that young) or tiers, e.g.
all:24h,hourly:7d,daily:90d = every snapshot up to 24 hours old, the newest of each hour up to
7 days, the newest of each day up to 90 days. Tiers: all, minutely, hourly, daily, weekly
(hours and days in UTC). A database's own retention (`openduck db set NAME --retention R`)
wins over this one.

Options:
      --dry-run              report what would be removed, remove nothing
      --retention R          keep the snapshots R keeps (default 7d; config key: retention)
      --orphan-grace D       delete unreferenced objects older than D (default 1h, at least 10m)
      --data-dir DIR         the server's data dir (default: $OPENDUCK_DATA_DIR or ./openduck-data)
      --config FILE          read options from FILE: the servers' file, whose top-level storage
                             options and [gc] table apply (default: $OPENDUCK_CONFIG)
)";

namespace {

// A new database must have a name the servers accept (they ignore others).
void RequireValidName(const std::string &name) {
	auto problem = DatabaseNameProblem(name);
	if (!problem.empty()) {
		throw UsageError(problem);
	}
}

// --retention R as a policy; UsageError with the forms when R is none of them.
RetentionPolicy ParseRetention(const std::string &text) {
	try {
		return RetentionPolicy::Parse(text);
	} catch (std::invalid_argument &ex) {
		throw UsageError(std::string("--retention: ") + ex.what());
	}
}

// `openduck db set`: changes the options given (`default` clears one), then shows the policy.
void SetPolicy(MetadataStore &metadata, const DatabaseRecord &db, const ParsedOptions &options) {
	DatabasePolicy policy;
	auto policies = metadata.DatabasePolicies();
	auto found = policies.find(db.name);
	if (found != policies.end()) {
		policy = found->second;
	}
	if (options.Has("snapshot-interval")) {
		auto text = options.Get("snapshot-interval");
		policy.snapshot_interval_seconds =
		    text == "default" ? DatabasePolicy::kDefaultInterval : ParseDuration("snapshot-interval", text);
	}
	if (options.Has("retention")) {
		auto text = options.Get("retention");
		policy.retention = text == "default" ? "" : ParseRetention(text).ToString();
	}
	if (options.Has("snapshot-interval") || options.Has("retention")) {
		metadata.SetDatabasePolicy(db.id, policy);
	}
	auto interval = policy.snapshot_interval_seconds;
	std::printf("database '%s': snapshot interval %s, retention %s\n", db.name.c_str(),
	            interval == DatabasePolicy::kDefaultInterval ? "default (the worker's --snapshot-interval)"
	            : interval == 0                              ? "0 (no automatic snapshots)"
	                                                         : FormatDuration(interval).c_str(),
	            policy.retention.empty() ? "default (gc's --retention)" : policy.retention.c_str());
}

} // namespace

int RunDb(const std::vector<std::string> &args) {
	auto specs = WithStorage({{"all", 0, false},
	                          {"ducklake", 0, false},
	                          {"snapshot", 0, true},
	                          {"snapshot-interval", 0, true},
	                          {"retention", 0, true}});
	std::vector<std::string> option_words;
	auto words = Positional(args, specs, option_words);
	auto options = ParseOptions(option_words, specs);
	if (options.Has("help") || words.empty()) {
		std::fputs(kDbHelp, words.empty() && !options.Has("help") ? stderr : stdout);
		return options.Has("help") ? 0 : 2;
	}
	auto action = words[0];
	StorageEngine engine(StorageConfigFrom(options));
	auto &metadata = engine.Metadata();
	if (action == "create") {
		Require(words, 2, "openduck db create NAME [--ducklake]");
		RequireValidName(words[1]);
		auto kind = options.Has("ducklake") ? DatabaseKind::kDuckLake : DatabaseKind::kNative;
		std::printf("%s\n", CreatedReport(metadata.CreateDatabase(words[1], nullptr, kind)).c_str());
		return 0;
	}
	if (action == "list") {
		Require(words, 1, "openduck db list [--all]");
		bool all = options.Has("all");
		std::printf("%-24s %-9s %-21s %-9s %-9s %-12s%s\n", "NAME", "TYPE", "CREATED", "SNAPSHOTS", "HEAD", "SIZE",
		            all ? " DROPPED" : "");
		for (auto &db : metadata.ListDatabases(all)) {
			auto snapshots = metadata.ListSnapshots(db.id);
			uint64_t size = 0;
			for (auto &snapshot : snapshots) {
				if (snapshot.id == db.head_snapshot) {
					size = snapshot.file_size;
				}
			}
			std::printf("%-24s %-9s %-21s %-9zu %-9s %-12s%s\n", db.name.c_str(), DatabaseKindName(db.kind),
			            FormatTime(db.created_at).c_str(),
			            snapshots.size(), db.head_snapshot ? std::to_string(db.head_snapshot).c_str() : "-",
			            FormatBytes(size).c_str(), all ? (" " + FormatTime(db.dropped_at)).c_str() : "");
		}
		return 0;
	}
	if (action == "drop") {
		Require(words, 2, "openduck db drop NAME");
		metadata.DropDatabase(words[1]);
		std::printf("dropped database '%s' (`openduck db undrop %s` brings it back until GC purges it)\n",
		            words[1].c_str(), words[1].c_str());
		return 0;
	}
	if (action == "undrop") {
		Require(words, 2, "openduck db undrop NAME");
		metadata.UndropDatabase(words[1]);
		std::printf("restored database '%s'\n", words[1].c_str());
		return 0;
	}
	if (action == "clone") {
		Require(words, 3, "openduck db clone SRC DST [--snapshot S]");
		RequireValidName(words[2]);
		auto db = engine.CloneDatabase(words[1], words[2], options.Get("snapshot"));
		std::printf("%s\n", ClonedReport(words[1], words[2], *metadata.GetSnapshot(db.head_snapshot)).c_str());
		return 0;
	}
	if (action == "set") {
		Require(words, 2, "openduck db set NAME [--snapshot-interval D] [--retention R]");
		SetPolicy(metadata, engine.RequireDatabase(words[1]), options);
		return 0;
	}
	throw UsageError("unknown action '" + action + "' (create, list, drop, undrop, clone, set)");
}

static void VerifyOne(StorageEngine &engine, const DatabaseRecord &db, const SnapshotRecord &snapshot) {
	engine.VerifySnapshot(snapshot);
	auto instance = engine.OpenSnapshot(db.name, std::to_string(snapshot.id));
	duckdb::Connection con(*instance);
	auto tables = con.Query("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL");
	if (tables->HasError()) {
		throw std::runtime_error("snapshot " + std::to_string(snapshot.id) + ": " + tables->GetError());
	}
	int64_t rows = 0;
	for (duckdb::idx_t i = 0; i < tables->RowCount(); i++) {
		auto name = duckdb::KeywordHelper::WriteOptionallyQuoted(tables->GetValue(0, i).ToString()) + "." +
		            duckdb::KeywordHelper::WriteOptionallyQuoted(tables->GetValue(1, i).ToString());
		auto count = con.Query("SELECT count(*) FROM " + name);
		if (count->HasError()) {
			throw std::runtime_error("snapshot " + std::to_string(snapshot.id) + ", table " + name + ": " +
			                         count->GetError());
		}
		rows += count->GetValue(0, 0).GetValue<int64_t>();
	}
	std::printf("snapshot %lld ok: %lld layers checksummed, %llu tables, %lld rows\n",
	            static_cast<long long>(snapshot.id), static_cast<long long>(snapshot.layer_count),
	            static_cast<unsigned long long>(tables->RowCount()), static_cast<long long>(rows));
}

int RunSnapshot(const std::vector<std::string> &args) {
	auto specs = WithStorage({{"database", 'd', true}, {"snapshot", 0, true}});
	std::vector<std::string> option_words;
	auto words = Positional(args, specs, option_words);
	auto options = ParseOptions(option_words, specs);
	if (options.Has("help") || words.empty()) {
		std::fputs(kSnapshotHelp, words.empty() && !options.Has("help") ? stderr : stdout);
		return options.Has("help") ? 0 : 2;
	}
	if (!options.Has("database")) {
		throw UsageError("snapshot commands need -d DATABASE");
	}
	auto action = words[0];
	StorageEngine engine(StorageConfigFrom(options));
	auto db = engine.RequireDatabase(options.Get("database"));
	auto &metadata = engine.Metadata();
	if (action == "create") {
		Require(words, 2, "openduck snapshot create -d DB NAME [--snapshot S]");
		int64_t target = db.head_snapshot;
		if (options.Has("snapshot")) {
			target = engine.RequireSnapshot(db, options.Get("snapshot")).id;
		}
		std::printf("%s\n", NamedReport(db.name, engine.NameSnapshot(db, target, words[1])).c_str());
		return 0;
	}
	if (action == "list") {
		Require(words, 1, "openduck snapshot list -d DB");
		std::printf("%-8s %-16s %-21s %-8s %-7s %-12s %-12s\n", "ID", "NAME", "CREATED", "PARENT", "LAYERS",
		            "FILE SIZE", "LAYER BYTES");
		for (auto &snapshot : metadata.ListSnapshots(db.id)) {
			auto id = std::to_string(snapshot.id) + (snapshot.id == db.head_snapshot ? "*" : "");
			std::printf("%-8s %-16s %-21s %-8s %-7lld %-12s %-12s\n", id.c_str(),
			            snapshot.name.empty() ? "-" : snapshot.name.c_str(), FormatTime(snapshot.created_at).c_str(),
			            snapshot.parent_id ? std::to_string(snapshot.parent_id).c_str() : "-",
			            static_cast<long long>(snapshot.layer_count), FormatBytes(snapshot.file_size).c_str(),
			            FormatBytes(snapshot.layer_bytes).c_str());
		}
		std::printf("(* = head)\n");
		return 0;
	}
	if (action == "verify") {
		if (words.size() > 2) {
			throw UsageError("usage: openduck snapshot verify -d DB [SNAPSHOT]");
		}
		if (words.size() == 2) {
			VerifyOne(engine, db, engine.RequireSnapshot(db, words[1]));
			return 0;
		}
		for (auto &snapshot : metadata.ListSnapshots(db.id)) {
			VerifyOne(engine, db, snapshot);
		}
		return 0;
	}
	throw UsageError("unknown action '" + action + "' (create, list, verify)");
}

int RunGc(const std::vector<std::string> &args) {
	auto specs = WithStorage(
	    {{"dry-run", 0, false}, {"retention", 0, true}, {"orphan-grace", 0, true}, {"config", 0, true}});
	auto options = ParseOptions(args, specs);
	if (options.Has("help")) {
		std::fputs(kGcHelp, stdout);
		return 0;
	}
	ApplyConfigFile("gc", specs, options);
	GcOptions gc;
	gc.dry_run = options.Has("dry-run");
	if (options.Has("retention")) {
		gc.retention = ParseRetention(options.Get("retention"));
	}
	if (options.Has("orphan-grace")) {
		gc.orphan_grace_seconds = ParseDuration("orphan-grace", options.Get("orphan-grace"));
	}
	StorageEngine engine(StorageConfigFrom(options));
	auto report = CollectGarbage(engine.Metadata(), engine.Store(), gc);
	const char *verb = gc.dry_run ? "would remove" : "removed";
	auto lake_files = report.lake_files.empty()
	                      ? std::string()
	                      : ", " + std::to_string(report.lake_files.size()) + " DuckLake data files";
	std::printf("gc%s: %s %zu snapshots, %zu dropped databases, %zu layers and %zu orphan objects%s (%s)\n",
	            gc.dry_run ? " (dry run)" : "", verb, report.plan.expired_snapshots.size(),
	            report.plan.purged_databases.size(), report.plan.dead_layers.size(), report.orphans.size(),
	            lake_files.c_str(), FormatBytes(report.freed_bytes).c_str());
	for (auto id : report.plan.purged_databases) {
		std::printf("  database id %lld\n", static_cast<long long>(id));
	}
	for (auto id : report.plan.expired_snapshots) {
		std::printf("  snapshot %lld\n", static_cast<long long>(id));
	}
	for (auto &layer : report.plan.dead_layers) {
		std::printf("  layer %s (%s)\n", layer.object_key.c_str(), FormatBytes(layer.size_bytes).c_str());
	}
	for (auto &object : report.orphans) {
		std::printf("  orphan %s (%s)\n", object.key.c_str(), FormatBytes(object.size).c_str());
	}
	for (auto &object : report.lake_files) {
		std::printf("  DuckLake file %s (%s)\n", object.key.c_str(), FormatBytes(object.size).c_str());
	}
	return 0;
}

} // namespace openduck
