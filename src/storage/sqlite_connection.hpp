// SqlConnection over an SQLite file (the embedded metadata store of `openduck serve`). WAL
// journal mode with synchronous=FULL, so a committed snapshot survives power loss; a busy
// timeout lets the CLI's admin commands share the file with a running server.
#pragma once

#include "storage/sql_connection.hpp"

struct sqlite3;

namespace openduck {

class SqliteConnection : public SqlConnection {
public:
	// Opens (creating) the database file at `path`; its directory must exist.
	explicit SqliteConnection(const std::string &path);
	~SqliteConnection() override;

	std::vector<SqlRow> Query(const std::string &sql, const std::vector<std::string> &params) override;
	void BeginExclusive() override;
	void Commit() override;
	void Rollback() override;
	std::string IdColumnType() const override {
		return "INTEGER PRIMARY KEY AUTOINCREMENT";
	}
	std::string UnixNowSql() const override {
		return "CAST(strftime('%s', 'now') AS INTEGER)";
	}
	std::string Describe() const override {
		return "sqlite://" + path_;
	}

private:
	sqlite3 *db_ = nullptr;
	std::string path_;
};

} // namespace openduck
