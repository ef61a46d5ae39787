// ListObjectsV2 pages come from whatever S3-compatible server the store points at.
#include "storage/s3_listing.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	try {
		openduck::ParseS3Listing(std::string(reinterpret_cast<const char *>(data), size), "fuzz");
	} catch (std::runtime_error &) {
	}
	return 0;
}
