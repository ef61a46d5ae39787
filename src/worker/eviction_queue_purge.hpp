// Works around DuckDB 1.4.4 keeping dead entries in its buffer pool's eviction queues.
//
// Each unpin of a buffer adds an entry to one of the pool's eight eviction queues; the entry
// holds a weak pointer, which keeps the block handle's make_shared allocation (about 240 bytes)
// alive after the handle itself is gone. DuckDB drops dead entries only in a purge that starts
// above 32,768 entries per queue, counts dead entries only for buffers still loaded when their
// handle died, and re-drains its own just-re-added live entries in later iterations, so under a
// worker's mix (many hash-join and aggregate builds a second) dead entries of finished statements
// piled up: about 100 bytes per statement, with no ceiling in a 50-minute soak (jemalloc heap
// profile, docs/reliability.md). DuckDB's main branch fixed the purge in May 2026; no release
// has the fix yet.
//
// DuckDB's public BufferPool::PurgeAgedBlocks walks each queue from its oldest entries: it drops
// dead entries, unloads blocks unused for longer than the age given, and stops at the first
// recently used block (which it unloads too: a persistent block is read again on its next use,
// a temporary one is written to the temporary directory, or kept when there is none). Run every
// kEvictionPurgeInterval with kEvictionPurgeMaxAge, that costs at most one reload per queue per
// interval and keeps the dead entries of finished statements from accumulating.
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
