#include "storage/layer_format.hpp"

#include "storage/byte_codec.hpp"
#include "storage/crc32c.hpp"

#include <cstring>
#include <stdexcept>

namespace openduck {

static const char kLayerMagic[8] = {'O', 'D', 'L', 'A', 'Y', 'E', 'R', '1'};

std::string EncodeLayerTail(const LayerIndex &index) {
	std::string out;
	out.reserve(index.extents.size() * 32 + kLayerFooterSize);
	for (auto &extent : index.extents) {
		PutU64(out, extent.logical_offset);
		PutU64(out, extent.length);
		PutU64(out, extent.data_offset);
		PutU32(out, extent.crc);
		PutU32(out, 0);
	}
	uint32_t index_crc = Crc32c(out.data(), out.size());
	std::string footer(kLayerMagic, sizeof(kLayerMagic));
	PutU64(footer, index.index_offset);
	PutU64(footer, index.extents.size());
	PutU64(footer, index.file_size);
	PutU64(footer, index.truncated_to);
	PutU32(footer, index_crc);
	PutU32(footer, kLayerFormatVersion);
	PutU32(footer, Crc32c(footer.data(), footer.size()));
	PutU32(footer, 0);
	return out + footer;
}

uint64_t DecodeLayerFooter(const std::string &footer, LayerIndex &index, uint32_t &index_crc, const std::string &what) {
	if (footer.size() != kLayerFooterSize || std::memcmp(footer.data(), kLayerMagic, sizeof(kLayerMagic)) != 0) {
		throw std::runtime_error("layer " + what + ": missing layer footer (not a layer object, or truncated)");
	}
	auto p = reinterpret_cast<const uint8_t *>(footer.data());
	if (Crc32c(p, 48) != GetU32(p + 48)) {
		throw std::runtime_error("layer " + what + ": footer checksum mismatch");
	}
	if (GetU32(p + 44) != kLayerFormatVersion) {
		throw std::runtime_error("layer " + what + ": unsupported layer format version " +
		                         std::to_string(GetU32(p + 44)));
	}
	index.index_offset = GetU64(p + 8);
	uint64_t entry_count = GetU64(p + 16);
	index.file_size = GetU64(p + 24);
	index.truncated_to = GetU64(p + 32);
	index_crc = GetU32(p + 40);
	return entry_count;
}

void DecodeLayerIndex(const std::string &bytes, uint64_t entry_count, uint32_t index_crc, LayerIndex &index,
                      const std::string &what) {
	if (bytes.size() != entry_count * 32) {
		throw std::runtime_error("layer " + what + ": index is " + std::to_string(bytes.size()) + " bytes, expected " +
		                         std::to_string(entry_count * 32));
	}
	if (Crc32c(bytes.data(), bytes.size()) != index_crc) {
		throw std::runtime_error("layer " + what + ": index checksum mismatch");
	}
	auto p = reinterpret_cast<const uint8_t *>(bytes.data());
	index.extents.clear();
	index.extents.reserve(entry_count);
	for (uint64_t i = 0; i < entry_count; i++, p += 32) {
		LayerExtent extent {GetU64(p), GetU64(p + 8), GetU64(p + 16), GetU32(p + 24)};
		if (extent.data_offset + extent.length > index.index_offset) {
			throw std::runtime_error("layer " + what + ": extent " + std::to_string(i) + " points past the data area");
		}
		index.extents.push_back(extent);
	}
}

} // namespace openduck
