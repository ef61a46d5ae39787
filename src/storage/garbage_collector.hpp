// Garbage collection of snapshots and layer objects (`openduck gc`). Retention rules live in
// MetadataStore::PlanGarbageCollection: heads, named snapshots, snapshots the retention tiers
// keep (retention_policy.hpp; a database's own retention wins over GcOptions::retention) and
// snapshots pinned by live readers survive, with every layer they use. A layer
// object is deleted only after its row is marked dead in the same transaction that removed
// its last reference, so no snapshot, clone or reader can start using it afterwards.
// Objects in the store that no layer row names (a seal that uploaded but never committed)
// are deleted once older than the orphan grace period, which covers in-flight seals.
//
// Thread-safe as the stores are; several collectors may run at once (deletes are idempotent).
#pragma once

#include "storage/metadata_store.hpp"
#include "storage/object_store.hpp"

#include <string>
#include <vector>

namespace openduck {

// An uploaded layer is committed moments after its upload ends, but a slow store or a stalled
// metadata store can stretch that: a shorter grace could delete a layer a seal is about to commit.
constexpr int64_t kMinOrphanGraceSeconds = 600;

struct GcOptions {
	// For databases without a retention of their own (DatabasePolicy).
	RetentionPolicy retention = RetentionPolicy::Parse(kDefaultRetention);
	int64_t orphan_grace_seconds = 3600; // at least kMinOrphanGraceSeconds
	bool dry_run = false;
};

struct GcReport {
	GcPlan plan;
	std::vector<ObjectInfo> orphans;    // unreferenced objects past the grace period
	std::vector<ObjectInfo> lake_files; // data files of purged DuckLake databases
	uint64_t freed_bytes = 0;           // dead layers + orphans + lake files
};

// Throws std::invalid_argument when options.orphan_grace_seconds < kMinOrphanGraceSeconds.
GcReport CollectGarbage(MetadataStore &metadata, ObjectStore &store, const GcOptions &options);

} // namespace openduck
