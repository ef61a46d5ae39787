#include "rpc/call_checks.hpp"

#include "common/token.hpp"
#include "common/version.hpp"

namespace openduck {

std::string CallerToken(const grpc::ServerContext &context) {
	auto &metadata = context.client_metadata();
	auto entry = metadata.find("authorization");
	if (entry == metadata.end()) {
		return "";
	}
	return TokenFromHeader(std::string(entry->second.data(), entry->second.size()));
}

grpc::Status CheckAuthorization(const grpc::ServerContext &context, const std::string &expected) {
	auto presented = CallerToken(context);
	// An empty expected token never authorizes anything: servers refuse to start without one,
	// and this keeps a misconfiguration from turning into an open server.
	if (expected.empty() || presented.empty() || !TokensEqual(presented, expected)) {
		return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "authentication failed: missing or invalid token");
	}
	return grpc::Status::OK;
}

std::string ClientValueForError(const std::string &value) {
	constexpr size_t kShown = 100;
	if (value.size() <= 2 * kShown) {
		return value;
	}
	return value.substr(0, kShown) + "... (" + std::to_string(value.size()) + " bytes)";
}

grpc::Status BoundedStatus(const grpc::Status &status) {
	auto message = status.error_message();
	if (message.size() <= kMaxStatusMessageBytes) {
		return status;
	}
	auto note = "... (" + std::to_string(message.size()) + " bytes in all)";
	return grpc::Status(status.error_code(), message.substr(0, kMaxStatusMessageBytes - note.size()) + note,
	                    status.error_details());
}

grpc::Status CheckPeerVersions(const std::string &peer, const std::string &protocol_version,
                               const std::string &duckdb_version) {
	if (protocol_version == kProtocolVersion && duckdb_version == kDuckDBVersion) {
		return grpc::Status::OK;
	}
	auto shown = [](const std::string &value) {
		return value.empty() ? std::string("(none)") : ClientValueForError(value);
	};
	return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
	                    "version mismatch: " + peer + " speaks OpenDuck protocol " + shown(protocol_version) +
	                        " for DuckDB " + shown(duckdb_version) + ", server speaks protocol " + kProtocolVersion +
	                        " for DuckDB " + kDuckDBVersion);
}

grpc::Status DatabaseNotFound(const std::string &database, const std::vector<std::string> &available) {
	std::string list;
	for (auto &name : available) {
		list += (list.empty() ? "" : ", ") + name;
	}
	if (list.empty()) {
		list = "none";
	}
	return grpc::Status(grpc::StatusCode::NOT_FOUND, "database '" + ClientValueForError(database) +
	                                                     "' does not exist on this OpenDuck server (available: " +
	                                                     list + ")");
}

} // namespace openduck
