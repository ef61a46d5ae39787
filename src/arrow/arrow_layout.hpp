// The physical layout of an Arrow array, derived from its C data interface format string.
//
// Both directions of the IPC codec need it: the writer to know how many bytes each C buffer
// holds (the C data interface carries no buffer lengths), the reader to know how many IPC
// buffers and child nodes a field consumes. Dictionary-encoded arrays are described by their
// index format (the array itself holds indices; values live in ArrowArray::dictionary).
//
// Stateless; thread-safe.
#pragma once

#include <cstdint>

namespace openduck {

enum class ArrowLayoutKind : uint8_t {
	NULL_TYPE,      // no buffers
	BOOLEAN,        // validity, bit-packed values
	FIXED_WIDTH,    // validity, values of byte_width bytes
	BINARY,         // validity, int32 offsets, data   (u, z)
	LARGE_BINARY,   // validity, int64 offsets, data   (U, Z)
	BINARY_VIEW,    // validity, 16-byte views, variadic data buffers (+ sizes buffer in C only)
	LIST,           // validity, int32 offsets; one child (also maps: a list of key/value structs)
	LARGE_LIST,     // validity, int64 offsets; one child
	LIST_VIEW,      // validity, int32 offsets, int32 sizes; one child
	LARGE_LIST_VIEW,// validity, int64 offsets, int64 sizes; one child
	FIXED_LIST,     // validity; one child of list_size * length values
	STRUCT,         // validity; n children
	SPARSE_UNION,   // int8 type ids (no validity)
	DENSE_UNION,    // int8 type ids, int32 offsets (no validity)
	RUN_END_ENCODED // no buffers; children run_ends and values
};

struct ArrowLayout {
	ArrowLayoutKind kind;
	// FIXED_WIDTH: bytes per value. FIXED_LIST: values per list.
	int64_t width = 0;

	// Throws duckdb::IOException naming the format when it is not a valid Arrow format string.
	static ArrowLayout FromFormat(const char *format);

	// Buffers this layout has in an IPC record batch (view arrays add their variadic buffers).
	int64_t IpcBufferCount() const;
	// Buffers this layout has in the C data interface (view arrays add variadic + 1).
	int64_t CBufferCount() const;
	// Whether buffer 0 is a validity bitmap.
	bool HasValidity() const;
};

} // namespace openduck
