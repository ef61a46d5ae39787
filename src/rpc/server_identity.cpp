#include "rpc/server_identity.hpp"

#include "common/version.hpp"

namespace openduck {

void DescribeServer(v1::HandshakeResponse &response) {
	response.set_protocol_version(kProtocolVersion);
	response.set_duckdb_version(kDuckDBVersion);
	response.set_server_version(kVersion);
	// Arrow IPC body compression (arrow/ipc_compression.hpp).
	response.add_compression_codecs("lz4");
	response.add_compression_codecs("zstd");
}

} // namespace openduck
