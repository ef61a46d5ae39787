#include "storage/postgres_connection.hpp"

#include <libpq-fe.h>
#include <regex>
#include <stdexcept>

namespace openduck {

// Any fixed number: the key of the advisory lock that serialises metadata transactions.
static constexpr const char *kMetadataLockKey = "7252017";
// Defaults a connection URI may override (connect_timeout=..., options=-c statement_timeout=...).
static constexpr const char *kDefaultConnectTimeoutSeconds = "10";
static constexpr const char *kDefaultSessionOptions = "-c statement_timeout=30000 -c lock_timeout=30000";

std::string RedactConnectionUri(const std::string &uri) {
	// user:password@ in a URI, and password= / sslpassword= in its query or in a key=value string.
	auto redacted = std::regex_replace(uri, std::regex("(://[^:/@]*):[^@]*@"), "$1:***@");
	return std::regex_replace(redacted, std::regex("((?:^|[?&\\s])(?:ssl)?password=)[^&\\s]*", std::regex::icase),
	                          "$1***");
}

PostgresConnection::PostgresConnection(const std::string &uri) : uri_(uri) {
	described_ = RedactConnectionUri(uri);
	EnsureConnected();
}

PostgresConnection::~PostgresConnection() {
	PQfinish(conn_);
}

void PostgresConnection::EnsureConnected() {
	if (conn_ && PQstatus(conn_) == CONNECTION_OK) {
		return;
	}
	if (conn_) {
		PQfinish(conn_);
	}
	// Defaults first: settings in the URI come later and win. A metadata store that hangs must
	// not hang commits forever; the timeouts turn that into an error naming the store.
	const char *keywords[] = {"connect_timeout", "options", "dbname", nullptr};
	const char *values[] = {kDefaultConnectTimeoutSeconds, kDefaultSessionOptions, uri_.c_str(), nullptr};
	conn_ = PQconnectdbParams(keywords, values, 1);
	if (PQstatus(conn_) != CONNECTION_OK) {
		std::string message = PQerrorMessage(conn_);
		PQfinish(conn_);
		conn_ = nullptr;
		while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
			message.pop_back();
		}
		throw std::runtime_error("metadata store " + described_ + ": cannot connect: " + message);
	}
	PQclear(PQexec(conn_, "SET client_min_messages = warning"));
}

std::vector<SqlRow> PostgresConnection::Query(const std::string &sql, const std::vector<std::string> &params) {
	if (!in_transaction_) {
		EnsureConnected();
	}
	std::vector<const char *> values;
	for (auto &param : params) {
		values.push_back(param.c_str());
	}
	PGresult *result = PQexecParams(conn_, sql.c_str(), int(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
	auto status = PQresultStatus(result);
	if (status == PGRES_FATAL_ERROR && !in_transaction_ && PQstatus(conn_) != CONNECTION_OK) {
		// The server went away since the last call (restart, failover): reconnect once.
		PQclear(result);
		EnsureConnected();
		result = PQexecParams(conn_, sql.c_str(), int(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
		status = PQresultStatus(result);
	}
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		std::string message = PQresultErrorMessage(result);
		PQclear(result);
		while (!message.empty() && message.back() == '\n') {
			message.pop_back();
		}
		throw std::runtime_error("metadata store " + described_ + ": " + message + " in: " + sql);
	}
	std::vector<SqlRow> rows;
	int columns = PQnfields(result);
	for (int r = 0; r < PQntuples(result); r++) {
		SqlRow row;
		for (int c = 0; c < columns; c++) {
			row.emplace_back(PQgetisnull(result, r, c) ? "" : PQgetvalue(result, r, c));
		}
		rows.push_back(std::move(row));
	}
	PQclear(result);
	return rows;
}

void PostgresConnection::BeginExclusive() {
	EnsureConnected();
	Query("BEGIN", {});
	in_transaction_ = true;
	try {
		Query(std::string("SELECT pg_advisory_xact_lock(") + kMetadataLockKey + ")", {});
	} catch (...) {
		// No transaction without its lock: end it, so the next BEGIN starts clean.
		Rollback();
		throw;
	}
}

void PostgresConnection::Commit() {
	// Never resent: a COMMIT replayed on a fresh connection "succeeds" with nothing to commit.
	// A connection lost during COMMIT leaves the outcome unknown; the caller reads back.
	PGresult *result = PQexec(conn_, "COMMIT");
	auto status = PQresultStatus(result);
	std::string message = status == PGRES_COMMAND_OK ? "" : PQresultErrorMessage(result);
	PQclear(result);
	in_transaction_ = false;
	if (status == PGRES_COMMAND_OK) {
		return;
	}
	while (!message.empty() && message.back() == '\n') {
		message.pop_back();
	}
	if (PQstatus(conn_) != CONNECTION_OK) {
		throw std::runtime_error("metadata store " + described_ +
		                         ": the connection was lost during COMMIT, so whether it was applied is unknown: " +
		                         message);
	}
	throw std::runtime_error("metadata store " + described_ + ": COMMIT failed: " + message);
}

void PostgresConnection::Rollback() {
	in_transaction_ = false;
	if (conn_ && PQstatus(conn_) == CONNECTION_OK) {
		PQclear(PQexec(conn_, "ROLLBACK"));
	}
}

} // namespace openduck
