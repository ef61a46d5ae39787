// Layer objects are read back from an object store, which may hand back damaged or foreign
// bytes: the footer and the index must be refused with an error, never trusted.
#include "storage/layer_format.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string bytes(reinterpret_cast<const char *>(data), size);
	if (bytes.size() < openduck::kLayerFooterSize) {
		return 0;
	}
	try {
		openduck::LayerIndex index;
		uint32_t index_crc = 0;
		auto footer = bytes.substr(bytes.size() - openduck::kLayerFooterSize);
		auto entries = openduck::DecodeLayerFooter(footer, index, index_crc, "fuzz");
		// The index sits where the footer says; a reader fetches exactly that range.
		auto body = bytes.substr(0, bytes.size() - openduck::kLayerFooterSize);
		if (index.index_offset > body.size() || entries > (body.size() - index.index_offset) / 32) {
			return 0;
		}
		openduck::DecodeLayerIndex(body.substr(index.index_offset, entries * 32), entries, index_crc, index, "fuzz");
	} catch (std::runtime_error &) {
	}
	return 0;
}
