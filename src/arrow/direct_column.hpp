// Encodes one top-level column whose Arrow layout is DuckDB's own memory layout, without going
// through DuckDB's ArrowAppender: fixed-width values whose bytes mean the same on both sides
// (integers, floats, DATE, TIME, TIMESTAMPs, DECIMALs at their physical width) are copied as
// they are, and VARCHAR becomes 32-bit offsets + data in one pass per chunk.
//
// This is the scan path's hot loop: ArrowAppender reserves its buffers per value (a
// NextPowerOfTwo per string) and converts value by value, which made it a quarter of the
// worker's CPU on wide scans. The bytes produced are the ones ArrowAppender would produce for
// the same format string, so the schema stays DuckDB's (ArrowConverter::ToArrowSchema).
//
// Validity: DuckDB's ValidityMask is a little-endian bitmap of uint64 words with bit i for row i,
// which is exactly Arrow's bitmap; it is only materialized once a NULL is seen.
//
// Not thread-safe: one per column of one IpcStreamWriter.
#pragma once

#include "duckdb/common/arrow/arrow_buffer.hpp"
#include "duckdb/common/arrow/arrow.hpp"
#include "duckdb/common/types/vector.hpp"

namespace openduck {

class DirectColumn {
public:
	// Whether a column of `type`, declared with Arrow format `format`, can be encoded directly.
	static bool Supports(const duckdb::LogicalType &type, const char *format);

	explicit DirectColumn(const duckdb::LogicalType &type);

	// Appends rows [0, count) of `vector`.
	void Append(duckdb::Vector &vector, duckdb::idx_t count);
	// The buffered rows as an Arrow array pointing into this column's buffers; valid until the
	// next Append or Reset.
	const ArrowArray &Finish();
	// Drops the buffered rows, keeping the buffers' capacity for the next batch.
	void Reset();

private:
	void AppendValidity(const duckdb::UnifiedVectorFormat &format, duckdb::idx_t count);
	void AppendFixed(const duckdb::UnifiedVectorFormat &format, duckdb::idx_t count);
	void AppendStrings(const duckdb::UnifiedVectorFormat &format, duckdb::idx_t count);

	const bool is_string_;
	const duckdb::idx_t width_;
	duckdb::idx_t length_ = 0;
	duckdb::idx_t null_count_ = 0;
	// Empty while every row so far is valid.
	duckdb::ArrowBuffer validity_;
	// Fixed-width values, or the offsets of a string column.
	duckdb::ArrowBuffer values_;
	duckdb::ArrowBuffer string_data_;
	const void *buffers_[3];
	ArrowArray array_;
};

} // namespace openduck
