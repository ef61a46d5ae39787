// Arrow IPC streams as a worker or a peer could send them: the host decodes every result
// stream with IpcStreamReader (compressed bodies included), the worker every ingest payload.
#include "arrow/ipc_stream_reader.hpp"

#include "duckdb.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static duckdb::DuckDB database(nullptr);
	static duckdb::Connection connection(database);
	try {
		openduck::IpcStreamReader reader(*connection.context);
		// Two payloads, as a stream arrives in several messages.
		size_t half = size / 2;
		reader.Feed(std::string(reinterpret_cast<const char *>(data), half));
		reader.Feed(std::string(reinterpret_cast<const char *>(data) + half, size - half));
		if (!reader.HasSchema()) {
			return 0;
		}
		duckdb::DataChunk chunk;
		chunk.Initialize(*connection.context, reader.Types());
		while (reader.Next(chunk)) {
			chunk.Verify();
		}
	} catch (std::exception &) {
		// A malformed stream is refused with an error: what the target checks is that it is.
	}
	return 0;
}
