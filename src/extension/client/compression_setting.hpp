// SET openduck_compression = 'auto' | 'lz4' | 'zstd' | 'none': how the host asks results to
// travel (arrow/ipc_compression.hpp) and how it sends rows it uploads. 'auto' (the default)
// compresses with LZ4 only while the link is the bottleneck, measured batch by batch; on a fast
// link or a busy CPU it sends plain batches.
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
