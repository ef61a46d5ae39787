// Estimated Arrow IPC bytes of the rows of a DataChunk, so writers can end a record batch
// before a row would push it past its byte budget. Appending a whole chunk and checking the size
// afterwards is not enough: 2048 rows of 40 KB strings already make an 80 MB message, beyond
// what gRPC accepts.
//
// The estimate counts value bytes (fixed widths, string bytes, list elements) and offsets, not
// validity bitmaps or padding, so it is slightly below the encoded size. Not thread-safe; the
// chunk must stay unchanged while the RowBytes is used.
#pragma once

#include "duckdb/common/types/data_chunk.hpp"

namespace openduck {

// Flattens `chunk`'s nested columns, which RowBytes and IpcStreamWriter want flat (a STRUCT in a
// dictionary vector crashed RowBytes). Strings and fixed-width columns stay as they are: both
// read them through their selection, which saves copying the dictionary-compressed columns a
// scan hands over (a tenth of the worker's CPU on a wide scan).
void FlattenNestedColumns(duckdb::DataChunk &chunk);

class RowBytes {
public:
	explicit RowBytes(duckdb::DataChunk &chunk);

	// Estimated bytes of rows [offset, offset + count).
	duckdb::idx_t Bytes(duckdb::idx_t offset, duckdb::idx_t count) const;

	// How many rows from `offset` (at most `available`) to append now to a batch that holds
	// `buffered_rows` rows of about `buffered_bytes` bytes, so it stays within `max_bytes`.
	// 0 means "flush the batch first"; an empty batch always takes at least one row (a row larger
	// than the budget travels alone). Sets `bytes` to the estimate of the rows returned.
	duckdb::idx_t RowsToAppend(duckdb::idx_t offset, duckdb::idx_t available, duckdb::idx_t buffered_rows,
	                           duckdb::idx_t buffered_bytes, duckdb::idx_t max_bytes, duckdb::idx_t &bytes) const;

private:
	duckdb::idx_t fixed_row_bytes_ = 0;
	// Columns whose values differ in size (strings, lists, structs holding them).
	duckdb::vector<duckdb::RecursiveUnifiedVectorFormat> variable_;
};

} // namespace openduck
