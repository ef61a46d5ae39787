// SET openduck_compression = 'auto' | 'lz4' | 'zstd' | 'none': how the host asks results to
// travel (arrow/ipc_compression.hpp) and how it sends rows it uploads. 'auto' (the default)
// uses whichever of none, LZ4 and ZSTD delivers data fastest, measured as the stream runs: ZSTD
// on a slow link, plain batches where both ends' CPUs are the limit.
#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/main/config.hpp"

#include <string>

namespace openduck {

// Registers the setting (default 'auto'; other values are refused with the choices named).
void AddCompressionSetting(duckdb::DBConfig &config);
// The session's value: "auto", "lz4", "zstd" or "none".
std::string CompressionSetting(duckdb::ClientContext &context);

} // namespace openduck
