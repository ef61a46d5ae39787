// CRC-32C (Castagnoli), the checksum on every layer extent, layer index and active-layer
// record. Software table implementation (slicing-by-8); stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace openduck {

// Extends `crc` (0 for a fresh checksum) over `size` bytes at `data`.
uint32_t Crc32c(const void *data, size_t size, uint32_t crc = 0);

} // namespace openduck
