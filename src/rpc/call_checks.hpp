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

// NOT_FOUND "database 'x' does not exist on this OpenDuck server (available: a, b)".
grpc::Status DatabaseNotFound(const std::string &database, const std::vector<std::string> &available);

} // namespace openduck
