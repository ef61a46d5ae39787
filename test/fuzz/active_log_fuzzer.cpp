// An active layer's log after a crash (or restored from shipped commit segments) may end in a
// torn or damaged record: recovery keeps the longest valid prefix and never trusts the rest.
#include "storage/active_layer.hpp"

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static const std::string path = "/tmp/openduck-active-log-fuzz-" + std::to_string(::getpid());
	FILE *file = std::fopen(path.c_str(), "wb");
	if (!file) {
		return 0;
	}
	std::fwrite(data, 1, size, file);
	std::fclose(file);
	try {
		// Base snapshot 7: the seeds' header names it, so their records are replayed.
		uint64_t file_size = 1 << 20;
		openduck::ActiveLayer layer(path, 7, file_size);
		char buffer[64];
		for (auto &extent : layer.Map().Extents()) {
			uint64_t length = extent.second.length < sizeof(buffer) ? extent.second.length : sizeof(buffer);
			layer.Read(extent.second.location.offset, buffer, length);
		}
	} catch (std::runtime_error &) {
	}
	::unlink(path.c_str());
	return 0;
}
