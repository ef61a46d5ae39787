#include "auth/token_store.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace openduck {

// Secrets are this prefix and 32 random bytes in hex: the prefix lets secret scanners and
// people recognise one.
static const char *kSecretPrefix = "odt_";

static std::string Hex(const unsigned char *bytes, size_t length) {
	static const char digits[] = "0123456789abcdef";
	std::string text;
	for (size_t i = 0; i < length; i++) {
		text += digits[bytes[i] >> 4];
		text += digits[bytes[i] & 15];
	}
	return text;
}

std::string TokenStore::Hash(const std::string &secret) {
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int length = 0;
	if (EVP_Digest(secret.data(), secret.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
		throw std::runtime_error("cannot hash a token: SHA-256 is unavailable");
	}
	return Hex(digest, length);
}

TokenStore::TokenStore(std::unique_ptr<SqlConnection> connection) : connection_(std::move(connection)) {
	connection_->Query("CREATE TABLE IF NOT EXISTS access_token (label TEXT PRIMARY KEY, token_hash TEXT NOT NULL "
	                   "UNIQUE, database TEXT NOT NULL, scope TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at "
	                   "BIGINT NOT NULL DEFAULT 0, revoked_at BIGINT NOT NULL DEFAULT 0, last_used_at BIGINT NOT NULL "
	                   "DEFAULT 0)");
}

static TokenRecord RecordFrom(const SqlRow &row) {
	TokenRecord record;
	record.label = row[0];
	record.database = row[1];
	record.scope = ParseScope(row[2]);
	record.created_at = std::stoll(row[3]);
	record.expires_at = std::stoll(row[4]);
	record.revoked_at = std::stoll(row[5]);
	record.last_used_at = std::stoll(row[6]);
	return record;
}

static const char *kColumns = "label, database, scope, created_at, expires_at, revoked_at, last_used_at";

std::string TokenStore::Create(const std::string &label, const std::string &database, Scope scope,
                               int64_t ttl_seconds) {
	if (label.empty() || database.empty()) {
		throw std::invalid_argument("a token needs a label and a database ('*' for all)");
	}
	unsigned char random[32];
	if (RAND_bytes(random, sizeof(random)) != 1) {
		throw std::runtime_error("cannot make a token: no random bytes from OpenSSL");
	}
	auto secret = kSecretPrefix + Hex(random, sizeof(random));
	std::lock_guard<std::mutex> guard(mutex_);
	auto now = connection_->UnixNowSql();
	connection_->BeginExclusive();
	try {
		if (!connection_->Query("SELECT label FROM access_token WHERE label = $1", {label}).empty()) {
			throw std::invalid_argument("a token labelled '" + label +
			                            "' exists already: choose another --name, or revoke it first");
		}
		connection_->Query("INSERT INTO access_token (label, token_hash, database, scope, created_at, expires_at) "
		                   "VALUES ($1, $2, $3, $4, " + now + ", CASE WHEN CAST($5 AS BIGINT) = 0 THEN 0 ELSE " + now +
		                       " + CAST($5 AS BIGINT) END)",
		                   {label, Hash(secret), database, ScopeName(scope), std::to_string(ttl_seconds)});
		connection_->Commit();
	} catch (...) {
		connection_->Rollback();
		throw;
	}
	return secret;
}

std::vector<TokenRecord> TokenStore::List() {
	std::lock_guard<std::mutex> guard(mutex_);
	std::vector<TokenRecord> records;
	for (auto &row : connection_->Query(std::string("SELECT ") + kColumns + " FROM access_token ORDER BY label")) {
		records.push_back(RecordFrom(row));
	}
	return records;
}

void TokenStore::Revoke(const std::string &label) {
	std::lock_guard<std::mutex> guard(mutex_);
	auto rows = connection_->Query("UPDATE access_token SET revoked_at = " + connection_->UnixNowSql() +
	                                   " WHERE label = $1 AND revoked_at = 0 RETURNING label",
	                               {label});
	if (rows.empty()) {
		throw std::invalid_argument("no live token is labelled '" + label + "' (see `openduck token list`)");
	}
}

TokenLookup TokenStore::Find(const std::string &secret) {
	TokenLookup lookup;
	std::lock_guard<std::mutex> guard(mutex_);
	auto rows = connection_->Query(std::string("SELECT ") + kColumns + ", " + connection_->UnixNowSql() +
	                                   " FROM access_token WHERE token_hash = $1",
	                               {Hash(secret)});
	if (!rows.empty()) {
		lookup.record = RecordFrom(rows[0]);
		lookup.now = std::stoll(rows[0][7]);
	}
	return lookup;
}

void TokenStore::MarkUsed(const std::string &label) {
	std::lock_guard<std::mutex> guard(mutex_);
	connection_->Query("UPDATE access_token SET last_used_at = " + connection_->UnixNowSql() + " WHERE label = $1",
	                   {label});
}

} // namespace openduck
