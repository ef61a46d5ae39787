// Checks shared by the gateway and worker RPC handlers, and the exact gRPC statuses clients see
// when they fail (the extension surfaces these messages to users as-is).
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <string>
#include <vector>

namespace openduck {

// The token the caller presented in the "authorization" metadata ("Bearer <token>"); empty when
// absent. Only metadata counts: it arrives before the request, so the caller is known before
// any of the request is read (rpc/streamed_calls.hpp).
std::string CallerToken(const grpc::ServerContext &context);

// OK when CallerToken matches `expected` (constant-time); otherwise UNAUTHENTICATED
// "authentication failed: missing or invalid token". Never echoes either token.
grpc::Status CheckAuthorization(const grpc::ServerContext &context, const std::string &expected);

// OK when the peer speaks our protocol and DuckDB versions; otherwise FAILED_PRECONDITION naming
// both sides' versions. `peer` is "client" or "worker".
grpc::Status CheckPeerVersions(const std::string &peer, const std::string &protocol_version,
                               const std::string &duckdb_version);

// `value`, as a client sent it, for an error message: whole when short, else its start and its
// length. Statuses travel in an HTTP/2 trailer, which gRPC refuses past the peer's metadata
// limit (8 KiB by default): a client echoed its own 8 MiB string would get "received initial
// metadata size exceeds limit" instead of the error.
std::string ClientValueForError(const std::string &value);

// `status` with its message cut to kMaxStatusMessageBytes, for every status an RPC handler returns
// (messages built from DuckDB errors or a worker's status may still be long).
constexpr size_t kMaxStatusMessageBytes = 4096;
grpc::Status BoundedStatus(const grpc::Status &status);

// NOT_FOUND "database 'x' does not exist on this OpenDuck server (available: a, b)".
grpc::Status DatabaseNotFound(const std::string &database, const std::vector<std::string> &available);

} // namespace openduck
