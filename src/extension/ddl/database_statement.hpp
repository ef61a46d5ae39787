// The database statements the extension adds to DuckDB's SQL, parsed:
//
//   CREATE DATABASE x [(TYPE DUCKLAKE)]
//   CREATE DATABASE x FROM y [AT (VERSION => 'name' | id) | AT (TIMESTAMP => '2025-01-01 12:00:00')]
//   CREATE SNAPSHOT [name] OF x
//   DROP DATABASE x
//   UNDROP DATABASE x
//   SHOW OPENDUCK DATABASES
//
// x and y are remote database names (not attachment aliases); keywords are case-insensitive,
// names may be "quoted", a trailing ';' is allowed. DuckDB's parser rejects every one of these
// forms (so the extension sees them, ddl_parser_extension.hpp); SHOW DATABASES is DuckDB's own
// statement and stays so. Pure functions on values, thread-safe.
#pragma once

#include <optional>
#include <string>

namespace openduck {

struct DatabaseStatement {
	enum class Kind { kCreate, kClone, kSnapshot, kDrop, kUndrop, kShow };
	enum class At { kHead, kVersion, kTimestamp };

	Kind kind = Kind::kShow;
	// The database created, dropped or undropped; the database snapshotted.
	std::string database;
	// kClone: the source database. kSnapshot: the snapshot's name (empty: unnamed).
	std::string source;
	At at = At::kHead;
	// kVersion: a snapshot name or id; kTimestamp: the time as written.
	std::string at_value;
	// kCreate: "ducklake" for (TYPE DUCKLAKE); empty for a native database.
	std::string type;

	// The statement in canonical form; parsing it gives this statement again.
	std::string ToSql() const;
};

// The statement `sql` is, or nullopt when it is none of these forms (DuckDB's own error is then
// the one to show). A form that starts like one but goes wrong sets `error` and returns nullopt.
std::optional<DatabaseStatement> ParseDatabaseStatement(const std::string &sql, std::string &error);

} // namespace openduck
