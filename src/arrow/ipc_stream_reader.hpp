// Decodes an Arrow IPC stream (as written by IpcStreamWriter, pyarrow or any Arrow library)
// into DuckDB data chunks.
//
// IPC messages are parsed into Arrow C data interface structs that point into the received
// bytes (no copy), then converted by DuckDB's own Arrow import (ArrowTableFunction::ArrowToDuckDB).
// Columns whose field carries "openduck.duckdb_type" metadata are returned with that exact
// DuckDB type (e.g. ENUM, which Arrow transports as a dictionary of strings).
// Supported: schema, dictionary batches (replacement; delta for fixed-width and string/binary
// values), record batches, end-of-stream; uncompressed little-endian bodies. Anything else, and
// any malformed or out-of-bounds message, raises duckdb::IOException naming what was found.
//
// Not thread-safe: one reader per result stream. The exception is Convert, which threads may
// call at once on record batches taken with TakeRecordBatches (each with its own scan state).
#pragma once

#include "duckdb/common/arrow/arrow_wrapper.hpp"
#include "duckdb/common/types/data_chunk.hpp"
#include "duckdb/main/client_context.hpp"

namespace duckdb {
struct ArrowScanLocalState;
}

#include <memory>
#include <string>

namespace openduck {

class IpcStreamReader {
public:
	explicit IpcStreamReader(duckdb::ClientContext &context);
	~IpcStreamReader();

	// Consumes every complete message in `payload` (a payload never splits a message).
	void Feed(std::string payload);
	// The same without a copy: batches keep `payload` alive as long as they need its bytes.
	void Feed(std::shared_ptr<const std::string> payload);

	bool HasSchema() const;
	// Valid once HasSchema().
	const duckdb::vector<duckdb::LogicalType> &Types() const;
	const duckdb::vector<std::string> &Names() const;
	// True once the end-of-stream marker was consumed.
	bool Finished() const;

	// Moves up to STANDARD_VECTOR_SIZE buffered rows into `out` (set up with
	// DataChunk::Initialize(context, Types()); Next resets it first).
	// Returns false, leaving `out` empty, when no buffered rows remain; Feed more then.
	bool Next(duckdb::DataChunk &out);

	// Removes the record batches fed so far and not yet read by Next, for converting them on
	// several threads with Convert. Each keeps the payload bytes it points into alive.
	duckdb::vector<duckdb::shared_ptr<duckdb::ArrowArrayWrapper>> TakeRecordBatches();
	// Converts `count` rows (at most STANDARD_VECTOR_SIZE) of scan.chunk from scan.chunk_offset
	// into `out` (set up as for Next) and advances scan.chunk_offset. `import` is scratch space
	// set up with DataChunk::Initialize(context, ImportTypes()); one per thread.
	void Convert(duckdb::ArrowScanLocalState &scan, duckdb::idx_t count, duckdb::DataChunk &import,
	             duckdb::DataChunk &out) const;
	// The types DuckDB's Arrow import yields before the casts to Types().
	const duckdb::vector<duckdb::LogicalType> &ImportTypes() const;

private:
	struct State;
	std::unique_ptr<State> state_;
};

} // namespace openduck
