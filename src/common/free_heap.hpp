// Hands the heap's free pages back to the operating system.
//
// Why a server needs it: glibc returns free memory to the system only from the top of an arena
// (by default up to 8 arenas per core; our servers keep one per core), and our servers raise the
// trim threshold so request-sized buffers stay cached (both in src/cli/main.cpp). Under many
// concurrent clients the free space scattered inside the arenas grows for a long time although
// the live heap does not: over a 7-minute soak with 64 clients the gateway's arenas grew from 8
// to 13 MiB and the worker's from 25 to 41 MiB, while heaptrack measured a live heap that peaked
// at 4.7 and 16 MiB with nothing leaked. Servers call this every few seconds while idle-waiting.
//
// Thread-safe (glibc locks each arena in turn; allocations on an arena wait for its walk).
#pragma once

namespace openduck {

// Returns true when some memory was handed back.
bool ReturnFreeHeapPages();

} // namespace openduck
