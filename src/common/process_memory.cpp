#include "common/process_memory.hpp"

#include <cstdio>
#include <cstdlib> // defines __GLIBC__ when the C library is glibc

#include <dlfcn.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace openduck {

static uint64_t ResidentBytes() {
	auto *status = std::fopen("/proc/self/status", "r");
	if (!status) {
		return 0;
	}
	char line[256];
	unsigned long long kib = 0;
	while (std::fgets(line, sizeof(line), status)) {
		if (std::sscanf(line, "VmRSS: %llu kB", &kib) == 1) {
			break;
		}
	}
	std::fclose(status);
	return kib * 1024;
}

using MallctlFunction = int (*)(const char *, void *, size_t *, void *, size_t);

// libduckdb exports its jemalloc's mallctl under DuckDB's prefix; looked up at run time because
// builds without jemalloc (other platforms) do not have it.
static MallctlFunction DuckDBMallctl() {
	static auto *function = reinterpret_cast<MallctlFunction>(dlsym(RTLD_DEFAULT, "duckdb_je_mallctl"));
	return function;
}

static std::optional<uint64_t> ReadJemallocStat(MallctlFunction mallctl, const char *name) {
	size_t value = 0;
	size_t size = sizeof(value);
	if (mallctl(name, &value, &size, nullptr, 0) != 0) {
		return std::nullopt;
	}
	return value;
}

ProcessMemory ReadProcessMemory() {
	ProcessMemory memory;
	memory.resident_bytes = ResidentBytes();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	auto info = mallinfo2();
	// uordblks: in use inside the arenas; hblkhd: blocks served by their own mapping.
	memory.malloc_allocated_bytes = info.uordblks + info.hblkhd;
	memory.malloc_free_bytes = info.fordblks;
#endif
	if (auto mallctl = DuckDBMallctl()) {
		// jemalloc's statistics are a snapshot refreshed by writing "epoch".
		uint64_t epoch = 1;
		size_t size = sizeof(epoch);
		if (mallctl("epoch", &epoch, &size, &epoch, size) == 0) {
			memory.duckdb_allocated_bytes = ReadJemallocStat(mallctl, "stats.allocated");
			memory.duckdb_resident_bytes = ReadJemallocStat(mallctl, "stats.resident");
		}
	}
	return memory;
}

} // namespace openduck
