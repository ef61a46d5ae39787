#include "storage/garbage_collector.hpp"

#include "storage/ducklake_database.hpp"

#include "storage/commit_log.hpp"
#include "storage/sql_metadata_store.hpp"

#include <stdexcept>
#include <string>
#include <unordered_set>

namespace openduck {

GcReport CollectGarbage(MetadataStore &metadata, ObjectStore &store, const GcOptions &options) {
	if (options.orphan_grace_seconds < kMinOrphanGraceSeconds) {
		throw std::invalid_argument("gc: an orphan grace of " + std::to_string(options.orphan_grace_seconds) +
		                            "s could delete a layer that a seal uploaded and is about to commit; pass "
		                            "--orphan-grace of at least " +
		                            std::to_string(kMinOrphanGraceSeconds / 60) + "m");
	}
	GcReport report;
	auto now = UnixNow();
	report.plan = metadata.PlanGarbageCollection(now, options.retention, options.dry_run);
	std::vector<int64_t> deleted;
	for (auto &layer : report.plan.dead_layers) {
		report.freed_bytes += layer.size_bytes;
		if (!options.dry_run) {
			store.Delete(layer.object_key);
			deleted.push_back(layer.id);
		}
	}
	if (!deleted.empty()) {
		metadata.ForgetLayers(deleted);
	}
	// A purged DuckLake database's Parquet files. Its catalog (a SQLite file or PostgreSQL
	// database beside the metadata store) is kept: small, and the only record of what it held.
	for (auto db_id : report.plan.purged_databases) {
		for (auto &object : store.List(DuckLakeDataPrefix(db_id))) {
			report.lake_files.push_back(object);
			report.freed_bytes += object.size;
			if (!options.dry_run) {
				store.Delete(object.key);
			}
		}
	}
	// Orphans: list first, then read the keys, so an object committed in between is known.
	auto objects = store.List("layers/");
	for (auto &segment : store.List(kCommitSegmentPrefix)) {
		objects.push_back(segment);
	}
	auto known_keys = metadata.AllObjectKeys();
	std::unordered_set<std::string> known(known_keys.begin(), known_keys.end());
	for (auto &object : objects) {
		if (known.count(object.key) || object.modified_unix > now - options.orphan_grace_seconds) {
			continue;
		}
		report.orphans.push_back(object);
		report.freed_bytes += object.size;
		if (!options.dry_run) {
			store.Delete(object.key);
		}
	}
	return report;
}

} // namespace openduck
