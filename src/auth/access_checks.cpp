#include "auth/access_checks.hpp"

#include "common/token.hpp"
#include "rpc/call_checks.hpp"

#include <algorithm>

namespace openduck {

namespace pb = openduck::v1;

grpc::Status AuthenticateCall(const grpc::ServerContext &context, Authenticator &authenticator, Principal &principal) {
	std::string why;
	auto found = authenticator.Authenticate(CallerToken(context), why);
	if (!found) {
		return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, why);
	}
	principal = *found;
	return grpc::Status::OK;
}

grpc::Status CheckVisible(const Principal &principal, const std::string &database,
                          const std::function<std::vector<std::string>()> &all_databases) {
	if (principal.MaySee(database)) {
		return grpc::Status::OK;
	}
	return DatabaseNotFound(database, principal.Visible(all_databases()));
}

grpc::Status CheckScope(const Principal &principal, Scope needed, const std::string &database,
                        const std::string &what) {
	if (principal.Allows(needed)) {
		return grpc::Status::OK;
	}
	return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
	                    "token '" + principal.label + "' has scope " + ScopeName(principal.scope) + " on database '" +
	                        database + "'; " + what + " needs scope " + ScopeName(needed) +
	                        " (openduck token create --scope " + ScopeName(needed) + ")");
}

grpc::Status CheckManageDatabase(const Principal &principal, const pb::ManageDatabaseRequest &request,
                                 const std::function<std::vector<std::string>()> &all_databases) {
	auto status = CheckVisible(principal, request.database(), all_databases);
	if (!status.ok()) {
		return status;
	}
	switch (request.action()) {
	case pb::DATABASE_ACTION_SNAPSHOT:
		return CheckScope(principal, Scope::kWrite, request.database(), "naming a snapshot");
	case pb::DATABASE_ACTION_CREATE:
	case pb::DATABASE_ACTION_CLONE:
	case pb::DATABASE_ACTION_UNDROP: {
		bool undrop = request.action() == pb::DATABASE_ACTION_UNDROP;
		auto what = std::string(undrop ? "undropping" : "creating") + " a database";
		if (!principal.MaySee(request.target())) {
			return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
			                    "token '" + principal.label + "' reaches only database '" + principal.database + "'; " +
			                        what + " ('" + request.target() + "') needs a token for it or for '*'");
		}
		return CheckScope(principal, Scope::kAdmin, request.target(), what);
	}
	case pb::DATABASE_ACTION_LIST:
		return grpc::Status::OK; // any scope; the answer is cut to what the token sees (VisibleOnly)
	default: // DROP (routed by the database dropped) and unknown actions
		return CheckScope(principal, Scope::kAdmin, request.database(), "this action");
	}
}

void VisibleOnly(const Principal &principal, pb::ManageDatabaseResponse &response) {
	auto &databases = *response.mutable_databases();
	databases.erase(std::remove_if(databases.begin(), databases.end(),
	                               [&](const pb::DatabaseSummary &db) { return !principal.MaySee(db.name()); }),
	                databases.end());
}

HttpAuthorizer HttpAuthorizerFor(Authenticator &authenticator) {
	return [&authenticator](const std::string &token) {
		HttpViewer viewer;
		std::string why;
		auto principal = authenticator.Authenticate(token, why);
		if (principal) {
			viewer.authenticated = true;
			viewer.admin = principal->database == "*" && principal->Allows(Scope::kAdmin);
			viewer.may_see = [principal](const std::string &database) { return principal->MaySee(database); };
		}
		return viewer;
	};
}

} // namespace openduck
