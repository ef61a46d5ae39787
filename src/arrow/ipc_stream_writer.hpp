// Encodes DuckDB data chunks as an Arrow IPC stream (the "encapsulated message" format of the
// Arrow columnar spec: 0xFFFFFFFF, int32 metadata length, flatbuffer Message, padding, body).
//
// Conversion of values to Arrow arrays is DuckDB's own (ArrowAppender with the given
// ClientProperties); this class owns only the IPC framing. Each field of the schema carries
// custom metadata "openduck.duckdb_type" holding the exact DuckDB type (LogicalType::ToString()),
// so a reader can restore types Arrow cannot express (ENUM, UNION details, ...).
//
// Not thread-safe: one writer per result stream.
#pragma once

#include "arrow/ipc_compression.hpp"

#include "arrow/row_bytes.hpp"
#include "duckdb/common/types/data_chunk.hpp"
#include "duckdb/main/client_properties.hpp"

#include <memory>
#include <string>

namespace openduck {

class IpcStreamWriter {
public:
	IpcStreamWriter(const duckdb::vector<duckdb::LogicalType> &types, const duckdb::vector<std::string> &names,
	                duckdb::ClientProperties options);
	~IpcStreamWriter();

	// The schema message; send it once, before any batch.
	std::string SchemaMessage() const;

	// Buffers the rows of `chunk` for the next record batch. Columns converted through an Arrow
	// extension cast are flattened in place first.
	void Append(duckdb::DataChunk &chunk);
	// Buffers rows of `chunk` from `offset` while the batch stays within `max_rows` rows and about
	// `max_bytes` bytes (`sizes` describes `chunk`); returns how many. 0 means the batch is full:
	// flush it. An empty batch takes at least one row, however wide.
	duckdb::idx_t AppendWithin(duckdb::DataChunk &chunk, const RowBytes &sizes, duckdb::idx_t offset,
	                           duckdb::idx_t max_rows, duckdb::idx_t max_bytes);
	duckdb::idx_t BufferedRows() const;
	// Estimated size in bytes of what FlushBatch would emit (RowBytes: values and offsets, not
	// validity bitmaps or padding).
	duckdb::idx_t BufferedBytes() const;

	// Compresses the bodies of the batches flushed from now on (ipc_compression.hpp).
	void SetCompression(IpcCodec codec);

	// Dictionary batch messages (for dictionary-encoded columns such as ENUM) followed by one
	// record batch message holding all buffered rows. Returns "" when nothing is buffered.
	std::string FlushBatch();
	// The same, appended to `out` without an intermediate copy.
	void FlushBatchTo(std::string &out);

	// The options every OpenDuck stream is written with: lossless (HUGEINT, UUID, TIME WITH TIME
	// ZONE, ... stay exact instead of being approximated) and Arrow format 1.5, so a DECIMAL
	// travels at its DuckDB width (decimal32/64) instead of as a 128-bit value both sides convert.
	static duckdb::ClientProperties WireProperties(duckdb::ClientContext &context);

	// The end-of-stream marker (0xFFFFFFFF 0x00000000).
	static std::string EndOfStream();

private:
	void AppendRows(duckdb::DataChunk &chunk);

	struct State;
	std::unique_ptr<State> state_;
};

} // namespace openduck
