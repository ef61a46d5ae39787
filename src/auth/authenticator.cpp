#include "auth/authenticator.hpp"

#include "common/token.hpp"

namespace openduck {

static const char *kInvalid = "authentication failed: missing or invalid token";

Authenticator::Authenticator(std::string bootstrap_token, std::shared_ptr<TokenStore> store)
    : bootstrap_token_(std::move(bootstrap_token)), store_(std::move(store)) {
}

bool Authenticator::IsBootstrap(const std::string &token) const {
	return !token.empty() && TokensEqual(token, bootstrap_token_);
}

std::optional<Principal> Authenticator::Authenticate(const std::string &token, std::string &why) {
	if (IsBootstrap(token)) {
		return Principal::Bootstrap();
	}
	if (!store_ || token.empty()) {
		why = kInvalid;
		return std::nullopt;
	}
	auto lookup = store_->Find(token);
	if (!lookup.record) {
		why = kInvalid;
		return std::nullopt;
	}
	auto &record = *lookup.record;
	if (!lookup.Usable()) {
		why = "authentication failed: token '" + record.label + "' was " +
		      (record.revoked_at ? "revoked" : "valid until it expired") + " (ask an admin for a new one)";
		return std::nullopt;
	}
	{
		std::lock_guard<std::mutex> guard(used_mutex_);
		auto now = std::chrono::steady_clock::now();
		auto &marked = last_marked_[record.label];
		if (marked.time_since_epoch().count() == 0 || now - marked > std::chrono::minutes(1)) {
			marked = now;
			store_->MarkUsed(record.label);
		}
	}
	return Principal {record.label, record.database, record.scope};
}

} // namespace openduck
