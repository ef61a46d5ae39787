// The immutable layer object: the bytes one checkpoint changed in a database file.
//
//   [extent data, back to back]
//   [index: entry_count x 32 bytes: logical_offset u64, length u64, data_offset u64, crc32c u32, 0 u32]
//   [footer, 56 bytes: "ODLAYER1", index_offset u64, entry_count u64, file_size u64,
//    truncated_to u64, index_crc u32, version u32, footer_crc u32 (over the preceding 48
//    bytes), 0 u32]
//
// All integers little-endian. Each extent carries its own CRC-32C, so a range read can be
// verified without fetching the whole object; the index and footer carry theirs.
// Pure functions and plain structs: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace openduck {

struct LayerExtent {
	uint64_t logical_offset; // where the bytes belong in the database file
	uint64_t length;
	uint64_t data_offset; // where they are inside the layer object
	uint32_t crc;         // CRC-32C of the bytes
};

struct LayerIndex {
	std::vector<LayerExtent> extents; // sorted by logical_offset, non-overlapping
	// Logical size of the database file when the layer was sealed.
	uint64_t file_size = 0;
	// The smallest size the file was truncated to while this layer was active (bytes of older
	// layers at or past it are gone), or UINT64_MAX.
	uint64_t truncated_to = UINT64_MAX;
	uint64_t index_offset = 0; // == total extent bytes
};

constexpr uint64_t kLayerFooterSize = 56;
constexpr uint32_t kLayerFormatVersion = 1;

// Serialises index + footer (appended after the extent data by the writer).
std::string EncodeLayerTail(const LayerIndex &index);

// Parses the 56-byte footer; throws std::runtime_error (naming `what`) when it is not a valid
// footer. Fills file_size and index_offset and returns the entry count.
uint64_t DecodeLayerFooter(const std::string &footer, LayerIndex &index, uint32_t &index_crc, const std::string &what);

// Parses the index bytes (entry_count x 32) and checks `index_crc`; throws on mismatch.
void DecodeLayerIndex(const std::string &bytes, uint64_t entry_count, uint32_t index_crc, LayerIndex &index,
                      const std::string &what);

} // namespace openduck
