// openduck_join_keys()' filter argument is client SQL text to a worker: any bytes, decoded as
// the base64 of a join key filter and then probed.
#include "common/join_key_filter.hpp"
#include "duckdb/common/types/blob.hpp"
#include "duckdb/common/types/string_type.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string text(reinterpret_cast<const char *>(data), size);
	for (bool base64 : {true, false}) {
		try {
			auto bytes = base64 ? duckdb::Blob::FromBase64(duckdb::string_t(text)) : text;
			auto filter = openduck::JoinKeyFilter::Decode(bytes);
			for (uint64_t hash = 0; hash < 64; hash++) {
				filter.MayContain(hash * 0x9e3779b97f4a7c15ULL);
			}
		} catch (std::exception &) {
		}
	}
	return 0;
}
