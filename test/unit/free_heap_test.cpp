#include "common/free_heap.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace openduck {
namespace {

#if defined(__SANITIZE_ADDRESS__)
#define OPENDUCK_OWN_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OPENDUCK_OWN_ALLOCATOR 1
#endif
#endif

size_t ResidentBytes() {
	std::ifstream status("/proc/self/status");
	std::string line;
	while (std::getline(status, line)) {
		if (line.rfind("VmRSS:", 0) == 0) {
			return std::stoull(line.substr(6)) * 1024;
		}
	}
	return 0;
}

// The pattern a busy server leaves behind: most small blocks freed, a few still live between
// them, so no arena's top is free and glibc's own trimming at free() returns nothing.
TEST(FreeHeapTest, HandsBackTheFreePagesBetweenLiveBlocks) {
#ifdef OPENDUCK_OWN_ALLOCATOR
	GTEST_SKIP() << "the sanitizer's allocator replaces glibc's heap";
#else
	constexpr size_t kBlock = 2048, kBlocks = 40000; // 78 MiB
	std::vector<char *> blocks;
	for (size_t i = 0; i < kBlocks; i++) {
		blocks.push_back(static_cast<char *>(std::malloc(kBlock)));
		std::memset(blocks.back(), 1, kBlock);
	}
	for (size_t i = 0; i < kBlocks; i++) {
		if (i % 16 != 15) {
			std::free(blocks[i]);
			blocks[i] = nullptr;
		}
	}
	auto before = ResidentBytes();
	EXPECT_TRUE(ReturnFreeHeapPages());
	auto after = ResidentBytes();
	EXPECT_GT(before, after + 40 * 1024 * 1024) << "resident before " << before << ", after " << after;
	for (auto block : blocks) {
		std::free(block);
	}
#endif
}

} // namespace
} // namespace openduck
