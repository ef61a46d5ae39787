// SQL text for INSERT ... ON CONFLICT / INSERT OR REPLACE / INSERT OR IGNORE into a remote
// table. DuckDB's InsertStatement::ToString writes the conflict target and the DO UPDATE SET
// columns lower-cased and unquoted, which breaks (or silently retargets) names with capitals,
// spaces or quotes, so the conflict clause is rendered here with every identifier quoted.
#pragma once

#include "duckdb/parser/statement/insert_statement.hpp"

#include <string>

namespace openduck {

// How an INSERT resolves conflicts with the table's unique keys, as the SQL around
// "<verb> INTO <table><target_alias> (<columns>) <rows><clause>".
struct ConflictSQL {
	std::string verb = "INSERT";  // "INSERT OR REPLACE" for OR REPLACE
	std::string target_alias;     // " AS "alias"" when the statement names the target
	std::string clause;           // " ON CONFLICT ... DO ...", or "" for OR REPLACE

	// True for a plain INSERT, which fails on conflicts.
	bool Plain() const {
		return verb == "INSERT" && clause.empty();
	}
};

// The conflict handling of `insert`, which must have an ON CONFLICT / OR REPLACE / OR IGNORE.
ConflictSQL RenderConflict(const duckdb::InsertStatement &insert);

// `insert` as SQL the worker can run, RETURNING included. `insert` is left as it was.
std::string InsertSQL(duckdb::InsertStatement &insert);

} // namespace openduck
