// What a server process's memory is made of, for /metrics: the resident size and, for each of
// the two allocators in the process, what is allocated and what it holds.
//
// Why: the resident size alone cannot tell a leak from memory an allocator keeps. A server has
// two: glibc's malloc (our code, gRPC, DuckDB's objects) and the jemalloc built into libduckdb
// (DuckDB's vectors and buffers). A soak reads these to tell live growth from free space held
// (docs/reliability.md, "Soak").
//
// Thread-safe: each call reads the allocators' own counters (glibc walks its arenas under their
// locks; jemalloc refreshes its statistics under its own).
#pragma once

#include <cstdint>
#include <optional>

namespace openduck {

struct ProcessMemory {
	// VmRSS from /proc/self/status; 0 where that is unavailable.
	uint64_t resident_bytes = 0;
	// glibc: bytes in allocated blocks (arenas and their own mappings), and free bytes it keeps.
	std::optional<uint64_t> malloc_allocated_bytes;
	std::optional<uint64_t> malloc_free_bytes;
	// DuckDB's jemalloc ("stats.allocated", "stats.resident"); empty when libduckdb has no
	// jemalloc (other platforms) or was built without its statistics.
	std::optional<uint64_t> duckdb_allocated_bytes;
	std::optional<uint64_t> duckdb_resident_bytes;
};

ProcessMemory ReadProcessMemory();

} // namespace openduck
