// Scoped access tokens, stored in the metadata store (SQLite or PostgreSQL, table access_token):
// a label, the database ("*" for all), the scope, expiry, revocation and last use, and the
// SHA-256 of the secret. The secret itself is shown once, when it is created, and never stored.
//
// Thread-safe (calls are serialised on one connection of its own).
#pragma once

#include "auth/principal.hpp"
#include "storage/sql_connection.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace openduck {

struct TokenRecord {
	std::string label;
	std::string database;
	Scope scope = Scope::kRead;
	int64_t created_at = 0;
	int64_t expires_at = 0; // 0: never
	int64_t revoked_at = 0; // 0: live
	int64_t last_used_at = 0;
};

// What looking a secret up found.
struct TokenLookup {
	std::optional<TokenRecord> record; // empty: no such token
	int64_t now = 0;                   // the store's clock at the lookup
	bool Usable() const {
		return record && record->revoked_at == 0 && (record->expires_at == 0 || record->expires_at > now);
	}
};

class TokenStore {
public:
	// Creates the table when missing.
	explicit TokenStore(std::unique_ptr<SqlConnection> connection);

	// A new token; returns its secret. `ttl_seconds` 0: it never expires. Throws
	// std::invalid_argument when the label is taken or empty, or the database is empty.
	std::string Create(const std::string &label, const std::string &database, Scope scope, int64_t ttl_seconds);
	std::vector<TokenRecord> List();
	// Throws std::invalid_argument when no live token has that label.
	void Revoke(const std::string &label);
	TokenLookup Find(const std::string &secret);
	void MarkUsed(const std::string &label);

	// The SHA-256 of `secret`, hex.
	static std::string Hash(const std::string &secret);

private:
	std::mutex mutex_;
	std::unique_ptr<SqlConnection> connection_;
};

} // namespace openduck
