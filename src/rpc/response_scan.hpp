// What a serialised ExecuteFragmentResponse carries for the metrics, read from its top-level
// fields without parsing it: an Arrow payload (arrow_batch or arrow_part) is skipped by its
// length prefix, never parsed or copied; only an Error, a few bytes once per failed call, is
// parsed. The gateway forwards workers' responses as bytes (rpc/raw_results.hpp) and counts
// them from this exactly as a worker counts the typed message (MeteredQuery::CountResponse).
#pragma once

#include "openduck/v1/openduck.pb.h"

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>

namespace openduck {

struct ResponseScan {
	uint64_t arrow_bytes = 0;
	bool has_error = false;
	openduck::v1::Error error;
};

// Bytes that are no valid message scan as far as they parse: they are forwarded regardless, and
// the receiver's parser judges them.
ResponseScan ScanResponse(const grpc::ByteBuffer &response);

} // namespace openduck
