// The checks every RPC and HTTP endpoint makes of its caller, shared by the gateway and the
// worker (clients may call a worker directly): who the caller is, whether it may see the
// database it names (a database it may not see is reported exactly like a missing one, and
// lists of databases show only the visible ones), and whether its scope allows the action.
#pragma once

#include "auth/authenticator.hpp"
#include "openduck/v1/openduck.pb.h"
#include "rpc/server_status.hpp"

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <string>
#include <vector>

namespace openduck {

// The caller's principal from its "authorization" metadata, or UNAUTHENTICATED saying why.
// Never echoes the token.
grpc::Status AuthenticateCall(const grpc::ServerContext &context, Authenticator &authenticator, Principal &principal);

// NOT_FOUND, worded as for a missing database and listing only visible ones, when `principal`
// may not see `database`. `all_databases` is only called then.
grpc::Status CheckVisible(const Principal &principal, const std::string &database,
                          const std::function<std::vector<std::string>()> &all_databases);

// PERMISSION_DENIED naming the token, its scope and the scope `what` needs.
grpc::Status CheckScope(const Principal &principal, Scope needed, const std::string &database,
                        const std::string &what);

// Visibility and scope for a ManageDatabase call: creating, dropping, undropping or cloning into
// a database needs admin on it; a snapshot needs write on its database; a clone also needs to see
// its source; listing needs only to see the database the call goes through.
grpc::Status CheckManageDatabase(const Principal &principal, const openduck::v1::ManageDatabaseRequest &request,
                                 const std::function<std::vector<std::string>()> &all_databases);
// Removes from a LIST answer the databases `principal` may not see.
void VisibleOnly(const Principal &principal, openduck::v1::ManageDatabaseResponse &response);

// For StatusHttpResponse: a bearer token's view of /health and /metrics.
HttpAuthorizer HttpAuthorizerFor(Authenticator &authenticator);

} // namespace openduck
