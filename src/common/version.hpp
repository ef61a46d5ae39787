// Version constants shared by the server, the extension and the wire handshake.
#pragma once

namespace openduck {

constexpr const char *kVersion = OPENDUCK_VERSION;
// Bumped on any incompatible change to proto/openduck/v1 semantics.
constexpr const char *kProtocolVersion = "1";
// The DuckDB release both sides must be built for (results and catalog types are DuckDB's).
constexpr const char *kDuckDBVersion = OPENDUCK_DUCKDB_VERSION;

} // namespace openduck
