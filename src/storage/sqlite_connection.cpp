#include "storage/sqlite_connection.hpp"

#include <sqlite3.h>
#include <stdexcept>

namespace openduck {

SqliteConnection::SqliteConnection(const std::string &path) : path_(path) {
	if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
	                    nullptr) != SQLITE_OK) {
		std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
		sqlite3_close(db_);
		db_ = nullptr;
		throw std::runtime_error("metadata store sqlite://" + path + ": cannot open: " + message);
	}
	sqlite3_busy_timeout(db_, 10000);
	Query("PRAGMA journal_mode=WAL", {});
	Query("PRAGMA synchronous=FULL", {});
}

SqliteConnection::~SqliteConnection() {
	sqlite3_close(db_);
}

std::vector<SqlRow> SqliteConnection::Query(const std::string &sql, const std::vector<std::string> &params) {
	sqlite3_stmt *statement = nullptr;
	if (sqlite3_prepare_v2(db_, sql.c_str(), int(sql.size()), &statement, nullptr) != SQLITE_OK) {
		throw std::runtime_error(Describe() + ": " + sqlite3_errmsg(db_) + " in: " + sql);
	}
	for (size_t i = 0; i < params.size(); i++) {
		auto name = "$" + std::to_string(i + 1);
		int index = sqlite3_bind_parameter_index(statement, name.c_str());
		if (index > 0) {
			sqlite3_bind_text(statement, index, params[i].data(), int(params[i].size()), SQLITE_TRANSIENT);
		}
	}
	std::vector<SqlRow> rows;
	while (true) {
		int rc = sqlite3_step(statement);
		if (rc == SQLITE_DONE) {
			break;
		}
		if (rc != SQLITE_ROW) {
			std::string message = sqlite3_errmsg(db_);
			sqlite3_finalize(statement);
			throw std::runtime_error(Describe() + ": " + message + " in: " + sql);
		}
		SqlRow row;
		int columns = sqlite3_column_count(statement);
		for (int c = 0; c < columns; c++) {
			auto text = sqlite3_column_text(statement, c);
			row.emplace_back(text ? reinterpret_cast<const char *>(text) : "");
		}
		rows.push_back(std::move(row));
	}
	sqlite3_finalize(statement);
	return rows;
}

void SqliteConnection::BeginExclusive() {
	Query("BEGIN IMMEDIATE", {});
}

void SqliteConnection::Commit() {
	Query("COMMIT", {});
}

void SqliteConnection::Rollback() {
	if (!sqlite3_get_autocommit(db_)) {
		Query("ROLLBACK", {});
	}
}

} // namespace openduck
