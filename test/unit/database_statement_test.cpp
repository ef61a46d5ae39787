// The database statements' parser (src/extension/ddl/database_statement.hpp): every form, the
// canonical SQL reading back as the same statement, and what it leaves to DuckDB.
#include "extension/ddl/database_statement.hpp"

#include <gtest/gtest.h>

namespace openduck {
namespace {

DatabaseStatement Parsed(const std::string &sql) {
	std::string error;
	auto statement = ParseDatabaseStatement(sql, error);
	EXPECT_TRUE(statement) << sql << ": " << error;
	return statement ? *statement : DatabaseStatement {};
}

TEST(DatabaseStatement, EveryFormAndItsCanonicalSqlRoundTrips) {
	using Kind = DatabaseStatement::Kind;
	struct Case {
		std::string sql;
		Kind kind;
		std::string canonical;
	};
	std::vector<Case> cases = {
	    {"create database x", Kind::kCreate, "CREATE DATABASE \"x\""},
	    {"CREATE DATABASE \"My \"\"db\"\"\";", Kind::kCreate, "CREATE DATABASE \"My \"\"db\"\"\""},
	    {"create database lake (type ducklake)", Kind::kCreate, "CREATE DATABASE \"lake\" (TYPE DUCKLAKE)"},
	    {"CREATE DATABASE b FROM a", Kind::kClone, "CREATE DATABASE \"b\" FROM \"a\""},
	    {"CREATE DATABASE b FROM a AT (VERSION => 'v1')", Kind::kClone,
	     "CREATE DATABASE \"b\" FROM \"a\" AT (VERSION => 'v1')"},
	    {"create database b from a at(version=>7)", Kind::kClone, "CREATE DATABASE \"b\" FROM \"a\" AT (VERSION => '7')"},
	    {"CREATE DATABASE b FROM a AT (TIMESTAMP => '2025-01-31 12:00:00')", Kind::kClone,
	     "CREATE DATABASE \"b\" FROM \"a\" AT (TIMESTAMP => '2025-01-31 12:00:00')"},
	    {"CREATE SNAPSHOT OF a", Kind::kSnapshot, "CREATE SNAPSHOT OF \"a\""},
	    {"CREATE SNAPSHOT v1 OF a", Kind::kSnapshot, "CREATE SNAPSHOT \"v1\" OF \"a\""},
	    {"DROP DATABASE a", Kind::kDrop, "DROP DATABASE \"a\""},
	    {"undrop database a ;", Kind::kUndrop, "UNDROP DATABASE \"a\""},
	    {"  -- the clone\nCREATE /* zero-copy */ DATABASE b FROM a -- of a\n", Kind::kClone,
	     "CREATE DATABASE \"b\" FROM \"a\""},
	    {"SHOW OPENDUCK DATABASES", Kind::kShow, "SHOW OPENDUCK DATABASES"},
	};
	for (auto &c : cases) {
		auto statement = Parsed(c.sql);
		EXPECT_EQ(statement.kind, c.kind) << c.sql;
		EXPECT_EQ(statement.ToSql(), c.canonical) << c.sql;
		auto again = Parsed(statement.ToSql());
		EXPECT_EQ(again.ToSql(), c.canonical) << c.sql;
		EXPECT_EQ(again.database, statement.database);
		EXPECT_EQ(again.source, statement.source);
		EXPECT_EQ(again.at_value, statement.at_value);
		EXPECT_EQ(again.type, statement.type);
	}
	EXPECT_EQ(Parsed("CREATE DATABASE lake (TYPE DuckLake)").type, "ducklake");
	EXPECT_EQ(Parsed("CREATE DATABASE x").type, "");
	auto clone = Parsed("CREATE DATABASE b FROM a AT (VERSION => 'v1')");
	EXPECT_EQ(clone.database, "b");
	EXPECT_EQ(clone.source, "a");
	EXPECT_EQ(clone.at, DatabaseStatement::At::kVersion);
	EXPECT_EQ(clone.at_value, "v1");
	EXPECT_EQ(Parsed("CREATE SNAPSHOT v1 OF a").source, "v1");
}

TEST(DatabaseStatement, OtherStatementsAreLeftToDuckDB) {
	for (std::string sql : {"SELEC 1", "CREATE TABLE t(i INT", "DROP TABLE", "SHOW DATABASES x", "CREATE", ""}) {
		std::string error;
		EXPECT_FALSE(ParseDatabaseStatement(sql, error)) << sql;
		EXPECT_EQ(error, "") << sql;
	}
}

TEST(DatabaseStatement, ABrokenFormSaysWhatWasExpected) {
	struct Case {
		std::string sql;
		std::string error;
	};
	std::vector<Case> cases = {
	    {"CREATE DATABASE", "expected the new database's name at the end"},
	    {"CREATE DATABASE b FROM a AT (SNAPSHOT => 1)", "expected VERSION or TIMESTAMP"},
	    {"CREATE DATABASE b FROM a AT (VERSION => 1", "expected ) at the end"},
	    {"CREATE SNAPSHOT v1 a", "expected OF"},
	    {"CREATE DATABASE x (TYPE ICEBERG)", "unknown database type 'ICEBERG': use (TYPE DUCKLAKE)"},
	    {"CREATE DATABASE x (DUCKLAKE)", "expected TYPE DUCKLAKE"},
	    {"CREATE DATABASE x (TYPE DUCKLAKE", "expected ) at the end"},
	    {"DROP DATABASE a b", "unexpected text at \"b\""},
	    {"SHOW OPENDUCK TABLES", "expected DATABASES"},
	};
	for (auto &c : cases) {
		std::string error;
		EXPECT_FALSE(ParseDatabaseStatement(c.sql, error)) << c.sql;
		EXPECT_NE(error.find(c.error), std::string::npos) << c.sql << ": " << error;
	}
}

} // namespace
} // namespace openduck
