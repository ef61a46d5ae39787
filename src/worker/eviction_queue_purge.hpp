// Works around DuckDB 1.4.4 keeping dead entries in its buffer pool's eviction queues.
//
// Each unpin of a buffer adds an entry to one of the pool's eight eviction queues; the entry
// holds a weak pointer, which keeps the block handle's make_shared allocation alive after the
// handle itself is gone. DuckDB drops dead entries only in a purge that starts above 32,768
// entries per queue and often stops early (it under-counts dead entries), so under a worker's
// mix (many hash-join and aggregate builds a second) the dead entries of finished statements
// piled up on the heap: 100-190 bytes per statement, no ceiling in 50 minutes
// (docs/reliability.md, "Soak"). DuckDB's main branch fixed the purge in May 2026; no release
// has the fix yet.
//
// DuckDB's BufferPool::PurgeAgedBlocks walks each queue: it drops dead entries, unloads blocks
// unused for longer than the age given, and stops at the first recently used block (which it
// unloads too: a persistent block is read again on its next use, a temporary one goes to the
// temporary directory). Run every kEvictionPurgeInterval with kEvictionPurgeMaxAgeSeconds, that
// costs at most one reload per queue per interval. It reaches only part of the dead entries:
// a queue keeps one sub-queue per thread that unpinned, and each dequeue looks at the newest
// three non-empty ones only. Measured, it halved the growth (the soak, and
// test/unit/eviction_queue_purge_test.cpp for one thread, where it stops it).
#pragma once

#include "duckdb.hpp"

#include <chrono>

namespace openduck {

constexpr std::chrono::seconds kEvictionPurgeInterval {10};
// Blocks unused this long are unloaded by the purge (DuckDB keeps them until memory is short).
constexpr uint32_t kEvictionPurgeMaxAgeSeconds = 3600;

// One purge of `instance`'s eviction queues; returns the bytes of the blocks it unloaded.
// Thread-safe (DuckDB's queues are concurrent; queries go on meanwhile).
uint64_t PurgeEvictionQueues(duckdb::DuckDB &instance);

} // namespace openduck
