#include "storage/sandbox_functions.hpp"

#include "duckdb/main/connection.hpp"

#include <gtest/gtest.h>

namespace openduck {

static std::string ErrorOf(duckdb::Connection &connection, const std::string &sql) {
	auto result = connection.Query(sql);
	return result->HasError() ? result->GetError() : "";
}

TEST(SandboxFunctionsTest, ServerPathsAreRefusedAndEverythingElseWorks) {
	duckdb::DuckDB database(nullptr);
	HideServerPaths(*database.instance);
	HideServerPaths(*database.instance); // a second time changes nothing
	duckdb::Connection connection(database);
	for (auto sql : {"SELECT current_setting('temp_directory')", "SELECT current_setting('HOME_DIRECTORY')",
	                 "SELECT * FROM duckdb_temporary_files()", "SELECT * FROM duckdb_extensions()"}) {
		auto error = ErrorOf(connection, sql);
		EXPECT_NE(error.find("Permission Error"), std::string::npos) << sql << ": " << error;
	}
	EXPECT_EQ(ErrorOf(connection, "SELECT current_setting('threads'), current_setting('default_null_order')"), "");
	auto paths = connection.Query("SELECT count(*) FILTER (WHERE value IS NOT NULL), "
	                              "count(*) FILTER (WHERE name = 'threads' AND value IS NOT NULL) FROM duckdb_settings() "
	                              "WHERE name IN ('temp_directory', 'home_directory', 'secret_directory', 'threads')");
	ASSERT_FALSE(paths->HasError()) << paths->GetError();
	EXPECT_EQ(paths->GetValue(0, 0).GetValue<int64_t>(), 1); // threads only
	EXPECT_EQ(paths->GetValue(1, 0).GetValue<int64_t>(), 1);
	auto databases = connection.Query("SELECT count(*), count(path) FROM duckdb_databases()");
	ASSERT_FALSE(databases->HasError()) << databases->GetError();
	EXPECT_GT(databases->GetValue(0, 0).GetValue<int64_t>(), 0);
	EXPECT_EQ(databases->GetValue(1, 0).GetValue<int64_t>(), 0);
	EXPECT_EQ(ErrorOf(connection, "CREATE TABLE t (i INTEGER)"), "");
	for (auto sql : {"SELECT * FROM duckdb_tables()", "SELECT * FROM duckdb_views()", "SELECT * FROM duckdb_columns()",
	                 "SELECT * FROM duckdb_schemas()", "SELECT * FROM duckdb_functions()",
	                 "SELECT current_database(), current_schema()", "PRAGMA table_info('t')", "PRAGMA database_list",
	                 "SELECT * FROM information_schema.tables", "SELECT * FROM pg_catalog.pg_settings"}) {
		EXPECT_EQ(ErrorOf(connection, sql), "") << sql;
	}
}

} // namespace openduck
