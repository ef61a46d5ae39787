// Turns the token a request presents into the principal it runs as: the server's bootstrap
// token (compared in constant time) is the admin of everything; any other token is looked up,
// by its SHA-256, in the token store when the server has one. Revoked and expired tokens are
// refused on their next request (every request looks the token up; no cache).
//
// Thread-safe.
#pragma once

#include "auth/principal.hpp"
#include "auth/token_store.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace openduck {

class Authenticator {
public:
	// `store` may be null: then only the bootstrap token is accepted.
	Authenticator(std::string bootstrap_token, std::shared_ptr<TokenStore> store);

	// The principal of `token`, or nullopt with `why` set: "missing or invalid token" for an
	// unknown one (nothing about it is echoed), or why a known one is refused (revoked, expired).
	std::optional<Principal> Authenticate(const std::string &token, std::string &why);

	// True for the bootstrap token only (compared in constant time).
	bool IsBootstrap(const std::string &token) const;

private:
	const std::string bootstrap_token_;
	const std::shared_ptr<TokenStore> store_;
	// Last uses are written at most once a minute per token, not on every request.
	std::mutex used_mutex_;
	std::map<std::string, std::chrono::steady_clock::time_point> last_marked_;
};

} // namespace openduck
