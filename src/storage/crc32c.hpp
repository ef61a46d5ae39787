// CRC-32C (Castagnoli), the checksum on every layer extent, layer index and active-layer
// record. Uses the SSE4.2 CRC32 instruction where the CPU has it, else a table implementation
// (slicing-by-8); both give the same values. Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace openduck {

// Extends `crc` (0 for a fresh checksum) over `size` bytes at `data`.
uint32_t Crc32c(const void *data, size_t size, uint32_t crc = 0);
// The table implementation, always (exposed so tests can check both agree).
uint32_t SoftwareCrc32c(const void *data, size_t size, uint32_t crc = 0);

} // namespace openduck
