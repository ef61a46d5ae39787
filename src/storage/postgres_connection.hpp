// SqlConnection over PostgreSQL (libpq), the metadata store of a cluster. Mutating
// transactions take one transaction-scoped advisory lock, so read-check-write sequences of
// concurrent workers and admin commands are serialised exactly as on SQLite.
#pragma once

#include "storage/sql_connection.hpp"

struct pg_conn;

namespace openduck {

// `uri` with its credentials replaced by *** (user:password@, password=, sslpassword=), for logs and
// error messages.
std::string RedactConnectionUri(const std::string &uri);

class PostgresConnection : public SqlConnection {
public:
	// `uri`: a libpq connection URI (postgresql://user:pass@host:port/dbname?...).
	explicit PostgresConnection(const std::string &uri);
	~PostgresConnection() override;

	std::vector<SqlRow> Query(const std::string &sql, const std::vector<std::string> &params) override;
	void BeginExclusive() override;
	void Commit() override;
	void Rollback() override;
	std::string IdColumnType() const override {
		return "BIGSERIAL PRIMARY KEY";
	}
	std::string UnixNowSql() const override {
		return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT)";
	}
	std::string Describe() const override {
		return described_;
	}

private:
	// Re-establishes a broken connection between transactions (the server restarted).
	void EnsureConnected();

	pg_conn *conn_ = nullptr;
	std::string uri_;
	std::string described_; // the URI without its password
	bool in_transaction_ = false;
};

} // namespace openduck
