// Limits every OpenDuck Arrow IPC stream keeps, written and read.
#pragma once

#include <cstdint>

namespace openduck {

// Rows in one record batch. Columns of the NULL type (and batches without columns) carry no
// buffers, so nothing else bounds what a batch may claim: a 100-byte message could otherwise
// announce 3.6e16 rows and keep a reader busy producing them. Writers flush before this many
// rows (a 1 MiB batch of the narrowest columns, BOOLEAN, holds about 8 M rows, but every
// writer here flushes far earlier); readers refuse batches that claim more.
constexpr int64_t kMaxIpcBatchRows = int64_t(1) << 20;
// Bytes one compressed buffer may unpack to: a payload's own bound (1 GiB, wire_limits.hpp), so
// a small compressed message cannot make a reader allocate without limit.
constexpr int64_t kMaxDecompressedBuffer = int64_t(1) << 30;

// Levels of nested types (STRUCT, LIST, MAP, ...) a schema may have. DuckDB itself has no such
// limit; this bounds the recursion of verifying and decoding a hostile schema while leaving room
// for any real one (Arrow C++ and pyarrow stop at 64).
constexpr int kMaxIpcNestingDepth = 512;

} // namespace openduck
