// The few things the SQL metadata store needs from a database connection, so one
// implementation of the metadata logic (SqlMetadataStore) runs on SQLite and PostgreSQL.
// Statements use $1, $2, ... placeholders; every parameter and result value is text (both
// engines convert to the column's type), which keeps the interface tiny.
//
// Not thread-safe: SqlMetadataStore serialises calls.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace openduck {

using SqlRow = std::vector<std::string>;

class SqlConnection {
public:
	virtual ~SqlConnection() = default;

	// Runs one statement; returns its rows (NULL reads as ""). Throws std::runtime_error with
	// the engine's message.
	virtual std::vector<SqlRow> Query(const std::string &sql, const std::vector<std::string> &params = {}) = 0;
	// Starts a transaction that excludes every other writer until Commit/Rollback, so the
	// store's read-check-write sequences are serialisable.
	virtual void BeginExclusive() = 0;
	virtual void Commit() = 0;
	virtual void Rollback() = 0;
	// Column type of an auto-assigned 64-bit primary key.
	virtual std::string IdColumnType() const = 0;
	// An expression for the store's own clock in Unix seconds: lease and pin expiry use it, so
	// hosts with skewed clocks agree on when a lease expired.
	virtual std::string UnixNowSql() const = 0;
	virtual std::string Describe() const = 0;
};

// A new connection to the metadata store at `url` (sqlite:///path/file.db, creating its
// directory, or postgresql://...). Throws std::runtime_error naming the accepted forms.
std::unique_ptr<SqlConnection> OpenSqlConnection(const std::string &url);

} // namespace openduck
