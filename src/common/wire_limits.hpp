// Sizes of Arrow IPC payloads on the wire, the same for hosts and servers.
#pragma once

#include <cstddef>

namespace openduck {

// A payload larger than this (only a single row that wide makes one: batches end by size) travels
// in pieces (ExecuteFragmentResponse.arrow_part, ExecuteFragmentRequest.ingest_continues), so no
// gRPC message exceeds the 64 MiB servers accept.
constexpr size_t kMaxPayloadPieceBytes = 32 * 1024 * 1024;
// The most one payload may hold in all, pieces joined: a bound on what a receiver buffers.
constexpr size_t kMaxPayloadBytes = size_t(1) << 30;

} // namespace openduck
